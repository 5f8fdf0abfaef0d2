import { DomainError } from '$lib/errors';

/** A user-facing CLI failure: printed as one line, no stack trace. */
export class CliError extends Error {
	constructor(
		message: string,
		readonly exitCode = 1
	) {
		super(message);
		this.name = 'CliError';
	}
}

/**
 * The one place errors become exit codes: a CliError carries its own (2 for a command line
 * that cannot be read), a DomainError (a refusal from the domain functions: bad input, not
 * found, the state forbids it) exits 1; anything else is a crash (null: print the stack, exit 1).
 */
export function exitCodeOf(err: unknown): number | null {
	if (err instanceof CliError) return err.exitCode;
	if (err instanceof DomainError) return 1;
	return null;
}
