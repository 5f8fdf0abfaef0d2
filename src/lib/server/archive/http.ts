import { fail } from '@sveltejs/kit';
import { ArchiveError } from './errors';

/**
 * Form-action helpers for archive, restore, delete and purge: an ArchiveError becomes
 * `fail(403 | 409, { action, error })`, shown next to the form that asked (ArchivePanel).
 */
export function archiveFailure(action: string, err: unknown) {
	if (err instanceof ArchiveError) return fail(err.status === 403 ? 403 : 409, { action, error: err.message });
	throw err;
}

/** Runs a synchronous change and answers `{ action, message }`, or the failure. */
export function archiveAction(action: string, fn: () => string) {
	try {
		return { action, message: fn() };
	} catch (err) {
		return archiveFailure(action, err);
	}
}
