/**
 * A judge run's counters: the engine's (calls, tokens, cost) plus what became of the judged
 * rows. It extends the generation counters (left at zero) so every page and CLI view that shows
 * a run's progress reads a judge run unchanged. Pure.
 */
import { emptyProgress, type RunProgress } from '../generation/progress';

export interface JudgeCounters {
	/** Rows the run judges. */
	rows: number;
	/** Rows with a readable verdict. */
	parsed: number;
	/** Rows whose reply (and its one retry) could not be read, or whose call failed on its own prompt. */
	unparsed: number;
	/** Replies that could not be read and were asked again once. */
	retried: number;
	/** Of the parsed rows: all three questions answered yes. */
	allValid: number;
	/** Unreadable replies by problem (empty, truncated, not_json, wrong_shape, call_failed). */
	problems: Record<string, number>;
	/** Rating mode: parsed ratings by level (A–D). */
	ratings: Record<string, number>;
	/** Pairwise mode: parsed pairs by winner (first, second, tie). */
	winners: Record<string, number>;
	/** Pairwise mode: pairs whose two orders disagreed (recorded as ties). */
	inconsistent: number;
}

/**
 * A Batch API run's result lines that did not simply answer their request (zero for live runs).
 * Kept apart from `retries`, which counts HTTP attempts retried (here: of the Batch API's own steps).
 */
export interface BatchLineCounters {
	/** Requests sent again in a later batch: their line brought no usable reply, or none came. */
	resent: number;
	/** Result lines whose custom_id names no request of their batch (ignored). */
	unexpected: number;
	/** The first of those custom_ids, as the file gave them. */
	unexpectedIds: string[];
	/** Requests that got two or more lines saying different things: failed with every line's raw text. */
	conflicting: number;
}

/** How many stray custom_ids a run keeps to name them. */
export const UNEXPECTED_IDS_KEPT = 20;

export interface JudgeProgress extends RunProgress {
	judge: JudgeCounters;
	batchLines: BatchLineCounters;
}

export function emptyBatchLineCounters(): BatchLineCounters {
	return { resent: 0, unexpected: 0, unexpectedIds: [], conflicting: 0 };
}

export function emptyJudgeProgress(rows: number, costKnown = false): JudgeProgress {
	return {
		...emptyProgress(costKnown),
		judge: { rows, parsed: 0, unparsed: 0, retried: 0, allValid: 0, problems: {}, ratings: {}, winners: {}, inconsistent: 0 },
		batchLines: emptyBatchLineCounters()
	};
}

export function readJudgeProgress(stored: unknown): JudgeProgress {
	const base = emptyJudgeProgress(0);
	if (!stored || typeof stored !== 'object') return base;
	const p = stored as Partial<JudgeProgress>;
	return {
		...base,
		...p,
		calls: { ...base.calls, ...p.calls },
		judge: { ...base.judge, ...p.judge, problems: { ...p.judge?.problems }, ratings: { ...p.judge?.ratings }, winners: { ...p.judge?.winners } },
		batchLines: { ...base.batchLines, ...p.batchLines, unexpectedIds: [...(p.batchLines?.unexpectedIds ?? [])] }
	} as JudgeProgress;
}

/** Share of rows with a final label (parsed or unparsed). */
export function judgeWorkFraction(progress: JudgeProgress): number {
	const { rows, parsed, unparsed } = progress.judge;
	if (rows <= 0) return 1;
	return Math.min(1, (parsed + unparsed) / rows);
}

export const JUDGE_PROBLEM_LABELS: Record<string, string> = {
	empty: 'Empty reply',
	truncated: 'Cut by the length limit',
	not_json: 'Not a JSON object',
	wrong_shape: 'JSON of the wrong shape',
	call_failed: 'The call failed on its prompt'
};
