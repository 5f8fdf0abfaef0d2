import { DomainError } from '$lib/errors';

/**
 * The two errors of the runs wing: a run that cannot be run, paused or resumed as asked
 * (RunError), and a run that cannot be created or opened from what was asked for
 * (RunParamsError, naming the form field or CLI option when there is one).
 */
export class RunError extends DomainError {
	constructor(message: string, status: 404 | 409 = 409) {
		super(message, status, status === 404 ? 'not_found' : 'run-state');
	}
}

export class RunParamsError extends DomainError {
	constructor(message: string, field?: string) {
		super(message, 400, 'invalid', field);
	}
}
