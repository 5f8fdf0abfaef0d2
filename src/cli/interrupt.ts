import { CliError } from './cli-error';

/** The exit code of a command stopped by a signal: 128 + the signal's number, as shells report it. */
export function signalExitCode(signal: NodeJS.Signals): number {
	return signal === 'SIGTERM' ? 143 : 130;
}

/**
 * Runs a long command's work so that Ctrl-C (SIGINT) or SIGTERM stops it cleanly: the signal
 * aborts `work`'s AbortSignal with a CliError (code interrupted, exit 130 or 143) saying
 * "Interrupted (SIGINT): <undone>"; the work checks the signal between its writes and takes
 * back what it wrote, and the error is then printed like any failure (as JSON under --json).
 * A second signal quits at once; what is left then is removed by the next command (main.ts).
 */
export async function interruptible<T>(undone: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const interrupted = new AbortController();
	const stop = (signal: NodeJS.Signals) => {
		if (interrupted.signal.aborted) process.exit(signalExitCode(signal));
		process.stderr.write('\nStopping… (again to quit at once)\n');
		interrupted.abort(new CliError(`Interrupted (${signal}): ${undone}`, signalExitCode(signal), {}, undefined, 'interrupted'));
	};
	process.on('SIGINT', stop).on('SIGTERM', stop);
	try {
		return await work(interrupted.signal);
	} finally {
		process.off('SIGINT', stop).off('SIGTERM', stop);
	}
}
