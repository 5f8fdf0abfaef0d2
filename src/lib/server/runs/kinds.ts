/**
 * The kinds of model run, one row each. The engine (claim, heartbeat, pending calls, commit,
 * resume) is the same for every kind; what differs is behind a RunKind: how a run of that kind
 * is opened (its driver, rebuilt from the database, and the step settings its calls are made
 * with), how its counters are read and how much of its work is done.
 *
 * A new kind (e.g. judge runs): a value in the run row's `pipeline` column (PIPELINES), a
 * driver implementing RunDriver, a RunKind here. Its progress type extends CallCounters; add
 * it to KindProgress below.
 */
import type { Db } from '../db';
import type { RunKindId } from '../db/tables';
import type { RunStepId, StepSettings } from './engine/calls';
import type { CallCounters } from './engine/counters';
import type { RunDriver } from './engine/driver';
import { generationKind } from './generation/kind';
import { judgeKind } from './judge/kind';
import type { RunProgress } from './generation/progress';

/** What a kind needs of the run row to open it. */
export interface RunToOpen {
	id: number;
	datasetId: number;
	target: number;
	params: unknown;
	seeds: unknown;
}

export interface RunKind<P extends CallCounters = CallCounters> {
	/** The stored counters, with fields an older version lacked filled in. */
	readProgress(stored: unknown): P;
	/** The run's driver (its state rebuilt from the database) and the settings of each step it calls. */
	open(
		database: Db,
		run: RunToOpen
	): {
		driver: RunDriver<P>;
		steps: Partial<Record<RunStepId, StepSettings>>;
		/** Set when the run's calls go through the OpenAI Batch API (judge runs with --batch) instead of the engine's live calls. */
		batch?: { pollMs: number };
	};
	/** Share of the run's work done, 0–1. */
	workFraction(run: Pick<RunToOpen, 'target' | 'params'>, progress: P): number;
	/** Plain-words names of the keys that appear in the counters (rules, reasons). */
	labels(progress: P): Record<string, string>;
}

/** The counters of any kind of run (the union of every kind's progress type). */
export type KindProgress = RunProgress;

const RUN_KINDS: Record<RunKindId, RunKind<KindProgress>> = {
	'self-instruct': generationKind,
	unnatural: generationKind,
	alpaca: generationKind,
	judge: judgeKind
};

export function runKind(pipeline: RunKindId): RunKind<KindProgress> {
	const kind = RUN_KINDS[pipeline];
	if (!kind) throw new Error(`Unknown kind of run "${pipeline}".`);
	return kind;
}
