import { RunSession, type SessionEnd } from '$lib/server/runs/engine/session';
import type { KindProgress } from '$lib/server/runs/kinds';
import { signalExitCode } from './interrupt';
import { CliError } from './cli-error';

/**
 * Runs a model run (generation or judging) in this process until it ends. The first Ctrl-C or
 * SIGTERM pauses it at its next commit; a second quits at once (it resumes from its last commit).
 */
export async function runInForeground(
	runId: number,
	onCommit: (progress: KindProgress) => void
): Promise<{ end: SessionEnd; interrupted: boolean; signal: NodeJS.Signals | null }> {
	const session = new RunSession(runId, { runner: 'cli', onCommit });
	let signal: NodeJS.Signals | null = null;
	const onSignal = (received: NodeJS.Signals) => {
		if (signal) process.exit(signalExitCode(received));
		signal = received;
		process.stderr.write('\nPausing… (again to quit at once)\n');
		session.stop('pause');
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		const end = await session.done;
		return { end, interrupted: signal !== null, signal };
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}

/**
 * A run paused by Ctrl-C (or SIGTERM) in the foreground, as an error: exit 130 (143), code
 * interrupted, and under --json the run's summary with the error object, as one document (main.ts).
 */
export function pausedBySignal(signal: NodeJS.Signals, what: string, resume: string, summary: object): CliError {
	return new CliError(`Interrupted (${signal}): ${what} paused at its last commit. Resume with: ${resume}`, signalExitCode(signal), {}, summary, 'interrupted');
}

/**
 * Why a foreground run stopped, as the end of "Run 4 paused…": the engine's message begins with
 * the status itself ("Paused: the endpoint could not be reached…"), which the sentence already says.
 */
export function stopReason(status: string, message: string | null | undefined): string {
	if (!message) return '';
	const prefix = `${status}: `;
	const rest = message.toLowerCase().startsWith(prefix.toLowerCase()) ? message.slice(prefix.length) : message;
	return `: ${rest.replace(/\.$/, '')}`;
}
