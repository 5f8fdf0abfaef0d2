/**
 * Run rows: who runs a run (claim, heartbeat, release), its status, pause/cancel requests
 * from other processes, and what pages and the CLI read about it.
 */
import { db, transaction, type Db } from '../../db';
import type { GenerationRun, RunAction, RunStatus, Runner } from '../../db/tables';
import { ownerProcessAlive } from './owner';
import { etaSeconds, readProgress, ruleLabel, workFraction, type RunProgress } from '../generation/progress';
import { readRunParams } from '../generation/params';

/** How often a running run's row is touched. */
export const HEARTBEAT_MS = 2_000;
/** A running run whose heartbeat is older than this is orphaned (its process died or hangs). */
export const STALE_AFTER_MS = 30_000;

export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running'];
/** Statuses a run can be resumed from. */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['paused', 'interrupted', 'failed', 'queued'];
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'cancelled'];

export class RunError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RunError';
	}
}

interface RunRow {
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
	resume_on_start: number;
	active_ms: number;
	active_since: number | null;
	created_at: number;
	started_at: number | null;
	finished_at: number | null;
	updated_at: number;
	created_by: number | null;
}

function toRun(row: RunRow): GenerationRun {
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
	const row = database.$client.prepare('SELECT * FROM generation_runs WHERE id = ?').get(id) as RunRow | undefined;
	return row ? toRun(row) : undefined;
}

export function requireRun(id: number, database: Db = db()): GenerationRun {
	const run = getRun(id, database);
	if (!run) throw new RunError(`There is no run ${id}.`);
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
 * any pending request and message, and starts the active-time clock.
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
		database.$client
			.prepare(
				`UPDATE generation_runs SET status = 'running', owner = ?, runner = ?, heartbeat_at = ?, active_since = ?,
					started_at = coalesce(started_at, ?), requested_action = NULL, message = NULL, resume_on_start = 0, updated_at = ?
				 WHERE id = ?`
			)
			.run(owner, runner, now, now, now, now, id);
		return requireRun(id, database);
	});
}

/** Touches the heartbeat; returns the pending request, or 'lost' when another process owns the run. */
export function heartbeat(id: number, owner: string, database: Db = db()): RunAction | null | 'lost' {
	const c = database.$client;
	const now = Date.now();
	if (c.prepare('UPDATE generation_runs SET heartbeat_at = ? WHERE id = ? AND owner = ?').run(now, id, owner).changes !== 1) return 'lost';
	const row = c.prepare('SELECT requested_action AS action FROM generation_runs WHERE id = ?').get(id) as { action: RunAction | null };
	return row.action;
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
	options: { resumeOnStart?: boolean } = {}
): boolean {
	const now = Date.now();
	const final = status === 'completed' || status === 'cancelled';
	return (
		database.$client
			.prepare(
				`UPDATE generation_runs SET status = ?, message = ?, owner = NULL, heartbeat_at = NULL,
					active_ms = active_ms + CASE WHEN active_since IS NULL THEN 0 ELSE max(0, ? - active_since) END, active_since = NULL,
					requested_action = NULL, resume_on_start = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END, updated_at = ?
				 WHERE id = ? AND owner = ?`
			)
			.run(status, message, now, options.resumeOnStart ? 1 : 0, final ? 1 : 0, now, now, id, owner).changes === 1
	);
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
			c.prepare('UPDATE generation_runs SET requested_action = ?, updated_at = ? WHERE id = ?').run(action, now, id);
			return { status: run.status, requested: true };
		}
		if (action === 'pause' && run.status !== 'running' && run.status !== 'queued') return { status: run.status, requested: false };
		const status: RunStatus = action === 'pause' ? 'paused' : 'cancelled';
		c.prepare(
			`UPDATE generation_runs SET status = ?, owner = NULL, heartbeat_at = NULL, requested_action = NULL, resume_on_start = 0,
				active_ms = active_ms + CASE WHEN active_since IS NULL THEN 0 ELSE max(0, ? - active_since) END, active_since = NULL,
				message = ?, finished_at = CASE WHEN ? = 'cancelled' THEN ? ELSE finished_at END, updated_at = ?
			 WHERE id = ?`
		).run(status, now, action === 'pause' ? 'Paused.' : 'Cancelled.', status, now, now, id);
		return { status, requested: false };
	});
}

/**
 * Runs whose process is gone: 'running' with a dead owner or a stale heartbeat. Used by the
 * reaper (server) and by `--resume` (CLI).
 */
export function orphanedRuns(database: Db = db(), now = Date.now(), staleAfterMs = STALE_AFTER_MS): GenerationRun[] {
	const rows = database.$client.prepare("SELECT * FROM generation_runs WHERE status = 'running'").all() as RunRow[];
	return rows.map(toRun).filter((r) => isOrphaned(r, now, staleAfterMs));
}

/** Marks an orphaned run interrupted (if it still is orphaned: the check and the write are one transaction). */
export function markInterrupted(id: number, message: string, database: Db = db(), staleAfterMs = STALE_AFTER_MS): boolean {
	return transaction(database, () => {
		const run = getRun(id, database);
		if (!run || !isOrphaned(run, Date.now(), staleAfterMs)) return false;
		const now = Date.now();
		database.$client
			.prepare(
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
		database.$client.prepare("SELECT id FROM generation_runs WHERE status = 'interrupted' AND resume_on_start = 1 ORDER BY id").all() as {
			id: number;
		}[]
	).map((r) => r.id);
}

/** What the progress view shows; no key, no seeds, no templates. */
export interface RunSummary {
	id: number;
	pipeline: GenerationRun['pipeline'];
	name: string;
	status: RunStatus;
	message: string | null;
	requestedAction: RunAction | null;
	runner: Runner | null;
	datasetId: number | null;
	datasetName: string | null;
	model: string;
	endpointName: string;
	target: number;
	rephrasings: number;
	progress: RunProgress;
	/** Share of the work done, 0–1. */
	fraction: number;
	activeMs: number;
	etaSeconds: number | null;
	requestsPerSecond: number | null;
	createdAt: string;
	startedAt: string | null;
	finishedAt: string | null;
	heartbeatAgeMs: number | null;
	updatedAt: string;
	/** Plain-words names of the rules that appear in the counters. */
	labels: Record<string, string>;
}

export function summarizeRun(run: GenerationRun, datasetName: string | null, now = Date.now()): RunSummary {
	const progress = readProgress(run.progress);
	const params = readRunParams(run.params);
	const rephrasings = params.pipeline === 'unnatural' ? params.rephrasings : 0;
	const activeMs = run.activeMs + (run.activeSince ? Math.max(0, now - run.activeSince.getTime()) : 0);
	const fraction = run.status === 'completed' ? 1 : workFraction(run.pipeline, run.target, progress, rephrasings);
	const requests = progress.calls.done + progress.calls.failed;
	const endpoint = run.endpoint as { name?: string; baseUrl?: string };
	return {
		id: run.id,
		pipeline: run.pipeline,
		name: run.name,
		status: run.status,
		message: run.message,
		requestedAction: run.requestedAction,
		runner: run.runner,
		datasetId: run.datasetId,
		datasetName,
		model: run.model,
		endpointName: endpoint.name ?? endpoint.baseUrl ?? '',
		target: run.target,
		rephrasings,
		progress,
		fraction,
		activeMs,
		etaSeconds: run.status === 'running' ? etaSeconds(fraction, activeMs) : null,
		requestsPerSecond: activeMs > 1000 ? requests / (activeMs / 1000) : null,
		createdAt: run.createdAt.toISOString(),
		startedAt: run.startedAt?.toISOString() ?? null,
		finishedAt: run.finishedAt?.toISOString() ?? null,
		heartbeatAgeMs: run.heartbeatAt ? now - run.heartbeatAt.getTime() : null,
		updatedAt: run.updatedAt.toISOString(),
		labels: Object.fromEntries(
			[...Object.keys(progress.rejected), ...Object.keys(progress.instances.byRule), ...Object.keys(progress.formulations.rejected)].map((r) => [r, ruleLabel(r)])
		)
	};
}

/** Columns a summary needs: never the seeds (a dataset's worth) nor the templates. */
const SUMMARY_COLUMNS = `r.id, r.pipeline, r.name, r.status, r.dataset_id, r.endpoint_source, r.endpoint_id, r.endpoint, r.model, r.target,
	json_object('pipeline', json_extract(r.params, '$.pipeline'), 'rephrasings', json_extract(r.params, '$.rephrasings')) AS params,
	'null' AS seeds, r.progress, r.message, r.requested_action, r.runner, r.owner, r.heartbeat_at, r.resume_on_start, r.active_ms,
	r.active_since, r.created_at, r.started_at, r.finished_at, r.updated_at, r.created_by, d.name AS dataset_name`;

/** One run's live summary (the progress view polls it every second). */
export function runSummary(id: number, database: Db = db()): RunSummary | undefined {
	const row = database.$client
		.prepare(`SELECT ${SUMMARY_COLUMNS} FROM generation_runs r LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?`)
		.get(id) as (RunRow & { dataset_name: string | null }) | undefined;
	return row ? summarizeRun(toRun(row), row.dataset_name) : undefined;
}

/** Every run, newest first, with the columns a list needs (seeds and params are not read). */
export function listRuns(database: Db = db(), limit = 200): RunSummary[] {
	const rows = database.$client
		.prepare(`SELECT ${SUMMARY_COLUMNS} FROM generation_runs r LEFT JOIN datasets d ON d.id = r.dataset_id ORDER BY r.id DESC LIMIT ?`)
		.all(limit) as (RunRow & { dataset_name: string | null })[];
	return rows.map((row) => summarizeRun(toRun(row), row.dataset_name));
}
