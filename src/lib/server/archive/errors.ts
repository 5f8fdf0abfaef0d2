import { DomainError } from '$lib/errors';

/**
 * A refusal to delete, archive, restore or purge, in words a person can act on. `status` is what
 * routes answer with: 403 not an administrator, 404 no such thing, 409 the thing's state forbids
 * it (it holds reviewed work, it is not archived, the confirmation does not match).
 */
export class ArchiveError extends DomainError {
	declare readonly code: 'reviewed-work' | 'not-archived' | 'archived' | 'confirm' | 'forbidden' | 'not_found' | 'busy' | 'invalid';
	constructor(
		message: string,
		status: 400 | 403 | 404 | 409 = 409,
		code: 'reviewed-work' | 'not-archived' | 'archived' | 'confirm' | 'forbidden' | 'not_found' | 'busy' | 'invalid' = 'invalid',
		field?: string
	) {
		super(message, status, code, field);
	}
}
