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
