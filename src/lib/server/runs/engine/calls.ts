/**
 * The model calls of a run: inserted as `pending` with the exact prompt before they are sent,
 * flipped to `done` (with the reply) in the same transaction that stores what came of them.
 */
import type { DecodingParams, JudgeStepId, JudgeTemplateUse, PromptStepId, TemplateUse } from '$lib/prompts';
import { db, type Db } from '../../db';
import type { CallStatus } from '../../db/tables';
import type { GenerateResult } from '../../llm';
import type { CallFailure } from './failures';

/** A step of any kind of run: a generation pipeline's or the judge's. */
export type RunStepId = PromptStepId | JudgeStepId;

/** How a step's calls are made: its template (with fingerprint) and decoding, fixed when the run is created. */
export interface StepSettings {
	template: TemplateUse | JudgeTemplateUse;
	decoding: DecodingParams;
}

/** A call the pipeline wants made. The key is unique within the run and says what it is for. */
export interface CallPlan {
	key: string;
	step: RunStepId;
	/** The task the call is about, if any. */
	taskId: number | null;
	prompt: string;
	/** What was filled into the template (kept for provenance; the prompt is the exact text). */
	templateValues: Record<string, unknown>;
}

/** A call as stored: what is needed to send it again unchanged. */
export interface StoredCall {
	id: number;
	key: string;
	step: RunStepId;
	taskId: number | null;
	prompt: string;
	decoding: DecodingParams;
	templateValues: Record<string, unknown>;
}

interface CallRow {
	id: number;
	call_key: string;
	step: string;
	task_id: number | null;
	prompt: string;
	decoding: string;
	template_values: string;
}

function fromRow(row: CallRow): StoredCall {
	return {
		id: row.id,
		key: row.call_key,
		step: row.step as RunStepId,
		taskId: row.task_id,
		prompt: row.prompt,
		decoding: JSON.parse(row.decoding) as DecodingParams,
		templateValues: JSON.parse(row.template_values) as Record<string, unknown>
	};
}

export class CallStore {
	private readonly insertStmt;
	private readonly byKeyStmt;
	private readonly doneStmt;
	private readonly failedStmt;
	private readonly statusStmt;
	private readonly attemptsStmt;
	private readonly attemptStmt;

	constructor(
		private readonly database: Db,
		private readonly runId: number,
		private readonly model: string,
		private readonly steps: Partial<Record<RunStepId, StepSettings>>
	) {
		const c = database.$client;
		this.insertStmt = c.prepare<[number, string, unknown, number | null, string, unknown, unknown, string, string, string, number]>(
			`INSERT INTO generation_calls (run_id, call_key, step, task_id, status, prompt, template_fingerprint, template_version,
				template_values, decoding, model, created_at)
			 VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (run_id, call_key) DO NOTHING`
		);
		this.byKeyStmt = c.prepare<[number, string], (CallRow & { status: CallStatus })>(
			'SELECT id, call_key, step, task_id, prompt, decoding, template_values, status FROM generation_calls WHERE run_id = ? AND call_key = ?'
		);
		this.doneStmt = c.prepare<[string, string, string | null, number, number, number, number | null, number, number, string | null, string | null, string, number, number]>(
			`UPDATE generation_calls SET status = 'done', completion = ?, finish_reason = ?, raw_finish_reason = ?, prompt_tokens = ?,
				completion_tokens = ?, usage_estimated = ?, cost_usd = ?, latency_ms = ?, attempts = ?, response_id = ?, response_model = ?,
				parsed = ?, done_at = ?
			 WHERE id = ? AND status = 'pending'`
		);
		this.failedStmt = c.prepare<[string, string, string, number | null, string, number, string | null, string | null, string | null, number | null, number | null, number | null, number | null, number | null, string | null, string | null, number]>(
			`UPDATE generation_calls SET status = 'failed', error = ?, failure_reason = ?, error_detail = ?, attempts = ?, parsed = ?, done_at = ?,
				completion = ?, finish_reason = ?, raw_finish_reason = ?, prompt_tokens = ?, completion_tokens = ?, usage_estimated = ?,
				cost_usd = ?, latency_ms = ?, response_id = ?, response_model = ?
			 WHERE id = ? AND status = 'pending'`
		);
		this.statusStmt = c.prepare<[number]>('SELECT status FROM generation_calls WHERE id = ?').pluck();
		this.attemptsStmt = c.prepare<[number], number>('SELECT coalesce(attempts, 0) FROM generation_calls WHERE id = ?').pluck();
		this.attemptStmt = c.prepare<[number]>("UPDATE generation_calls SET attempts = coalesce(attempts, 0) + 1 WHERE id = ? AND status = 'pending'");
	}

	/**
	 * Attempts a pending call has used: a Batch API call's lines that came back without a usable
	 * reply (a live call's are counted by the client, within one request).
	 */
	attemptsSoFar(call: StoredCall): number {
		return this.attemptsStmt.get(call.id) ?? 0;
	}

	/** Counts one more attempt on a call still pending (inside the caller's transaction). */
	recordAttempt(call: StoredCall): void {
		this.attemptStmt.run(call.id);
	}

	/**
	 * Inserts the planned calls as pending, in one transaction of the caller's. A key already
	 * present and still pending is returned as it is stored (its prompt wins); a key already
	 * done means the pipeline planned work twice, which is a bug worth stopping for.
	 */
	insertPending(plans: CallPlan[], now = Date.now()): StoredCall[] {
		return plans.map((plan) => {
			const settings = this.steps[plan.step];
			if (!settings) throw new Error(`Step ${plan.step} is not part of this run.`);
			const decoding = JSON.stringify(settings.decoding);
			const values = JSON.stringify(plan.templateValues);
			const result = this.insertStmt.run(
				this.runId,
				plan.key,
				plan.step,
				plan.taskId,
				plan.prompt,
				settings.template.fingerprint,
				settings.template.isDefault ? settings.template.defaultVersion : null,
				values,
				decoding,
				this.model,
				now
			);
			if (result.changes === 1) {
				return {
					id: Number(result.lastInsertRowid),
					key: plan.key,
					step: plan.step,
					taskId: plan.taskId,
					prompt: plan.prompt,
					decoding: settings.decoding,
					templateValues: plan.templateValues
				};
			}
			const existing = this.byKeyStmt.get(this.runId, plan.key);
			if (!existing || existing.status !== 'pending') throw new Error(`Call "${plan.key}" was planned again after it was answered.`);
			return fromRow(existing);
		});
	}

	/** Whether the call still waits for its reply (inside the reply's transaction, this settles it). */
	isPending(call: StoredCall): boolean {
		return this.statusStmt.get(call.id) === 'pending';
	}

	/** Marks the call done with its reply and what came of it; false when it was not pending. */
	markDone(call: StoredCall, reply: GenerateResult, parsed: Record<string, unknown>, now = Date.now()): boolean {
		return (
			this.doneStmt.run(
				reply.text,
				reply.finishReason,
				reply.choices[0]?.rawFinishReason ?? null,
				reply.usage.promptTokens,
				reply.usage.completionTokens,
				reply.usageEstimated ? 1 : 0,
				reply.costUsd ?? null,
				Math.round(reply.latencyMs),
				reply.attempts,
				reply.responseId || null,
				reply.model || null,
				JSON.stringify(parsed),
				now,
				call.id
			).changes === 1
		);
	}

	/**
	 * Marks the call failed on its own prompt, with its reason and what the server said; a reply
	 * that came back unusable (content filter) is kept with it. False when it was not pending.
	 */
	markFailed(call: StoredCall, failure: CallFailure, reply: GenerateResult | null, parsed: Record<string, unknown>, now = Date.now()): boolean {
		return (
			this.failedStmt.run(
				failure.message,
				failure.reason,
				JSON.stringify(failure.detail),
				reply?.attempts ?? failure.detail.attempts ?? null,
				JSON.stringify(parsed),
				now,
				reply?.text ?? null,
				reply?.finishReason ?? null,
				reply?.choices[0]?.rawFinishReason ?? null,
				reply?.usage.promptTokens ?? null,
				reply?.usage.completionTokens ?? null,
				reply ? (reply.usageEstimated ? 1 : 0) : null,
				reply?.costUsd ?? null,
				reply ? Math.round(reply.latencyMs) : null,
				reply?.responseId || null,
				reply?.model || null,
				call.id
			).changes === 1
		);
	}
}

/** Calls left pending by an earlier session, oldest first: resent unchanged. */
export function pendingCalls(database: Db, runId: number): StoredCall[] {
	return (
		database.$client
			.prepare<[number], CallRow>(
				`SELECT id, call_key, step, task_id, prompt, decoding, template_values FROM generation_calls
				 WHERE run_id = ? AND status = 'pending' ORDER BY id`
			)
			.all(runId)
	).map(fromRow);
}

/** Calls by id (those that exist), as stored: e.g. the calls a finished batch answered. */
export function callsByIds(database: Db, ids: readonly number[]): Map<number, StoredCall> {
	const rows = database.$client
		.prepare<[string], CallRow>(
			'SELECT id, call_key, step, task_id, prompt, decoding, template_values FROM generation_calls WHERE id IN (SELECT value FROM json_each(?))'
		)
		.all(JSON.stringify(ids));
	return new Map(rows.map((row) => [row.id, fromRow(row)]));
}

/** Keys and states of a run's calls of one step, for rebuilding what is left to do. */
export function callStates(database: Db, runId: number, step: RunStepId): { key: string; taskId: number | null; status: CallStatus }[] {
	return database.$client
		.prepare<[number, unknown], { key: string; taskId: number | null; status: CallStatus }>('SELECT call_key AS key, task_id AS taskId, status FROM generation_calls WHERE run_id = ? AND step = ? ORDER BY id')
		.all(runId, step);
}

export interface CallListRow {
	id: number;
	key: string;
	step: string;
	taskId: number | null;
	status: CallStatus;
	finishReason: string | null;
	promptTokens: number | null;
	completionTokens: number | null;
	latencyMs: number | null;
	attempts: number | null;
	error: string | null;
	/** Why a failed call failed (CallFailureReason). */
	failureReason: string | null;
	/** Candidates stored from it (ledger rows). */
	candidates: number;
	/** Pieces of its reply that could not be read (each kept with its raw text in `parsed.problems`). */
	problems: number;
	createdAt: number;
	doneAt: number | null;
	/** The model it was sent with (a run's failed calls may have been retried with another). */
	model: string;
}

export interface CallFilters {
	step?: string;
	status?: CallStatus;
	/** Failed calls of this reason. */
	reason?: string;
	/** Only calls whose reply had pieces that could not be read. */
	withProblems?: boolean;
	/** With withProblems: also calls whose reply had text set aside (lead-ins, sign-offs …). */
	withNotes?: boolean;
	page?: number;
	pageSize?: number;
}

/** One page of a run's calls, newest first, without the long texts. */
export function listCalls(
	database: Db = db(),
	runId: number,
	filters: CallFilters = {}
): {
	rows: CallListRow[];
	total: number;
	page: number;
	pages: number;
	steps: { step: string; n: number }[];
	/** Failed calls by reason. */
	reasons: { reason: string | null; n: number }[];
} {
	const c = database.$client;
	const where = ['run_id = ?'];
	const params: unknown[] = [runId];
	if (filters.step) {
		where.push('step = ?');
		params.push(filters.step);
	}
	if (filters.status) {
		where.push('status = ?');
		params.push(filters.status);
	}
	if (filters.reason) {
		where.push("status = 'failed' AND failure_reason = ?");
		params.push(filters.reason);
	}
	// A judge run's unreadable replies are its labels' problems (judge_labels keeps the raw reply):
	// listed here as the pieces a generation call could not read are.
	// A judge call whose reply could not be read holds {"problem": …} in `parsed`, also when it was
	// asked again and the retry was read, so first attempts are listed too.
	const judgeProblems = `SELECT call_id FROM judge_labels WHERE run_id = ${Number(runId)} AND problem IS NOT NULL AND call_id IS NOT NULL`;
	const judgeProblem = (g: string) => `(json_type(${g}parsed, '$.problem') IS NOT NULL OR ${g}id IN (${judgeProblems}))`;
	const notes = filters.withNotes ? " OR coalesce(json_array_length(parsed, '$.notes'), 0) > 0" : '';
	if (filters.withProblems) where.push(`(coalesce(json_array_length(parsed, '$.problems'), 0) > 0 OR ${judgeProblem('')}${notes})`);
	const pageSize = Math.min(Math.max(filters.pageSize ?? 50, 1), 200);
	const total = (c.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM generation_calls WHERE ${where.join(' AND ')}`).get(...params)!).n;
	const pages = Math.max(1, Math.ceil(total / pageSize));
	const page = Math.min(Math.max(filters.page ?? 1, 1), pages);
	const rows = c
		.prepare<unknown[], CallListRow>(
			`SELECT g.id, g.call_key AS key, g.step, g.task_id AS taskId, g.status, g.finish_reason AS finishReason,
				g.prompt_tokens AS promptTokens, g.completion_tokens AS completionTokens, g.latency_ms AS latencyMs, g.attempts, g.error,
				g.failure_reason AS failureReason, (SELECT count(*) FROM generation_candidates x WHERE x.call_id = g.id) AS candidates,
				coalesce(json_array_length(g.parsed, '$.problems'), 0) + ${judgeProblem('g.')} AS problems, g.created_at AS createdAt, g.done_at AS doneAt,
				g.model
			 FROM generation_calls g WHERE ${where.join(' AND ')} ORDER BY g.id DESC LIMIT ? OFFSET ?`
		)
		.all(...params, pageSize, (page - 1) * pageSize);
	const steps = c.prepare<[number], {
		step: string;
		n: number;
	}>('SELECT step, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY step ORDER BY min(id)').all(runId);
	const reasons = c
		.prepare<[number], { reason: string | null; n: number }>("SELECT failure_reason AS reason, count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed' GROUP BY failure_reason ORDER BY n DESC")
		.all(runId);
	return { rows, total, page, pages, steps, reasons };
}

export interface CallDetail extends CallListRow {
	prompt: string;
	completion: string | null;
	rawFinishReason: string | null;
	templateFingerprint: string;
	templateVersion: number | null;
	templateValues: Record<string, unknown>;
	decoding: Record<string, unknown>;
	responseModel: string | null;
	responseId: string | null;
	costUsd: number | null;
	parsed: Record<string, unknown> | null;
	/** What the server said about a failure (status, code, param, its words, token counts). */
	errorDetail: Record<string, unknown> | null;
	/** What the reply became: tasks, instances, formulations (with verdicts). */
	produced: { itemIndex: number; taskId: number | null; instanceId: number | null; formulationId: number | null; text: string; verdict: string | null }[];
}

export function callDetail(database: Db = db(), runId: number, callId: number): CallDetail | undefined {
	const c = database.$client;
	const row = c
		.prepare<[number, number], (Omit<CallDetail, 'templateValues' | 'decoding' | 'parsed' | 'errorDetail' | 'produced'> & {
				templateValues: string;
				decoding: string;
				parsed: string | null;
				errorDetail: string | null;
		  })>(
			`SELECT g.id, g.call_key AS key, g.step, g.task_id AS taskId, g.status, g.finish_reason AS finishReason,
				g.prompt_tokens AS promptTokens, g.completion_tokens AS completionTokens, g.latency_ms AS latencyMs, g.attempts, g.error,
				g.failure_reason AS failureReason, g.error_detail AS errorDetail, 0 AS candidates, coalesce(json_array_length(g.parsed, '$.problems'), 0) + (json_type(g.parsed, '$.problem') IS NOT NULL) AS problems, g.created_at AS createdAt, g.done_at AS doneAt, g.prompt, g.completion, g.raw_finish_reason AS rawFinishReason,
				g.template_fingerprint AS templateFingerprint, g.template_version AS templateVersion, g.template_values AS templateValues,
				g.decoding, g.model, g.response_model AS responseModel, g.response_id AS responseId, g.cost_usd AS costUsd, g.parsed
			 FROM generation_calls g WHERE g.id = ? AND g.run_id = ?`
		)
		.get(callId, runId);
	if (!row) return undefined;
	const produced = c
		.prepare<[number], CallDetail['produced'][number]>(
			`SELECT x.item_index AS itemIndex, x.task_id AS taskId, x.instance_id AS instanceId, x.formulation_id AS formulationId,
				CASE WHEN x.formulation_id IS NOT NULL THEN f.instruction
					 WHEN x.instance_id IS NOT NULL AND t.call_id <> x.call_id THEN coalesce(nullif(i.input, '') || ' → ', '') || i.output
					 ELSE t.instruction END AS text,
				CASE WHEN x.instance_id IS NOT NULL AND (t.call_id <> x.call_id) THEN i.filter_status || coalesce(': ' || i.filter_rule, '')
					 WHEN x.formulation_id IS NOT NULL THEN 'kept'
					 ELSE t.filter_status || coalesce(': ' || t.filter_rule, '') END AS verdict
			 FROM generation_candidates x LEFT JOIN tasks t ON t.id = x.task_id LEFT JOIN instances i ON i.id = x.instance_id
			 LEFT JOIN formulations f ON f.id = x.formulation_id
			 WHERE x.call_id = ? ORDER BY x.item_index`
		)
		.all(callId);
	return {
		...row,
		candidates: produced.length,
		templateValues: JSON.parse(row.templateValues),
		decoding: JSON.parse(row.decoding),
		parsed: row.parsed ? JSON.parse(row.parsed) : null,
		errorDetail: row.errorDetail ? JSON.parse(row.errorDetail) : null,
		produced
	};
}
