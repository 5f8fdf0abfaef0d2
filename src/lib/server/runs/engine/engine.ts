/**
 * The call loop of a run: keeps up to `concurrency` calls in flight, each inserted as pending
 * before it is sent, and commits each reply in one IMMEDIATE transaction that
 *   1. checks the call is still pending (if not, nothing at all happens for it),
 *   2. lets the pipeline store what the reply yields (through a RowWriter, with a ledger row
 *      per item: UNIQUE(call, item) — a reply can never be stored twice),
 *   3. flips the call to done with the reply and the pipeline's summary
 *      (UPDATE … WHERE status = 'pending'; anything else rolls the whole transaction back),
 *   4. writes the run's counters and heartbeat, only while this process still owns the run.
 * Replies are committed in the order they arrive, which is the order the filters see them
 * (and the order a resumed run rebuilds them in).
 *
 * Errors: a retryable one that outlasted the client's retries pauses the run; a wrong key,
 * model or request fails it; an unusable reply marks that call failed and the run goes on;
 * an abort leaves calls pending, to be sent again on resume.
 */
import { setMaxListeners } from 'node:events';
import { transaction, type Db } from '../../db';
import { RowWriter } from '../../datasets/rows';
import { LlmError, toLlmError, type GenerateResult, type LlmClient } from '../../llm';
import type { CallStore, StoredCall } from './calls';
import type { CandidateRows, CommitScope, ReplyText, RunDriver } from './driver';
import { bump, type CallCounters } from './counters';

export type EngineEnd =
	| { kind: 'finished' }
	/** The signal was aborted (pause, cancel, shutdown). */
	| { kind: 'stopped' }
	| { kind: 'pause'; message: string }
	| { kind: 'fail'; message: string }
	/** Another process took the run over: stop without writing anything more. */
	| { kind: 'lost' };

export interface EngineOptions<P extends CallCounters = CallCounters> {
	database: Db;
	runId: number;
	datasetId: number;
	/** Fences every commit: it only happens while the run row names this owner. */
	owner: string;
	model: string;
	driver: RunDriver<P>;
	calls: CallStore;
	client: LlmClient;
	concurrency: number;
	/** The run's counters; updated in place and written with each commit. */
	progress: P;
	signal: AbortSignal;
	/** After each commit (progress bars, tests). */
	onCommit?: () => void;
	/** Accumulates the time spent storing replies and planning calls (benchmarks). */
	timing?: EngineTiming;
}

export interface EngineTiming {
	/** Wall time inside commit transactions (parse, filter, insert, plan, write), ms. */
	storeMs: number;
	transactions: number;
}

interface Settled {
	call: StoredCall;
	reply: GenerateResult | null;
	failure: LlmError | null;
}

class LostOwnership extends Error {
	constructor() {
		super('Another process owns the run now.');
	}
}

/** Kinds that a person has to fix (key, model, URL, request) before the run can go on. */
const FATAL_KINDS = new Set<LlmError['kind']>(['auth', 'permission', 'not_found', 'bad_request']);

export function pauseMessage(error: LlmError): string {
	const what =
		error.kind === 'rate_limited'
			? 'kept answering 429 (rate limit or quota)'
			: error.kind === 'timeout'
				? 'did not answer in time'
				: error.kind === 'connection'
					? 'could not be reached'
					: 'kept failing';
	return `Paused: the endpoint ${what} after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'} (${error.message}). Resume the run once the endpoint is back; nothing was lost.`;
}

export function failMessage(error: LlmError, model: string, apiStyle?: string): string {
	switch (error.kind) {
		case 'auth':
			return 'Failed: the endpoint rejected the API key (401). Fix the key in Admin → Endpoints, then resume the run.';
		case 'permission':
			return `Failed: the API key is not allowed to use this model or endpoint (403). ${error.message}`;
		case 'not_found':
			return `Failed: the endpoint answered 404 — it does not know the model "${model}", or the base URL is wrong. ${error.message}`;
		case 'bad_request':
			return `Failed: the endpoint rejected a request (${error.status ?? 400}): ${error.message}${
				apiStyle === 'completions' ? ' If this is a chat model, choose the chat API style.' : ''
			}`;
		default:
			return `Failed: ${error.message}`;
	}
}

export async function runEngine<P extends CallCounters>(options: EngineOptions<P>): Promise<EngineEnd> {
	const { database, driver, calls, client, progress } = options;
	const writer = new RowWriter(database);
	const c = database.$client;
	const ledger = c.prepare(
		'INSERT INTO generation_candidates (run_id, call_id, item_index, task_id, instance_id, formulation_id) VALUES (?, ?, ?, ?, ?, ?)'
	);
	const fence = c.prepare(
		'UPDATE generation_runs SET progress = ?, heartbeat_at = ?, updated_at = ? WHERE id = ? AND owner = ?'
	);
	// Our own controller: a fatal error stops the other calls in flight.
	const controller = new AbortController();
	// Every call in flight listens to it (limiter, backoff, fetch): more than Node's default 10.
	setMaxListeners(0, controller.signal);
	const stopAll = () => controller.abort();
	if (options.signal.aborted) controller.abort();
	else options.signal.addEventListener('abort', stopAll, { once: true });
	const signal = controller.signal;

	let end: EngineEnd | null = null;
	const finish = (result: EngineEnd) => {
		end ??= result;
		controller.abort();
	};

	function writeProgress(now: number): void {
		if (fence.run(JSON.stringify(progress), now, now, options.runId, options.owner).changes !== 1) throw new LostOwnership();
	}

	/** Stores one settled call; runs inside the batch's transaction. */
	function commitOne(item: Settled, now: number): void {
		const { call, reply, failure } = item;
		// Already stored by an earlier session: storing it again is exactly what must not happen.
		// (The check and the write below are in one IMMEDIATE transaction: nothing can slip between.)
		if (!calls.isPending(call)) return;
		const scope: CommitScope<P> = {
			database,
			writer,
			runId: options.runId,
			datasetId: options.datasetId,
			progress,
			now,
			record: (index: number, rows: CandidateRows) => {
				ledger.run(options.runId, call.id, index, rows.taskId ?? null, rows.instanceId ?? null, rows.formulationId ?? null);
			}
		};
		const text: ReplyText = reply ? { text: reply.text, finishReason: reply.finishReason } : { text: '', finishReason: 'error' };
		const parsed = driver.commit(call, text, scope);
		const changed = reply ? calls.markDone(call, reply, parsed, now) : calls.markFailed(call, failure!.message, failure!.attempts, parsed, now);
		if (!changed) throw new Error(`Call ${call.key} changed while its reply was being stored.`);
		if (reply) {
			progress.calls.done++;
			bump(progress.calls.byStep, call.step);
			progress.promptTokens += reply.usage.promptTokens;
			progress.completionTokens += reply.usage.completionTokens;
			if (reply.costUsd !== undefined) {
				progress.costUsd += reply.costUsd;
				progress.costKnown = true;
			}
		} else progress.calls.failed++;
	}

	/** Calls to send next: left over from an earlier session first, then newly planned ones. */
	const resend = [...driver.resend];
	function nextCalls(free: number): StoredCall[] {
		if (free <= 0 || signal.aborted) return [];
		const batch = resend.splice(0, free);
		if (batch.length < free) {
			const plans = driver.plan(free - batch.length, options.concurrency);
			if (plans.length) batch.push(...calls.insertPending(plans));
		}
		return batch;
	}

	/** Calls launched and not yet committed (or abandoned): each holds one of `concurrency` slots. */
	let occupied = 0;
	const settled: Settled[] = [];
	let flushScheduled = false;
	let wake: () => void = () => {};

	/**
	 * Group commit: replies that arrive together are stored in one transaction, in arrival order,
	 * together with the pending rows of the calls that take their slots. Fewer, larger commits
	 * keep the app's share of each request small at full speed.
	 */
	function flush(): void {
		flushScheduled = false;
		const batch = settled.splice(0);
		let next: StoredCall[] = [];
		if (batch.length && end?.kind !== 'lost') {
			const started = options.timing ? performance.now() : 0;
			try {
				next = transaction(database, () => {
					const now = Date.now();
					for (const item of batch) commitOne(item, now);
					writer.flush();
					writeProgress(now);
					return nextCalls(options.concurrency - (occupied - batch.length));
				});
			} catch (err) {
				next = [];
				if (err instanceof LostOwnership) finish({ kind: 'lost' });
				else finish({ kind: 'fail', message: `Failed while storing a reply: ${err instanceof Error ? err.message : String(err)}` });
			}
			if (options.timing) {
				options.timing.storeMs += performance.now() - started;
				options.timing.transactions++;
			}
			options.onCommit?.();
		}
		occupied -= batch.length;
		for (const call of next) launch(call);
		wake();
	}

	function settle(item: Settled): void {
		settled.push(item);
		if (!flushScheduled) {
			flushScheduled = true;
			setImmediate(flush);
		}
	}

	function release(): void {
		occupied--;
		wake();
	}

	function launch(call: StoredCall): void {
		occupied++;
		client.generate({ prompt: call.prompt, decoding: call.decoding, signal, requestKey: call.key }).then(
			// A reply that arrives while stopping is still stored: it was paid for.
			(reply) => settle({ call, reply, failure: null }),
			(raw) => {
				const error = toLlmError(raw, '');
				if (error.kind === 'aborted' || signal.aborted) return release(); // stays pending: resent on resume
				if (error.retryable) {
					finish({ kind: 'pause', message: pauseMessage(error) });
					return release();
				}
				if (FATAL_KINDS.has(error.kind)) {
					finish({ kind: 'fail', message: failMessage(error, options.model, client.endpoint.apiStyle) });
					return release();
				}
				settle({ call, reply: null, failure: error });
			}
		);
	}

	try {
		for (const call of transaction(database, () => nextCalls(options.concurrency))) launch(call);
		for (;;) {
			if (occupied === 0 && settled.length === 0) {
				if (signal.aborted) break;
				// Nothing in flight: anything left to do must be plannable now.
				const more = transaction(database, () => nextCalls(options.concurrency));
				if (more.length === 0) {
					if (driver.isFinished()) return { kind: 'finished' };
					return { kind: 'fail', message: 'Failed: the pipeline has work left but planned no call (a bug; resume to retry).' };
				}
				for (const call of more) launch(call);
			}
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
	} catch (err) {
		finish({ kind: 'fail', message: `Failed: ${err instanceof Error ? err.message : String(err)}` });
	} finally {
		// Let every call in flight settle (aborted ones reject at once) and store what arrived.
		controller.abort();
		while (occupied > 0 || settled.length > 0) {
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
		options.signal.removeEventListener('abort', stopAll);
	}
	return end ?? { kind: 'stopped' };
}

/** For tests: whether an error would pause, fail, or mark just the call failed. */
export function classifyCallError(error: LlmError): 'pause' | 'fail' | 'call' | 'aborted' {
	if (error.kind === 'aborted') return 'aborted';
	if (error.retryable) return 'pause';
	return FATAL_KINDS.has(error.kind) ? 'fail' : 'call';
}
