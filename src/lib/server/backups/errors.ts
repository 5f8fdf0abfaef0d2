import { DomainError, type DomainStatus } from '$lib/errors';
import { fileProblemOf } from '$lib/file-problems';

/** A backup or restore that could not be done, in words a person can act on. */
export class BackupError extends DomainError {
	constructor(message: string, status: Extract<DomainStatus, 400 | 404 | 409 | 500> = 400, code?: string) {
		super(message, status, code);
	}
}

/**
 * A file-system failure while reading or writing `place` (a file or folder the person knows:
 * the backups folder, the database's folder) as a BackupError naming it and why, instead of
 * Node's "EROFS: read-only file system, open '.instruct-audit-….partial-123'".
 */
export function fileSystemError(place: string, err: unknown, doing?: string): BackupError {
	if (err instanceof BackupError) return err;
	const base = fileProblemOf(err);
	const lead = doing ? `${doing}: ` : '';
	if (base) return new BackupError(`${lead}${place}: ${base.problem}.`, 500, base.code);
	return new BackupError(`${lead}${(err as Error)?.message ?? String(err)}`, 500, 'failed');
}
