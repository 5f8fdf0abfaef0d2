/**
 * What pages, the API and the CLI read about runs: one run's live summary (the run page polls
 * it every second) and the list of runs. Counters and work done are read through the run's kind.
 */
import { db, type Db } from '../db';
import type { GenerationRun, RunAction, RunStatus, Runner } from '../db/tables';
import { etaSeconds } from './engine/counters';
import { callFailureLabel } from './engine/failures';
import { retryableFailedCalls, toRun, type RunRow } from './engine/run-rows';
import { readRunParams } from './generation/params';
import { runKind, type KindProgress } from './kinds';
import { listJudgeBatches } from './judge/batch';
import type { JudgeProgress } from './judge/progress';
import { judgeVerdictModels, type JudgeModelVerdicts } from './judge/models';
import { runCounts, type RunCounts } from '$lib/runs/counts';
import type { RunProgress } from './generation/progress';
import type { SeedTaskSnapshot } from './generation/params';
import { seedsWithoutOutput } from './generation/seeds';
import type { AlpacaOutputCounts } from '$lib/runs/seeds';
import type { FirstExchangeOnly } from '$lib/judge/wording';

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
	/** Toward the target: instructions (or examples) kept; for a judge run, rows judged, read or not. */
	done: number;
	/** A generation run's candidates: kept, held back, rejected (null for a judge run). */
	counts: RunCounts | null;
	rephrasings: number;
	progress: KindProgress;
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
	/**
	 * Calls that failed on their own prompt, now, by reason (most first). `retryable`: how many a
	 * retry would send again (runSummary: a run with its target leaves those that asked for new
	 * candidates; the list assumes all).
	 */
	failedCalls: { total: number; retryable: number; byReason: { reason: string; label: string; n: number }[] };
	/** The share guard: the run pauses when failed calls pass this share of its recent calls. */
	failedCallShare: number;
	/** Judge runs (runSummary only): live calls or the Batch API, and each batch's state. */
	judgeCalls?: { mode: 'live' | 'batch'; batches: JudgeBatchView[] };
	/** Alpaca runs (runSummary only): seed tasks without an output and kept tasks with an empty one. */
	alpacaOutputs?: AlpacaOutputCounts;
	/** Judge runs (runSummary only): what it judges — quality (rows), rating (responses) or pairwise (pairs). */
	judgeMode?: 'quality' | 'rating' | 'pairwise';
	/** Quality judge runs over conversations: the first exchange only is judged; how many go on past it. */
	judgeFirstExchangeOnly?: FirstExchangeOnly;
	/** Judge runs: its verdicts by model, most first (more than one after failed calls were retried with another model); `model` is where its calls go now. */
	judgeModels?: JudgeModelVerdicts[];
}

export interface JudgeBatchView {
	key: string;
	phase: string;
	batchId: string | null;
	remoteStatus: string | null;
	calls: number;
	/** The API's request_counts at the last poll. */
	completed: number | null;
	failed: number | null;
	cancelSent: boolean;
	/** The run's cancel reached it (one not created by then was never sent). */
	cancelRequested: boolean;
	failure: string | null;
}

const FINISHED: RunStatus[] = ['completed', 'cancelled', 'failed'];

export function summarizeRun(run: GenerationRun, datasetName: string | null, now = Date.now()): RunSummary {
	const kind = runKind(run.pipeline);
	const progress = kind.readProgress(run.progress);
	const params = run.pipeline === 'judge' ? null : readRunParams(run.params);
	const rephrasings = params?.pipeline === 'unnatural' ? params.rephrasings : 0;
	const activeMs = run.activeMs + (run.activeSince ? Math.max(0, now - run.activeSince.getTime()) : 0);
	const fraction = run.status === 'completed' ? 1 : kind.workFraction(run, progress);
	const requests = progress.calls.done + progress.calls.failed;
	const counts = run.pipeline === 'judge' ? null : runCounts(run.pipeline, progress as RunProgress);
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
		done: counts ? counts.kept : (progress as JudgeProgress).judge.parsed + (progress as JudgeProgress).judge.unparsed,
		counts,
		rephrasings,
		progress,
		fraction,
		activeMs,
		etaSeconds: run.status === 'running' ? etaSeconds(fraction, activeMs) : null,
		// A finished run's rate is known however short it was; a live one waits for a second of data.
		requestsPerSecond: activeMs > 1000 || (activeMs > 0 && requests > 0 && FINISHED.includes(run.status)) ? requests / (activeMs / 1000) : null,
		createdAt: run.createdAt.toISOString(),
		startedAt: run.startedAt?.toISOString() ?? null,
		finishedAt: run.finishedAt?.toISOString() ?? null,
		heartbeatAgeMs: run.heartbeatAt ? now - run.heartbeatAt.getTime() : null,
		updatedAt: run.updatedAt.toISOString(),
		labels: kind.labels(progress),
		failedCalls: {
			total: progress.calls.failed,
			retryable: progress.calls.failed,
			byReason: Object.entries(progress.failedByReason)
				.filter(([, n]) => n > 0)
				.sort((a, b) => b[1] - a[1])
				.map(([reason, n]) => ({ reason, label: callFailureLabel(reason), n }))
		},
		failedCallShare: run.failedCallShare
	};
}

/** Columns a summary needs: never the seeds (a dataset's worth) nor the templates. */
const SUMMARY_COLUMNS = `r.id, r.pipeline, r.name, r.status, r.dataset_id, r.endpoint_source, r.endpoint_id, r.endpoint, r.model, r.target,
	json_object('pipeline', json_extract(r.params, '$.pipeline'), 'rephrasings', json_extract(r.params, '$.rephrasings')) AS params,
	'null' AS seeds, r.progress, r.message, r.requested_action, r.runner, r.owner, r.heartbeat_at, r.failed_call_share, r.resume_on_start, r.active_ms,
	r.active_since, r.created_at, r.started_at, r.finished_at, r.updated_at, r.created_by, d.name AS dataset_name`;

/** One run's live summary (the progress view polls it every second). */
export function runSummary(id: number, database: Db = db()): RunSummary | undefined {
	const row = database.$client
		.prepare<[number], (RunRow & { dataset_name: string | null })>(`SELECT ${SUMMARY_COLUMNS} FROM generation_runs r LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?`)
		.get(id);
	if (!row) return undefined;
	const summary = summarizeRun(toRun(row), row.dataset_name);
	if (summary.failedCalls.total > 0) summary.failedCalls.retryable = retryableFailedCalls(id, database).calls;
	if (summary.pipeline === 'alpaca') summary.alpacaOutputs = alpacaOutputCounts(id, database);
	if (summary.pipeline === 'judge') {
		const judge = database.$client
			.prepare<[number], { batch: number | null; mode: string | null; firstExchangeOnly: string | null }>(
				"SELECT json_extract(params, '$.batch') AS batch, json_extract(params, '$.mode') AS mode, json_extract(params, '$.firstExchangeOnly') AS firstExchangeOnly FROM generation_runs WHERE id = ?"
			)
			.get(id)!;
		if (judge.firstExchangeOnly) summary.judgeFirstExchangeOnly = JSON.parse(judge.firstExchangeOnly) as FirstExchangeOnly;
		const batch = judge.batch === 1;
		summary.judgeModels = judgeVerdictModels(database, [id]).get(id) ?? [];
		summary.judgeMode = judge.mode === 'rating' || judge.mode === 'pairwise' ? judge.mode : 'quality';
		summary.judgeCalls = {
			mode: batch ? 'batch' : 'live',
			batches: listJudgeBatches(database, id).map((b) => {
				const counts = b.requestCounts as { completed?: number; failed?: number } | null;
				return {
					key: b.key,
					phase: b.phase,
					batchId: b.batchId,
					remoteStatus: b.remoteStatus,
					calls: b.calls,
					completed: counts?.completed ?? null,
					failed: counts?.failed ?? null,
					cancelSent: b.cancelSent === 1,
					cancelRequested: b.cancelRequested === 1,
					failure: b.failure
				};
			})
		};
	}
	return summary;
}

function alpacaOutputCounts(id: number, database: Db): AlpacaOutputCounts {
	const c = database.$client;
	const seeds = c.prepare<[number], { seeds: string }>('SELECT seeds FROM generation_runs WHERE id = ?').get(id)!;
	const tasks = (JSON.parse(seeds.seeds) as { tasks?: SeedTaskSnapshot[] }).tasks ?? [];
	const empty = c
		.prepare<[number], { n: number }>("SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_status = 'kept' AND trim(output) = ''")
		.get(id)!.n;
	return { seeds: tasks.length, seedsWithoutOutput: seedsWithoutOutput(tasks), keptEmptyOutputs: empty };
}

/** Every run, newest first, with the columns a list needs (seeds and params are not read). */
export function listRuns(database: Db = db(), limit = 200): RunSummary[] {
	const rows = database.$client
		.prepare<[number], RunRow & { dataset_name: string | null }>(`SELECT ${SUMMARY_COLUMNS} FROM generation_runs r LEFT JOIN datasets d ON d.id = r.dataset_id ORDER BY r.id DESC LIMIT ?`)
		.all(limit);
	const models = judgeVerdictModels(
		database,
		rows.filter((r) => r.pipeline === 'judge').map((r) => r.id)
	);
	return rows.map((row) => {
		const summary = summarizeRun(toRun(row), row.dataset_name);
		if (row.pipeline === 'judge') summary.judgeModels = models.get(row.id) ?? [];
		return summary;
	});
}
