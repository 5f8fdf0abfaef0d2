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
 * Errors (failures.ts): one about this prompt (context length, content filter, a parameter of
 * the call, an unusable reply) marks that call failed with its reason and the run goes on —
 * unless such failures pass the share guard's share of recent calls, which pauses the run; a
 * retryable one that outlasted the client's retries pauses the run; a wrong key, model, URL
 * or quota fails it; an abort leaves calls pending, to be sent again on resume.
 * When the run ends of itself (it fails or pauses), no new call is sent, but the calls already
 * on the wire are let finish and their replies stored: they are paid for, and resume must not
 * send them again. Only an outside stop (pause, cancel, shutdown) or a lost run cuts them off.
 */
import { setMaxListeners } from 'node:events';
import { transaction, type Db } from '../../db';
import { BUSY_RETRY_BOUND_MS, busyBackoff, isBusyError } from '../../db/busy';
import { RowWriter } from '../../datasets/rows';
import { toLlmError, type GenerateResult, type LlmClient } from '../../llm';
import { JUDGE_PROMPT_STEPS } from '$lib/prompts';
import type { CallStore, StoredCall } from './calls';
import type { CandidateRows, CommitScope, ReplyText, RunDriver } from './driver';
import { bump, type CallCounters } from './counters';
import {
	callErrorEffect,
	callFailureFromError,
	checkFailureGuard,
	contentFilterFinish,
	failMessage,
	pauseMessage,
	type CallFailure,
	type CallFailureReason,
	type FailureGuard
} from './failures';

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
	/** Pause when calls failing on their own prompt pass this share of recent calls. */
	failureGuard?: FailureGuard;
}

export interface EngineTiming {
	/** Wall time inside commit transactions (parse, filter, insert, plan, write), ms. */
	storeMs: number;
	transactions: number;
	/** Transactions of their own that launched calls on freed slots, and their wall time (ms). */
	refills?: number;
	refillMs?: number;
}

interface Settled {
	call: StoredCall;
	/** The reply, if one came (a content-filtered reply comes with a failure). */
	reply: GenerateResult | null;
	failure: CallFailure | null;
	/** What the driver's `prepare` gave for the reply. */
	prepared?: unknown;
}

class LostOwnership extends Error {
	constructor() {
		super('Another process owns the run now.');
	}
}

export async function runEngine<P extends CallCounters>(options: EngineOptions<P>): Promise<EngineEnd> {
	const { database, driver, calls, client, progress } = options;
	const writer = new RowWriter(database);
	const c = database.$client;
	const ledger = c.prepare<[number, number, number, number | null, number | null, number | null]>(
		'INSERT INTO generation_candidates (run_id, call_id, item_index, task_id, instance_id, formulation_id) VALUES (?, ?, ?, ?, ?, ?)'
	);
	const fence = c.prepare<[string, number, number, number, string]>(
		'UPDATE generation_runs SET progress = ?, heartbeat_at = ?, updated_at = ? WHERE id = ? AND owner = ?'
	);
	// Our own controller: it cuts off the calls in flight on an outside stop or a lost run only.
	const controller = new AbortController();
	// Every call in flight listens to it (limiter, backoff, fetch): more than Node's default 10.
	setMaxListeners(0, controller.signal);
	const stopAll = () => controller.abort();
	if (options.signal.aborted) controller.abort();
	else options.signal.addEventListener('abort', stopAll, { once: true });
	const signal = controller.signal;

	let end: EngineEnd | null = null;
	// A run that fails or pauses of itself sends nothing new; what is on the wire is answered and stored.
	const finish = (result: EngineEnd) => {
		end ??= result;
		if (result.kind === 'lost') controller.abort();
	};
	/** Whether to send more calls: not once the run is ending. */
	const sending = () => end === null && !signal.aborted;

	const owns = c.prepare<[number, string]>('SELECT 1 FROM generation_runs WHERE id = ? AND owner = ?').pluck();
	function checkOwnership(): void {
		if (owns.get(options.runId, options.owner) === undefined) throw new LostOwnership();
	}

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
		let changed: boolean;
		if (failure) {
			const parsed = driver.commitFailure(call, failure, scope);
			changed = calls.markFailed(call, failure, reply, parsed, now);
			progress.calls.failed++;
			bump(progress.failedByReason, failure.reason);
		} else {
			const parsed = driver.commit(call, replyText(reply!), scope, item.prepared);
			changed = calls.markDone(call, reply!, parsed, now);
			progress.calls.done++;
			bump(progress.calls.byStep, call.step);
		}
		if (!changed) throw new Error(`Call ${call.key} changed while its reply was being stored.`);
		if (reply) {
			// Paid for, used or not.
			progress.promptTokens += reply.usage.promptTokens;
			progress.completionTokens += reply.usage.completionTokens;
			if (reply.costUsd !== undefined) {
				progress.costUsd += reply.costUsd;
				progress.costKnown = true;
			}
		}
		outcomes.push(failure?.reason ?? null);
	}

	/** This session's latest outcomes (null = answered), for the share guard. */
	const outcomes: (CallFailureReason | null)[] = [];
	function checkGuard(): void {
		const guard = options.failureGuard;
		if (!guard) return;
		if (outcomes.length > guard.window) outcomes.splice(0, outcomes.length - guard.window);
		const verdict = checkFailureGuard(outcomes, guard);
		if (verdict) finish({ kind: 'pause', message: verdict });
	}

	function noteError(message: string, kind: string, status?: number): void {
		progress.lastError = { message, kind, ...(status !== undefined ? { status } : {}), at: Date.now() };
	}

	/** Calls to send next: left over from an earlier session first, then newly planned ones. */
	const resend = [...driver.resend];
	function nextCalls(free: number): StoredCall[] {
		if (free <= 0 || !sending()) return [];
		const batch = resend.splice(0, free);
		if (batch.length < free) {
			const plans = driver.plan(free - batch.length, options.concurrency);
			if (plans.length) batch.push(...calls.insertPending(plans));
		}
		return batch;
	}

	/** Calls launched and not yet answered (or abandoned): each holds one of `concurrency` slots. */
	let occupied = 0;
	// Replies in, their slots free already: in the driver's `prepare`, then waiting in `settled`,
	// then in a scheduled commit.
	let preparing = 0;
	const settled: Settled[] = [];
	let committing = 0;
	let flushScheduled = false;
	let refillScheduled = false;
	let busySince = 0;
	let busyAttempts = 0;
	let wake: () => void = () => {};

	/**
	 * A reply's slot goes to the next call as soon as the reply is in, before it is prepared or
	 * stored: the calls that take freed slots get their pending rows in a short transaction of
	 * their own (one per event-loop turn) and are on the wire while replies are stored. Slots are
	 * never kept waiting by commits, so the app's share of each request stays small at full speed.
	 */
	function freeSlot(): void {
		occupied--;
		if (!refillScheduled) {
			refillScheduled = true;
			setImmediate(refill);
		}
	}

	function refill(): void {
		refillScheduled = false;
		if (!sending()) return wake();
		try {
			const started = options.timing ? performance.now() : 0;
			const calls = transaction(database, () => {
				checkOwnership();
				return nextCalls(options.concurrency - occupied);
			});
			if (options.timing) {
				options.timing.refills = (options.timing.refills ?? 0) + 1;
				options.timing.refillMs = (options.timing.refillMs ?? 0) + performance.now() - started;
			}
			for (const call of calls) launch(call);
		} catch (err) {
			// Busy: the next commit plans them. Anything else ends the run.
			if (err instanceof LostOwnership) finish({ kind: 'lost' });
			else if (!isBusyError(err)) finish({ kind: 'fail', message: `Failed while planning calls: ${err instanceof Error ? err.message : String(err)}` });
		}
		wake();
	}

	/** A reply (or a failure to record) is in: its slot is freed, then it is prepared and stored. */
	function arrive(item: Settled): void {
		freeSlot();
		preparing++;
		if (item.failure || !item.reply || !driver.prepare) return settle(item);
		driver.prepare(item.call, replyText(item.reply)).then(
			(prepared) => settle({ ...item, prepared }),
			() => settle(item)
		);
	}

	/**
	 * Group commit: replies that arrive together are stored in one transaction, in arrival order,
	 * one event-loop turn later — so the requests launched for their slots go out first.
	 */
	function flush(): void {
		flushScheduled = false;
		const batch = settled.splice(0);
		if (batch.length === 0) return wake();
		committing += batch.length;
		setImmediate(() => commitBatch(batch));
	}

	function commitBatch(batch: Settled[]): void {
		committing -= batch.length;
		let next: StoredCall[] = [];
		if (end?.kind !== 'lost') {
			const started = options.timing ? performance.now() : 0;
			try {
				next = transaction(database, () => {
					const now = Date.now();
					for (const item of batch) commitOne(item, now);
					writer.flush();
					writeProgress(now);
					return nextCalls(options.concurrency - occupied);
				});
				busySince = 0;
				busyAttempts = 0;
				checkGuard();
			} catch (err) {
				next = [];
				if (isBusyError(err) && Date.now() - (busySince ||= Date.now()) < BUSY_RETRY_BOUND_MS * 10) {
					// Another process holds the write lock: keep the replies and store them shortly.
					settled.unshift(...batch);
					flushScheduled = true;
					setTimeout(flush, busyBackoff(++busyAttempts));
					return;
				}
				if (err instanceof LostOwnership) finish({ kind: 'lost' });
				else finish({ kind: 'fail', message: `Failed while storing a reply: ${err instanceof Error ? err.message : String(err)}` });
			}
			if (options.timing) {
				options.timing.storeMs += performance.now() - started;
				options.timing.transactions++;
			}
			options.onCommit?.();
		}
		for (const call of next) launch(call);
		wake();
	}

	function settle(item: Settled): void {
		preparing--;
		settled.push(item);
		if (!flushScheduled) {
			flushScheduled = true;
			setImmediate(flush);
		}
	}

	function replyText(reply: GenerateResult): ReplyText {
		return { text: reply.text, finishReason: reply.finishReason, apiStyle: client.endpoint.apiStyle };
	}

	function release(): void {
		occupied--;
		wake();
	}

	function launch(call: StoredCall): void {
		occupied++;
		client.generate({ prompt: call.prompt, decoding: call.decoding, signal, requestKey: call.key }).then(
			// A reply that arrives while stopping is still stored: it was paid for.
			(reply) => {
				if (reply.finishReason !== 'content_filter') return arrive({ call, reply, failure: null });
				const failure = contentFilterFinish(reply.choices[0]?.rawFinishReason ?? null);
				noteError(failure.message, failure.reason);
				arrive({ call, reply, failure });
			},
			(raw) => {
				const error = toLlmError(raw, '');
				if (error.kind === 'aborted' || signal.aborted) return release(); // stays pending: resent on resume
				switch (callErrorEffect(error)) {
					case 'pause':
						noteError(error.message, error.kind, error.status);
						finish({ kind: 'pause', message: pauseMessage(error) });
						return release();
					case 'fail':
						noteError(error.message, error.kind, error.status);
						finish({ kind: 'fail', message: failMessage(error, options.model, client.endpoint.apiStyle) });
						return release();
					default: {
						const failure = callFailureFromError(error, { maxTokens: call.decoding.maxTokens, judge: Object.hasOwn(JUDGE_PROMPT_STEPS, call.step) });
						noteError(failure.message, failure.reason, error.status);
						arrive({ call, reply: null, failure });
					}
				}
			}
		);
	}

	try {
		for (const call of transaction(database, () => nextCalls(options.concurrency))) launch(call);
		for (;;) {
			if (occupied === 0 && preparing === 0 && settled.length === 0 && committing === 0) {
				if (!sending()) break;
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
		// Let every call in flight settle and store what arrived. An outside stop or a lost run has
		// aborted them already (they reject at once and stay pending); a run ending of itself waits
		// for their replies.
		while (occupied > 0 || preparing > 0 || settled.length > 0 || committing > 0) {
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
		options.signal.removeEventListener('abort', stopAll);
	}
	return end ?? { kind: 'stopped' };
}
