/**
 * The judge as a driver for the run engine (docs/judge-design.md), in three modes: the three
 * validity questions per instance, an A–D rating per model response, and pairwise — each pair
 * asked twice with the order swapped, its label written once both orders are settled
 * (`combineSwappedVerdicts`: an inconsistent pair is a tie, as MT-Bench records it).
 *
 * Every reply is parsed strictly; an unreadable reply is asked again once with a one-line
 * reminder (part of the recorded prompt), and a second unreadable reply — or a call that failed
 * on its own prompt — makes the unit's label `unparsed`, raw text kept. Every label is written in
 * the same transaction that marks its (last) call done, and a pairwise order settled earlier is
 * read back from its call row, so a kill -9 at any point loses nothing and judges nothing twice;
 * the driver rebuilds what is left from the database.
 */
import { combineSwappedVerdicts } from '$lib/judge';
import {
	parsePairwiseJudgeReply,
	parseQualityJudgeReply,
	parseRatingJudgeReply,
	type JudgeParseResult,
	type PairwiseJudgement,
	type QualityJudgement,
	type RatingJudgement
} from '$lib/prompts';
import type { Db } from '../../db';
import { bump } from '../engine/counters';
import { pendingCalls, type CallPlan, type StoredCall } from '../engine/calls';
import type { CommitScope, ReplyText, RunDriver } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import { judgeStepOf, type JudgeMode, type JudgeRunParams } from './params';
import type { JudgeProgress } from './progress';
import { JudgePrompts, MODE_SIDES, MODE_UNIT_COLUMN, MODE_UNIT_KEY, judgeUnitCallKey, selectedUnitIds, type JudgeSide } from './units';

export { selectedInstanceIds, selectedUnitIds } from './units';

export const JUDGE_QUALITY_STEP = 'judge/quality';

/** The quality mode's call key (kept for callers written before the other modes). */
export function judgeCallKey(instanceId: number, retry = false): string {
	return judgeUnitCallKey('quality', instanceId, 'single', retry);
}

/** The one-line reminder added to a prompt whose reply could not be read. */
export function retryPrompt(prompt: string, message: string): string {
	// Parse messages end with a period of their own.
	return `${prompt}\n\nYour previous reply could not be read: ${message.replace(/\.\s*$/, '')}. Reply with the JSON object only.`;
}

interface Work {
	unitId: number;
	side: JudgeSide;
	/** Set for the retry: why the first reply could not be read. */
	retryMessage?: string;
}

type Judgement = QualityJudgement | RatingJudgement | PairwiseJudgement;

/** How one call (one order, for pairwise) of a unit ended. */
type SideResult =
	| { ok: true; value: Judgement; raw: string; callId: number; attempts: number }
	| { ok: false; problem: string; message: string; raw: string | null; callId: number; attempts: number };

interface CallRow {
	id: number;
	status: string;
	parsed: string | null;
	completion: string | null;
	error: string | null;
}

interface ExistingLabel {
	status: string;
	i: number | null;
	n: number | null;
	o: number | null;
	rating: string | null;
	winner: string | null;
	consistent: number | null;
	problem: string | null;
}

function parseReply(mode: JudgeMode, text: string, finishReason: string | null): JudgeParseResult<Judgement> {
	if (mode === 'quality') return parseQualityJudgeReply(text, finishReason);
	if (mode === 'rating') return parseRatingJudgeReply(text, finishReason);
	return parsePairwiseJudgeReply(text, finishReason);
}

/** What a readable reply leaves on its call row: enough to rebuild the verdict after a restart. */
function callSummary(mode: JudgeMode, value: Judgement): Record<string, unknown> {
	if (mode === 'quality') {
		const v = value as QualityJudgement;
		return { instruction: v.instruction.valid, input: v.input.valid, output: v.output.valid };
	}
	if (mode === 'rating') return { rating: (value as RatingJudgement).rating, reason: (value as RatingJudgement).reason };
	return { verdict: (value as PairwiseJudgement).verdict, reason: (value as PairwiseJudgement).reason };
}

export class JudgeDriver implements RunDriver<JudgeProgress> {
	readonly resend: StoredCall[];
	private readonly mode: JudgeMode;
	private readonly queue: Work[] = [];
	private readonly retries: Work[] = [];
	private inFlight = 0;
	private readonly prompts: JudgePrompts;
	private readonly labelStmt;
	private readonly existingStmt;
	private readonly callStmt;
	private readonly fingerprint: string;
	private readonly stepId: string;

	constructor(
		private readonly database: Db,
		private readonly run: { id: number; datasetId: number; model: string; params: JudgeRunParams }
	) {
		const c = database.$client;
		this.mode = run.params.mode;
		const step = judgeStepOf(run.params);
		this.stepId = step.stepId;
		this.fingerprint = step.template.fingerprint;
		this.prompts = new JudgePrompts(database, this.mode, step.template.text);
		const column = MODE_UNIT_COLUMN[this.mode];
		this.labelStmt = c.prepare<[number, number, string, number | null, number | null, number | null, string | null, string | null, number | null, string | null, string | null, string | null, string | null, number, number, number, string, string, number]>(
			`INSERT INTO judge_labels (run_id, ${column}, status, instruction_valid, input_valid, output_valid, rating, winner, consistent, verdicts,
				raw_reply, problem, problem_message, call_id, swapped_call_id, attempts, model, template_fingerprint, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (run_id, ${column}) DO UPDATE SET status = excluded.status, instruction_valid = excluded.instruction_valid,
				input_valid = excluded.input_valid, output_valid = excluded.output_valid, rating = excluded.rating, winner = excluded.winner,
				consistent = excluded.consistent, verdicts = excluded.verdicts, raw_reply = excluded.raw_reply, problem = excluded.problem,
				problem_message = excluded.problem_message, call_id = excluded.call_id, swapped_call_id = excluded.swapped_call_id,
				attempts = excluded.attempts, model = excluded.model, created_at = excluded.created_at`
		);
		this.existingStmt = c.prepare<[number, number], ExistingLabel>(
			`SELECT status, instruction_valid AS i, input_valid AS n, output_valid AS o, rating, winner, consistent, problem
			 FROM judge_labels WHERE run_id = ? AND ${column} = ?`
		);
		this.callStmt = c.prepare<[number, string], CallRow>('SELECT id, status, parsed, completion, error FROM generation_calls WHERE run_id = ? AND call_key = ?');

		const labelled = new Set(c.prepare<[number], number>(`SELECT ${column} FROM judge_labels WHERE run_id = ? AND ${column} IS NOT NULL`).pluck().all(run.id));
		const calls = new Map(
			(
				c.prepare<[number, string], {
					key: string;
					status: string;
					parsed: string | null;
				}>('SELECT call_key AS key, status, parsed FROM generation_calls WHERE run_id = ? AND step = ?').all(run.id, this.stepId)
			).map((r) => [r.key, r])
		);
		for (const unitId of selectedUnitIds(database, this.mode, run.datasetId, run.params.selection, run.params.upToInstanceId)) {
			if (labelled.has(unitId)) continue;
			for (const side of MODE_SIDES[this.mode]) {
				const retry = calls.get(judgeUnitCallKey(this.mode, unitId, side, true));
				const first = calls.get(judgeUnitCallKey(this.mode, unitId, side));
				if (retry) {
					// Pending calls are counted below, with those of labelled units.
				} else if (first) {
					if (first.status === 'done') {
						const parsed = first.parsed ? (JSON.parse(first.parsed) as { message?: string; retry?: boolean }) : {};
						// Answered but unreadable: its retry is due. (A readable single-order reply has its label;
						// a readable pairwise order waits for the other one.)
						if (parsed.retry || this.mode !== 'pairwise')
							this.retries.push({ unitId, side, retryMessage: parsed.message ?? 'it was not the JSON object asked for' });
					}
				} else this.queue.push({ unitId, side });
			}
		}
		this.queue.reverse(); // pop() from the end takes the lowest id first
		this.resend = pendingCalls(database, run.id);
		// Every pending call is sent again and settles once — also those of units already labelled
		// (a failed call set to be sent again by retry-failed: its unit has its call_failed label).
		this.inFlight = this.resend.length;
	}

	/** Calls waiting to be planned (for the batch runner's sizing). */
	get waiting(): number {
		return this.queue.length + this.retries.length;
	}

	plan(slots: number): CallPlan[] {
		const out: CallPlan[] = [];
		const unitKey = MODE_UNIT_KEY[this.mode];
		while (out.length < slots && (this.retries.length || this.queue.length)) {
			const work = this.retries.length ? this.retries.shift()! : this.queue.pop()!;
			const retry = work.retryMessage !== undefined;
			const base = this.prompts.prompt(work.unitId, work.side);
			const key = judgeUnitCallKey(this.mode, work.unitId, work.side, retry);
			out.push({
				key,
				step: this.stepId as CallPlan['step'],
				taskId: null,
				prompt: retry ? retryPrompt(base, work.retryMessage!) : base,
				templateValues: {
					[unitKey]: work.unitId,
					...(work.side !== 'single' ? { order: work.side } : {}),
					...(retry ? { retryOf: judgeUnitCallKey(this.mode, work.unitId, work.side), reminder: work.retryMessage } : {})
				}
			});
			this.inFlight++;
		}
		return out;
	}

	private unitOf(call: StoredCall): { unitId: number; side: JudgeSide; retry: boolean } {
		const side = (call.templateValues.order as JudgeSide | undefined) ?? 'single';
		return { unitId: Number(call.templateValues[MODE_UNIT_KEY[this.mode]]), side, retry: call.key.endsWith('/retry') };
	}

	/** A pairwise order as its call rows left it; null while it is still to be (re)asked. */
	private storedSide(unitId: number, side: JudgeSide): SideResult | null {
		const retry = this.callStmt.get(this.run.id, judgeUnitCallKey(this.mode, unitId, side, true));
		const first = this.callStmt.get(this.run.id, judgeUnitCallKey(this.mode, unitId, side));
		const row = retry ?? first;
		if (!row || row.status === 'pending') return null;
		const attempts = retry ? 2 : 1;
		if (row.status === 'failed') return { ok: false, problem: 'call_failed', message: row.error ?? 'The call failed.', raw: null, callId: row.id, attempts };
		const parsed = (row.parsed ? JSON.parse(row.parsed) : {}) as { verdict?: string; reason?: string; problem?: string; message?: string; retry?: boolean; call_failed?: boolean };
		if (parsed.verdict !== undefined) return { ok: true, value: { verdict: parsed.verdict, reason: parsed.reason ?? '' } as PairwiseJudgement, raw: row.completion ?? '', callId: row.id, attempts };
		if (parsed.retry && !retry) return null;
		return { ok: false, problem: parsed.problem ?? 'not_json', message: parsed.message ?? '', raw: row.completion, callId: row.id, attempts };
	}

	/** One order of a unit is settled: write the label when every order is. */
	private settle(scope: CommitScope<JudgeProgress>, unitId: number, side: JudgeSide, result: SideResult): void {
		if (this.mode !== 'pairwise') {
			this.writeLabel(scope, unitId, [result]);
			return;
		}
		const otherSide: JudgeSide = side === 'original' ? 'swapped' : 'original';
		const other = this.storedSide(unitId, otherSide);
		if (!other) return;
		this.writeLabel(scope, unitId, side === 'original' ? [result, other] : [other, result]);
	}

	private unlabel(scope: CommitScope<JudgeProgress>, unitId: number): void {
		const judge = scope.progress.judge;
		const before = this.existingStmt.get(scope.runId, unitId);
		if (!before) return;
		if (before.status === 'parsed') {
			judge.parsed--;
			if (before.i && before.n && before.o) judge.allValid--;
			if (before.rating) bump(judge.ratings, before.rating, -1);
			if (before.winner) bump(judge.winners, before.winner, -1);
			if (before.consistent === 0) judge.inconsistent--;
		} else {
			judge.unparsed--;
			if (before.problem) bump(judge.problems, before.problem, -1);
		}
	}

	private writeLabel(scope: CommitScope<JudgeProgress>, unitId: number, sides: SideResult[]): void {
		const judge = scope.progress.judge;
		this.unlabel(scope, unitId);
		const [first, second] = sides;
		const callId = first.callId;
		const swappedCallId = second?.callId ?? null;
		const attempts = sides.reduce((s, r) => s + r.attempts, 0);
		const failed = sides.find((s): s is Extract<SideResult, { ok: false }> => !s.ok);
		const insert = (
			status: 'parsed' | 'unparsed',
			v: { i?: boolean; n?: boolean; o?: boolean; rating?: string; winner?: string; consistent?: boolean },
			verdicts: unknown,
			raw: string | null,
			problem: string | null,
			message: string | null
		) =>
			this.labelStmt.run(
				scope.runId,
				unitId,
				status,
				v.i === undefined ? null : v.i ? 1 : 0,
				v.n === undefined ? null : v.n ? 1 : 0,
				v.o === undefined ? null : v.o ? 1 : 0,
				v.rating ?? null,
				v.winner ?? null,
				v.consistent === undefined ? null : v.consistent ? 1 : 0,
				verdicts === null ? null : JSON.stringify(verdicts),
				raw,
				problem,
				message,
				callId,
				swappedCallId,
				attempts,
				this.run.model,
				this.fingerprint,
				scope.now
			);
		const orders = () =>
			this.mode === 'pairwise'
				? {
						original: first.ok ? { ...(first.value as PairwiseJudgement), raw: first.raw } : { problem: first.problem, raw: first.raw },
						swapped: second.ok ? { ...(second.value as PairwiseJudgement), raw: second.raw } : { problem: second.problem, raw: second.raw }
					}
				: null;
		if (failed) {
			insert('unparsed', {}, orders(), failed.raw, failed.problem, failed.message);
			judge.unparsed++;
			bump(judge.problems, failed.problem);
			return;
		}
		judge.parsed++;
		if (this.mode === 'quality') {
			const v = (first as Extract<SideResult, { ok: true }>).value as QualityJudgement;
			insert('parsed', { i: v.instruction.valid, n: v.input.valid, o: v.output.valid }, v, null, null, null);
			if (v.instruction.valid && v.input.valid && v.output.valid) judge.allValid++;
		} else if (this.mode === 'rating') {
			const v = (first as Extract<SideResult, { ok: true }>).value as RatingJudgement;
			insert('parsed', { rating: v.rating }, v, null, null, null);
			bump(judge.ratings, v.rating);
		} else {
			const a = (first as Extract<SideResult, { ok: true }>).value as PairwiseJudgement;
			const b = (second as Extract<SideResult, { ok: true }>).value as PairwiseJudgement;
			const outcome = combineSwappedVerdicts(a.verdict, b.verdict);
			// Both orders' verdicts (as shown: A = the response shown first), reasons and raw replies, each also in the pair's own order.
			const both = orders()!;
			const verdicts = {
				winner: outcome.winner,
				consistent: outcome.consistent,
				original: { ...both.original, winner: outcome.original },
				swapped: { ...both.swapped, winner: outcome.swapped }
			};
			insert('parsed', { winner: outcome.winner, consistent: outcome.consistent }, verdicts, null, null, null);
			bump(judge.winners, outcome.winner);
			if (!outcome.consistent) judge.inconsistent++;
		}
	}

	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<JudgeProgress>): Record<string, unknown> {
		this.inFlight--;
		const { unitId, side, retry } = this.unitOf(call);
		const parsed = parseReply(this.mode, reply.text, reply.finishReason);
		if (parsed.ok) {
			this.settle(scope, unitId, side, { ok: true, value: parsed.value, raw: reply.text, callId: call.id, attempts: retry ? 2 : 1 });
			return callSummary(this.mode, parsed.value);
		}
		if (!retry) {
			scope.progress.judge.retried++;
			this.retries.push({ unitId, side, retryMessage: parsed.message });
			return { problem: parsed.problem, message: parsed.message, retry: true };
		}
		this.settle(scope, unitId, side, { ok: false, problem: parsed.problem, message: parsed.message, raw: parsed.raw, callId: call.id, attempts: 2 });
		return { problem: parsed.problem, message: parsed.message, unparsed: true };
	}

	commitFailure(call: StoredCall, failure: CallFailure, scope: CommitScope<JudgeProgress>): Record<string, unknown> {
		this.inFlight--;
		const { unitId, side, retry } = this.unitOf(call);
		this.settle(scope, unitId, side, { ok: false, problem: 'call_failed', message: failure.message, raw: null, callId: call.id, attempts: retry ? 2 : 1 });
		return { problem: 'call_failed', reason: failure.reason };
	}

	isFinished(): boolean {
		return this.inFlight === 0 && this.queue.length === 0 && this.retries.length === 0;
	}

	shortfall(): string | null {
		// A call that failed has no reply to keep: those are told apart from replies that could not be read.
		const { n, failed } = this.database.$client
			.prepare<[number], { n: number; failed: number | null }>(
				"SELECT count(*) AS n, sum(problem = 'call_failed') AS failed FROM judge_labels WHERE run_id = ? AND status = 'unparsed'"
			)
			.get(this.run.id)!;
		if (!n) return null;
		const what = this.mode === 'pairwise' ? 'pair' : this.mode === 'rating' ? 'response' : 'row';
		const calls = failed ?? 0;
		const unreadable = n - calls;
		const parts = [
			...(unreadable ? [`${unreadable} with a reply that could not be read (recorded as unparsed with the raw reply; nothing was guessed)`] : []),
			...(calls ? [`${calls} whose call failed (no reply)`] : [])
		];
		return `${n} ${what}${n === 1 ? '' : 's'} got no readable verdict: ${parts.join(', ')}.`;
	}
}

/** The quality judge's driver (the name callers used before the other modes). */
export const QualityJudgeDriver = JudgeDriver;
