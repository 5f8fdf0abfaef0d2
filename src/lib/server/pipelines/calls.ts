/**
 * The model calls of a run: inserted as `pending` with the exact prompt before they are sent,
 * flipped to `done` (with the reply) in the same transaction that stores what came of them.
 */
import type { DecodingParams, PromptStepId } from '$lib/prompts';
import type { Db } from '../db';
import type { CallStatus } from '../db/tables';
import type { GenerateResult } from '../llm';
import type { StepSettings } from './params';

/** A call the pipeline wants made. The key is unique within the run and says what it is for. */
export interface CallPlan {
	key: string;
	step: PromptStepId;
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
	step: PromptStepId;
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
		step: row.step as PromptStepId,
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
	private readonly parsedStmt;

	constructor(
		private readonly database: Db,
		private readonly runId: number,
		private readonly model: string,
		private readonly steps: Partial<Record<PromptStepId, StepSettings>>
	) {
		const c = database.$client;
		this.insertStmt = c.prepare(
			`INSERT INTO generation_calls (run_id, call_key, step, task_id, status, prompt, template_fingerprint, template_version,
				template_values, decoding, model, created_at)
			 VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (run_id, call_key) DO NOTHING`
		);
		this.byKeyStmt = c.prepare(
			'SELECT id, call_key, step, task_id, prompt, decoding, template_values, status FROM generation_calls WHERE run_id = ? AND call_key = ?'
		);
		this.doneStmt = c.prepare(
			`UPDATE generation_calls SET status = 'done', completion = ?, finish_reason = ?, raw_finish_reason = ?, prompt_tokens = ?,
				completion_tokens = ?, usage_estimated = ?, cost_usd = ?, latency_ms = ?, attempts = ?, response_id = ?, response_model = ?,
				done_at = ?
			 WHERE id = ? AND status = 'pending'`
		);
		this.failedStmt = c.prepare(
			`UPDATE generation_calls SET status = 'failed', error = ?, attempts = ?, done_at = ? WHERE id = ? AND status = 'pending'`
		);
		this.parsedStmt = c.prepare('UPDATE generation_calls SET parsed = ? WHERE id = ?');
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
			const existing = this.byKeyStmt.get(this.runId, plan.key) as (CallRow & { status: CallStatus }) | undefined;
			if (!existing || existing.status !== 'pending') throw new Error(`Call "${plan.key}" was planned again after it was answered.`);
			return fromRow(existing);
		});
	}

	/** Marks the call done with its reply; false when it was not pending (already stored). */
	markDone(call: StoredCall, reply: GenerateResult, now = Date.now()): boolean {
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
				now,
				call.id
			).changes === 1
		);
	}

	/** Marks the call failed for good (the reply was unusable); false when it was not pending. */
	markFailed(call: StoredCall, error: string, attempts: number, now = Date.now()): boolean {
		return this.failedStmt.run(error, attempts, now, call.id).changes === 1;
	}

	/** What the pipeline made of the reply. */
	setParsed(call: StoredCall, parsed: Record<string, unknown>): void {
		this.parsedStmt.run(JSON.stringify(parsed), call.id);
	}
}

/** Calls left pending by an earlier session, oldest first: resent unchanged. */
export function pendingCalls(database: Db, runId: number): StoredCall[] {
	return (
		database.$client
			.prepare(
				`SELECT id, call_key, step, task_id, prompt, decoding, template_values FROM generation_calls
				 WHERE run_id = ? AND status = 'pending' ORDER BY id`
			)
			.all(runId) as CallRow[]
	).map(fromRow);
}

/** Keys and states of a run's calls of one step, for rebuilding what is left to do. */
export function callStates(database: Db, runId: number, step: PromptStepId): { key: string; taskId: number | null; status: CallStatus; parsed: string | null }[] {
	return database.$client
		.prepare('SELECT call_key AS key, task_id AS taskId, status, parsed FROM generation_calls WHERE run_id = ? AND step = ? ORDER BY id')
		.all(runId, step) as { key: string; taskId: number | null; status: CallStatus; parsed: string | null }[];
}
