/**
 * A generation run's candidates, split once for every reader (run page, CLI status, --json):
 * each candidate is kept, held back or rejected, and the three add up to the candidates.
 * A candidate accepted into the pool can still be lost later — its instances all filtered
 * (Self-Instruct), its output empty or cut (Unnatural) — or held back while a call about it
 * failed; it then no longer counts as kept. Kept is what the dataset keeps (tasks with
 * filter_status 'kept'; for Unnatural, examples whose output is kept or still to come) and
 * what the run's target counts. Pure.
 */

/** The counters this reads (a generation run's progress, runs/generation/progress.ts). */
export interface CandidateCounters {
	candidates: number;
	accepted: number;
	rejected: Record<string, number>;
	instances: { kept?: number; rejected: number; byRule?: Record<string, number> };
	tasksWithoutInstances: number;
	tasksFailed: number;
}

export interface RunCounts {
	/** Parsed from replies (instructions, tasks or core examples). */
	candidates: number;
	/** Accepted and still usable. */
	kept: number;
	/** Accepted, but a call about it failed: back once the call is retried and answered. */
	heldBack: number;
	/** Rejected by a rule, at once or later (rule 'noInstances': no instance or output left). */
	rejected: number;
	rejectedByRule: Record<string, number>;
	/**
	 * Unnatural: of the kept examples, those whose output is not in yet (a paused or interrupted
	 * run's are asked for when it resumes; a cancelled run's are rejected at the cancel). 0 otherwise.
	 */
	awaitingOutput: number;
}

/** The rule of a candidate accepted, then lost with its instances (Unnatural: its output). */
export const NO_INSTANCES_RULE = 'noInstances';

export function runCounts(pipeline: string, p: CandidateCounters): RunCounts {
	// Unnatural counts examples: one is lost when its output is rejected (several examples may
	// share a task, so the task-level count would miss some). The instances of examples rejected
	// at once ('taskRejected') were never accepted: they are in p.rejected already.
	const lost = pipeline === 'unnatural' ? p.instances.rejected - (p.instances.byRule?.taskRejected ?? 0) : p.tasksWithoutInstances;
	const rejectedByRule: Record<string, number> = { ...p.rejected };
	if (lost > 0) rejectedByRule[NO_INSTANCES_RULE] = (rejectedByRule[NO_INSTANCES_RULE] ?? 0) + lost;
	const rejected = Object.values(rejectedByRule).reduce((a, b) => a + b, 0);
	const heldBack = p.tasksFailed;
	const kept = Math.max(0, p.accepted - lost - heldBack);
	// Each output kept is one instance: the kept examples beyond them still wait for theirs.
	const awaitingOutput = pipeline === 'unnatural' ? Math.max(0, kept - (p.instances.kept ?? 0)) : 0;
	return { candidates: p.candidates, kept, heldBack, rejected, rejectedByRule, awaitingOutput };
}
