import { describe, expect, it } from 'vitest';
import { BackupError, fileSystemError } from './errors';

describe('fileSystemError', () => {
	it('names the place and the reason, with the code the CLI reports', () => {
		const err = (code: string) => Object.assign(new Error(`${code}: something`), { code });
		expect(fileSystemError('/srv/data', err('SQLITE_FULL'), 'The backup cannot be copied beside the database')).toMatchObject({
			message: 'The backup cannot be copied beside the database: /srv/data: no space left on the device.',
			code: 'disk_full',
			status: 500
		});
		expect(fileSystemError('/srv/bk', err('ENOSPC'))).toMatchObject({ message: '/srv/bk: no space left on the device.', code: 'disk_full' });
		expect(fileSystemError('/srv/bk', err('EROFS'))).toMatchObject({ message: '/srv/bk: is on a read-only file system.', code: 'read_only' });
		expect(fileSystemError('/srv/bk', err('EACCES'))).toMatchObject({ message: '/srv/bk: permission denied.', code: 'permission_denied' });
		expect(fileSystemError('/srv/bk', err('SQLITE_READONLY_DIRECTORY')).code).toBe('read_only');
		expect(fileSystemError('/srv/bk', err('EWHATEVER'), 'Backup failed')).toMatchObject({ message: 'Backup failed: EWHATEVER: something', code: 'failed' });
		// Codes the CLI's table knew and this one did not (one table now, src/lib/file-problems.ts).
		expect(fileSystemError('/srv/bk', err('ENAMETOOLONG'), 'Backup failed')).toMatchObject({ message: 'Backup failed: /srv/bk: the name is too long.', code: 'invalid' });
		expect(fileSystemError('/srv/bk', err('EISDIR'))).toMatchObject({ message: '/srv/bk: is a directory.', code: 'is_directory' });
		const own = new BackupError('already said');
		expect(fileSystemError('/srv/bk', own)).toBe(own);
	});
});
