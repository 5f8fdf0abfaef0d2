/**
 * The runs this server process is running, and the reaper that finds runs whose process died.
 * Pages start, pause, resume and cancel runs through here; a run running in another process
 * (the CLI) gets a request in its row instead, which that process acts on within a heartbeat.
 */
import { db, type Db } from '../../db';
import type { RunStatus } from '../../db/tables';
import { RunSession, type SessionOptions } from './session';
import {
	getRun,
	markInterrupted,
	orphanedRuns,
	requestRunAction,
	retryFailedCalls,
	runsToResumeOnStart,
	STALE_AFTER_MS
} from './run-rows';
import { RunError } from '../errors';
import { cancelStoppedJudgeRunBatches } from '../judge/batch';

const sessions = new Map<number, RunSession>();
let reaperTimer: ReturnType<typeof setInterval> | undefined;

/** How often the server looks for orphaned runs. */
export const REAPER_INTERVAL_MS = 10_000;

export type ManagerOptions = Omit<SessionOptions, 'runner'>;
let defaults: ManagerOptions = {};

/** Tests and the bench adjust the sessions the manager starts (client retry policy, heartbeat). */
export function configureRunManager(options: ManagerOptions): void {
	defaults = options;
}

export function activeSession(runId: number): RunSession | undefined {
	return sessions.get(runId);
}

export function activeRunIds(): number[] {
	return [...sessions.keys()];
}

/** Starts (or resumes) a run in this process. Throws RunError when it cannot be run here. */
export function launchRun(runId: number, options: ManagerOptions = {}): RunSession {
	const existing = sessions.get(runId);
	if (existing && !existing.stopping) return existing;
	if (existing) throw new RunError(`Run ${runId} is still stopping; try again in a moment.`);
	const session = new RunSession(runId, { ...defaults, ...options, runner: 'server' });
	sessions.set(runId, session);
	void session.done
		.catch((err) => console.error(`Run ${runId} ended with an error:`, err))
		.finally(() => {
			if (sessions.get(runId) === session) sessions.delete(runId);
		});
	return session;
}

export function resumeRun(runId: number, options: ManagerOptions = {}): RunSession {
	return launchRun(runId, options);
}

/** Pause or cancel: at once when this process runs it, else through the run row. */
export function requestStop(runId: number, action: 'pause' | 'cancel', database: Db = db()): { status: RunStatus; requested: boolean } {
	const session = sessions.get(runId);
	if (session) {
		session.stop(action);
		return { status: 'running', requested: true };
	}
	return requestRunAction(runId, action, database);
}

/** Stops every run of this process for a shutdown: they become 'interrupted' and resume at the next start. */
export async function stopAllRuns(graceMs = 150): Promise<void> {
	const running = [...sessions.values()];
	for (const s of running) s.stop('shutdown');
	await Promise.race([Promise.allSettled(running.map((s) => s.done)), new Promise((r) => setTimeout(r, graceMs).unref?.())]);
	// Whatever has not settled in time is marked now, before the process exits.
	for (const s of running) s.releaseNow();
}

/**
 * Runs whose process is gone: a server's own runs are resumed here, a CLI's are marked
 * interrupted (resumable from the page or with `generate --resume`).
 */
export function reapOrphanedRuns(database: Db = db(), staleAfterMs = STALE_AFTER_MS): { resumed: number[]; interrupted: number[] } {
	const resumed: number[] = [];
	const interrupted: number[] = [];
	for (const run of orphanedRuns(database, Date.now(), staleAfterMs)) {
		if (sessions.has(run.id)) continue;
		if (run.runner === 'server') {
			try {
				launchRun(run.id, { database, staleAfterMs });
				resumed.push(run.id);
				continue;
			} catch (err) {
				if (!(err instanceof RunError)) throw err;
			}
		}
		if (markInterrupted(run.id, 'The process running it stopped. Resume the run to continue where it stopped.', database, staleAfterMs)) {
			interrupted.push(run.id);
		}
	}
	return { resumed, interrupted };
}

/**
 * The command line's own reaper, for `--list` and `--status` (with no server running, nobody
 * else would): a CLI run whose process is gone (a `kill -9`) is marked interrupted, as the
 * server's reaper marks it, instead of reading "running" until someone resumes it. A server's
 * runs are left as they are: its next start resumes them.
 */
export function markOrphanedCliRunsInterrupted(database: Db = db()): number[] {
	return orphanedRuns(database)
		.filter((run) => run.runner === 'cli')
		.filter((run) => markInterrupted(run.id, 'The process running it stopped. Resume the run to continue where it stopped.', database))
		.map((run) => run.id);
}

/** Start-up: pick up runs this server was running, and queued runs nobody started. */
export function resumeRunsOnStart(database: Db = db()): number[] {
	const ids = [
		...runsToResumeOnStart(database),
		...(database.$client.prepare<[], { id: number }>("SELECT id FROM generation_runs WHERE status = 'queued' ORDER BY id").all()).map((r) => r.id)
	];
	const started: number[] = [];
	for (const id of ids) {
		try {
			launchRun(id, { database });
			started.push(id);
		} catch (err) {
			console.error(`Could not resume run ${id}:`, err instanceof Error ? err.message : err);
		}
	}
	return started;
}

export function startReaper(intervalMs = REAPER_INTERVAL_MS): void {
	stopReaper();
	reaperTimer = setInterval(() => {
		try {
			const { resumed, interrupted } = reapOrphanedRuns();
			if (resumed.length) console.log(`Resumed orphaned runs ${resumed.join(', ')}.`);
			if (interrupted.length) console.log(`Marked runs ${interrupted.join(', ')} interrupted (their process stopped).`);
		} catch (err) {
			console.error('Run reaper failed:', err);
		}
	}, intervalMs);
	reaperTimer.unref?.();
}

export function stopReaper(): void {
	if (reaperTimer) clearInterval(reaperTimer);
	reaperTimer = undefined;
}

/** For the run page: whether this process is running it (pause acts at once) or another one is. */
export function runLocation(runId: number, database: Db = db()): 'here' | 'elsewhere' | 'nowhere' {
	if (sessions.has(runId)) return 'here';
	return getRun(runId, database)?.status === 'running' ? 'elsewhere' : 'nowhere';
}

export type RunControl = 'pause' | 'resume' | 'cancel' | 'retry-failed';

/** What the run page's buttons and the API do; returns a sentence for the page. */
export function controlRun(runId: number, action: RunControl, database: Db = db(), options: { model?: string } = {}): string {
	if (action === 'resume') {
		launchRun(runId, { database });
		return `Run ${runId} resumed.`;
	}
	if (action === 'retry-failed') {
		const { calls, skipped } = retryFailedCalls(runId, options, database);
		launchRun(runId, { database });
		const left = skipped ? ` ${skipped} failed generation call${skipped === 1 ? ' is' : 's are'} not sent: the run already has its target.` : '';
		return `Sending ${calls} failed call${calls === 1 ? '' : 's'} again${options.model?.trim() ? ` with model ${options.model.trim()}` : ''}.${left}`;
	}
	const result = requestStop(runId, action, database);
	if (action === 'cancel' && !result.requested) {
		// Nobody ran it: a judge run's batches still in flight are cancelled from here.
		void cancelStoppedJudgeRunBatches(runId, database).catch((err) => console.error(`Run ${runId}: batches.cancel failed:`, err instanceof Error ? err.message : err));
	}
	if (result.requested) return action === 'pause' ? 'Pausing: calls in flight are abandoned and resent on resume.' : 'Cancelling…';
	return `Run ${runId} is ${result.status}.`;
}
