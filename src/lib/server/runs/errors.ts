/**
 * The two errors of the runs wing: a run that cannot be run, paused or resumed as asked
 * (RunError), and a run that cannot be created or opened from what was asked for
 * (RunParamsError, naming the form field or CLI option when there is one).
 */
export class RunError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RunError';
	}
}

export class RunParamsError extends Error {
	constructor(
		message: string,
		readonly field?: string
	) {
		super(message);
		this.name = 'RunParamsError';
	}
}
