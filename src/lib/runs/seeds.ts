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
