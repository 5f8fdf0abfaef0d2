import { describe, expect, it } from 'vitest';
import { fileErrorOf } from './files';

describe('fileErrorOf', () => {
	it('names the path of an errno error', () => {
		const err = Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES', path: '/x/out.jsonl' });
		expect(fileErrorOf(err)).toMatchObject({ message: '/x/out.jsonl: permission denied.', code: 'permission_denied' });
	});

	it('makes a full disk one line even when the write names no path (writeSync on an open file)', () => {
		const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
		expect(fileErrorOf(err)).toMatchObject({ message: 'Could not write: no space left on the device.', code: 'disk_full' });
		// Any other pathless error is left to the caller.
		expect(fileErrorOf(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeNull();
	});

	it("knows the backups' codes too: SQLite's full disk, and mkdir meeting a file", () => {
		const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
		expect(fileErrorOf(full, '/x/app.db')).toMatchObject({ message: '/x/app.db: no space left on the device.', code: 'disk_full' });
		const mkdir = Object.assign(new Error("EEXIST: file already exists, mkdir '/x/figs'"), { code: 'EEXIST', syscall: 'mkdir', path: '/x/figs' });
		expect(fileErrorOf(mkdir)).toMatchObject({ message: '/x/figs: is a file, not a folder.', code: 'not_directory' });
	});
});
