import { SeededRandom } from './random';

/**
 * Drawing an audit sample, reproducibly.
 *
 * Both papers audited 200 random generated instructions with one random instance each
 * (Self-Instruct Table 2; Unnatural Instructions §audit); that is the default here. The unit
 * drawn is the instruction (task); `size` counts instructions.
 *
 * Algorithm (documented so a sample can be re-derived by hand):
 * 1. Units are sorted by task id, so the database's row order does not matter.
 * 2. A SeededRandom (xoshiro128**, SplitMix32-seeded) is created from the seed.
 * 3. Without stratification there is one stratum. With classification stratification the strata
 *    are classification, non-classification, unknown (in that order) and each gets a share of
 *    `size` proportional to its size, rounded by largest remainder (ties: stratum order).
 * 4. In each stratum, in stratum order, a partial Fisher–Yates shuffle draws its share: for
 *    i = 0 … n−1, swap unit i with unit i + int(N − i). The first n units are the draw.
 * 5. For each drawn unit in draw order: mode 'one' picks int(choices) among its choices sorted
 *    ascending; mode 'all' keeps every choice, ascending.
 * 6. Each item then gets a routing key: the generator's next uint32.
 */

export const DEFAULT_SAMPLE_SIZE = 200; // both papers audited 200 examples
export const STRATA = ['classification', 'non-classification', 'unknown'] as const;
export type Stratum = (typeof STRATA)[number];

export interface SamplingUnit {
	/** The instruction drawn. */
	taskId: number;
	isClassification: boolean | null;
	/** What an item of this task can show: instance ids, or for rating audits response-group keys. */
	choices: number[];
}

export interface SampleOptions {
	size: number;
	seed: number;
	instanceMode: 'one' | 'all';
	stratify: 'none' | 'classification';
}

export interface SampledItem {
	taskId: number;
	choice: number;
	/** Set when the sample was stratified. */
	stratum: Stratum | null;
	/** Uint32: the audit's random routing order. */
	shuffleKey: number;
}

export function stratumOf(isClassification: boolean | null): Stratum {
	return isClassification === true ? 'classification' : isClassification === false ? 'non-classification' : 'unknown';
}

/**
 * Splits `total` over groups in proportion to their sizes (Hamilton's largest-remainder method):
 * each group gets floor(total·size/sum), the units left over go to the largest remainders,
 * ties to the earlier group. Never gives a group more than its size.
 */
export function allocateProportional(sizes: readonly number[], total: number): number[] {
	const sum = sizes.reduce((a, b) => a + b, 0);
	if (total >= sum) return [...sizes];
	if (total <= 0 || sum === 0) return sizes.map(() => 0);
	const quotas = sizes.map((s) => (total * s) / sum);
	const shares = quotas.map(Math.floor);
	let left = total - shares.reduce((a, b) => a + b, 0);
	const order = quotas
		.map((q, i) => ({ i, remainder: q - Math.floor(q) }))
		.sort((x, y) => y.remainder - x.remainder || x.i - y.i);
	for (const { i } of order) {
		if (left === 0) break;
		if (shares[i] < sizes[i]) {
			shares[i]++;
			left--;
		}
	}
	return shares;
}

/** Draws the sample described at the top of this file. Units without choices are never drawn. */
export function drawSample(units: readonly SamplingUnit[], options: SampleOptions): SampledItem[] {
	if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('Sample size must be a positive integer.');
	const rng = new SeededRandom(options.seed);
	const eligible = units.filter((u) => u.choices.length > 0).sort((a, b) => a.taskId - b.taskId);

	const groups: { stratum: Stratum | null; units: SamplingUnit[] }[] =
		options.stratify === 'classification'
			? STRATA.map((stratum) => ({ stratum, units: eligible.filter((u) => stratumOf(u.isClassification) === stratum) }))
			: [{ stratum: null, units: eligible }];
	const shares = allocateProportional(
		groups.map((g) => g.units.length),
		options.size
	);

	const drawn: { unit: SamplingUnit; stratum: Stratum | null }[] = [];
	groups.forEach((group, g) => {
		const pool = [...group.units];
		const n = shares[g];
		for (let i = 0; i < n; i++) {
			const j = i + rng.int(pool.length - i);
			[pool[i], pool[j]] = [pool[j], pool[i]];
			drawn.push({ unit: pool[i], stratum: group.stratum });
		}
	});

	const items: Omit<SampledItem, 'shuffleKey'>[] = [];
	for (const { unit, stratum } of drawn) {
		const choices = [...unit.choices].sort((a, b) => a - b);
		if (options.instanceMode === 'one') items.push({ taskId: unit.taskId, choice: choices[rng.int(choices.length)], stratum });
		else for (const choice of choices) items.push({ taskId: unit.taskId, choice, stratum });
	}
	return items.map((item) => ({ ...item, shuffleKey: rng.next() }));
}
