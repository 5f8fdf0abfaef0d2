/**
 * One process running one run: it claims the run, keeps its heartbeat, acts on pause/cancel
 * requests (its own, or written to the row by another process), drives the pipeline through
 * the engine, and writes the run's final status. One AbortController per run stops everything
 * in flight at once.
 */
import { inSentence } from '$lib/text/words';
import { db, type Db } from '../../db';
import type { RunKindId, RunAction, RunStatus, Runner } from '../../db/tables';
import { createLlmClient, type LlmClientOptions } from '../../llm';
import { resolveEndpoint } from '../endpoints';
import { RunParamsError } from '../errors';
import { runKind, type KindProgress } from '../kinds';
import { CallStore } from './calls';
import type { RunDriver } from './driver';
import { runJudgeBatches } from '../judge/batch';
import type { JudgeProgress } from '../judge/progress';
import { runEngine, type EngineEnd, type EngineTiming } from './engine';
import { failedCallsNote, failureGuard } from './failures';
import { readJudgeParams, type JudgeMode } from '../judge/params';
import { ruleLabel } from '../generation/progress';
import { runCounts } from '$lib/runs/counts';
import { makeOwner } from './owner';
import { claimRun, heartbeat, HEARTBEAT_MS, releaseRun, retryableFailedCalls } from './run-rows';

export type StopReason = RunAction | 'shutdown';

export interface SessionOptions {
	database?: Db;
	runner: Runner;
	heartbeatMs?: number;
	/** Orphan threshold used when claiming (tests shorten it). */
	staleAfterMs?: number;
	/** Client options (tests pin the retry policy and timeouts). */
	client?: LlmClientOptions;
	env?: NodeJS.ProcessEnv;
	/** After each committed reply, with the run's counters (CLI progress bar). */
	onCommit?: (progress: KindProgress) => void;
	/** Filled with the engine's own time (benchmarks). */
	timing?: EngineTiming;
}

export interface SessionEnd {
	status: RunStatus;
	message: string | null;
}

export const SHUTDOWN_MESSAGE = 'The server stopped while the run was going; it resumes when the server starts again.';

export class RunSession {
	readonly owner = makeOwner();
	readonly runId: number;
	readonly done: Promise<SessionEnd>;
	private readonly controller = new AbortController();
	private readonly database: Db;
	private stopReason: StopReason | null = null;
	/** The run's counters once opened: retries and the last error are written with each heartbeat. */
	private progress: KindProgress | null = null;
	private lost = false;
	private released = false;

	/** Claims the run (throws RunError when it cannot be run here) and starts it. */
	constructor(
		runId: number,
		private readonly options: SessionOptions
	) {
		this.runId = runId;
		this.database = options.database ?? db();
		claimRun(runId, this.owner, options.runner, this.database, { staleAfterMs: options.staleAfterMs });
		this.done = this.execute();
	}

	get stopping(): StopReason | null {
		return this.stopReason;
	}

	/** Stops the run: calls in flight are abandoned (they stay pending and are resent on resume). */
	stop(reason: StopReason): void {
		this.stopReason ??= reason;
		this.controller.abort();
	}

	/**
	 * For a shutdown that cannot wait: writes the interrupted status now. Replies still arriving
	 * are not stored (the calls stay pending), so nothing is half-written.
	 */
	releaseNow(): void {
		this.stop('shutdown');
		this.finishWith('interrupted', SHUTDOWN_MESSAGE, true);
	}

	private finishWith(status: Exclude<RunStatus, 'running' | 'queued'>, message: string | null, resumeOnStart = false): void {
		if (this.released || this.lost) return;
		this.released = true;
		releaseRun(this.runId, this.owner, status, message, this.database, { resumeOnStart, live: this.live() });
	}

	private live() {
		return this.progress ? { retries: this.progress.retries, lastError: this.progress.lastError } : undefined;
	}

	private async execute(): Promise<SessionEnd> {
		const database = this.database;
		let timer: ReturnType<typeof setInterval> | undefined;
		let end: EngineEnd;
		let driverShortfall: (() => string | null) | null = null;
		let driverOutcome: (() => string | null) | null = null;
		let closeDriver: (() => void) | null = null;
		let pipeline = '';
		let judgeMode: JudgeMode | undefined;
		try {
			const run = claimedRun(database, this.runId);
			pipeline = run.pipeline;
			if (run.pipeline === 'judge') judgeMode = readJudgeParams(run.params).mode;
			if (run.datasetId === null) throw new RunParamsError("The run's dataset was deleted; start a new run.");
			const kind = runKind(run.pipeline);
			const { driver, steps, batch } = kind.open(database, { ...run, datasetId: run.datasetId });
			const { config } = resolveEndpoint(
				run.endpointSource === 'env' ? { kind: 'env' } : { kind: 'stored', id: run.endpointId ?? -1 },
				run.model,
				database,
				this.options.env
			);
			const progress = kind.readProgress(run.progress);
			this.progress = progress;
			const client = createLlmClient(config, {
				...this.options.client,
				onEvent: (event) => {
					if (event.type === 'retry') {
						progress.retries++;
						progress.lastError = { message: event.message, kind: event.kind, ...(event.status !== undefined ? { status: event.status } : {}), at: Date.now() };
					}
					this.options.client?.onEvent?.(event);
				}
			});
			driverShortfall = () => driver.shortfall();
			driverOutcome = () => driver.outcome?.() ?? null;
			closeDriver = () => driver.close?.();
			timer = setInterval(() => this.beat(), this.options.heartbeatMs ?? HEARTBEAT_MS);
			timer.unref?.();
			const calls = new CallStore(database, run.id, config.model, steps);
			end = batch
				? await runJudgeBatches({
						database,
						runId: run.id,
						datasetId: run.datasetId,
						owner: this.owner,
						driver: driver as RunDriver<JudgeProgress>,
						calls,
						client,
						progress: progress as JudgeProgress,
						signal: this.controller.signal,
						pollMs: batch.pollMs,
						cancelling: () => this.stopReason === 'cancel',
						onCommit: () => this.options.onCommit?.(progress),
						failureGuard: failureGuard(run.failedCallShare)
					})
				: await runEngine({
				database,
				runId: run.id,
				datasetId: run.datasetId,
				owner: this.owner,
				model: config.model,
				driver,
				calls,
				client,
				concurrency: config.concurrency,
				progress,
				signal: this.controller.signal,
				onCommit: () => this.options.onCommit?.(progress),
				timing: this.options.timing,
				failureGuard: failureGuard(run.failedCallShare)
			});
		} catch (err) {
			end = { kind: 'fail', message: err instanceof RunParamsError ? `Failed: ${err.message}` : `Failed: ${err instanceof Error ? err.message : String(err)}` };
		} finally {
			if (timer) clearInterval(timer);
			closeDriver?.();
		}
		if (end.kind === 'lost' || this.lost) {
			this.lost = true;
			return { status: 'running', message: 'Another process took the run over.' };
		}
		let status: Exclude<RunStatus, 'running' | 'queued'>;
		let message: string | null;
		let resumeOnStart = false;
		switch (end.kind) {
			case 'finished':
				status = 'completed';
				{
					const short = driverShortfall?.() ?? null;
					// The count the target is about, said in every completed run's message (not "target met" alone).
					message = joinSentences(short ?? (driverOutcome?.() ? `Completed: ${driverOutcome()}` : null), short && this.progress ? mostRejected(pipeline, this.progress) : null, this.progress ? failedCallsNote(pipeline, this.progress.failedByReason, (this.progress as { tasksFailed?: number }).tasksFailed ?? 0, this.runId, this.progress.calls.failed > 0 ? retryableFailedCalls(this.runId, this.database).skipped : 0, judgeMode) : null);
				}
				break;
			case 'pause':
				status = 'paused';
				message = end.message;
				break;
			case 'fail':
				status = 'failed';
				message = end.message;
				break;
			default:
				if (this.stopReason === 'pause') [status, message] = ['paused', 'Paused.'];
				else if (this.stopReason === 'cancel') [status, message] = ['cancelled', 'Cancelled.'];
				else {
					[status, message] = ['interrupted', SHUTDOWN_MESSAGE];
					resumeOnStart = this.options.runner === 'server';
				}
		}
		this.finishWith(status, message, resumeOnStart);
		return { status, message };
	}

	private beat(): void {
		try {
			const action = heartbeat(this.runId, this.owner, this.database, this.live());
			if (action === 'lost') {
				this.lost = true;
				this.controller.abort();
			} else if (action) this.stop(action);
		} catch {
			// A busy database skips one beat; the next one catches up.
		}
	}
}

function claimedRun(database: Db, id: number) {
	const row = database.$client.prepare<[number]>('SELECT * FROM generation_runs WHERE id = ?').get(id);
	if (!row) throw new RunParamsError(`There is no run ${id}.`);
	const r = row as Record<string, unknown>;
	return {
		id: r.id as number,
		pipeline: r.pipeline as RunKindId,
		target: r.target as number,
		datasetId: r.dataset_id as number | null,
		endpointSource: r.endpoint_source as 'stored' | 'env',
		endpointId: r.endpoint_id as number | null,
		model: r.model as string,
		params: JSON.parse(r.params as string) as unknown,
		seeds: JSON.parse(r.seeds as string) as unknown,
		progress: JSON.parse(r.progress as string) as unknown,
		failedCallShare: r.failed_call_share as number
	};
}

function joinSentences(...parts: (string | null)[]): string | null {
	const text = parts.filter(Boolean).join(' ');
	return text || null;
}

/**
 * Why a run stopped short of its target, from what it rejected most (not a guess): its filters'
 * rules and the candidates lost later (no instance or output left). Never "beyond the target":
 * a run short of it has brought in every candidate that waited.
 */
function mostRejected(pipeline: string, progress: KindProgress): string | null {
	const rejected = pipeline === 'judge' ? ((progress as { rejected?: Record<string, number> }).rejected ?? {}) : runCounts(pipeline, progress).rejectedByRule;
	const top = Object.entries(rejected)
		.filter(([rule, n]) => n > 0 && rule !== 'overTarget')
		.sort((a, b) => b[1] - a[1])
		.slice(0, 3);
	if (!top.length) return null;
	return `Rejected most often: ${top.map(([rule, n]) => `${inSentence(ruleLabel(rule))} (${n})`).join(', ')}.`;
}

