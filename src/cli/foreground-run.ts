import { RunSession, type SessionEnd } from '$lib/server/runs/engine/session';
import type { KindProgress } from '$lib/server/runs/kinds';

/**
 * Runs a model run (generation or judging) in this process until it ends. The first Ctrl-C or
 * SIGTERM pauses it at its next commit; a second quits at once (it resumes from its last commit).
 */
export async function runInForeground(
	runId: number,
	onCommit: (progress: KindProgress) => void
): Promise<{ end: SessionEnd; interrupted: boolean }> {
	const session = new RunSession(runId, { runner: 'cli', onCommit });
	let interrupts = 0;
	const onSignal = () => {
		interrupts++;
		if (interrupts === 1) {
			process.stderr.write('\nPausing… (again to quit at once)\n');
			session.stop('pause');
		} else process.exit(130);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		return { end: await session.done, interrupted: interrupts > 0 };
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
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
