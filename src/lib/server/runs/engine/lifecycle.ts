/**
 * Runs in the server's life, called by startup.ts: at start-up, runs orphaned by a crash and
 * runs interrupted by the last shutdown are resumed and the reaper starts; at shutdown every
 * run of this process stops cleanly (its calls in flight stay pending and are resent on resume).
 */
import { reapOrphanedRuns, resumeRunsOnStart, startReaper, stopAllRuns, stopReaper } from './manager';

export function startServerRuns(): void {
	const { resumed, interrupted } = reapOrphanedRuns();
	const started = resumeRunsOnStart();
	const all = [...resumed, ...started];
	if (all.length) console.log(`Resumed generation runs ${all.join(', ')}.`);
	if (interrupted.length) console.log(`Runs ${interrupted.join(', ')} were interrupted (their process stopped); resume them from the run page.`);
	startReaper();
}

export async function stopServerRuns(): Promise<void> {
	stopReaper();
	await stopAllRuns();
}
