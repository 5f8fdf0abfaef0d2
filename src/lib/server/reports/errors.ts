import { DomainError } from '$lib/errors';

/** A report request that cannot be met (unknown audit, invalid adjudication, …), with its HTTP status. */
export class ReportError extends DomainError {
	constructor(message: string, status: 400 | 404 | 409 = 400) {
		super(message, status);
	}
}
