/**
 * Runs a filter configuration over tasks in order, as the reference pipelines do: each task's
 * instruction goes through the instruction rules, then ROUGE-L against the pool (seed
 * instructions + every instruction kept so far, joined at once); its instances go through the
 * instance rules. Yields one verdict per task and ends with a funnel: how many each rule
 * removed, with a few examples of each. Nothing is deleted; callers store the verdicts.
 * An instruction joins the pool when it passes the instruction rules, even if its task then
 * loses every instance (as in Self-Instruct, where the pool is built before instances exist).
 */
import {
	INSTANCE_RULES,
	INSTRUCTION_RULES,
	RULE_LABELS,
	TASK_RULES,
	type FilterConfig,
	type FilterRule,
	type InstructionRule
} from './config';
import { type FilterInstance, type InstanceVerdict, checkInstances } from './instance-rules';
import { clipLine } from '$lib/text/clip';
import type { Verdict } from './instruction-rules';
import { InstructionPool, type RougeFinding, type SeedInstruction, type TaskId } from './instruction-pool';

/**
 * A rejection given by something other than the filters — a generation run's "beyond its
 * target", "a call about it failed", an output cut by the length limit — which no filter rule
 * can give or undo: it stands through a filter run, and the funnel counts it on its own line.
 */
export interface StandingRejection {
	rule: string;
	detail?: string | null;
}

/** A generation run's rejection of an instruction that passed every filter once the run had kept its target. */
export const OVER_TARGET_RULE = 'overTarget';
/** A generation run's rejection of a task held back because a call about it (its instances, its output) failed. */
export const CALL_FAILED_RULE = 'callFailed';
/**
 * Standing rejections given after the instruction passed every filter: the run put it in its
 * ROUGE-L pool (later candidates were compared with it), so a filter run pools it too when the
 * instruction rules keep it, and judges the tasks after it as the run did. Its verdict stands.
 */
const GIVEN_AFTER_THE_FILTERS: ReadonlySet<string> = new Set([OVER_TARGET_RULE, CALL_FAILED_RULE]);

/** True when `rule` is one the filters give (a filter run replaces such verdicts). */
export function isFilterRule(rule: string): rule is FilterRule {
	return Object.hasOwn(RULE_LABELS, rule);
}

export interface FilterTask {
	id: TaskId;
	instruction: string;
	instances?: readonly (FilterInstance & { standing?: StandingRejection })[];
	/** Set when the task was rejected by something other than the filters: its verdict stands (see pushStanding for the pool). */
	standing?: StandingRejection;
}

export interface TaskVerdict extends Verdict<FilterRule> {
	id: TaskId;
	/** The instruction's own verdict (a task can still go for having no instance left). */
	instruction: Verdict<InstructionRule>;
	/** Set when the ROUGE-L rule ran for this instruction. */
	rougeL?: RougeFinding;
	instances: InstanceVerdict[];
	/** A rejection that is not the filters' (see StandingRejection) and stands; `rule` is then its rule. */
	standing?: boolean;
}

export interface FunnelExample {
	taskId: TaskId;
	instanceId?: string | number;
	text: string;
	detail?: string;
}

/**
 * An example's text as its link shows it: cut at 160 characters, and never empty (a link with no
 * text is a tab stop that says nothing) — an instance whose input and output are both empty, or
 * an empty instruction, is named so.
 */
export function funnelExampleText(example: FunnelExample): string {
	const text = example.text;
	if (text.trim() === '') return example.instanceId !== undefined ? '(empty input and output)' : '(empty instruction)';
	return clipLine(text, 160);
}

export interface FunnelStep {
	rule: FilterRule;
	label: string;
	level: 'task' | 'instance';
	removed: number;
	examples: FunnelExample[];
}

export interface FilterFunnel {
	config: string;
	tasks: { total: number; kept: number };
	instances: { total: number; kept: number };
	/** Every rule in pipeline order, including those that removed nothing. */
	steps: FunnelStep[];
	/**
	 * Rows rejected before the run by something other than the filters (see StandingRejection),
	 * by rule: counted in the totals as not kept, left as they were. Absent in older runs' funnels.
	 */
	standing?: StandingStep[];
}

export interface StandingStep {
	rule: string;
	/** e.g. "Rejected by the generation run (beyond its target)". */
	label: string;
	level: 'task' | 'instance';
	removed: number;
	examples: FunnelExample[];
}

export interface FilterRunOptions {
	seeds?: Iterable<SeedInstruction>;
	/** Examples kept per rule in the funnel (default 5). */
	examplesPerRule?: number;
	/** Find kept instructions' exact highest ROUGE-L F above this (see ROUGE_EXACT_ABOVE). */
	rougeExactAbove?: number;
	/** The funnel's line for a standing rejection's rule (default: the rule's name). */
	standingLabel?: (rule: string) => string;
}

/** A filter run fed one task at a time; `funnel()` summarises what it has seen so far. */
export class FilterRun {
	private readonly pool: InstructionPool;
	private readonly examplesPerRule: number;
	private readonly steps = new Map<FilterRule, FunnelStep>();
	private readonly standing = new Map<string, StandingStep>();
	private readonly standingLabel: (rule: string) => string;
	private tasksTotal = 0;
	private tasksKept = 0;
	private instancesTotal = 0;
	private instancesKept = 0;

	constructor(
		readonly config: FilterConfig,
		options: FilterRunOptions = {}
	) {
		this.examplesPerRule = options.examplesPerRule ?? 5;
		this.standingLabel = options.standingLabel ?? ((rule) => rule);
		this.pool = new InstructionPool(config, options.seeds ?? [], { exactAbove: options.rougeExactAbove });
		for (const rule of INSTRUCTION_RULES) this.steps.set(rule, this.emptyStep(rule, 'task'));
		for (const rule of TASK_RULES) this.steps.set(rule, this.emptyStep(rule, 'task'));
		for (const rule of INSTANCE_RULES) this.steps.set(rule, this.emptyStep(rule, 'instance'));
	}

	/** Filter the next task; a kept instruction joins the ROUGE-L pool before this returns. */
	push(task: FilterTask): TaskVerdict {
		if (task.standing) return this.pushStanding(task, task.standing);
		const evaluation = this.pool.evaluate(task.instruction);
		const instruction: Verdict<InstructionRule> = evaluation.verdict;
		const rougeL: RougeFinding | undefined = evaluation.rougeL;
		if (instruction.keep) this.pool.accept(evaluation, task.id, task.instruction);

		const instances = task.instances ?? [];
		let instanceVerdicts: InstanceVerdict[];
		if (instruction.keep) {
			// Instances rejected by something other than the filters keep that verdict; the rest are checked together.
			const checked = checkInstances(instances.filter((i) => !i.standing), this.config.instance);
			let k = 0;
			instanceVerdicts = instances.map((i) => (i.standing ? this.standingInstanceVerdict(i, i.standing) : checked[k++]));
		} else {
			// The rule's label, as the funnel names it ("instruction rejected: Blacklisted word").
			const detail = `instruction rejected: ${RULE_LABELS[instruction.rule!]}`;
			instanceVerdicts = instances.map((i) => ({ id: i.id, keep: false, rule: 'taskRejected' as const, detail }));
		}
		let verdict: Verdict<FilterRule> = instruction;
		if (instruction.keep && instances.length > 0 && !instanceVerdicts.some((v) => v.keep)) {
			verdict = { keep: false, rule: 'noInstances', detail: `all ${instances.length} instances removed` };
		}
		this.count(task, verdict, instanceVerdicts);
		return { id: task.id, ...verdict, instruction, ...(rougeL ? { rougeL } : {}), instances: instanceVerdicts };
	}

	funnel(): FilterFunnel {
		return {
			config: this.config.name,
			tasks: { total: this.tasksTotal, kept: this.tasksKept },
			instances: { total: this.instancesTotal, kept: this.instancesKept },
			steps: [...this.steps.values()].map((s) => ({ ...s, examples: [...s.examples] })),
			standing: [...this.standing.values()].map((s) => ({ ...s, examples: [...s.examples] }))
		};
	}

	/**
	 * A task rejected by something other than the filters: its verdict and its instances' stand. It
	 * joins the pool only if it was rejected after passing the filters (GIVEN_AFTER_THE_FILTERS) and
	 * the instruction rules keep it now.
	 */
	private pushStanding(task: FilterTask, standing: StandingRejection): TaskVerdict {
		if (GIVEN_AFTER_THE_FILTERS.has(standing.rule)) {
			const evaluation = this.pool.evaluate(task.instruction);
			if (evaluation.verdict.keep) this.pool.accept(evaluation, task.id, task.instruction);
		}
		const verdict = { keep: false, rule: standing.rule, detail: standing.detail ?? undefined };
		const instances = (task.instances ?? []).map((i) => this.standingInstanceVerdict(i, i.standing ?? { rule: standing.rule, detail: `task rejected: ${standing.rule}` }));
		this.tasksTotal++;
		this.noteStanding(standing.rule, 'task', { taskId: task.id, text: task.instruction, detail: verdict.detail });
		// Its instances are counted in the totals, not on a line: the task's line says why they are out.
		this.instancesTotal += instances.length;
		return { id: task.id, keep: false, rule: standing.rule as FilterRule, detail: verdict.detail, standing: true, instruction: verdict as Verdict<InstructionRule>, instances };
	}

	private standingInstanceVerdict(instance: FilterInstance, standing: StandingRejection): InstanceVerdict {
		return { id: instance.id, keep: false, rule: standing.rule as InstanceVerdict['rule'], detail: standing.detail ?? undefined, standing: true };
	}

	private noteStanding(rule: string, level: 'task' | 'instance', example: FunnelExample): void {
		const key = `${level}:${rule}`;
		let step = this.standing.get(key);
		if (!step) this.standing.set(key, (step = { rule, label: this.standingLabel(rule), level, removed: 0, examples: [] }));
		step.removed++;
		if (step.examples.length < this.examplesPerRule) step.examples.push(example);
	}

	private emptyStep(rule: FilterRule, level: 'task' | 'instance'): FunnelStep {
		return { rule, label: RULE_LABELS[rule], level, removed: 0, examples: [] };
	}

	private count(task: FilterTask, verdict: Verdict<FilterRule>, instances: InstanceVerdict[]): void {
		this.tasksTotal++;
		if (verdict.keep) this.tasksKept++;
		else this.note(verdict.rule!, { taskId: task.id, text: task.instruction, detail: verdict.detail });
		const byId = task.instances ?? [];
		instances.forEach((v, k) => {
			this.instancesTotal++;
			if (v.keep) this.instancesKept++;
			else {
				const inst = byId[k];
				const example = {
					taskId: task.id,
					instanceId: v.id,
					text: `${inst.input === '' ? '' : `${inst.input} → `}${inst.output}`,
					detail: v.detail
				};
				if (v.standing) this.noteStanding(v.rule!, 'instance', example);
				else this.note(v.rule!, example);
			}
		});
	}

	private note(rule: FilterRule, example: FunnelExample): void {
		const step = this.steps.get(rule)!;
		step.removed++;
		if (step.examples.length < this.examplesPerRule) step.examples.push(example);
	}
}

/** Filter `tasks` in order; the generator's return value is the funnel. */
export function* runFilters(
	tasks: Iterable<FilterTask>,
	config: FilterConfig,
	options: FilterRunOptions = {}
): Generator<TaskVerdict, FilterFunnel, undefined> {
	const run = new FilterRun(config, options);
	for (const task of tasks) yield run.push(task);
	return run.funnel();
}

/** The same over an async stream (e.g. rows read in batches, or an import parser). */
export async function* runFiltersAsync(
	tasks: AsyncIterable<FilterTask> | Iterable<FilterTask>,
	config: FilterConfig,
	options: FilterRunOptions = {}
): AsyncGenerator<TaskVerdict, FilterFunnel, undefined> {
	const run = new FilterRun(config, options);
	for await (const task of tasks) yield run.push(task);
	return run.funnel();
}
