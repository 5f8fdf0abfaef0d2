/**
 * The Alpaca pipeline (Taori et al., 2023; generate_instruction.py) as a driver for the engine:
 * each call shows 3 seed tasks (instruction, input, output) sampled from the seed pool — never
 * generated ones — and asks for the rest of a list of 20; the reply is split into
 * instruction / input / output triples (an item that does not split is a recorded problem; the
 * last item goes when the reply stopped on length); each instruction goes through the Alpaca
 * filters, then ROUGE-L ≤ 0.7 against the seeds and every instruction kept so far (earlier items
 * of the same reply included). A kept task is stored with its one instance; a rejected one is
 * stored too, with its rule, and its instance marked 'taskRejected'. No instance rule runs: Alpaca
 * had none.
 */
import { buildAlpacaPrompt, parseAlpacaList, sample, seedFromString, type AlpacaTask } from '$lib/prompts';
import { createRng } from '$lib/random';
import { InstructionPool, OVER_TARGET_RULE, type Verdict } from '$lib/filters';
import type { ProfileState } from '$lib/rouge';
import type { Db } from '../../db';
import { callStates, pendingCalls, type CallPlan, type StoredCall } from '../engine/calls';
import type { CommitScope, ReplyText, RunDriver } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import { bump } from '../engine/counters';
import { ruleLabel, type RunProgress } from './progress';
import { RecordHeads } from './record-heads';
import { generatedTaskRow } from './similarity';
import type { AlpacaParams, SeedTaskSnapshot } from './params';
import { shortfallMessage } from '$lib/runs/shortfall';

const STEP = 'alpaca/generation';

/** Kept tasks per call assumed until a few replies are in (a list holds up to 16 new tasks). */
const INITIAL_ACCEPTED_PER_CALL = 8;

interface PreparedReply {
	parsed: ReturnType<typeof parseAlpacaList>;
	heads: ProfileState[] | null;
}

export interface AlpacaRun {
	id: number;
	datasetId: number;
	params: AlpacaParams;
	seeds: SeedTaskSnapshot[];
}

export function alpacaKeys(runId: number) {
	return { generation: (k: number) => `run ${runId}/alpaca/${k}` };
}

/** A seed task as a prompt shows it: its first instance, or an empty input and output when it has none. */
export function alpacaSeedTask(seed: SeedTaskSnapshot): AlpacaTask {
	const first = seed.instances[0];
	return { instruction: seed.instruction, input: first?.input ?? '', output: first?.output ?? '' };
}

export class AlpacaDriver implements RunDriver<RunProgress> {
	readonly resend: StoredCall[];
	private readonly keys;
	private readonly pool: InstructionPool;
	private readonly recordHeads: RecordHeads;
	private readonly seedTasks: AlpacaTask[];
	/** Tasks kept (the target counts these; the pool also holds those beyond the target). */
	private kept = 0;
	private nextCall = 1;
	private callsDone = 0;
	private callsInFlight = 0;

	constructor(
		database: Db,
		private readonly run: AlpacaRun
	) {
		this.keys = alpacaKeys(run.id);
		// Seeds with an output first: a prompt shows complete tasks.
		const complete = run.seeds.filter((s) => s.instances.length > 0);
		this.seedTasks = (complete.length >= run.params.seedShots ? complete : run.seeds).map(alpacaSeedTask);
		// Seeds carry their index, so a similarity record can refer to them (see ./similarity).
		this.pool = new InstructionPool(
			run.params.filters,
			run.seeds.map((s, i) => ({ id: i, instruction: s.instruction })),
			// Records off: the verdicts only, as before records existed (the sweep then needs Apply filters).
			{ record: run.params.similarityRecords !== false }
		);
		// The pool in commit order (task ids grow with each committed reply): the kept tasks and those
		// that passed every filter beyond the target (see commit).
		const pooled = database.$client
			.prepare<[number], { id: number; instruction: string; status: string }>(
				`SELECT id, instruction, filter_status AS status FROM tasks WHERE run_id = ? AND call_id IS NOT NULL AND (filter_status = 'kept' OR filter_rule = '${OVER_TARGET_RULE}') ORDER BY id`
			)
			.all(run.id);
		for (const task of pooled) {
			this.pool.restore(task.instruction, task.id);
			if (task.status === 'kept') this.kept++;
		}
		this.recordHeads = new RecordHeads(this.pool);
		for (const call of callStates(database, run.id, STEP)) {
			const k = Number(/\/(\d+)$/.exec(call.key)?.[1] ?? 0);
			this.nextCall = Math.max(this.nextCall, k + 1);
			if (call.status === 'pending') this.callsInFlight++;
			else this.callsDone++;
		}
		this.resend = pendingCalls(database, run.id);
	}

	private get target(): number {
		return this.run.params.target;
	}

	private get exhausted(): boolean {
		return this.callsDone + this.callsInFlight >= this.run.params.maxGenerationCalls;
	}

	plan(slots: number): CallPlan[] {
		const out: CallPlan[] = [];
		const remaining = this.target - this.kept;
		if (remaining <= 0 || this.exhausted) return out;
		// Enough calls in flight to reach the target at the rate seen so far, and no more.
		const perCall = this.callsDone >= 3 ? Math.max(0.5, this.kept / this.callsDone) : INITIAL_ACCEPTED_PER_CALL;
		const wanted = Math.ceil(remaining / perCall) - this.callsInFlight;
		const room = this.run.params.maxGenerationCalls - this.callsDone - this.callsInFlight;
		const n = Math.min(slots, wanted, room);
		const template = this.run.params.steps[STEP].template.text;
		for (let i = 0; i < n; i++) {
			const key = this.keys.generation(this.nextCall++);
			const random = createRng(seedFromString(`${this.run.params.randomSeed}/${key}`));
			const shown = sample(this.seedTasks, this.run.params.seedShots, random);
			out.push({ key, step: STEP, taskId: null, prompt: buildAlpacaPrompt(shown, template), templateValues: { seedTasks: shown } });
			this.callsInFlight++;
		}
		return out;
	}

	private parse(call: StoredCall, reply: ReplyText) {
		const shown = Array.isArray(call.templateValues.seedTasks) ? call.templateValues.seedTasks.length : this.run.params.seedShots;
		return parseAlpacaList(reply.text, reply.finishReason, shown + 1);
	}

	/** The reply parsed, and its instructions' similarity records scanned in a worker as far as the pool stands now. */
	async prepare(call: StoredCall, reply: ReplyText): Promise<PreparedReply> {
		const parsed = this.parse(call, reply);
		const heads = await this.recordHeads.prepare(parsed.tasks.map((t) => t.instruction));
		return { parsed, heads };
	}

	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<RunProgress>, prepared?: unknown): Record<string, unknown> {
		this.callsInFlight--;
		this.callsDone++;
		const { progress, writer } = scope;
		const ready = prepared as PreparedReply | undefined;
		const parsed = ready?.parsed ?? this.parse(call, reply);
		// Records: brought up to date from the worker's heads, or scanned here, several
		// instructions to a scan either way.
		const heads = this.pool.records ? this.pool.recordHeads(parsed.tasks.map((t) => t.instruction), ready?.heads ?? undefined) : null;
		if (reply.finishReason === 'length') progress.lengthCut++;
		for (const p of parsed.problems) bump(progress.replyProblems, p.problem);
		for (const note of parsed.notes) bump(progress.replyNotes, note.kind);
		const items = parsed.tasks.map((task, index) => {
			progress.candidates++;
			const evaluation = this.pool.evaluate(task.instruction, heads?.[index]);
			let verdict: Verdict<string> = evaluation.verdict;
			const overTarget = verdict.keep && this.kept >= this.target;
			if (overTarget) verdict = { keep: false, rule: OVER_TARGET_RULE, detail: `the run had already kept its ${this.target} tasks` };
			const taskId = writer.insertTask(generatedTaskRow(evaluation, verdict, task.instruction, { datasetId: scope.datasetId, runId: scope.runId, callId: call.id }), scope.now);
			const instanceId = writer.insertInstance(
				{
					taskId,
					datasetId: scope.datasetId,
					input: task.input,
					output: task.output,
					runId: scope.runId,
					callId: call.id,
					filterStatus: verdict.keep ? 'kept' : 'rejected',
					filterRule: verdict.keep ? null : 'taskRejected',
					filterDetail: verdict.keep ? null : `instruction rejected: ${ruleLabel(verdict.rule!)}`
				},
				scope.now
			);
			scope.record(index, { taskId, instanceId });
			// Beyond the target, a task that passed every filter still joins the pool, as every such
			// instruction does in the paper's code (its last batch runs past the target): later candidates
			// are compared with it, and a filter run over the dataset pools it the same way.
			if (verdict.keep || overTarget) this.pool.accept(evaluation, taskId);
			if (verdict.keep) {
				this.kept++;
				progress.accepted++;
				progress.instances.kept++;
				progress.tasksWithInstances++;
			} else {
				bump(progress.rejected, verdict.rule!);
				progress.instances.rejected++;
				bump(progress.instances.byRule, 'taskRejected');
			}
			return verdict.keep ? { taskId } : { taskId, rule: verdict.rule };
		});
		return {
			items,
			...(parsed.problems.length ? { problems: parsed.problems } : {}),
			...(parsed.notes.length ? { notes: parsed.notes } : {})
		};
	}

	commitFailure(call: StoredCall, failure: CallFailure): Record<string, unknown> {
		this.callsInFlight--;
		this.callsDone++;
		return { failed: failure.reason };
	}

	close(): void {
		this.recordHeads.close();
	}

	isFinished(): boolean {
		return (this.kept >= this.target || this.exhausted) && this.callsInFlight === 0;
	}

	outcome(): string {
		return `${this.kept} task${this.kept === 1 ? '' : 's'} kept (target ${this.target}).`;
	}

	shortfall(): string | null {
		if (this.kept >= this.target) return null;
		// Each Alpaca call asks for new tasks: a failed one holds nothing back.
		return shortfallMessage({
			calls: this.callsDone,
			call: 'generation call',
			kept: this.kept,
			unit: ['acceptable task', 'acceptable tasks'],
			target: this.target,
			limit: this.run.params.maxGenerationCalls,
			heldBack: 0,
			advice: 'Try other filters or another model.'
		});
	}
}
