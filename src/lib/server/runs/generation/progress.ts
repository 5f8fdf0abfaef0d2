/**
 * A generation run's counters, kept in the run row and updated in the same transaction as the
 * rows they count, so they always agree with the data. Pure.
 */
import { OVER_TARGET_RULE, RULE_LABELS, type FilterRule } from '$lib/filters';
import type { PipelineId } from '../../db/tables';
import { bump, emptyCallCounters, type CallCounters } from '../engine/counters';
import { runCounts } from '$lib/runs/counts';

/** A generation run's counters: the engine's (calls, tokens, cost) and the pipeline's. */
export interface RunProgress extends CallCounters {
	/** Replies cut by max_tokens (Self-Instruct drops such an instruction list whole). */
	lengthCut: number;
	/** Instructions (Self-Instruct) or core examples (Unnatural) parsed from replies. */
	candidates: number;
	/** Accepted into the pool: what the target counts. */
	accepted: number;
	/** Candidates rejected, by rule. */
	rejected: Record<string, number>;
	/** Self-Instruct classification identification. */
	classification: { yes: number; no: number; unknown: number };
	/** Tasks whose instances (Self-Instruct) or output (Unnatural) are done. */
	tasksWithInstances: number;
	instances: { kept: number; rejected: number; byRule: Record<string, number> };
	/** Tasks dropped after their instances were filtered (none left). */
	tasksWithoutInstances: number;
	/**
	 * Tasks held back because a call about them (classification, instances, output) failed:
	 * rejected with rule 'callFailed' until that call is retried and answered.
	 */
	tasksFailed: number;
	/** Unnatural template expansion. */
	formulations: { kept: number; rejected: Record<string, number> };
	/** Expansion calls done (kept or not). */
	expansionsDone: number;
	/** Unnatural: accepted core examples that joined the task of an earlier one with the same instruction. */
	joinedExamples: number;
	/**
	 * Pieces of replies that could not be read (kind → count); each is on its call with its raw
	 * text (`parsed.problems`).
	 */
	replyProblems: Record<string, number>;
	/** Text set aside from replies (lead-ins, sign-offs, list decorations), kind → count; on the call as `parsed.notes`. */
	replyNotes: Record<string, number>;
}

export function emptyProgress(costKnown = false): RunProgress {
	return {
		...emptyCallCounters(costKnown),
		lengthCut: 0,
		candidates: 0,
		accepted: 0,
		rejected: {},
		classification: { yes: 0, no: 0, unknown: 0 },
		tasksWithInstances: 0,
		instances: { kept: 0, rejected: 0, byRule: {} },
		tasksWithoutInstances: 0,
		tasksFailed: 0,
		formulations: { kept: 0, rejected: {} },
		expansionsDone: 0,
		joinedExamples: 0,
		replyProblems: {},
		replyNotes: {}
	};
}

/** Reads a stored progress object, filling fields a run created by an older version lacks. */
export function readProgress(stored: unknown): RunProgress {
	const base = emptyProgress();
	if (!stored || typeof stored !== 'object') return base;
	const p = stored as Partial<RunProgress>;
	return {
		...base,
		...p,
		calls: { ...base.calls, ...p.calls },
		classification: { ...base.classification, ...p.classification },
		instances: { ...base.instances, ...p.instances },
		formulations: { ...base.formulations, ...p.formulations },
		replyProblems: { ...p.replyProblems },
		replyNotes: { ...p.replyNotes }
	};
}

/** Rules of the generation pipelines beyond the Self-Instruct / Alpaca filters. */
export const GENERATION_RULE_LABELS: Record<string, string> = {
	overTarget: 'Beyond the run’s target',
	lengthCut: 'Cut by the length limit',
	missingFields: 'Missing instruction, input or constraints',
	copiesDemonstration: 'Copies a demonstration',
	duplicateExample: 'Duplicate of an earlier example',
	noInstances: 'No instance left',
	outputNotGenerated: 'Output not generated: the run was cancelled',
	callFailed: 'A call about it failed',
	empty: 'Empty reply',
	same_as_original: 'Same as the original instruction',
	truncated: 'Cut by the length limit',
	duplicateRephrasing: 'Same as an earlier rephrasing',
	no_input_placeholder: 'No {INPUT} placeholder in the rephrasing',
	missing_output: 'No "Output:" in a block',
	missing_label: 'A class label with no text',
	missing_input: 'A class label with no input',
	unclear_answer: 'Classification answer neither Yes nor No',
	unclear_input: 'Last input runs on into unlabelled text',
	input_first_order: 'Inputs written before their class labels (not read)',
	next_task: 'A new task after the examples, not read',
	no_class_label: 'No "Class label:" line in an output-first reply (not read)',
	lone_lead_in: 'Only a line announcing a list',
	broken_numbering: 'A list item with broken numbering',
	unsplittable: 'Does not split into instruction, input and output',
	extra_example: 'Another example after the first, not read',
	unread_rest: 'Text after the first rephrasing, not read',
	repeated_field: 'A field written twice (the first kept)',
	no_fields: 'No instruction, input or constraints label',
	commentary: 'Commentary after the example, not read',
	unclear_end: 'Unlabelled paragraph ending the last field, read as its text',
	lead_in: 'Lead-in set aside',
	sign_off: 'Sign-off set aside',
	decoration: 'List decoration stripped',
	empty_item: 'Empty list item'
};

/** A candidate waiting beyond the target brought in for a lost one: accepted now, no longer counted as beyond the target. */
export function countBroughtIn(progress: RunProgress): void {
	progress.accepted++;
	bump(progress.rejected, OVER_TARGET_RULE, -1);
	if (progress.rejected[OVER_TARGET_RULE] <= 0) delete progress.rejected[OVER_TARGET_RULE];
}

export function ruleLabel(rule: string): string {
	return GENERATION_RULE_LABELS[rule] ?? RULE_LABELS[rule as FilterRule] ?? rule;
}

/**
 * Share of the run's work done, 0–1. Self-Instruct: each accepted instruction needs its
 * generation, a classification call and an instance call; Unnatural: core, output and the
 * rephrasings.
 */
export function workFraction(pipeline: PipelineId, target: number, progress: RunProgress, rephrasings = 0): number {
	if (target <= 0) return 1;
	const kept = Math.min(runCounts(pipeline, progress).kept, target);
	// Alpaca: one step; a kept task comes with its instance.
	if (pipeline === 'alpaca') return kept / target;
	const accepted = Math.min(progress.accepted, target);
	let done: number;
	if (pipeline === 'self-instruct') {
		const classified = progress.classification.yes + progress.classification.no + progress.classification.unknown;
		done = Math.min(1, (accepted + classified + progress.tasksWithInstances) / (3 * target));
	} else {
		// Rephrasings are asked once per task: an example that joined a task adds none.
		const joined = Math.min(progress.joinedExamples, accepted);
		const total = target * 2 + (target - joined) * rephrasings;
		done = Math.min(1, (accepted + progress.tasksWithInstances + progress.expansionsDone) / total);
	}
	// Tasks lost after acceptance are replaced (the target counts kept ones): not done, nor shown
	// as 100%, while fewer than the target are kept.
	return kept < target ? Math.min(done, MOST_WHILE_SHORT) : done;
}

/** The most a run short of its kept target shows as done (99%, never a rounded 100%). */
const MOST_WHILE_SHORT = 0.99;
