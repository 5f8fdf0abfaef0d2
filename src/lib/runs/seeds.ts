/**
 * How many seeds a generation run could use, in words — the run page and the dataset card say
 * the same. Pure.
 */

export interface RunSeedCount {
	/** Seeds the run could use: in classification-only mode, only the classification seed tasks. */
	count: number;
	/** Seeds it was given (the file's, the dataset's…). */
	given: number;
	/** Seed tasks (Self-Instruct, Alpaca) or seed sets of demonstrations (Unnatural Instructions). */
	unit: 'tasks' | 'sets';
	/** Self-Instruct's classification-only mode: only the classification seed tasks were shown and pooled. */
	classificationOnly: boolean;
}

/** "20 seed tasks", "5 of the 20 seed tasks (classification only)", "3 seed sets of demonstrations". */
export function seedCountText(seeds: RunSeedCount): string {
	const noun = seeds.unit === 'sets' ? 'seed sets of demonstrations' : 'seed tasks';
	const only = seeds.classificationOnly ? ' (classification only)' : '';
	return seeds.count === seeds.given ? `${seeds.given} ${noun}${only}` : `${seeds.count} of the ${seeds.given} ${noun}${only}`;
}

/** An Alpaca run's outputs to be aware of: seed tasks without one (shown empty in its prompts), kept tasks with an empty one. */
export interface AlpacaOutputCounts {
	seeds: number;
	seedsWithoutOutput: number;
	keptEmptyOutputs: number;
}

/** What the run page and the CLI say about them (nothing when there is nothing to say). */
export function alpacaOutputWarnings(c: AlpacaOutputCounts): string[] {
	const lines: string[] = [];
	if (c.seedsWithoutOutput > 0) {
		lines.push(`${c.seedsWithoutOutput} of the ${c.seeds} seed tasks have no output: the Alpaca prompts show them with an empty "Output:".`);
	}
	if (c.keptEmptyOutputs > 0) {
		const tasks = c.keptEmptyOutputs === 1 ? '1 kept task has' : `${c.keptEmptyOutputs} kept tasks have`;
		lines.push(`${tasks} an empty output (Alpaca runs no instance rule, so nothing rejects them).`);
	}
	return lines;
}

/** A seed file's records that repeated an earlier instruction, merged into its task: said, never silent. */
export function mergedSeedsText(merged: number): string {
	return merged === 1
		? "1 record of the seed file repeated an earlier record's instruction: merged into that task, its instances pooled."
		: `${merged} records of the seed file repeated an earlier record's instruction: merged into those tasks, their instances pooled.`;
}
