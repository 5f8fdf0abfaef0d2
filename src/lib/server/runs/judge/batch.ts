/**
 * A judge run through the OpenAI Batch API (docs/judge-design.md, "Batch mode"). Instead of the
 * engine's live calls, the run's pending calls are grouped into `judge_batches` rows, and each
 * row follows the restart-safe state machine of $lib/judge/batch-state: every API step has its
 * intent stored before it is sent and its id after, so a process killed at any moment finds the
 * upload or batch it may have created (by file name / metadata tag) instead of paying twice.
 *
 * Results are applied per custom_id, each reply through the same driver commit as a live call
 * (label and call row in one transaction, skipped when the call is no longer pending), so a
 * crash mid-collect is harmless. A call whose line brought no usable reply counts an attempt, as
 * a live call's retry would, and goes into the next batch until the client's attempts are used
 * up; then it fails (and the failed-call share guard applies as in live runs). Unreadable
 * replies get their one retry in the next batch. The run fails when the API refuses a batch
 * (status "failed"), and pauses when a batch's results cannot be read at all.
 */
import {
	applyBatchEvent,
	batchFileName,
	batchInputFiles,
	BATCH_METADATA_KEY,
	findCreatedBatch,
	findUploadedFile,
	judgeCustomId,
	matchBatchResults,
	nextBatchAction,
	parseBatchResultFile,
	parseJudgeCustomId,
	rawResultText,
	sameResult,
	type BatchEvent,
	type BatchLineResult,
	type BatchPhase,
	type BatchRecord,
	type RemoteBatchStatus
} from '$lib/judge';
import { transaction, type Db } from '../../db';
import { bulkWriteBudget, retryBulkWhenBusy } from '../../db/busy';
import { BATCH_MAX_WRITE_MS } from '../../datasets/import';
import { RowWriter } from '../../datasets/rows';
import { batchLineError, createLlmClient, estimateCostUsd, LlmError, normaliseFinishReason, type GenerateResult, type LlmClient, type LlmClientOptions } from '../../llm';
import { resolveEndpoint } from '../endpoints';
import { sleep } from '../../llm/limits';
import { retryDelayMs } from '../../llm/retry';
import { callsByIds, type CallStore, type StoredCall } from '../engine/calls';
import { bump } from '../engine/counters';
import type { CommitScope, RunDriver } from '../engine/driver';
import type { EngineEnd } from '../engine/engine';
import { callErrorEffect, callFailureFromError, checkFailureGuard, failMessage, failureGuard, pauseMessage, type CallFailure, type CallFailureReason, type FailureGuard } from '../engine/failures';
import { UNEXPECTED_IDS_KEPT, type JudgeProgress } from './progress';

/** The Batch API's price is half the live price (OpenAI, 2024–2025). */
export const BATCH_PRICE_FACTOR = 0.5;

export interface BatchRunOptions {
	database: Db;
	runId: number;
	datasetId: number;
	owner: string;
	driver: RunDriver<JudgeProgress>;
	calls: CallStore;
	client: LlmClient;
	progress: JudgeProgress;
	signal: AbortSignal;
	pollMs: number;
	onCommit?: () => void;
	/** True when the stop is a cancel (not a pause or shutdown): batches in flight are then cancelled with batches.cancel. */
	cancelling?: () => boolean;
	/** Pause when calls failing on their own prompt pass this share of recent calls (as live runs do). */
	failureGuard?: FailureGuard;
}

/** Calls planned per write transaction when a run's batches are prepared. */
const PLAN_CHUNK = 2_000;

/** How long a cancelled run waits for each batches.cancel before giving up on it. */
const CANCEL_TIMEOUT_MS = 15_000;

interface BatchRow {
	id: number;
	key: string;
	phase: BatchPhase;
	call_ids: string;
	input_file_id: string | null;
	batch_id: string | null;
	remote_status: RemoteBatchStatus | null;
	output_file_id: string | null;
	error_file_id: string | null;
	last_polled_at: number | null;
	cancel_requested: number;
	cancel_sent: number;
	failure: string | null;
}

function toRecord(row: BatchRow): BatchRecord {
	return {
		key: row.key,
		phase: row.phase,
		inputFileId: row.input_file_id,
		batchId: row.batch_id,
		remoteStatus: row.remote_status,
		outputFileId: row.output_file_id,
		errorFileId: row.error_file_id,
		lastPolledAt: row.last_polled_at,
		cancelRequested: row.cancel_requested === 1,
		cancelSent: row.cancel_sent === 1,
		failure: row.failure
	};
}

const ACTIVE = "phase NOT IN ('done', 'failed')";

class LostOwnership extends Error {}

/** What a batch's results showed pauses the run (its message says why and what to do). */
class RunPause extends Error {}

/** The start of a text as one line, for a message (a person reads it on the run page: rendered escaped). */
function rawSample(text: string, length = 200): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

/** The judge run's batches, for pages and the CLI (request counts as the API gave them, an object). */
export function listJudgeBatches(database: Db, runId: number) {
	return storedJudgeBatches(database, runId).map(({ requestCounts, ...b }) => ({
		...b,
		requestCounts: requestCounts ? (JSON.parse(requestCounts) as Record<string, number>) : null
	}));
}

function storedJudgeBatches(database: Db, runId: number) {
	return database.$client
		.prepare<[number], {
		key: string;
		phase: BatchPhase;
		batchId: string | null;
		remoteStatus: string | null;
		calls: number;
		requestCounts: string | null;
		failure: string | null;
		cancelSent: number;
		cancelRequested: number;
	}>(
			`SELECT key, phase, batch_id AS batchId, remote_status AS remoteStatus, json_array_length(call_ids) AS calls, request_counts AS requestCounts, failure, cancel_sent AS cancelSent,
				cancel_requested AS cancelRequested
			 FROM judge_batches WHERE run_id = ? ORDER BY id`
		)
		.all(runId);
}

export async function runJudgeBatches(options: BatchRunOptions): Promise<EngineEnd> {
	const { database, runId, driver, calls, client, progress, signal } = options;
	const c = database.$client;
	// The share guard over this session's settled calls, as the live engine keeps it.
	const guard = options.failureGuard ?? failureGuard();
	const recent: (CallFailureReason | null)[] = [];
	const writer = new RowWriter(database);
	const fence = c.prepare<[string, number, number, number, string]>('UPDATE generation_runs SET progress = ?, heartbeat_at = ?, updated_at = ? WHERE id = ? AND owner = ?');
	const writeProgress = (now: number) => {
		if (fence.run(JSON.stringify(progress), now, now, runId, options.owner).changes !== 1) throw new LostOwnership();
	};
	const activeBatches = () => (c.prepare<[number], BatchRow>(`SELECT * FROM judge_batches WHERE run_id = ? AND ${ACTIVE} ORDER BY id`).all(runId));
	const saveRecord = (id: number, record: BatchRecord, extra: { requestCounts?: unknown } = {}) => {
		const changed = c
			.prepare<[unknown, unknown, unknown, unknown, unknown, unknown, unknown, number, number, unknown, string | null, number, number, number, string]>(
				`UPDATE judge_batches SET phase = ?, input_file_id = ?, batch_id = ?, remote_status = ?, output_file_id = ?, error_file_id = ?,
					last_polled_at = ?, cancel_requested = ?, cancel_sent = ?, failure = ?, request_counts = coalesce(?, request_counts), updated_at = ?
				 WHERE id = ? AND EXISTS (SELECT 1 FROM generation_runs WHERE id = ? AND owner = ?)`
			)
			.run(
				record.phase,
				record.inputFileId,
				record.batchId,
				record.remoteStatus,
				record.outputFileId,
				record.errorFileId,
				record.lastPolledAt,
				record.cancelRequested ? 1 : 0,
				record.cancelSent ? 1 : 0,
				record.failure,
				extra.requestCounts === undefined ? null : JSON.stringify(extra.requestCounts),
				Date.now(),
				id,
				runId,
				options.owner
			).changes;
		if (changed !== 1) throw new LostOwnership();
	};
	const step = (row: BatchRow, record: BatchRecord, event: BatchEvent, extra?: { requestCounts?: unknown }): BatchRecord => {
		const next = applyBatchEvent(record, event);
		saveRecord(row.id, next, extra);
		return next;
	};

	/**
	 * Plans every remaining call (PLAN_CHUNK to a write transaction), then puts pending calls no
	 * active batch carries into new batch rows: what is free is read without the lock, and a poll
	 * that finds nothing new writes nothing. (It used to read every pending prompt inside a write
	 * transaction on every poll: 1.2 s of lock per poll at 10,000 rows.)
	 */
	async function prepareBatches(): Promise<number> {
		for (;;) {
			const plans = driver.plan(PLAN_CHUNK, Number.MAX_SAFE_INTEGER);
			if (!plans.length) break;
			await retryBulkWhenBusy(c, () => transaction(database, () => calls.insertPending(plans), 'judge batches'));
		}
		const carried = new Set<number>();
		for (const row of activeBatches()) for (const id of JSON.parse(row.call_ids) as number[]) carried.add(id);
		const freeIds = c
			.prepare<[number], number>("SELECT id FROM generation_calls WHERE run_id = ? AND status = 'pending' ORDER BY id")
			.pluck()
			.all(runId)
			.filter((id) => !carried.has(id));
		if (freeIds.length === 0) return 0;
		// Only this process writes the run's calls (it owns the run), so they stay as read here.
		const free = c
			.prepare<[string], { id: number; prompt: string; decoding: string }>('SELECT id, prompt, decoding FROM generation_calls WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id')
			.all(JSON.stringify(freeIds));
		const requests = free.map((r) => ({ customId: judgeCustomId(runId, r.id), body: client.requestBody(r.prompt, JSON.parse(r.decoding)).body }));
		const url = client.requestBody('', JSON.parse(free[0].decoding)).url;
		const files = batchInputFiles(url, requests).map((file) => file.customIds.map((id) => parseJudgeCustomId(id)!.callId));
		return retryBulkWhenBusy(c, () =>
			transaction(
				database,
				() => {
					let k = c.prepare<[number], number>('SELECT count(*) FROM judge_batches WHERE run_id = ?').pluck().get(runId)!;
					const now = Date.now();
					for (const ids of files) {
						k++;
						c.prepare<[number, string, string, number, number]>(
							`INSERT INTO judge_batches (run_id, key, phase, call_ids, created_at, updated_at) VALUES (?, ?, 'prepared', ?, ?, ?)`
						).run(runId, `judge run ${runId} batch ${k}`, JSON.stringify(ids), now, now);
					}
					writeProgress(now);
					return free.length;
				},
				'judge batches'
			)
		);
	}

	function inputText(row: BatchRow): { text: string; url: '/v1/chat/completions' | '/v1/completions' } {
		const ids = JSON.parse(row.call_ids) as number[];
		const rows = c
			.prepare<[string], { id: number; prompt: string; decoding: string }>("SELECT id, prompt, decoding FROM generation_calls WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id")
			.all(JSON.stringify(ids));
		const requests = rows.map((r) => ({ customId: judgeCustomId(runId, r.id), body: client.requestBody(r.prompt, JSON.parse(r.decoding)).body }));
		const url = client.requestBody('', rows.length ? JSON.parse(rows[0].decoding) : { maxTokens: 1, temperature: 0, topP: 1, frequencyPenalty: 0, presencePenalty: 0 }).url;
		// Within the API's limits by construction (prepareBatches split them so).
		return { text: batchInputFiles(url, requests)[0]?.text ?? '', url };
	}

	function replyFromBody(body: unknown, attempts: number): GenerateResult | null {
		const b = body as {
			id?: string;
			model?: string;
			choices?: { index?: number; message?: { content?: string | null }; text?: string; finish_reason?: string | null }[];
			usage?: { prompt_tokens?: number; completion_tokens?: number };
		};
		const choice = b?.choices?.[0];
		if (!choice) return null;
		const text = choice.message?.content ?? choice.text ?? '';
		const usage = { promptTokens: b.usage?.prompt_tokens ?? 0, completionTokens: b.usage?.completion_tokens ?? 0 };
		const cost = estimateCostUsd(usage, client.endpoint);
		return {
			text,
			finishReason: normaliseFinishReason(choice.finish_reason),
			choices: [{ index: 0, text, finishReason: normaliseFinishReason(choice.finish_reason), rawFinishReason: choice.finish_reason ?? null }],
			usage,
			usageEstimated: b.usage === undefined,
			latencyMs: 0,
			elapsedMs: 0,
			attempts,
			model: b.model ?? client.endpoint.model,
			responseId: b.id ?? '',
			...(cost !== undefined ? { costUsd: cost * BATCH_PRICE_FACTOR } : {})
		};
	}

	/**
	 * Applies a finished batch's results. Each of its calls gets what a live call would: a reply is
	 * stored; a line about this prompt (too long, refused) fails the call at once; a line that may
	 * do better another time (5xx, expired, no line at all, a body that is no completion) uses one
	 * of the client's attempts, and the call goes into the next batch until they are used up — then
	 * it fails with that line's error, for `judge retry-failed`. Lines that disagree for one call fail
	 * it with every raw text; lines for no call of the batch are counted and named. A batch none of
	 * whose result lines can be read pauses the run (its calls are not sent again blindly).
	 */
	async function collect(row: BatchRow, record: BatchRecord): Promise<void> {
		const ids = JSON.parse(row.call_ids) as number[];
		const results: BatchLineResult[] = [];
		const unreadable: string[] = [];
		let unreadableLines = 0;
		const samples: string[] = [];
		for (const fileId of [record.outputFileId, record.errorFileId]) {
			if (!fileId) continue;
			const text = await client.batch.fileText(fileId, signal);
			const parsed = parseBatchResultFile(text);
			results.push(...parsed.results);
			if (parsed.problems.length) {
				unreadableLines += parsed.problems.length;
				unreadable.push(`file ${fileId} line ${parsed.problems[0].line}: ${parsed.problems[0].message}`);
				samples.push(rawSample(text));
			}
		}
		if (results.length === 0 && unreadableLines > 0) {
			const message = `Paused: the results of batch ${row.key} cannot be read — not one of their ${unreadableLines} line(s) is a Batch API result (${unreadable.join('; ')}). The file begins: "${samples[0]}". Its ${ids.length} call(s) were not sent again: check the provider's batch, then resume to read it again, or cancel the run.`;
			progress.lastError = { message, kind: 'batch_file', at: Date.now() };
			writeProgress(Date.now());
			throw new RunPause(message);
		}
		const match = matchBatchResults(
			ids.map((id) => judgeCustomId(runId, id)),
			results
		);
		const byId = callsByIds(database, ids);
		const maxAttempts = client.retryPolicy.maxAttempts;
		// Applied in short transactions (a batch holds up to 50,000 results); a crash in between is
		// harmless: the batch is collected again and calls already done are skipped.
		const entries = ids.map((id) => judgeCustomId(runId, id));
		let resent = 0;
		let failedNow = 0;
		let lineError: string | null = null;
		const outcomes: (CallFailureReason | null)[] = [];
		let applied = 0;
		do {
			applied = await retryBulkWhenBusy(c, () =>
				transaction(
					database,
					() => {
						const spent = bulkWriteBudget(c, BATCH_MAX_WRITE_MS);
						const now = Date.now();
						const scope: CommitScope<JudgeProgress> = { database, writer, runId, datasetId: options.datasetId, progress, now, record: () => {} };
						const fail = (call: StoredCall, failure: CallFailure, attempts: number) => {
							const parsed = driver.commitFailure(call, failure, scope);
							if (!calls.markFailed(call, { ...failure, detail: { ...failure.detail, attempts } }, null, parsed, now)) throw new Error(`Call ${call.key} changed while its result was being stored.`);
							progress.calls.failed++;
							bump(progress.failedByReason, failure.reason);
							outcomes.push(failure.reason);
							failedNow++;
						};
						let i = applied;
						for (; i < entries.length; i++) {
							if (i > applied && (i - applied) % 64 === 0 && spent()) break;
							const customId = entries[i];
							const call = byId.get(parseJudgeCustomId(customId)!.callId);
							if (!call || !calls.isPending(call)) continue;
							const attempts = calls.attemptsSoFar(call) + 1;
							const repeated = match.repeated.get(customId);
							if (repeated && !sameResult(repeated)) {
								progress.batchLines.conflicting++;
								fail(
									call,
									{
										reason: 'bad_response',
										message: `The Batch API returned ${repeated.length} different results for this request; none was used (each raw result is kept with the call). Retry the call.`,
										detail: { serverMessage: `${repeated.length} conflicting result lines`, conflictingResults: repeated.map(rawResultText) }
									},
									attempts
								);
								continue;
							}
							const result = match.byCustomId.get(customId);
							const reply = result?.kind === 'response' ? replyFromBody(result.body, attempts) : null;
							if (reply) {
								const parsed = driver.commit(call, { text: reply.text, finishReason: reply.finishReason }, scope);
								if (!calls.markDone(call, reply, parsed, now)) throw new Error(`Call ${call.key} changed while its reply was being stored.`);
								progress.calls.done++;
								bump(progress.calls.byStep, call.step);
								progress.promptTokens += reply.usage.promptTokens;
								progress.completionTokens += reply.usage.completionTokens;
								if (reply.costUsd !== undefined) {
									progress.costUsd += reply.costUsd;
									progress.costKnown = true;
								}
								outcomes.push(null);
								continue;
							}
							const error = !result
								? new LlmError('server_error', 'The batch brought no result line for this request.', { retryable: true })
								: result.kind === 'response'
									? new LlmError('bad_response', `The result line's body is not a completion: ${rawSample(JSON.stringify(result.body ?? null))}`, { status: result.statusCode, retryable: true })
									: batchLineError(result, '');
							error.attempts = attempts;
							if (result) lineError ??= `${customId}: ${result.kind === 'error' ? `${result.code}: ${result.message}` : `HTTP ${result.statusCode}: ${error.message}`}`;
							// As live: a retryable error uses an attempt (the call goes into the next batch) until they
							// are used up; an error about this prompt fails the call at once.
							if (error.retryable && attempts < maxAttempts) {
								calls.recordAttempt(call);
								resent++;
								continue;
							}
							fail(call, callFailureFromError(error, { maxTokens: call.decoding.maxTokens, judge: true }), attempts);
						}
						writer.flush();
						if (i === entries.length) {
							// Said once, with the batch marked collected: every cause of this batch's shortfall, together.
							const notes = [
								unreadableLines ? `${unreadableLines} unreadable result line(s), e.g. ${unreadable[0]}` : '',
								match.missing.length ? `${match.missing.length} request(s) got no result` : '',
								lineError ? `lines without a reply, e.g. ${lineError}` : '',
								match.unexpected.length ? `${match.unexpected.length} line(s) for requests not in this batch (${match.unexpected.slice(0, 3).join(', ')}${match.unexpected.length > 3 ? ', …' : ''}), ignored` : '',
								match.repeated.size ? `${match.repeated.size} request(s) answered more than once` : ''
							].filter(Boolean);
							if (notes.length) {
								const after = [resent ? `${resent} call(s) sent again in the next batch` : '', failedNow ? `${failedNow} call(s) failed` : ''].filter(Boolean).join(', ');
								progress.lastError = { message: `Batch ${row.key}: ${notes.join('; ')}${after ? ` — ${after}` : ''}.`, kind: 'batch_line', at: now };
							}
							progress.batchLines.resent += resent;
							progress.batchLines.unexpected += match.unexpected.length;
							const named = progress.batchLines.unexpectedIds;
							for (const id of match.unexpected) if (named.length < UNEXPECTED_IDS_KEPT && !named.includes(id)) named.push(id);
							step(row, record, { type: 'collected' });
						}
						writeProgress(now);
						return i;
					},
					'judge batches'
				)
			);
		} while (applied < entries.length);
		options.onCommit?.();
		recent.push(...outcomes);
		if (recent.length > guard.window) recent.splice(0, recent.length - guard.window);
		const verdict = checkFailureGuard(recent, guard);
		if (verdict) throw new RunPause(verdict);
	}

	/**
	 * A dropped connection or a 5xx from the Batch API is retried with the client's backoff
	 * before the run pauses. Safe because every step finds what an earlier attempt may have
	 * done (the file by name, the batch by its tag) before doing it again.
	 */
	async function advanceRetrying(row: BatchRow): Promise<number | 'failed'> {
		const policy = client.retryPolicy;
		for (let attempt = 1; ; attempt++) {
			try {
				return await advance(c.prepare<[number], BatchRow>('SELECT * FROM judge_batches WHERE id = ?').get(row.id) ?? row);
			} catch (err) {
				if (!(err instanceof LlmError) || !err.retryable || attempt >= policy.maxAttempts || signal.aborted) throw err;
				progress.lastError = { message: `Batch ${row.key}: ${err.message} (retrying)`, kind: err.kind, ...(err.status !== undefined ? { status: err.status } : {}), at: Date.now() };
				progress.retries++;
				await sleep(retryDelayMs(err, attempt, policy), signal).catch(() => {});
			}
		}
	}

	async function advance(row: BatchRow): Promise<number | 'failed'> {
		let record = toRecord(row);
		for (;;) {
			if (signal.aborted) return 0;
			const action = nextBatchAction(record, Date.now(), options.pollMs);
			switch (action.kind) {
				case 'none':
					return record.phase === 'failed' ? 'failed' : 0;
				case 'wait':
					return action.ms;
				case 'upload':
				case 'find-or-upload': {
					if (action.kind === 'find-or-upload') {
						const found = findUploadedFile(await client.batch.listFiles(signal), record.key);
						if (found) {
							record = step(row, record, { type: 'uploaded', fileId: found.id });
							break;
						}
					}
					if (record.phase === 'prepared') record = step(row, record, { type: 'upload-started' });
					const { text } = inputText(row);
					const file = await client.batch.uploadFile(batchFileName(record.key), text, signal);
					record = step(row, record, { type: 'uploaded', fileId: file.id });
					break;
				}
				case 'find-or-create': {
					const found = findCreatedBatch(await client.batch.listBatches(signal), record);
					if (found) {
						record = step(row, record, { type: 'created', batchId: found.id });
						break;
					}
					const created = await client.batch.createBatch(record.inputFileId!, inputText(row).url, { [BATCH_METADATA_KEY]: record.key }, signal);
					record = step(row, record, { type: 'created', batchId: created.id });
					break;
				}
				case 'cancel': {
					const remote = await client.batch.cancelBatch(record.batchId!, signal);
					record = step(row, record, { type: 'cancel-sent', status: remote.status as RemoteBatchStatus }, { requestCounts: remote.request_counts ?? undefined });
					break;
				}
				case 'poll': {
					const remote = await client.batch.retrieveBatch(record.batchId!, signal);
					record = step(
						row,
						record,
						{
							type: 'polled',
							at: Date.now(),
							status: remote.status as RemoteBatchStatus,
							outputFileId: remote.output_file_id ?? null,
							errorFileId: remote.error_file_id ?? null,
							errors: remote.errors?.data ?? []
						},
						{ requestCounts: remote.request_counts ?? undefined }
					);
					if (record.phase === 'in_flight') return options.pollMs;
					break;
				}
				case 'collect':
					await collect(row, record);
					return 0;
			}
		}
	}

	/**
	 * A cancelled run stops paying: every batch still active is marked cancel-requested; one in
	 * flight (or one that may have been created, found again by its tag) gets batches.cancel,
	 * recorded as sent. What it had finished is not collected — the run is over.
	 */
	async function cancelActiveBatches(): Promise<void> {
		const cancelSignal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
		for (const row of activeBatches()) {
			try {
				let record = toRecord(row);
				if (record.phase === 'submitting') {
					const found = findCreatedBatch(await client.batch.listBatches(cancelSignal), record);
					if (found) record = step(row, record, { type: 'created', batchId: found.id });
				}
				record = step(row, record, { type: 'cancel-requested' });
				if (record.phase === 'in_flight' && record.batchId && !record.cancelSent) {
					// The answer's status is recorded: nothing polls a cancelled run's batches again.
					const remote = await client.batch.cancelBatch(record.batchId, cancelSignal);
					step(row, record, { type: 'cancel-sent', status: remote.status as RemoteBatchStatus }, { requestCounts: remote.request_counts ?? undefined });
				}
			} catch (err) {
				if (err instanceof LostOwnership) return;
				progress.lastError = {
					message: `Batch ${row.key}: batches.cancel failed (${err instanceof Error ? err.message : String(err)}); cancel it in the provider's dashboard.`,
					kind: 'batch_cancel',
					at: Date.now()
				};
			}
		}
	}

	const end = await drive();
	if (end.kind === 'stopped' && options.cancelling?.()) await cancelActiveBatches();
	return end;

	async function drive(): Promise<EngineEnd> {
		try {
			for (;;) {
				if (signal.aborted) return { kind: 'stopped' };
				await prepareBatches();
				const active = activeBatches();
				if (active.length === 0) {
					if (driver.isFinished()) return { kind: 'finished' };
					return { kind: 'fail', message: 'Failed: the judge has rows left but no call to send (a bug; resume to retry).' };
				}
				let wait = options.pollMs;
				for (const row of active) {
					const result = await advanceRetrying(row);
					if (result === 'failed') {
						const failure = (c.prepare<[number], string | null>('SELECT failure FROM judge_batches WHERE id = ?').pluck().get(row.id)!) ?? 'The API refused the batch.';
						return { kind: 'fail', message: `Failed: ${failure}` };
					}
					wait = Math.min(wait, result);
				}
				if (wait > 0) await sleep(wait, signal).catch(() => {});
			}
		} catch (err) {
			if (err instanceof LostOwnership) return { kind: 'lost' };
			if (err instanceof RunPause) return { kind: 'pause', message: err.message };
			if (signal.aborted) return { kind: 'stopped' };
			if (!(err instanceof LlmError)) return { kind: 'fail', message: `Failed: ${err instanceof Error ? err.message : String(err)}` };
			const error = err;
			if (error.kind === 'aborted') return { kind: 'stopped' };
			progress.lastError = { message: error.message, kind: error.kind, ...(error.status !== undefined ? { status: error.status } : {}), at: Date.now() };
			switch (callErrorEffect(error)) {
				case 'fail':
					return { kind: 'fail', message: failMessage(error, client.endpoint.model, client.endpoint.apiStyle) };
				case 'pause':
					return { kind: 'pause', message: pauseMessage(error) };
				default:
					return { kind: 'pause', message: `Paused: the Batch API answered ${error.message}. Resume to try again.` };
			}
		}
	}
}

/**
 * A judge run cancelled while no process ran it (paused, interrupted, failed): its batches still
 * active are marked cancel-requested, and those in flight (or possibly created, found again by
 * their tag) get batches.cancel, recorded as sent. Returns how many batches.cancel were sent.
 * The run row is already final, so nothing else writes these rows.
 */
export async function cancelBatchesOfStoppedRun(database: Db, runId: number, client: LlmClient, timeoutMs = 15_000): Promise<number> {
	const c = database.$client;
	const rows = c.prepare<[number], BatchRow>(`SELECT * FROM judge_batches WHERE run_id = ? AND ${ACTIVE} ORDER BY id`).all(runId);
	const save = (id: number, r: BatchRecord, requestCounts?: unknown) =>
		c
			.prepare<[string, string | null, string | null, number, number, string | null, number, number]>(
				'UPDATE judge_batches SET phase = ?, batch_id = ?, remote_status = ?, cancel_requested = ?, cancel_sent = ?, request_counts = coalesce(?, request_counts), updated_at = ? WHERE id = ?'
			)
			.run(r.phase, r.batchId, r.remoteStatus, r.cancelRequested ? 1 : 0, r.cancelSent ? 1 : 0, requestCounts === undefined ? null : JSON.stringify(requestCounts), Date.now(), id);
	const signal = AbortSignal.timeout(timeoutMs);
	let sent = 0;
	for (const row of rows) {
		let record = toRecord(row);
		if (record.phase === 'submitting') {
			const found = findCreatedBatch(await client.batch.listBatches(signal), record);
			if (found) record = applyBatchEvent(record, { type: 'created', batchId: found.id });
		}
		record = applyBatchEvent(record, { type: 'cancel-requested' });
		save(row.id, record);
		if (record.phase === 'in_flight' && record.batchId && !record.cancelSent) {
			const remote = await client.batch.cancelBatch(record.batchId, signal);
			record = applyBatchEvent(record, { type: 'cancel-sent', status: remote.status as RemoteBatchStatus });
			save(row.id, record, remote.request_counts ?? undefined);
			sent++;
		}
	}
	return sent;
}

/** After a cancel that took effect at once (no process ran the run): batches.cancel for its batches in flight, through the run's endpoint. */
export async function cancelStoppedJudgeRunBatches(runId: number, database: Db, options: { env?: NodeJS.ProcessEnv; client?: LlmClientOptions } = {}): Promise<number> {
	const c = database.$client;
	const run = c.prepare<[number], { pipeline: string; status: string; source: 'stored' | 'env'; endpointId: number | null; model: string }>('SELECT pipeline, status, endpoint_source AS source, endpoint_id AS endpointId, model FROM generation_runs WHERE id = ?').get(runId);
	if (!run || run.pipeline !== 'judge' || run.status !== 'cancelled') return 0;
	if (!c.prepare<[number]>(`SELECT 1 FROM judge_batches WHERE run_id = ? AND ${ACTIVE} LIMIT 1`).get(runId)) return 0;
	const { config } = resolveEndpoint(run.source === 'env' ? { kind: 'env' } : { kind: 'stored', id: run.endpointId ?? -1 }, run.model, database, options.env);
	return cancelBatchesOfStoppedRun(database, runId, createLlmClient(config, options.client));
}
