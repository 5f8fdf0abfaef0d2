import { DomainError } from '$lib/errors';

/** A backup or restore that could not be done, in words a person can act on. */
export class BackupError extends DomainError {
	constructor(message: string, status: 400 | 404 | 409 | 500 = 400) {
		super(message, status);
	}
}
