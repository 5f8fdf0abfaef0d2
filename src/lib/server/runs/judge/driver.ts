/**
 * The judge as a driver for the run engine (docs/judge-design.md): one call per instance asking
 * the three validity questions, its reply parsed strictly; an unreadable reply is asked again
 * once with a one-line reminder (part of the recorded prompt), and a second unreadable reply —
 * or a call that failed on its own prompt — makes the row's label `unparsed`, raw text kept.
 * Every label is written in the same transaction that marks its call done, so a kill -9 at any
 * point loses nothing and judges nothing twice; the driver rebuilds what is left from the
 * database.
 */
import { buildQualityJudgePrompt, parseQualityJudgeReply, type QualityJudgement } from '$lib/prompts';
import type { Db } from '../../db';
import { bump } from '../engine/counters';
import { pendingCalls, type CallPlan, type StoredCall } from '../engine/calls';
import type { CommitScope, ReplyText, RunDriver } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import type { JudgeRunParams, JudgeSelection } from './params';
import type { JudgeProgress } from './progress';

export const JUDGE_QUALITY_STEP = 'judge/quality';

export function judgeCallKey(instanceId: number, retry = false): string {
	return `judge/instance ${instanceId}${retry ? '/retry' : ''}`;
}

/** The one-line reminder added to a prompt whose reply could not be read. */
export function retryPrompt(prompt: string, message: string): string {
	return `${prompt}\n\nYour previous reply could not be read: ${message}. Reply with the JSON object only.`;
}

/** The instance ids a judge run covers, in id order. */
export function selectedInstanceIds(database: Db, datasetId: number, selection: JudgeSelection, upToInstanceId: number): number[] {
	const c = database.$client;
	if (selection.kind === 'audit-items') {
		return c
			.prepare(
				'SELECT DISTINCT instance_id FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND instance_id IS NOT NULL AND instance_id <= ? ORDER BY instance_id'
			)
			.pluck()
			.all(selection.auditId, upToInstanceId) as number[];
	}
	const kept = (alias: string) => (selection.includeRejected ? '' : `AND (${alias}.filter_status IS NULL OR ${alias}.filter_status <> 'rejected')`);
	return c
		.prepare(
			`SELECT i.id FROM instances i JOIN tasks t ON t.id = i.task_id
			 WHERE t.dataset_id = ? AND i.id <= ? ${kept('t')} ${kept('i')} ORDER BY i.id`
		)
		.pluck()
		.all(datasetId, upToInstanceId) as number[];
}

interface Work {
	instanceId: number;
	/** Set for the retry: why the first reply could not be read. */
	retryMessage?: string;
}

export class QualityJudgeDriver implements RunDriver<JudgeProgress> {
	readonly resend: StoredCall[];
	private readonly queue: Work[] = [];
	private readonly retries: Work[] = [];
	private inFlight = 0;
	private readonly rowStmt;
	private readonly labelStmt;
	private readonly existingStmt;
	private readonly template: string;
	private readonly fingerprint: string;

	constructor(
		private readonly database: Db,
		private readonly run: { id: number; datasetId: number; model: string; params: JudgeRunParams }
	) {
		const c = database.$client;
		const step = run.params.steps['judge/quality'];
		this.template = step.template.text;
		this.fingerprint = step.template.fingerprint;
		this.rowStmt = c.prepare('SELECT t.instruction, i.input, i.output FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.id = ?');
		this.labelStmt = c.prepare(
			`INSERT INTO judge_labels (run_id, instance_id, status, instruction_valid, input_valid, output_valid, verdicts, raw_reply, problem,
				problem_message, call_id, attempts, model, template_fingerprint, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (run_id, instance_id) DO UPDATE SET status = excluded.status, instruction_valid = excluded.instruction_valid,
				input_valid = excluded.input_valid, output_valid = excluded.output_valid, verdicts = excluded.verdicts, raw_reply = excluded.raw_reply,
				problem = excluded.problem, problem_message = excluded.problem_message, call_id = excluded.call_id, attempts = excluded.attempts,
				model = excluded.model, created_at = excluded.created_at`
		);
		this.existingStmt = c.prepare('SELECT status, output_valid AS o, instruction_valid AS i, input_valid AS n, problem FROM judge_labels WHERE run_id = ? AND instance_id = ?');

		const labelled = new Set(c.prepare('SELECT instance_id FROM judge_labels WHERE run_id = ?').pluck().all(run.id) as number[]);
		const calls = new Map(
			(
				c.prepare('SELECT call_key AS key, status, parsed FROM generation_calls WHERE run_id = ? AND step = ?').all(run.id, JUDGE_QUALITY_STEP) as {
					key: string;
					status: string;
					parsed: string | null;
				}[]
			).map((r) => [r.key, r])
		);
		for (const instanceId of selectedInstanceIds(database, run.datasetId, run.params.selection, run.params.upToInstanceId)) {
			if (labelled.has(instanceId)) continue;
			const retry = calls.get(judgeCallKey(instanceId, true));
			const first = calls.get(judgeCallKey(instanceId));
			if (retry) {
				if (retry.status === 'pending') this.inFlight++;
			} else if (first) {
				if (first.status === 'pending') this.inFlight++;
				else if (first.status === 'done') {
					// Answered but unreadable (a readable reply has its label): its retry is due.
					const parsed = first.parsed ? (JSON.parse(first.parsed) as { message?: string }) : {};
					this.retries.push({ instanceId, retryMessage: parsed.message ?? 'it was not the JSON object asked for' });
				}
			} else this.queue.push({ instanceId });
		}
		this.queue.reverse(); // pop() from the end takes the lowest id first
		this.resend = pendingCalls(database, run.id);
	}

	/** Calls waiting to be planned (for the batch runner's sizing). */
	get waiting(): number {
		return this.queue.length + this.retries.length;
	}

	private prompt(instanceId: number): string {
		const row = this.rowStmt.get(instanceId) as { instruction: string; input: string; output: string } | undefined;
		if (!row) throw new Error(`Instance ${instanceId} no longer exists.`);
		return buildQualityJudgePrompt(row, this.template);
	}

	plan(slots: number): CallPlan[] {
		const out: CallPlan[] = [];
		while (out.length < slots && (this.retries.length || this.queue.length)) {
			const work = this.retries.length ? this.retries.shift()! : this.queue.pop()!;
			const retry = work.retryMessage !== undefined;
			const base = this.prompt(work.instanceId);
			out.push({
				key: judgeCallKey(work.instanceId, retry),
				step: JUDGE_QUALITY_STEP,
				taskId: null,
				prompt: retry ? retryPrompt(base, work.retryMessage!) : base,
				templateValues: { instanceId: work.instanceId, ...(retry ? { retryOf: judgeCallKey(work.instanceId), reminder: work.retryMessage } : {}) }
			});
			this.inFlight++;
		}
		return out;
	}

	private writeLabel(
		scope: CommitScope<JudgeProgress>,
		call: StoredCall,
		instanceId: number,
		attempts: number,
		label: { verdicts: QualityJudgement } | { problem: string; message: string; raw: string | null }
	): void {
		const judge = scope.progress.judge;
		const before = this.existingStmt.get(scope.runId, instanceId) as { status: string; i: number; n: number; o: number; problem: string | null } | undefined;
		if (before?.status === 'parsed') {
			judge.parsed--;
			if (before.i && before.n && before.o) judge.allValid--;
		} else if (before) {
			judge.unparsed--;
			if (before.problem) bump(judge.problems, before.problem, -1);
		}
		if ('verdicts' in label) {
			const v = label.verdicts;
			this.labelStmt.run(scope.runId, instanceId, 'parsed', v.instruction.valid ? 1 : 0, v.input.valid ? 1 : 0, v.output.valid ? 1 : 0,
				JSON.stringify(v), null, null, null, call.id, attempts, this.run.model, this.fingerprint, scope.now);
			judge.parsed++;
			if (v.instruction.valid && v.input.valid && v.output.valid) judge.allValid++;
		} else {
			this.labelStmt.run(scope.runId, instanceId, 'unparsed', null, null, null, null, label.raw, label.problem, label.message, call.id, attempts,
				this.run.model, this.fingerprint, scope.now);
			judge.unparsed++;
			bump(judge.problems, label.problem);
		}
	}

	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<JudgeProgress>): Record<string, unknown> {
		this.inFlight--;
		const instanceId = Number(call.templateValues.instanceId);
		const retry = call.key.endsWith('/retry');
		const parsed = parseQualityJudgeReply(reply.text, reply.finishReason);
		if (parsed.ok) {
			this.writeLabel(scope, call, instanceId, retry ? 2 : 1, { verdicts: parsed.value });
			const v = parsed.value;
			return { instruction: v.instruction.valid, input: v.input.valid, output: v.output.valid };
		}
		if (!retry) {
			scope.progress.judge.retried++;
			this.retries.push({ instanceId, retryMessage: parsed.message });
			return { problem: parsed.problem, message: parsed.message, retry: true };
		}
		this.writeLabel(scope, call, instanceId, 2, { problem: parsed.problem, message: parsed.message, raw: parsed.raw });
		return { problem: parsed.problem, message: parsed.message, unparsed: true };
	}

	commitFailure(call: StoredCall, failure: CallFailure, scope: CommitScope<JudgeProgress>): Record<string, unknown> {
		this.inFlight--;
		const instanceId = Number(call.templateValues.instanceId);
		this.writeLabel(scope, call, instanceId, call.key.endsWith('/retry') ? 2 : 1, { problem: 'call_failed', message: failure.message, raw: null });
		return { problem: 'call_failed', reason: failure.reason };
	}

	isFinished(): boolean {
		return this.inFlight === 0 && this.queue.length === 0 && this.retries.length === 0;
	}

	shortfall(): string | null {
		const n = (this.database.$client.prepare("SELECT count(*) FROM judge_labels WHERE run_id = ? AND status = 'unparsed'").pluck().get(this.run.id) as number) ?? 0;
		return n ? `${n} row${n === 1 ? '' : 's'} got no readable verdict (recorded as unparsed with the raw reply; nothing was guessed).` : null;
	}
}
