import { describe, expect, it } from 'vitest';
import { fileProblemOf } from './file-problems';

const err = (code: string, syscall?: string) => Object.assign(new Error(`${code}: something`), { code, syscall });

describe('fileProblemOf', () => {
	it('knows every code the CLI and the backups each knew', () => {
		for (const code of ['ENOENT', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENAMETOOLONG', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'])
			expect(fileProblemOf(err(code)), code).toBeDefined();
	});

	it('says what the code means, with the code --json reports', () => {
		expect(fileProblemOf(err('ENOSPC'))).toEqual({ problem: 'no space left on the device', code: 'disk_full' });
		expect(fileProblemOf(err('SQLITE_FULL'))).toEqual({ problem: 'no space left on the device', code: 'disk_full' });
		expect(fileProblemOf(err('EACCES'))).toEqual({ problem: 'permission denied', code: 'permission_denied' });
	});

	it('reads an existing path as a file in the way of a folder only when mkdir met it', () => {
		expect(fileProblemOf(err('EEXIST', 'mkdir'))).toEqual({ problem: 'is a file, not a folder', code: 'not_directory' });
		expect(fileProblemOf(err('EEXIST', 'open'))).toEqual({ problem: 'already exists', code: 'exists' });
	});

	it("falls back from SQLite's extended codes to their primary code, not from errno codes", () => {
		expect(fileProblemOf(err('SQLITE_READONLY_DIRECTORY'))?.code).toBe('read_only');
		expect(fileProblemOf(err('SQLITE_CANTOPEN_ISDIR'))?.code).toBe('failed');
		expect(fileProblemOf(err('EWHATEVER'))).toBeUndefined();
		expect(fileProblemOf(new Error('no code'))).toBeUndefined();
		expect(fileProblemOf(null)).toBeUndefined();
	});
});
