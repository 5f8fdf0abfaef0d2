import { DomainError } from '$lib/errors';
import { AUDIT_ARCHIVED, REVIEWER_REMOVED } from '../../audits/views';

/**
 * A refusal the caller can explain to a person. `status` is the HTTP status routes answer with:
 * 400 bad input, 404 not found *or not yours* (never revealing which), 409 the audit's state
 * forbids it (closed, item full, skipped).
 */
export class AuditError extends DomainError {
	constructor(message: string, status: 400 | 404 | 409 = 400, code = status === 404 ? 'not_found' : 'invalid', field?: string) {
		super(message, status, code, field);
	}
}

/** The one answer for "no such audit/item" and "not yours", so ids cannot be probed. */
export function notFound(what = 'item'): AuditError {
	return new AuditError(`No such ${what}, or it is not assigned to you.`, 404, 'not_found');
}

export function closedError(): AuditError {
	return new AuditError('This audit is closed: labels can no longer be given or changed.', 409, 'closed');
}

/**
 * Told only to a reviewer of the audit: archiving hides it and makes it read-only, so it takes no
 * labels, as a closed one (the review screen handles both the same way).
 */
export function archivedError(): AuditError {
	return new AuditError('This audit is archived: labels can no longer be given or changed.', 409, AUDIT_ARCHIVED);
}

/** Told only to someone who was a reviewer of the audit (they know it exists). */
export function removedError(): AuditError {
	return new AuditError('A researcher removed you from this audit: it gives you no more items.', 404, REVIEWER_REMOVED);
}
