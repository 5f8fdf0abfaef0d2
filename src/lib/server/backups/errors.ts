import { DomainError, type DomainStatus } from '$lib/errors';

/** A backup or restore that could not be done, in words a person can act on. */
export class BackupError extends DomainError {
	constructor(message: string, status: Extract<DomainStatus, 400 | 404 | 409 | 500> = 400, code?: string) {
		super(message, status, code);
	}
}

/** What a file-system or SQLite error code means for a file or folder, with the code the CLI's --json reports (the same as src/cli/files.ts). */
const PROBLEMS: Record<string, { problem: string; code: string }> = {
	ENOSPC: { problem: 'no space left on the device', code: 'disk_full' },
	SQLITE_FULL: { problem: 'no space left on the device', code: 'disk_full' },
	EROFS: { problem: 'is on a read-only file system', code: 'read_only' },
	SQLITE_READONLY: { problem: 'is on a read-only file system or not writable', code: 'read_only' },
	EACCES: { problem: 'permission denied', code: 'permission_denied' },
	EPERM: { problem: 'operation not permitted', code: 'permission_denied' },
	ENOTDIR: { problem: 'is not a folder (a part of its path is a file)', code: 'not_directory' },
	// mkdir of a path that is a file
	EEXIST: { problem: 'is a file, not a folder', code: 'not_directory' },
	SQLITE_CANTOPEN: { problem: 'cannot be opened or created', code: 'failed' }
};

/**
 * A file-system failure while reading or writing `place` (a file or folder the person knows:
 * the backups folder, the database's folder) as a BackupError naming it and why, instead of
 * Node's "EROFS: read-only file system, open '.instruct-audit-….partial-123'".
 */
export function fileSystemError(place: string, err: unknown, doing?: string): BackupError {
	if (err instanceof BackupError) return err;
	const code = (err as { code?: unknown } | null)?.code;
	const base = typeof code === 'string' ? (PROBLEMS[code] ?? PROBLEMS[code.replace(/_[A-Z]+$/, '')]) : undefined;
	const lead = doing ? `${doing}: ` : '';
	if (base) return new BackupError(`${lead}${place}: ${base.problem}.`, 500, base.code);
	return new BackupError(`${lead}${(err as Error)?.message ?? String(err)}`, 500, 'failed');
}
