/**
 * The Self-Instruct pipeline (Wang et al., 2022) as a driver for the engine:
 *   1. instruction generation — 8 shots (6 seed + 2 machine, all seed while fewer than 2
 *      machine instructions exist), the reply split at "N. "; a reply cut by the length limit is
 *      dropped whole; each instruction goes through the filters and ROUGE-L against the pool
 *      (seeds + every accepted instruction, earlier items of the same reply included);
 *   2. classification identification for each accepted instruction;
 *   3. instance generation, output-first for classification tasks, input-first otherwise;
 *   4. the instance filters, and a task with no instance left is dropped.
 * The target counts kept tasks, a provisional count until their instances are in: an
 * instruction that passes while it stands at the target waits (rule 'overTarget') and takes
 * the place of the next task lost.
 * Steps overlap: an accepted instruction is classified while more are generated, so every
 * slot of the endpoint stays busy. Everything is stored, rejected candidates with their rule.
 */
import {
	buildClassificationPrompt,
	buildInstancePrompt,
	buildInstructionGenerationPrompt,
	chooseInstructionShots,
	parseClassificationAnswer,
	parseInputFirstInstances,
	parseInstructionList,
	parseOutputFirstInstances,
	seedFromString
} from '$lib/prompts';
import { createRng } from '$lib/random';
import { checkInstances, InstructionPool, OVER_TARGET_RULE, type Verdict } from '$lib/filters';
import type { ProfileState } from '$lib/rouge';
import type { Db } from '../../db';
import { verdictColumns } from '../../datasets/rows';
import { callStates, pendingCalls, type CallPlan, type StoredCall } from '../engine/calls';
import type { CommitScope, ReplyText, RunDriver } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import { acceptedTasks, HeldTasks } from './held-tasks';
import { countBroughtIn, type RunProgress } from './progress';
import { RecordHeads } from './record-heads';
import { generatedTaskRow } from './similarity';
import type { SelfInstructParams, SeedTaskSnapshot } from './params';
import { bump } from '../engine/counters';
import { shortfallMessage } from '$lib/runs/shortfall';

const STEP_INSTRUCTIONS = 'self-instruct/instruction-generation';
const STEP_CLASSIFICATION = 'self-instruct/classification';
const STEP_INPUT_FIRST = 'self-instruct/instances-input-first';
const STEP_OUTPUT_FIRST = 'self-instruct/instances-output-first';

/**
 * The rule of an instruction that passed every filter while the kept count stood at the target.
 * Until the run ends it is only waiting: the count is provisional (a kept task can still be
 * dropped for its instances or held back by a failed call), and a task lost brings the first
 * one waiting in. Those still waiting when the run ends are beyond the target for good.
 */
const OVER_TARGET = OVER_TARGET_RULE;

/** Accepted instructions per instruction-generation reply, assumed until a few replies are in. */
const INITIAL_ACCEPTED_PER_CALL = 5;

export interface SelfInstructRun {
	id: number;
	datasetId: number;
	params: SelfInstructParams;
	seeds: SeedTaskSnapshot[];
}

interface TaskWork {
	taskId: number;
	instruction: string;
	isClassification?: boolean | null;
}

export function selfInstructKeys(runId: number) {
	return {
		instructions: (k: number) => `run ${runId}/si-instructions/${k}`,
		classification: (taskId: number) => `run ${runId}/si-classification/task ${taskId}`,
		instances: (taskId: number) => `run ${runId}/si-instances/task ${taskId}`
	};
}

interface PreparedList {
	parsed: ReturnType<typeof parseInstructionList>;
	heads: ProfileState[] | null;
}

/** The number an instruction prompt ends with: one past its shots ("9." after 8). */
function promptNumber(call: StoredCall): number | undefined {
	const shots = call.templateValues.shots;
	return Array.isArray(shots) ? shots.length + 1 : undefined;
}

export class SelfInstructDriver implements RunDriver<RunProgress> {
	readonly resend: StoredCall[];
	private readonly keys;
	private readonly seedInstructions: string[];
	private readonly pool: InstructionPool;
	private readonly recordHeads: RecordHeads;
	/** Accepted machine instructions, in acceptance order (shots are drawn from them). */
	private readonly machine: string[] = [];
	private readonly needClassification: TaskWork[] = [];
	private readonly needInstances: TaskWork[] = [];
	private nextBatch = 1;
	private instructionCallsDone = 0;
	private instructionCallsInFlight = 0;
	private taskCallsInFlight = 0;
	/**
	 * Accepted tasks still usable: not dropped for their instances, not held back by a failed
	 * call. The target counts these, so a task lost later is replaced: by the first instruction
	 * waiting beyond the target if there is one, else by generating more.
	 */
	private kept = 0;
	/** Instructions beyond the target for now, in stream order (task id): see OVER_TARGET. */
	private readonly waiting: TaskWork[] = [];
	private readonly admitStmt;
	private readonly setClassificationStmt;
	private readonly rejectTaskStmt;
	private readonly held: HeldTasks;

	constructor(
		database: Db,
		private readonly run: SelfInstructRun
	) {
		this.keys = selfInstructKeys(run.id);
		this.setClassificationStmt = database.$client.prepare<[number | null, number | null, number]>('UPDATE tasks SET is_classification = ? WHERE id = ? AND run_id = ?');
		this.rejectTaskStmt = database.$client.prepare<[string, number, number]>(
			"UPDATE tasks SET filter_status = 'rejected', filter_rule = 'noInstances', filter_detail = ? WHERE id = ? AND run_id = ?"
		);
		this.admitStmt = database.$client.prepare<[number, number]>(
			`UPDATE tasks SET filter_status = 'kept', filter_rule = NULL, filter_detail = NULL WHERE id = ? AND run_id = ? AND filter_rule = '${OVER_TARGET}'`
		);
		this.held = new HeldTasks(database);
		this.seedInstructions = run.seeds.map((s) => s.instruction);
		// Seeds carry their index, so a similarity record can refer to them (see ./similarity).
		this.pool = new InstructionPool(
			run.params.filters,
			run.seeds.map((s, i) => ({ id: i, instruction: s.instruction })),
			// Records off: the verdicts only, as before records existed (the sweep then needs Apply filters).
			{ record: run.params.similarityRecords !== false }
		);

		// The pool in commit order: task ids grow with each committed reply. Instructions
		// waiting beyond the target are in it too (see commitInstructions).
		const pooled = database.$client
			.prepare<[number], { id: number; instruction: string; isClassification: number | null; status: string; rule: string | null }>(
				`SELECT id, instruction, is_classification AS isClassification, filter_status AS status, filter_rule AS rule FROM tasks
				 WHERE run_id = ? AND call_id IS NOT NULL AND (${acceptedTasks()} OR filter_rule = '${OVER_TARGET}') ORDER BY id`
			)
			.all(run.id);
		const accepted = pooled.filter((task) => task.rule !== OVER_TARGET);
		for (const task of pooled) {
			this.pool.restore(task.instruction, task.id);
			this.machine.push(task.instruction);
			if (task.status === 'kept') this.kept++;
			if (task.rule === OVER_TARGET) this.waiting.push({ taskId: task.id, instruction: task.instruction });
		}
		this.recordHeads = new RecordHeads(this.pool);

		for (const call of callStates(database, run.id, STEP_INSTRUCTIONS)) {
			const k = Number(/\/(\d+)$/.exec(call.key)?.[1] ?? 0);
			this.nextBatch = Math.max(this.nextBatch, k + 1);
			if (call.status === 'pending') this.instructionCallsInFlight++;
			else this.instructionCallsDone++;
		}
		const classification = new Map(callStates(database, run.id, STEP_CLASSIFICATION).map((c) => [c.taskId, c.status]));
		const instances = new Map(
			[...callStates(database, run.id, STEP_INPUT_FIRST), ...callStates(database, run.id, STEP_OUTPUT_FIRST)].map((c) => [c.taskId, c.status])
		);
		for (const task of accepted) {
			const classified = classification.get(task.id);
			const withInstances = instances.get(task.id);
			if (classified === undefined) this.needClassification.push({ taskId: task.id, instruction: task.instruction });
			else if (classified === 'pending') this.taskCallsInFlight++;
			else if (classified === 'failed') continue; // held back until its classification is retried
			else if (withInstances === undefined) {
				this.needInstances.push({
					taskId: task.id,
					instruction: task.instruction,
					isClassification: task.isClassification === null ? null : task.isClassification === 1
				});
			} else if (withInstances === 'pending') this.taskCallsInFlight++;
		}
		this.resend = pendingCalls(database, run.id);
	}

	private get target(): number {
		return this.run.params.target;
	}

	private get exhausted(): boolean {
		return this.instructionCallsDone + this.instructionCallsInFlight >= this.run.params.maxInstructionCalls;
	}

	/**
	 * Instruction generation drives everything else, so it goes first — but while accepted
	 * instructions wait for their classification or instances it takes at most half the slots,
	 * so the dataset fills in as it grows and the last instructions are not left to run alone.
	 */
	plan(slots: number, capacity: number): CallPlan[] {
		const out: CallPlan[] = [];
		const downstream = this.needInstances.length + this.needClassification.length;
		const rootShare = downstream > 0 ? Math.max(1, Math.ceil(capacity / 2)) - this.instructionCallsInFlight : slots;
		this.planInstructionCalls(out, Math.min(slots, rootShare));
		while (out.length < slots && this.needInstances.length) out.push(this.instancesCall(this.needInstances.shift()!));
		while (out.length < slots && this.needClassification.length) out.push(this.classificationCall(this.needClassification.shift()!));
		this.planInstructionCalls(out, slots);
		return out;
	}

	private instancesCall(task: TaskWork): CallPlan {
		const { steps } = this.run.params;
		const outputFirst = task.isClassification === true;
		const step = outputFirst ? STEP_OUTPUT_FIRST : STEP_INPUT_FIRST;
		this.taskCallsInFlight++;
		return {
			key: this.keys.instances(task.taskId),
			step,
			taskId: task.taskId,
			prompt: buildInstancePrompt(task.instruction, outputFirst ? 'output-first' : 'input-first', steps[step].template.text),
			templateValues: { task: task.instruction }
		};
	}

	private classificationCall(task: TaskWork): CallPlan {
		this.taskCallsInFlight++;
		return {
			key: this.keys.classification(task.taskId),
			step: STEP_CLASSIFICATION,
			taskId: task.taskId,
			prompt: buildClassificationPrompt(task.instruction, this.run.params.steps[STEP_CLASSIFICATION].template.text),
			templateValues: { task: task.instruction }
		};
	}

	/** Adds instruction-generation calls to `out` until it holds `limit` calls or enough are in flight. */
	private planInstructionCalls(out: CallPlan[], limit: number): void {
		const { steps, shots } = this.run.params;
		const remaining = this.target - this.kept;
		if (remaining <= 0 || this.exhausted) return;
		// Enough calls in flight to reach the target at the acceptance rate seen so far, and
		// no more: a call beyond the target costs money for candidates nobody asked for.
		const perCall =
			this.instructionCallsDone >= 3 ? Math.max(0.5, this.kept / this.instructionCallsDone) : INITIAL_ACCEPTED_PER_CALL;
		const wanted = Math.ceil(remaining / perCall) - this.instructionCallsInFlight;
		const room = this.run.params.maxInstructionCalls - this.instructionCallsDone - this.instructionCallsInFlight;
		const n = Math.min(limit - out.length, wanted, room);
		for (let i = 0; i < n; i++) {
			const key = this.keys.instructions(this.nextBatch++);
			const random = createRng(seedFromString(`${this.run.params.randomSeed}/${key}`));
			const chosen = chooseInstructionShots(this.seedInstructions, this.machine, random, {
				humanCount: shots.human,
				machineCount: shots.machine
			});
			out.push({
				key,
				step: STEP_INSTRUCTIONS,
				taskId: null,
				prompt: buildInstructionGenerationPrompt(
					chosen.map((s) => s.instruction),
					steps[STEP_INSTRUCTIONS].template.text
				),
				templateValues: { shots: chosen }
			});
			this.instructionCallsInFlight++;
		}
	}

	/** An instruction list: parsed, and its similarity records scanned in a worker as far as the pool stands now. */
	async prepare(call: StoredCall, reply: ReplyText): Promise<PreparedList | null> {
		if (call.step !== STEP_INSTRUCTIONS) return null;
		const parsed = parseInstructionList(reply.text, reply.finishReason, reply.apiStyle, promptNumber(call));
		return { parsed, heads: await this.recordHeads.prepare(parsed.instructions) };
	}

	close(): void {
		this.recordHeads.close();
	}

	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>, prepared?: unknown): Record<string, unknown> {
		switch (call.step) {
			case STEP_INSTRUCTIONS:
				return this.commitInstructions(call, reply, scope, (prepared as PreparedList | null | undefined) ?? undefined);
			case STEP_CLASSIFICATION:
				return this.commitClassification(call, reply, scope);
			case STEP_INPUT_FIRST:
			case STEP_OUTPUT_FIRST:
				return this.commitInstances(call, reply, scope);
			default:
				throw new Error(`Self-Instruct has no step ${call.step}.`);
		}
	}

	commitFailure(call: StoredCall, failure: CallFailure, scope: CommitScope<RunProgress>): Record<string, unknown> {
		switch (call.step) {
			case STEP_INSTRUCTIONS:
				this.instructionCallsInFlight--;
				this.instructionCallsDone++;
				return { failed: failure.reason };
			case STEP_CLASSIFICATION:
				this.taskCallsInFlight--;
				if (this.held.hold(call.taskId!, 'Its classification call', failure, scope)) this.kept--;
				return { failed: failure.reason, heldTask: call.taskId, ...this.admitWaiting(scope) };
			case STEP_INPUT_FIRST:
			case STEP_OUTPUT_FIRST:
				this.taskCallsInFlight--;
				if (this.held.hold(call.taskId!, 'Its instances call', failure, scope)) this.kept--;
				return { failed: failure.reason, heldTask: call.taskId, ...this.admitWaiting(scope) };
			default:
				throw new Error(`Self-Instruct has no step ${call.step}.`);
		}
	}

	private commitInstructions(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>, prepared?: PreparedList): Record<string, unknown> {
		this.instructionCallsInFlight--;
		this.instructionCallsDone++;
		const { progress, writer } = scope;
		const parsed = prepared?.parsed ?? parseInstructionList(reply.text, reply.finishReason, reply.apiStyle, promptNumber(call));
		// Records: brought up to date from the worker's heads, or scanned here, several
		// instructions to a scan either way.
		const heads = this.pool.records ? this.pool.recordHeads(parsed.instructions, prepared?.heads ?? undefined) : null;
		if (parsed.droppedForLength) progress.lengthCut++;
		for (const p of parsed.problems) bump(progress.replyProblems, p.problem);
		for (const note of parsed.notes) bump(progress.replyNotes, note.kind);
		const items = parsed.instructions.map((raw, index) => {
			progress.candidates++;
			const evaluation = this.pool.evaluate(raw, heads?.[index]);
			let verdict: Verdict<string> = evaluation.verdict;
			const waits = verdict.keep && this.kept >= this.target;
			if (waits) {
				verdict = {
					keep: false,
					rule: OVER_TARGET,
					detail: `passed every filter after the run had its ${this.target} instructions, and none of them was lost later`
				};
			}
			const taskId = writer.insertTask(generatedTaskRow(evaluation, verdict, raw, { datasetId: scope.datasetId, runId: scope.runId, callId: call.id }), scope.now);
			scope.record(index, { taskId });
			if (waits) {
				// Into the pool now, as the paper's pipeline accepts every instruction that passes
				// (it knows no provisional count): later candidates are compared with it, so two
				// near-duplicates can never both be brought in, whichever of them ends up kept.
				this.pool.accept(evaluation, taskId);
				this.machine.push(evaluation.text);
				this.waiting.push({ taskId, instruction: evaluation.text });
			}
			if (verdict.keep) {
				this.pool.accept(evaluation, taskId);
				this.machine.push(evaluation.text);
				this.needClassification.push({ taskId, instruction: evaluation.text });
				progress.accepted++;
				this.kept++;
			} else bump(progress.rejected, verdict.rule!);
			return verdict.keep ? { taskId } : { taskId, rule: verdict.rule };
		});
		return {
			droppedForLength: parsed.droppedForLength,
			...(parsed.preamble !== undefined ? { preamble: parsed.preamble } : {}),
			...(parsed.notes.length ? { notes: parsed.notes } : {}),
			// Every piece that did not become an instruction, with its raw text.
			...(parsed.problems.length ? { problems: parsed.problems } : {}),
			items
		};
	}

	private commitClassification(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		this.taskCallsInFlight--;
		if (this.held.release(call.taskId!, scope)) this.kept++;
		const answer = parseClassificationAnswer(reply.text);
		this.setClassificationStmt.run(answer === null ? null : answer ? 1 : 0, call.taskId, scope.runId);
		const label = answer === null ? 'unknown' : answer ? 'yes' : 'no';
		scope.progress.classification[label]++;
		this.needInstances.push({ taskId: call.taskId!, instruction: String(call.templateValues.task ?? ''), isClassification: answer });
		if (answer !== null) return { isClassification: label };
		// Neither Yes nor No ("Maybe", nothing): the task goes on as not classification (input-first),
		// and the reply is a piece not read, so the call is listed with its raw text.
		bump(scope.progress.replyProblems, 'unclear_answer');
		return { isClassification: label, problems: [{ problem: 'unclear_answer', raw: reply.text }] };
	}

	private commitInstances(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>): Record<string, unknown> {
		this.taskCallsInFlight--;
		if (this.held.release(call.taskId!, scope)) this.kept++;
		const { progress, writer } = scope;
		const taskId = call.taskId!;
		const parsed =
			call.step === STEP_OUTPUT_FIRST
				? parseOutputFirstInstances(reply.text, reply.finishReason)
				: parseInputFirstInstances(reply.text, reply.finishReason);
		if (reply.finishReason === 'length') progress.lengthCut++;
		for (const p of parsed.problems) bump(progress.replyProblems, p.problem);
		for (const note of parsed.notes) bump(progress.replyNotes, note.kind);
		const verdicts = checkInstances(
			parsed.instances.map((x, i) => ({ id: i, input: x.input, output: x.output })),
			this.run.params.filters.instance,
			createRng(seedFromString(`${this.run.params.randomSeed}/${call.key}/keep`))
		);
		let kept = 0;
		parsed.instances.forEach((x, i) => {
			const v = verdicts[i];
			const instanceId = writer.insertInstance(
				{
					taskId,
					datasetId: scope.datasetId,
					input: x.input,
					output: x.output,
					runId: scope.runId,
					callId: call.id,
					...verdictColumns(v)
				},
				scope.now
			);
			scope.record(i, { taskId, instanceId });
			if (v.keep) {
				kept++;
				progress.instances.kept++;
			} else {
				progress.instances.rejected++;
				bump(progress.instances.byRule, v.rule!);
			}
		});
		progress.tasksWithInstances++;
		if (kept === 0) {
			const detail =
				parsed.instances.length === 0
					? 'the model wrote no usable instance'
					: `all ${parsed.instances.length} instances removed`;
			this.rejectTaskStmt.run(detail, taskId, scope.runId);
			progress.tasksWithoutInstances++;
			this.kept--;
		}
		return {
			instances: parsed.instances.length,
			kept,
			...this.admitWaiting(scope),
			// Every piece that did not become an instance, with its raw text.
			...(parsed.problems.length ? { problems: parsed.problems } : {}),
			...(parsed.notes.length ? { notes: parsed.notes } : {})
		};
	}

	/**
	 * A kept task was lost: the first instructions waiting beyond the target take its place, in
	 * stream order, in the transaction that lost it (so a resume finds them kept). Returns the
	 * tasks brought in, for the call's summary.
	 */
	private admitWaiting(scope: CommitScope<RunProgress>): { broughtIn?: number[] } {
		const broughtIn: number[] = [];
		while (this.kept < this.target && this.waiting.length) {
			const task = this.waiting.shift()!;
			this.admitStmt.run(task.taskId, scope.runId);
			this.needClassification.push(task);
			countBroughtIn(scope.progress);
			this.kept++;
			broughtIn.push(task.taskId);
		}
		return broughtIn.length ? { broughtIn } : {};
	}

	isFinished(): boolean {
		return (
			(this.kept >= this.target || this.exhausted) &&
			this.instructionCallsInFlight === 0 &&
			this.taskCallsInFlight === 0 &&
			this.needClassification.length === 0 &&
			this.needInstances.length === 0
		);
	}

	outcome(): string {
		return `${this.kept} instruction${this.kept === 1 ? '' : 's'} kept (target ${this.target}).`;
	}

	shortfall(): string | null {
		if (this.kept >= this.target) return null;
		return shortfallMessage({
			calls: this.instructionCallsDone,
			call: 'instruction-generation call',
			kept: this.kept,
			unit: ['usable instruction', 'usable instructions'],
			target: this.target,
			limit: this.run.params.maxInstructionCalls,
			heldBack: this.held.count(this.run.id),
			advice: 'Try a higher temperature, other filters or another model.'
		});
	}
}
