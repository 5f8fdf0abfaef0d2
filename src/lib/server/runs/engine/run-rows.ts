/**
 * Run rows: who runs a run (claim, heartbeat, release), its status, pause/cancel requests
 * from other processes, and what pages and the CLI read about it.
 */
import { db, transaction, type Db } from '../../db';
import type { GenerationRun, RunAction, RunStatus, Runner } from '../../db/tables';
import { RunError } from '../errors';
import type { CallCounters } from './counters';
import { runCounts } from '$lib/runs/counts';
import { readProgress, ruleLabel } from '../generation/progress';
import { OUTPUT_NOT_GENERATED, rejectExamplesWithoutOutput } from '../generation/unnatural';
import { ownerProcessAlive } from './owner';

/** How often a running run's row is touched. */
export const HEARTBEAT_MS = 2_000;
/** A running run whose heartbeat is older than this is orphaned (its process died or hangs). */
export const STALE_AFTER_MS = 30_000;

export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running'];
/** Statuses a run can be resumed from. */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['paused', 'interrupted', 'failed', 'queued'];
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'cancelled'];

export interface RunRow {
	id: number;
	pipeline: string;
	name: string;
	status: RunStatus;
	dataset_id: number | null;
	endpoint_source: string;
	endpoint_id: number | null;
	endpoint: string;
	model: string;
	target: number;
	params: string;
	seeds: string;
	progress: string;
	message: string | null;
	requested_action: RunAction | null;
	runner: Runner | null;
	owner: string | null;
	heartbeat_at: number | null;
	failed_call_share: number;
	resume_on_start: number;
	active_ms: number;
	active_since: number | null;
	created_at: number;
	started_at: number | null;
	finished_at: number | null;
	updated_at: number;
	created_by: number | null;
}

export function toRun(row: RunRow): GenerationRun {
	const date = (ms: number | null) => (ms === null ? null : new Date(ms));
	return {
		id: row.id,
		pipeline: row.pipeline as GenerationRun['pipeline'],
		name: row.name,
		status: row.status,
		datasetId: row.dataset_id,
		endpointSource: row.endpoint_source as GenerationRun['endpointSource'],
		endpointId: row.endpoint_id,
		endpoint: JSON.parse(row.endpoint),
		model: row.model,
		target: row.target,
		params: JSON.parse(row.params),
		seeds: JSON.parse(row.seeds),
		progress: JSON.parse(row.progress),
		message: row.message,
		requestedAction: row.requested_action,
		runner: row.runner,
		owner: row.owner,
		heartbeatAt: date(row.heartbeat_at),
		failedCallShare: row.failed_call_share,
		resumeOnStart: row.resume_on_start === 1,
		activeMs: row.active_ms,
		activeSince: date(row.active_since),
		createdAt: new Date(row.created_at),
		startedAt: date(row.started_at),
		finishedAt: date(row.finished_at),
		updatedAt: new Date(row.updated_at),
		createdBy: row.created_by
	};
}

export function getRun(id: number, database: Db = db()): GenerationRun | undefined {
	const row = database.$client.prepare<[number], RunRow>('SELECT * FROM generation_runs WHERE id = ?').get(id);
	return row ? toRun(row) : undefined;
}

export function requireRun(id: number, database: Db = db()): GenerationRun {
	const run = getRun(id, database);
	if (!run) throw new RunError(`There is no run ${id}.`, 404);
	return run;
}

/** Whether a 'running' run has nobody running it any more. */
export function isOrphaned(run: Pick<GenerationRun, 'status' | 'owner' | 'heartbeatAt'>, now = Date.now(), staleAfterMs = STALE_AFTER_MS): boolean {
	if (run.status !== 'running') return false;
	if (!run.owner) return true;
	if (!ownerProcessAlive(run.owner)) return true;
	return !run.heartbeatAt || now - run.heartbeatAt.getTime() > staleAfterMs;
}

/**
 * Takes the run for this process: it must be resumable (or orphaned while 'running'). Clears
 * any pending request and message, and starts the active-time clock (after crediting an
 * orphaned run's time up to its last heartbeat).
 */
export function claimRun(
	id: number,
	owner: string,
	runner: Runner,
	database: Db = db(),
	options: { staleAfterMs?: number } = {}
): GenerationRun {
	return transaction(database, () => {
		const run = requireRun(id, database);
		const now = Date.now();
		if (run.status === 'running' && !isOrphaned(run, now, options.staleAfterMs)) {
			const seconds = run.heartbeatAt ? Math.round((now - run.heartbeatAt.getTime()) / 1000) : 0;
			throw new RunError(`Run ${id} is being run by another process (last heartbeat ${seconds} s ago).`);
		}
		if (run.status === 'completed') throw new RunError(`Run ${id} is already completed.`);
		if (run.status === 'cancelled') throw new RunError(`Run ${id} was cancelled; start a new run instead.`);
		// An orphaned 'running' run was active until its last heartbeat (as markInterrupted counts
		// it): that span is credited before the clock restarts, or a crash wipes it.
		database.$client
			.prepare<[number, string, string, number, number, number, number, number]>(
				`UPDATE generation_runs SET
					active_ms = active_ms + CASE WHEN status = 'running' AND active_since IS NOT NULL THEN max(0, coalesce(heartbeat_at, ?) - active_since) ELSE 0 END,
					status = 'running', owner = ?, runner = ?, heartbeat_at = ?, active_since = ?,
					started_at = coalesce(started_at, ?), requested_action = NULL, message = NULL, resume_on_start = 0, updated_at = ?
				 WHERE id = ?`
			)
			.run(now, owner, runner, now, now, now, now, id);
		return requireRun(id, database);
	});
}

/** What a running run shows between commits: retries and the latest error, as they happen. */
export interface LiveCounters {
	retries: number;
	lastError: CallCounters['lastError'];
}

/**
 * Touches the heartbeat (and writes the live counters into the progress, when given); returns
 * the pending request, or 'lost' when another process owns the run.
 */
export function heartbeat(id: number, owner: string, database: Db = db(), live?: LiveCounters): RunAction | null | 'lost' {
	const c = database.$client;
	const now = Date.now();
	const touched = live
		? c
				.prepare<[number, number, string, number, string]>(
					"UPDATE generation_runs SET heartbeat_at = ?, progress = json_set(progress, '$.retries', ?, '$.lastError', json(?)) WHERE id = ? AND owner = ?"
				)
				.run(now, live.retries, JSON.stringify(live.lastError), id, owner)
		: c.prepare<[number, number, string]>('UPDATE generation_runs SET heartbeat_at = ? WHERE id = ? AND owner = ?').run(now, id, owner);
	if (touched.changes !== 1) return 'lost';
	const row = c.prepare<[number], { action: RunAction | null }>('SELECT requested_action AS action FROM generation_runs WHERE id = ?').get(id)!;
	return row.action;
}

/**
 * A cancelled run is never resumed, so its calls still pending (in flight when it stopped, or —
 * a judge run's — planned and not sent yet, or in a batch the cancel stopped, which nothing
 * collects) end as cancelled rather than "pending" forever. Every kind of run alike.
 */
function cancelPendingCalls(database: Db, id: number, now: number): void {
	database.$client
		.prepare<[number, number]>(
			`UPDATE generation_calls SET status = 'cancelled', error = 'Cancelled with the run before a reply was stored.', done_at = ?
			 WHERE run_id = ? AND status = 'pending'`
		)
		.run(now, id);
}

/**
 * Everything a cancel settles, in its transaction: the pending calls, and (Unnatural) the
 * accepted examples whose output will now never be generated, which stop counting as kept.
 * The run's message says how many.
 */
function settleCancelledRun(database: Db, id: number, now: number): void {
	cancelPendingCalls(database, id, now);
	const c = database.$client;
	const run = c
		.prepare<[number], { pipeline: string; datasetId: number | null; progress: string }>('SELECT pipeline, dataset_id AS datasetId, progress FROM generation_runs WHERE id = ?')
		.get(id);
	if (!run || run.pipeline !== 'unnatural' || run.datasetId === null) return;
	const progress = readProgress(JSON.parse(run.progress));
	const n = rejectExamplesWithoutOutput(database, id, run.datasetId, progress, now);
	if (n === 0) return;
	const note = `${n} accepted example${n === 1 ? '' : 's'} had no output yet: not kept (rule “${ruleLabel(OUTPUT_NOT_GENERATED)}”).`;
	c.prepare<[string, string, number]>("UPDATE generation_runs SET progress = ?, message = trim(coalesce(message, '') || ' ' || ?) WHERE id = ?").run(JSON.stringify(progress), note, id);
}

/**
 * Ends this process's hold on the run with its new status; does nothing if another process
 * has taken it over meanwhile. The active-time clock stops.
 */
export function releaseRun(
	id: number,
	owner: string,
	status: Exclude<RunStatus, 'running' | 'queued'>,
	message: string | null,
	database: Db = db(),
	options: { resumeOnStart?: boolean; live?: LiveCounters } = {}
): boolean {
	const now = Date.now();
	const final = status === 'completed' || status === 'cancelled';
	// Retries and the last error since the latest commit are kept (a run that paused because the
	// endpoint was unreachable made no commit at all).
	const live = options.live ? "progress = json_set(progress, '$.retries', ?, '$.lastError', json(?))," : '';
	const liveValues = options.live ? [options.live.retries, JSON.stringify(options.live.lastError)] : [];
	return transaction(database, () => {
		const released =
			database.$client
			.prepare<unknown[]>(
				`UPDATE generation_runs SET ${live} status = ?, message = ?, owner = NULL, heartbeat_at = NULL,
					active_ms = active_ms + CASE WHEN active_since IS NULL THEN 0 ELSE max(0, ? - active_since) END, active_since = NULL,
					requested_action = NULL, resume_on_start = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END, updated_at = ?
				 WHERE id = ? AND owner = ?`
			)
			.run(...liveValues, status, message, now, options.resumeOnStart ? 1 : 0, final ? 1 : 0, now, now, id, owner).changes === 1;
		if (released && status === 'cancelled') settleCancelledRun(database, id, now);
		return released;
	});
}

/**
 * A pause or cancel asked for from anywhere. A run nobody is running changes at once; a
 * running one gets the request, which its process acts on within a heartbeat.
 */
export function requestRunAction(id: number, action: RunAction, database: Db = db()): { status: RunStatus; requested: boolean } {
	return transaction(database, () => {
		const run = requireRun(id, database);
		const c = database.$client;
		const now = Date.now();
		if (FINAL_STATUSES.includes(run.status)) throw new RunError(`Run ${id} is already ${run.status}.`);
		if (run.status === 'running' && !isOrphaned(run, now)) {
			c.prepare<[string, number, number]>('UPDATE generation_runs SET requested_action = ?, updated_at = ? WHERE id = ?').run(action, now, id);
			return { status: run.status, requested: true };
		}
		if (action === 'pause' && run.status !== 'running' && run.status !== 'queued') return { status: run.status, requested: false };
		const status: RunStatus = action === 'pause' ? 'paused' : 'cancelled';
		c.prepare<[string, number, string, string, number, number, number]>(
			`UPDATE generation_runs SET status = ?, owner = NULL, heartbeat_at = NULL, requested_action = NULL, resume_on_start = 0,
				active_ms = active_ms + CASE WHEN active_since IS NULL THEN 0 ELSE max(0, ? - active_since) END, active_since = NULL,
				message = ?, finished_at = CASE WHEN ? = 'cancelled' THEN ? ELSE finished_at END, updated_at = ?
			 WHERE id = ?`
		).run(status, now, action === 'pause' ? 'Paused.' : 'Cancelled.', status, now, now, id);
		if (status === 'cancelled') settleCancelledRun(database, id, now);
		return { status, requested: false };
	});
}

/**
 * Runs whose process is gone: 'running' with a dead owner or a stale heartbeat. Used by the
 * reaper (server) and by `--resume` (CLI).
 */
export function orphanedRuns(database: Db = db(), now = Date.now(), staleAfterMs = STALE_AFTER_MS): GenerationRun[] {
	const rows = database.$client.prepare<[], RunRow>("SELECT * FROM generation_runs WHERE status = 'running'").all();
	return rows.map(toRun).filter((r) => isOrphaned(r, now, staleAfterMs));
}

/** Marks an orphaned run interrupted (if it still is orphaned: the check and the write are one transaction). */
export function markInterrupted(id: number, message: string, database: Db = db(), staleAfterMs = STALE_AFTER_MS): boolean {
	return transaction(database, () => {
		const run = getRun(id, database);
		if (!run || !isOrphaned(run, Date.now(), staleAfterMs)) return false;
		const now = Date.now();
		database.$client
			.prepare<[string, number, number, number]>(
				`UPDATE generation_runs SET status = 'interrupted', owner = NULL, heartbeat_at = NULL, message = ?,
					active_ms = active_ms + CASE WHEN active_since IS NULL THEN 0 ELSE max(0, coalesce(heartbeat_at, ?) - active_since) END,
					active_since = NULL, updated_at = ?
				 WHERE id = ?`
			)
			.run(message, now, now, id);
		return true;
	});
}

/** Runs a server start-up should pick up again: those it was running when it stopped. */
export function runsToResumeOnStart(database: Db = db()): number[] {
	return (
		database.$client.prepare<[], {
			id: number;
		}>("SELECT id FROM generation_runs WHERE status = 'interrupted' AND resume_on_start = 1 ORDER BY id").all()
	).map((r) => r.id);
}

/**
 * The failed calls a retry sends again, and those it leaves. A generation run that already has
 * its target kept: a failed call that generates new candidates (no task of its own) would only
 * add ones rejected as over the target — cost for nothing —, so only the calls about held-back
 * tasks are sent again (`skipped`: the others).
 */
function failedCallsToRetry(database: Db, run: Pick<GenerationRun, 'id' | 'pipeline' | 'progress' | 'target'>) {
	const c = database.$client;
	const atTarget = run.pipeline !== 'judge' && runCounts(run.pipeline, readProgress(run.progress)).kept >= run.target;
	const which = `run_id = ? AND status = 'failed'${atTarget ? ' AND task_id IS NOT NULL' : ''}`;
	const failed = c
		.prepare<[number], { reason: string | null; n: number }>(`SELECT failure_reason AS reason, count(*) AS n FROM generation_calls WHERE ${which} GROUP BY failure_reason`)
		.all(run.id);
	const calls = failed.reduce((sum, r) => sum + r.n, 0);
	const skipped = atTarget ? c.prepare<[number], { n: number }>("SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed' AND task_id IS NULL").get(run.id)!.n : 0;
	return { which, failed, calls, skipped };
}

/**
 * How many failed calls `--retry-failed` (the run page's "Retry N failed calls") would send
 * again now, and how many it would leave as they are (the run has its target): what every
 * offer to retry says.
 */
export function retryableFailedCalls(id: number, database: Db = db()): { calls: number; skipped: number } {
	const run = requireRun(id, database);
	if (run.status === 'cancelled') return { calls: 0, skipped: 0 };
	const { calls, skipped } = failedCallsToRetry(database, run);
	return { calls, skipped };
}

/**
 * Sends a run's failed calls again (after a change, e.g. a larger-context model): in one
 * transaction they become pending — their failure kept in `error` as "Before the retry: …" —,
 * the counters drop them, and the run becomes paused, ready to resume (from completed or
 * failed too). With `model`, the run goes on with that model from now on. Answered calls are
 * never touched. Not while a process is running the run.
 */
export function retryFailedCalls(id: number, options: { model?: string } = {}, database: Db = db()): { calls: number; skipped: number } {
	const model = options.model?.trim();
	if (model !== undefined && (model === '' || model.length > 200)) throw new RunError('Name the model to retry with (at most 200 characters).');
	return transaction(database, () => {
		const run = requireRun(id, database);
		const c = database.$client;
		if (run.status === 'running' && !isOrphaned(run)) throw new RunError(`Run ${id} is running; pause it first, then retry its failed calls.`);
		if (run.status === 'cancelled') throw new RunError(`Run ${id} was cancelled; start a new run instead.`);
		const { which, failed, calls: total, skipped } = failedCallsToRetry(database, run);
		if (total === 0 && skipped > 0) {
			throw new RunError(
				`Run ${id} already has its ${run.target} kept: its ${skipped} failed generation call${skipped === 1 ? '' : 's'} would only add candidates over the target, so ${skipped === 1 ? 'it is' : 'they are'} not sent again.`
			);
		}
		if (total === 0) throw new RunError(`Run ${id} has no failed calls to retry.`);
		c.prepare<[number]>(
			`UPDATE generation_calls SET status = 'pending', error = 'Before the retry: ' || coalesce(error, 'failed'), failure_reason = NULL, done_at = NULL,
				attempts = NULL
			 WHERE ${which}`
		).run(id);
		if (model) {
			c.prepare<[string, string, number]>("UPDATE generation_runs SET model = ?, endpoint = json_set(endpoint, '$.model', ?) WHERE id = ?").run(model, model, id);
			// The resumed run sends every pending call with the new model — the retried ones and those
			// left pending at the pause —, so each call row names it. (A Batch API run's failed calls
			// go into its next batch, with their attempts counted afresh.)
			c.prepare<[string, number]>("UPDATE generation_calls SET model = ? WHERE run_id = ? AND status = 'pending'").run(model, id);
		}
		const progress = run.progress as Partial<CallCounters>;
		if (progress.calls) progress.calls.failed = Math.max(0, progress.calls.failed - total);
		const byReason = progress.failedByReason ?? {};
		for (const { reason, n } of failed) if (reason && byReason[reason] !== undefined) byReason[reason] = Math.max(0, byReason[reason] - n);
		progress.failedByReason = byReason;
		const now = Date.now();
		c.prepare<[string, string, number, number]>(
			`UPDATE generation_runs SET status = 'paused', progress = ?, owner = NULL, heartbeat_at = NULL, requested_action = NULL, finished_at = NULL,
				message = ?, updated_at = ? WHERE id = ?`
		).run(
			JSON.stringify(progress),
			`${total} failed call${total === 1 ? '' : 's'} set to be sent again; resume the run to send them.${skipped ? ` ${skipped} failed generation call${skipped === 1 ? '' : 's'} left as ${skipped === 1 ? 'it is' : 'they are'}: the run already has its target.` : ''}`,
			now,
			id
		);
		return { calls: total, skipped };
	});
}

/** Changes a run's share guard (the share of recent calls that may fail before it pauses); not while it runs. */
export function setFailedCallShare(id: number, share: number, database: Db = db()): void {
	if (!(share > 0 && share <= 1)) throw new RunError('The share of failed calls allowed is above 0% and at most 100%.');
	transaction(database, () => {
		const run = requireRun(id, database);
		if (run.status === 'running' && !isOrphaned(run)) throw new RunError(`Run ${id} is running; pause it first to change how many failed calls it allows.`);
		if (run.status === 'cancelled') throw new RunError(`Run ${id} was cancelled; it makes no more calls.`);
		database.$client.prepare<[number, number, number]>('UPDATE generation_runs SET failed_call_share = ?, updated_at = ? WHERE id = ?').run(share, Date.now(), id);
	});
}
