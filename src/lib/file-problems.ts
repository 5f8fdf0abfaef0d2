/**
 * What a file-system (errno) or SQLite error code means for the file or folder it concerns, in
 * words a person can act on, with the short code the CLI's --json and the backup pages report.
 * The one table: the CLI (src/cli/files.ts) and backups (src/lib/server/backups/errors.ts) both
 * read it, so a code one of them learns the other knows too. Pure: the caller names the path.
 */
export interface FileProblem {
	/** Follows "<path>: ". */
	problem: string;
	code: string;
}

const FILE_PROBLEMS: Record<string, FileProblem> = {
	ENOENT: { problem: 'does not exist', code: 'not_found' },
	EISDIR: { problem: 'is a directory', code: 'is_directory' },
	ENOTDIR: { problem: 'a part of its path is a file, not a folder', code: 'not_directory' },
	EEXIST: { problem: 'already exists', code: 'exists' },
	EACCES: { problem: 'permission denied', code: 'permission_denied' },
	EPERM: { problem: 'operation not permitted', code: 'permission_denied' },
	EROFS: { problem: 'is on a read-only file system', code: 'read_only' },
	ENOSPC: { problem: 'no space left on the device', code: 'disk_full' },
	ENAMETOOLONG: { problem: 'the name is too long', code: 'invalid' },
	SQLITE_FULL: { problem: 'no space left on the device', code: 'disk_full' },
	SQLITE_READONLY: { problem: 'is on a read-only file system or not writable', code: 'read_only' },
	SQLITE_CANTOPEN: { problem: 'cannot be opened or created', code: 'failed' }
};

/** A file where a folder is needed (mkdir's EEXIST: "already exists" would read as fine). */
export const FILE_WHERE_FOLDER: FileProblem = { problem: 'is a file, not a folder', code: 'not_directory' };

/**
 * The problem an error's code names, or undefined for an error without a known code. SQLite's
 * extended codes (SQLITE_READONLY_DIRECTORY) fall back to their primary code.
 */
export function fileProblemOf(err: unknown): FileProblem | undefined {
	const e = err as { code?: unknown; syscall?: unknown } | null;
	const code = e?.code;
	if (typeof code !== 'string') return undefined;
	if (code === 'EEXIST' && e?.syscall === 'mkdir') return FILE_WHERE_FOLDER;
	return FILE_PROBLEMS[code] ?? (code.startsWith('SQLITE_') ? FILE_PROBLEMS[code.replace(/_[A-Z]+$/, '')] : undefined);
}

/** The problem of one errno code, for a refusal a caller finds itself (a path that is a directory). */
export function fileProblem(code: 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST'): FileProblem {
	return FILE_PROBLEMS[code];
}
