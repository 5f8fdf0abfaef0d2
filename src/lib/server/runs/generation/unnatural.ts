/**
 * The Unnatural Instructions pipeline (Honovich et al., 2022) as a driver for the engine:
 *   1. core generation — 3 demonstrations (instruction, input, constraints) from one of the
 *      seed sets, the model writes a 4th; nucleus sampling (top_p 0.99 by default);
 *   2. filtering — generations missing a field, copying one of the prompt's demonstrations, or
 *      repeating an earlier accepted example's instruction and input are rejected; an accepted
 *      example whose instruction an earlier one already has joins that task as another instance
 *      (as in the released data, where a task holds every input generated for its instruction);
 *   3. output generation, greedy, conditioned on instruction, input and constraints (the
 *      constraints stay on the instance row; exports leave them out of the training example);
 *   4. template expansion (optional): N rephrasings per task, each a formulation with the input
 *      and output of the task's first kept instance.
 * The target counts kept examples, a provisional count until their outputs are in: an example
 * that passes the filters while it stands at the target waits (rule 'overTarget') and takes the
 * place of the next example lost (as Self-Instruct's instructions do).
 * Everything is stored, rejected candidates with their rule.
 */
import {
	buildCorePrompt,
	buildExpansionPrompt,
	buildOutputPrompt,
	comparableText,
	instructionKey,
	instructionWithInput,
	parseCoreExample,
	parseOutput,
	parseRephrasing,
	seedFromString,
	type UnnaturalDemonstration
} from '$lib/prompts';
import { createRng } from '$lib/random';
import { OVER_TARGET_RULE, type Verdict } from '$lib/filters';
import type { Db } from '../../db';
import { RowWriter, verdictColumns } from '../../datasets/rows';
import { callStates, pendingCalls, type CallPlan, type StoredCall } from '../engine/calls';
import type { CommitScope, ReplyText, RunDriver } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import { acceptedTasks, HeldTasks } from './held-tasks';
import { countBroughtIn, ruleLabel, type RunProgress } from './progress';
import type { UnnaturalParams } from './params';
import { bump } from '../engine/counters';
import { shortfallMessage } from '$lib/runs/shortfall';

const STEP_CORE = 'unnatural/core';
const STEP_OUTPUT = 'unnatural/output';
const STEP_EXPANSION = 'unnatural/expansion';

/**
 * The rule of an example that passed every filter while the kept count stood at the target.
 * Until the run ends it is only waiting: the count is provisional (an example kept can still lose
 * its output, rejected or its call failed), and an example lost brings the first one waiting in.
 * Those still waiting when the run ends are beyond the target for good.
 */
const OVER_TARGET = OVER_TARGET_RULE;

/** Accepted examples per core call, assumed until a few replies are in. */
const INITIAL_ACCEPTED_PER_CALL = 0.8;

export interface UnnaturalRun {
	id: number;
	datasetId: number;
	params: UnnaturalParams;
	seedSets: UnnaturalDemonstration[][];
}

interface OutputWork {
	taskId: number;
	example: UnnaturalDemonstration;
	/** The output call's key: per example, since examples with one instruction share a task. */
	key: string;
	/** The core call the example came from (known when read back from the rows). */
	coreCallId?: number;
}

interface ExpansionWork {
	taskId: number;
	instanceId: number;
	instruction: string;
	index: number;
}

export function unnaturalKeys(runId: number) {
	return {
		core: (k: number) => `run ${runId}/un-core/${k}`,
		/** The output of the example that created the task, or (`coreCallId`) of one that joined it. */
		output: (taskId: number, coreCallId?: number) => `run ${runId}/un-output/task ${taskId}${coreCallId === undefined ? '' : `/core ${coreCallId}`}`,
		expansion: (taskId: number, j: number) => `run ${runId}/un-expansion/task ${taskId}/${j}`
	};
}

/**
 * A run's core examples from its rows: those accepted (kept, lost or held back since), in commit
 * order, each with the task it created or joined and its output call's key; and those waiting
 * beyond the target, in stream order.
 */
export function unnaturalExamples(database: Db, runId: number): { accepted: OutputWork[]; waiting: OutputWork[] } {
	const keys = unnaturalKeys(runId);
	const rows = database.$client
		.prepare<[number, string], { taskId: number; callId: number; parsed: string; taskCallId: number; taskRule: string | null }>(
			`SELECT g.task_id AS taskId, c.id AS callId, c.parsed, t.call_id AS taskCallId, t.filter_rule AS taskRule
			 FROM generation_calls c JOIN generation_candidates g ON g.call_id = c.id JOIN tasks t ON t.id = g.task_id
			 WHERE c.run_id = ? AND c.step = ? AND c.status = 'done' AND (${acceptedTasks('t')} OR t.filter_rule = '${OVER_TARGET}')
			 ORDER BY g.id`
		)
		.all(runId, STEP_CORE);
	const accepted: OutputWork[] = [];
	const waiting: OutputWork[] = [];
	for (const row of rows) {
		const { fields, rule } = JSON.parse(row.parsed) as { fields: Partial<UnnaturalDemonstration>; rule?: string };
		// Rejected at once for another rule: its own task carries that rule (not matched above).
		if (rule !== undefined && rule !== OVER_TARGET) continue;
		const example = { instruction: fields.instruction ?? '', input: fields.input ?? '', constraints: fields.constraints ?? '' };
		const key = row.taskCallId === row.callId ? keys.output(row.taskId) : keys.output(row.taskId, row.callId);
		(row.taskRule === OVER_TARGET ? waiting : accepted).push({ taskId: row.taskId, example, key, coreCallId: row.callId });
	}
	return { accepted, waiting };
}

/** The rule of an accepted example whose output was never generated: its run was cancelled first. */
export const OUTPUT_NOT_GENERATED = 'outputNotGenerated';

/**
 * A cancelled run is never resumed, so an accepted example whose output was not generated (not
 * asked for yet, or in flight at the cancel) never will be: it is not kept. It gets its instance
 * row now, rejected with the standing rule OUTPUT_NOT_GENERATED (its input and constraints, no
 * output), and its task, with no instance kept, is dropped as any task whose output was
 * rejected. Examples held back by a failed call stay held back. Runs in the cancel's transaction,
 * after its pending calls were cancelled; updates `progress` in place and returns how many.
 */
export function rejectExamplesWithoutOutput(database: Db, runId: number, datasetId: number, progress: RunProgress, now = Date.now()): number {
	const outputs = new Map(callStates(database, runId, STEP_OUTPUT).map((x) => [x.key, x.status]));
	const waitingOutput = unnaturalExamples(database, runId).accepted.filter((work) => {
		const state = outputs.get(work.key);
		return state === undefined || state === 'pending' || state === 'cancelled';
	});
	if (!waitingOutput.length) return 0;
	const writer = new RowWriter(database);
	const rejectTask = database.$client.prepare<[string, number, number]>(
		`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'noInstances', filter_detail = ? WHERE id = ? AND run_id = ?
		 AND filter_status = 'kept' AND NOT EXISTS (SELECT 1 FROM instances WHERE task_id = tasks.id AND filter_status = 'kept')`
	);
	for (const { taskId, example, coreCallId } of waitingOutput) {
		writer.insertInstance(
			{
				taskId,
				datasetId,
				input: example.input,
				output: '',
				constraints: example.constraints || null,
				instructionWithInput: instructionWithInput(example.instruction, example.input),
				runId,
				callId: coreCallId ?? null,
				filterStatus: 'rejected',
				filterRule: OUTPUT_NOT_GENERATED,
				filterDetail: 'the run was cancelled before its output was generated'
			},
			now
		);
		progress.instances.rejected++;
		bump(progress.instances.byRule, OUTPUT_NOT_GENERATED);
		if (rejectTask.run('its output was not generated: the run was cancelled', taskId, runId).changes === 1) progress.tasksWithoutInstances++;
	}
	writer.flush();
	return waitingOutput.length;
}

function exampleKey(instruction: string, input: string): string {
	return `${comparableText(instruction)}\u0000${comparableText(input)}`;
}

export class UnnaturalDriver implements RunDriver<RunProgress> {
	readonly resend: StoredCall[];
	private readonly keys;
	private accepted = 0;
	/**
	 * Accepted examples still usable: output kept or still to come (not rejected, its call not
	 * failed). The target counts these, so an example that loses its output is replaced.
	 */
	private kept = 0;
	/** Examples beyond the target for now, in stream order (task id): see OVER_TARGET. */
	private readonly waiting: OutputWork[] = [];
	/** Accepted (or waiting) examples by instruction + input, for the duplicate rule. */
	private readonly seen = new Map<string, number>();
	/** The task of each accepted instruction: a later example with the same instruction joins it. */
	private readonly taskOfInstruction = new Map<string, number>();
	/** Tasks whose rephrasings were asked for (from their first kept instance). */
	private readonly expanded = new Set<number>();
	/** Rephrasings kept per task, to drop a repeat. */
	private readonly rephrasings = new Map<number, Set<string>>();
	private readonly needOutput: OutputWork[] = [];
	private readonly needExpansion: ExpansionWork[] = [];
	private nextCore = 1;
	private coreCallsDone = 0;
	private coreCallsInFlight = 0;
	private taskCallsInFlight = 0;
	private readonly rejectTaskStmt;
	private readonly restoreTaskStmt;
	private readonly admitStmt;
	private readonly held: HeldTasks;
	private readonly instanceStmt;

	constructor(
		database: Db,
		private readonly run: UnnaturalRun
	) {
		this.keys = unnaturalKeys(run.id);
		const c = database.$client;
		// A task is dropped for its instances only while none of them is kept; an instance kept later takes it back.
		this.rejectTaskStmt = c.prepare<[string, number, number]>(
			`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'noInstances', filter_detail = ? WHERE id = ? AND run_id = ?
			 AND filter_status = 'kept' AND NOT EXISTS (SELECT 1 FROM instances WHERE task_id = tasks.id AND filter_status = 'kept')`
		);
		this.restoreTaskStmt = c.prepare<[number, number]>(
			"UPDATE tasks SET filter_status = 'kept', filter_rule = NULL, filter_detail = NULL WHERE id = ? AND run_id = ? AND filter_rule = 'noInstances'"
		);
		this.instanceStmt = c.prepare<[number], { input: string; output: string }>('SELECT input, output FROM instances WHERE id = ?');
		this.admitStmt = c.prepare<[number, number]>(
			`UPDATE tasks SET filter_status = 'kept', filter_rule = NULL, filter_detail = NULL WHERE id = ? AND run_id = ? AND filter_rule = '${OVER_TARGET}'`
		);
		this.held = new HeldTasks(database);

		// Accepted examples in commit order, each with the task it created or joined (the ledger);
		// then those waiting beyond the target, in stream order.
		const { accepted: examples, waiting } = unnaturalExamples(database, run.id);
		for (const work of examples) {
			const { example } = work;
			this.seen.set(exampleKey(example.instruction, example.input), work.taskId);
			if (!this.taskOfInstruction.has(comparableText(example.instruction))) this.taskOfInstruction.set(comparableText(example.instruction), work.taskId);
			this.accepted++;
		}
		for (const work of waiting) {
			this.seen.set(exampleKey(work.example.instruction, work.example.input), work.taskId);
			this.waiting.push(work);
		}
		for (const call of callStates(database, run.id, STEP_CORE)) {
			const k = Number(/\/(\d+)$/.exec(call.key)?.[1] ?? 0);
			this.nextCore = Math.max(this.nextCore, k + 1);
			if (call.status === 'pending') this.coreCallsInFlight++;
			else this.coreCallsDone++;
		}
		const outputs = new Map(callStates(database, run.id, STEP_OUTPUT).map((x) => [x.key, x.status]));
		const rejectedOutputs = new Set(
			c
				.prepare<[number, string], { key: string }>(
					`SELECT c.call_key AS key FROM generation_calls c JOIN instances i ON i.call_id = c.id WHERE c.run_id = ? AND c.step = ? AND i.filter_status = 'rejected'`
				)
				.all(run.id, STEP_OUTPUT)
				.map((r) => r.key)
		);
		const expansions = new Map(callStates(database, run.id, STEP_EXPANSION).map((x) => [x.key, x.status]));
		// Each task's first kept instance: its rephrasings carry that instance's input and output.
		const firstKept = new Map<number, number>();
		for (const r of c
			.prepare<[number, number, string], { id: number; taskId: number }>("SELECT id, task_id AS taskId FROM instances WHERE run_id = ? AND filter_status = 'kept' AND call_id IN (SELECT id FROM generation_calls WHERE run_id = ? AND step = ?) ORDER BY id")
			.all(run.id, run.id, STEP_OUTPUT)) {
			if (!firstKept.has(r.taskId)) firstKept.set(r.taskId, r.id);
		}
		for (const f of c.prepare<[number], { taskId: number; instruction: string }>('SELECT task_id AS taskId, instruction FROM formulations WHERE run_id = ?').all(run.id)) {
			this.rephrasingsOf(f.taskId).add(comparableText(f.instruction));
		}
		for (const work of examples) {
			const output = outputs.get(work.key);
			if (output !== 'failed' && !rejectedOutputs.has(work.key)) this.kept++;
			if (output === undefined) this.needOutput.push(work);
			else if (output === 'pending') this.taskCallsInFlight++;
		}
		// Each task's first accepted example's instruction, looked up once per kept task (a scan of
		// the examples per task was quadratic in a large run's resume).
		const instructionOf = new Map<number, string>();
		for (const e of examples) if (!instructionOf.has(e.taskId)) instructionOf.set(e.taskId, e.example.instruction);
		for (const [taskId, instanceId] of firstKept) {
			this.expanded.add(taskId);
			const instruction = instructionOf.get(taskId);
			if (instruction === undefined) continue;
			for (let j = 1; j <= run.params.rephrasings; j++) {
				const state = expansions.get(this.keys.expansion(taskId, j));
				if (state === undefined) this.needExpansion.push({ taskId, instanceId, instruction, index: j });
				else if (state === 'pending') this.taskCallsInFlight++;
			}
		}
		this.resend = pendingCalls(database, run.id);
	}

	private rephrasingsOf(taskId: number): Set<string> {
		let set = this.rephrasings.get(taskId);
		if (!set) this.rephrasings.set(taskId, (set = new Set()));
		return set;
	}

	private get target(): number {
		return this.run.params.target;
	}

	private get exhausted(): boolean {
		return this.coreCallsDone + this.coreCallsInFlight >= this.run.params.maxCoreCalls;
	}

	/** Core generation first, with at most half the slots while outputs or rephrasings wait (as Self-Instruct). */
	plan(slots: number, capacity: number): CallPlan[] {
		const out: CallPlan[] = [];
		const downstream = this.needExpansion.length + this.needOutput.length;
		const rootShare = downstream > 0 ? Math.max(1, Math.ceil(capacity / 2)) - this.coreCallsInFlight : slots;
		this.planCoreCalls(out, Math.min(slots, rootShare));
		const { steps } = this.run.params;
		while (out.length < slots && this.needExpansion.length) {
			const work = this.needExpansion.shift()!;
			out.push({
				key: this.keys.expansion(work.taskId, work.index),
				step: STEP_EXPANSION,
				taskId: work.taskId,
				prompt: buildExpansionPrompt(work.instruction, steps[STEP_EXPANSION].template.text),
				templateValues: { instruction: work.instruction, instanceId: work.instanceId, rephrasing: work.index }
			});
			this.taskCallsInFlight++;
		}
		while (out.length < slots && this.needOutput.length) {
			const work = this.needOutput.shift()!;
			out.push({
				key: work.key,
				step: STEP_OUTPUT,
				taskId: work.taskId,
				prompt: buildOutputPrompt(work.example, steps[STEP_OUTPUT].template.text),
				templateValues: { ...work.example }
			});
			this.taskCallsInFlight++;
		}
		this.planCoreCalls(out, slots);
		return out;
	}

	private planCoreCalls(out: CallPlan[], limit: number): void {
		const remaining = this.target - this.kept;
		if (remaining <= 0 || this.exhausted) return;
		const perCall = this.coreCallsDone >= 5 ? Math.max(0.1, this.kept / this.coreCallsDone) : INITIAL_ACCEPTED_PER_CALL;
		const wanted = Math.ceil(remaining / perCall) - this.coreCallsInFlight;
		const room = this.run.params.maxCoreCalls - this.coreCallsDone - this.coreCallsInFlight;
		const n = Math.min(limit - out.length, wanted, room);
		for (let i = 0; i < n; i++) {
			const key = this.keys.core(this.nextCore++);
			const random = createRng(seedFromString(`${this.run.params.randomSeed}/${key}`));
			const seedSet = Math.floor(random() * this.run.seedSets.length);
			out.push({
				key,
				step: STEP_CORE,
				taskId: null,
				prompt: buildCorePrompt(this.run.seedSets[seedSet], this.run.params.steps[STEP_CORE].template.text),
				templateValues: { seedSet }
			});
			this.coreCallsInFlight++;
		}
	}

	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		switch (call.step) {
			case STEP_CORE:
				return this.commitCore(call, reply, scope);
			case STEP_OUTPUT:
				return this.commitOutput(call, reply, scope);
			case STEP_EXPANSION:
				return this.commitExpansion(call, reply, scope);
			default:
				throw new Error(`Unnatural Instructions has no step ${call.step}.`);
		}
	}

	commitFailure(call: StoredCall, failure: CallFailure, scope: CommitScope<RunProgress>): Record<string, unknown> {
		switch (call.step) {
			case STEP_CORE:
				this.coreCallsInFlight--;
				this.coreCallsDone++;
				return { failed: failure.reason };
			case STEP_OUTPUT:
				this.taskCallsInFlight--;
				this.kept--;
				this.held.hold(call.taskId!, 'Its output call', failure, scope);
				return { failed: failure.reason, heldTask: call.taskId, ...this.admitWaiting(scope) };
			case STEP_EXPANSION:
				// The task keeps its instance; only this rephrasing is missing.
				this.taskCallsInFlight--;
				return { failed: failure.reason };
			default:
				throw new Error(`Unnatural Instructions has no step ${call.step}.`);
		}
	}

	private commitCore(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		this.coreCallsInFlight--;
		this.coreCallsDone++;
		const { progress, writer } = scope;
		const filters = this.run.params.filters;
		const parsed = parseCoreExample(reply.text, reply.finishReason);
		const { fields, missingFields } = parsed;
		const example: UnnaturalDemonstration = {
			instruction: fields.instruction ?? '',
			input: fields.input ?? '',
			constraints: fields.constraints ?? ''
		};
		progress.candidates++;
		if (parsed.truncated) progress.lengthCut++;
		for (const p of parsed.problems) bump(progress.replyProblems, p.problem);
		for (const note of parsed.notes) bump(progress.replyNotes, note.kind);
		const seedSet = Number(call.templateValues.seedSet ?? 0);
		const demonstrations = this.run.seedSets[seedSet] ?? [];
		const key = exampleKey(example.instruction, example.input);
		let verdict: Verdict<string>;
		const copied = demonstrations.findIndex((d) => instructionKey(d.instruction) === instructionKey(example.instruction));
		if (parsed.truncated) verdict = { keep: false, rule: 'lengthCut', detail: 'the reply was cut by max_tokens' };
		else if (filters.missingFields && missingFields.length) {
			verdict = { keep: false, rule: 'missingFields', detail: `missing ${missingFields.join(', ')}` };
		} else if (filters.copies && copied !== -1) {
			verdict = { keep: false, rule: 'copiesDemonstration', detail: `same instruction as demonstration ${copied + 1} of seed set ${seedSet + 1}` };
		} else if (filters.duplicates && this.seen.has(key)) {
			verdict = { keep: false, rule: 'duplicateExample', detail: `same instruction and input as task ${this.seen.get(key)}` };
		} else if (this.kept >= this.target) {
			verdict = {
				keep: false,
				rule: OVER_TARGET,
				detail: `passed every filter after the run had its ${this.target} examples, and none of them was lost later`
			};
		} else verdict = { keep: true };
		const waits = verdict.rule === OVER_TARGET;

		// An accepted example whose instruction an accepted task already has joins that task.
		const joins = verdict.keep ? this.taskOfInstruction.get(comparableText(example.instruction)) : undefined;
		const taskId = joins ?? writer.insertTask(
			{
				datasetId: scope.datasetId,
				instruction: example.instruction,
				origin: 'generated',
				runId: scope.runId,
				callId: call.id,
				...verdictColumns(verdict)
			},
			scope.now
		);
		let instanceId: number | null = null;
		if (verdict.keep) {
			this.accepted++;
			this.kept++;
			progress.accepted++;
			this.seen.set(key, taskId);
			if (joins === undefined) this.taskOfInstruction.set(comparableText(example.instruction), taskId);
			else progress.joinedExamples++;
			this.needOutput.push({ taskId, example, key: joins === undefined ? this.keys.output(taskId) : this.keys.output(taskId, call.id) });
		} else {
			bump(progress.rejected, verdict.rule!);
			if (waits) {
				// Its own task (never joined while it waits), and no instance row: brought in, it gets
				// its instance from its output call as any accepted example; its fields are on the call.
				this.seen.set(key, taskId);
				this.waiting.push({ taskId, example, key: this.keys.output(taskId) });
			} else if (example.input !== '' || example.constraints !== '') {
				// The rejected candidate's input and constraints, so the filter can be audited on the whole example.
				instanceId = writer.insertInstance(
					{
						taskId,
						datasetId: scope.datasetId,
						input: example.input,
						output: '',
						constraints: example.constraints || null,
						instructionWithInput: instructionWithInput(example.instruction, example.input),
						runId: scope.runId,
						callId: call.id,
						filterStatus: 'rejected',
						filterRule: 'taskRejected',
						filterDetail: `instruction rejected: ${ruleLabel(verdict.rule!)}`
					},
					scope.now
				);
				// Counted as Alpaca counts its rejected tasks' instances, so the page's figure is the database's.
				progress.instances.rejected++;
				bump(progress.instances.byRule, 'taskRejected');
			}
		}
		scope.record(0, { taskId, instanceId });
		return {
			fields,
			missingFields,
			truncated: parsed.truncated,
			seedSet,
			...(parsed.notes.length ? { notes: parsed.notes } : {}),
			// Every piece not read as the example, with its raw text.
			...(parsed.problems.length ? { problems: parsed.problems } : {}),
			...(verdict.keep ? {} : { rule: verdict.rule }),
			...(joins !== undefined ? { joinedTask: joins } : {})
		};
	}

	private commitOutput(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		this.taskCallsInFlight--;
		this.held.release(call.taskId!, scope);
		const { progress, writer } = scope;
		const taskId = call.taskId!;
		const v = call.templateValues as unknown as UnnaturalDemonstration;
		const example = { instruction: String(v.instruction ?? ''), input: String(v.input ?? ''), constraints: String(v.constraints ?? '') };
		const parsed = parseOutput(reply.text, reply.finishReason);
		if (parsed.truncated) progress.lengthCut++;
		for (const p of parsed.problems) bump(progress.replyProblems, p.problem);
		const verdict: Verdict<string> = parsed.truncated
			? { keep: false, rule: 'lengthCut', detail: 'the output was cut by max_tokens' }
			: parsed.empty
				? { keep: false, rule: 'emptyOutput', detail: 'output is empty' }
				: { keep: true };
		const instanceId = writer.insertInstance(
			{
				taskId,
				datasetId: scope.datasetId,
				input: example.input,
				output: parsed.output,
				constraints: example.constraints || null,
				instructionWithInput: instructionWithInput(example.instruction, example.input),
				runId: scope.runId,
				callId: call.id,
				...verdictColumns(verdict)
			},
			scope.now
		);
		scope.record(0, { taskId, instanceId });
		progress.tasksWithInstances++;
		if (verdict.keep) {
			progress.instances.kept++;
			if (this.restoreTaskStmt.run(taskId, scope.runId).changes === 1) progress.tasksWithoutInstances--;
			// Rephrasings once per task, from its first kept instance.
			if (!this.expanded.has(taskId)) {
				this.expanded.add(taskId);
				for (let j = 1; j <= this.run.params.rephrasings; j++) {
					this.needExpansion.push({ taskId, instanceId, instruction: example.instruction, index: j });
				}
			}
		} else {
			progress.instances.rejected++;
			this.kept--;
			bump(progress.instances.byRule, verdict.rule!);
			if (this.rejectTaskStmt.run(`its output was rejected (${verdict.rule})`, taskId, scope.runId).changes === 1) progress.tasksWithoutInstances++;
		}
		const problems = parsed.problems.length ? { problems: parsed.problems } : {};
		return verdict.keep ? { output: true, ...problems } : { rule: verdict.rule, ...this.admitWaiting(scope), ...problems };
	}

	/**
	 * A kept example was lost: the first examples waiting beyond the target take its place, in
	 * stream order, in the transaction that lost it (so a resume finds them kept). Each keeps the
	 * task it was recorded with. Returns the tasks brought in, for the call's summary.
	 */
	private admitWaiting(scope: CommitScope<RunProgress>): { broughtIn?: number[] } {
		const broughtIn: number[] = [];
		while (this.kept < this.target && this.waiting.length) {
			const work = this.waiting.shift()!;
			this.admitStmt.run(work.taskId, scope.runId);
			const instruction = comparableText(work.example.instruction);
			if (!this.taskOfInstruction.has(instruction)) this.taskOfInstruction.set(instruction, work.taskId);
			this.needOutput.push(work);
			countBroughtIn(scope.progress);
			this.accepted++;
			this.kept++;
			broughtIn.push(work.taskId);
		}
		return broughtIn.length ? { broughtIn } : {};
	}

	private commitExpansion(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		this.taskCallsInFlight--;
		const { progress, writer } = scope;
		const taskId = call.taskId!;
		const original = String(call.templateValues.instruction ?? '');
		const instanceId = Number(call.templateValues.instanceId);
		progress.expansionsDone++;
		const parsed = parseRephrasing(reply.text, original, reply.finishReason, { requirePlaceholder: true });
		// Only the first paragraph is a rephrasing; the rest (a second formulation, say) is recorded with its raw text.
		const unread = parsed.unread === undefined ? {} : { problems: [{ problem: 'unread_rest', raw: parsed.unread }] };
		if (parsed.unread !== undefined) bump(progress.replyProblems, 'unread_rest');
		const seen = this.rephrasingsOf(taskId);
		const problem = parsed.problem ?? (parsed.rephrasing !== null && seen.has(comparableText(parsed.rephrasing)) ? 'duplicateRephrasing' : undefined);
		if (problem || parsed.rephrasing === null) {
			bump(progress.formulations.rejected, problem ?? 'empty');
			return { problem: problem ?? 'empty', ...unread };
		}
		const instance = this.instanceStmt.get(instanceId);
		if (!instance) throw new Error(`Instance ${instanceId} of task ${taskId} is missing.`);
		const formulationId = writer.insertFormulation(
			{
				taskId,
				instanceId,
				datasetId: scope.datasetId,
				instruction: parsed.rephrasing,
				instructionWithInput: instructionWithInput(parsed.rephrasing, instance.input),
				input: instance.input,
				output: instance.output,
				runId: scope.runId,
				callId: call.id
			},
			scope.now
		);
		seen.add(comparableText(parsed.rephrasing));
		scope.record(0, { taskId, formulationId });
		progress.formulations.kept++;
		return { rephrasing: parsed.rephrasing, ...unread };
	}

	isFinished(): boolean {
		return (
			(this.kept >= this.target || this.exhausted) &&
			this.coreCallsInFlight === 0 &&
			this.taskCallsInFlight === 0 &&
			this.needOutput.length === 0 &&
			this.needExpansion.length === 0
		);
	}

	outcome(): string {
		return `${this.kept} example${this.kept === 1 ? '' : 's'} kept (target ${this.target}).`;
	}

	shortfall(): string | null {
		if (this.kept >= this.target) return null;
		return shortfallMessage({
			calls: this.coreCallsDone,
			call: 'core-generation call',
			kept: this.kept,
			unit: ['usable example', 'usable examples'],
			target: this.target,
			limit: this.run.params.maxCoreCalls,
			heldBack: this.held.count(this.run.id)
		});
	}
}
