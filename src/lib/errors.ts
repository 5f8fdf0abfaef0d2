/**
 * The one error type of the domain: a refusal a person can act on, with the HTTP status a route
 * answers with, a short machine-readable code (by default `not_found` for 404, else `invalid`) and, when one form field is at fault, its name.
 * Area errors (AuditError, ReportError, …) extend it so callers can still tell them apart, but
 * routes translate every one with src/lib/server/http/errors.ts and the CLI with
 * src/cli/cli-error.ts (exitCodeOf) — nowhere else.
 *
 * Status: 400 bad input, 403 not allowed, 404 not found (or not yours), 409 the current state
 * forbids it, 500 the server could not do it (a backup that failed to write).
 */
export type DomainStatus = 400 | 403 | 404 | 409 | 500;

export class DomainError extends Error {
	constructor(
		message: string,
		readonly status: DomainStatus = 400,
		readonly code: string = status === 404 ? 'not_found' : 'invalid',
		readonly field?: string
	) {
		super(message);
		this.name = new.target.name;
	}
}
