/**
 * Hooks generation runs into the server's life: at start-up, runs orphaned by a crash and runs
 * interrupted by the last shutdown are resumed and the reaper starts; at shutdown every run of
 * this process stops cleanly (its calls in flight stay pending and are resent on resume).
 */
import { onShutdown, onStartup } from '../../startup';
import { reapOrphanedRuns, resumeRunsOnStart, startReaper, stopAllRuns, stopReaper } from './manager';

onStartup(() => {
	const { resumed, interrupted } = reapOrphanedRuns();
	const started = resumeRunsOnStart();
	const all = [...resumed, ...started];
	if (all.length) console.log(`Resumed generation runs ${all.join(', ')}.`);
	if (interrupted.length) console.log(`Runs ${interrupted.join(', ')} were interrupted (their process stopped); resume them from the run page.`);
	startReaper();
});

onShutdown(async () => {
	stopReaper();
	await stopAllRuns();
});
