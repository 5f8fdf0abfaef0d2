import { DomainError } from '$lib/errors';

/** Where in the input a failure lies, when it lies in a file the command read. */
export interface CliErrorPlace {
	file?: string;
	line?: number;
	column?: number;
	/** The item's position in a JSON array. */
	index?: number;
	field?: string;
}

/**
 * A user-facing CLI failure: printed as one line, no stack trace. `result`: what the command had
 * done when it failed (a run's summary), printed under --json in the same document as the error,
 * so that a script reads one JSON value whatever happened.
 */
export class CliError extends Error {
	/** Set for a command line that cannot be read (see usageError): the command's usage, printed after the message. */
	usage?: string;
	constructor(
		message: string,
		readonly exitCode = 1,
		readonly place: CliErrorPlace = {},
		readonly result?: object,
		/** The code --json reports (not_found, is_directory, …); default "usage" for exit code 2, else "failed". */
		readonly code?: string
	) {
		super(message);
		this.name = 'CliError';
	}
}

/** A thing named on the command line that does not exist (an account, an endpoint, an audit): exit 1, code not_found. */
export function notFound(message: string): CliError {
	return new CliError(message, 1, {}, undefined, 'not_found');
}

/** A domain refusal a command re-throws with another exit code (2: the command line asked for it), keeping its code and field. */
export function withExitCode(err: DomainError, exitCode: number): CliError {
	return new CliError(err.message, exitCode, err.field ? { field: err.field } : {}, undefined, err.code);
}

/** A command line that cannot be read (exit 2): a one-line message, and the usage apart (stderr prints both, --json gives them as `message` and `usage`). */
export function usageError(message: string, usage: string): CliError {
	const err = new CliError(message, 2);
	err.usage = usage;
	return err;
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

export interface CliErrorJson {
	error: {
		message: string;
		/** A command line that cannot be read: the command's usage. */
		usage?: string;
		/** A domain refusal's code (not_found, invalid, …); "usage" for a command line that cannot be read, "failed" for another failure, "crash" for an unexpected one. */
		code: string;
	} & CliErrorPlace;
}

/** What a command run with --json prints on standard output when it fails, for the script that reads it: the error, with the command's result when it had one. */
export function failureJson(err: unknown): CliErrorJson {
	return err instanceof CliError && err.result ? { ...err.result, ...errorJson(err) } : errorJson(err);
}

function errorJson(err: unknown): CliErrorJson {
	const message = err instanceof Error ? err.message : String(err);
	const code = exitCodeOf(err);
	if (err instanceof CliError) {
		const place = Object.fromEntries(Object.entries(err.place).filter(([, v]) => v !== undefined)) as CliErrorPlace;
		return { error: { message, code: err.code ?? (err.exitCode === 2 ? 'usage' : 'failed'), ...place, ...(err.usage ? { usage: err.usage } : {}) } };
	}
	if (err instanceof DomainError) return { error: { message, code: err.code, ...(err.field ? { field: err.field } : {}) } };
	return { error: { message, code: code === null ? 'crash' : 'failed' } };
}
