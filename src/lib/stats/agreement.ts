/**
 * Agreement between reviewers who labelled the same items: percent agreement, Cohen's κ (two
 * reviewers) and Fleiss' κ (more). Krippendorff's α, which also copes with missing ratings and
 * ordinal scales, is in krippendorff.ts.
 */
import { type Category, type ItemRatings, countValues, equalPairs, isPresent } from './ratings';
import { type UnitTally, tallyOf } from './tally';

export interface PercentAgreement {
	/**
	 * Mean over items of the share of agreeing rater pairs on that item (Fleiss 1971's Pᵢ);
	 * for two raters, the share of items on which they agree. null when no item has 2 ratings.
	 */
	agreement: number | null;
	/** Items with at least two present ratings (the others cannot show agreement). */
	items: number;
	/** Rater pairs over those items, Σ mᵢ(mᵢ − 1)/2. */
	pairs: number;
	agreeingPairs: number;
}

/**
 * Pairwise percent agreement: for each item with mᵢ ≥ 2 ratings, the share of its
 * mᵢ(mᵢ − 1)/2 rater pairs that gave the same value, Pᵢ = Σⱼ nᵢⱼ(nᵢⱼ − 1) / (mᵢ(mᵢ − 1))
 * (Fleiss 1971, Psychol Bull 76:378–382, eq. 2), averaged over items so each item weighs the same.
 */
export function percentAgreement<T extends Category>(units: ReadonlyArray<ItemRatings<T>> | UnitTally<T, unknown>): PercentAgreement {
	// Summed per number of ratings m, in integers, then divided once per m: no rounding per unit.
	const byCount = new Map<number, { units: number; agreeing: number }>();
	for (const { values, units: count } of tallyOf(units).entries.values()) {
		const m = values.length;
		if (m < 2) continue;
		const agreeing = equalPairs(values);
		const sums = byCount.get(m);
		if (sums) {
			sums.units += count;
			sums.agreeing += count * agreeing;
		} else byCount.set(m, { units: count, agreeing: count * agreeing });
	}
	let used = 0;
	let pairs = 0;
	let agreeingPairs = 0;
	let sumOfShares = 0;
	for (const [m, sums] of byCount) {
		const itemPairs = (m * (m - 1)) / 2;
		used += sums.units;
		pairs += sums.units * itemPairs;
		agreeingPairs += sums.agreeing;
		sumOfShares += sums.agreeing / itemPairs;
	}
	return { agreement: used === 0 ? null : sumOfShares / used, items: used, pairs, agreeingPairs };
}

/** How disagreements between ordered categories are credited (Cohen 1968). */
export type KappaWeights = 'unweighted' | 'linear' | 'quadratic';

export interface KappaFromTable {
	/** κ = (pₒ − pₑ)/(1 − pₑ); null when pₑ = 1 (both raters always used one same value). */
	kappa: number | null;
	/** Items rated by both raters. */
	n: number;
	/** pₒ: (weighted) observed agreement. */
	observedAgreement: number | null;
	/** pₑ: (weighted) agreement expected by chance from the two raters' marginals. */
	expectedAgreement: number | null;
	weights: KappaWeights;
}

export interface CohenKappa<T extends Category> extends KappaFromTable {
	/** Row / column order of the contingency table used. */
	categories: T[];
}

/** Agreement weight of cells i, j among k ordered categories (Cohen 1968; Fleiss & Cohen 1973). */
function agreementWeight(i: number, j: number, k: number, weights: KappaWeights): number {
	if (weights === 'unweighted' || k < 2) return i === j ? 1 : 0;
	const distance = Math.abs(i - j) / (k - 1);
	return weights === 'linear' ? 1 - distance : 1 - distance * distance;
}

/**
 * Cohen's κ from a k × k contingency table of counts (rows: first rater, columns: second rater,
 * categories in the same order on both axes, ordered when weighted):
 *   pₒ = Σᵢⱼ wᵢⱼ nᵢⱼ / n,  pₑ = Σᵢⱼ wᵢⱼ nᵢ. n.ⱼ / n²,  κ = (pₒ − pₑ) / (1 − pₑ)
 * with wᵢⱼ = [i = j] (Cohen 1960, Educ Psychol Meas 20:37–46), linear wᵢⱼ = 1 − |i − j|/(k − 1) or
 * quadratic wᵢⱼ = 1 − (i − j)²/(k − 1)² (Cohen 1968, Psychol Bull 70:213–220).
 */
export function cohenKappaFromTable(
	table: ReadonlyArray<ReadonlyArray<number>>,
	options: { weights?: KappaWeights } = {}
): KappaFromTable {
	const weights = options.weights ?? 'unweighted';
	const k = table.length;
	for (const row of table) {
		if (row.length !== k) throw new RangeError('the contingency table must be square');
		for (const count of row) {
			if (!(count >= 0 && Number.isFinite(count))) throw new RangeError(`counts must be non-negative, got ${count}`);
		}
	}
	const rowTotals = table.map((row) => row.reduce((sum, count) => sum + count, 0));
	const columnTotals = table.map((_, j) => table.reduce((sum, row) => sum + row[j], 0));
	const n = rowTotals.reduce((sum, total) => sum + total, 0);
	if (n === 0) return { kappa: null, n: 0, observedAgreement: null, expectedAgreement: null, weights };
	let observed = 0;
	let expected = 0;
	for (let i = 0; i < k; i++) {
		for (let j = 0; j < k; j++) {
			const w = agreementWeight(i, j, k, weights);
			observed += w * table[i][j];
			expected += w * rowTotals[i] * columnTotals[j];
		}
	}
	const observedAgreement = observed / n;
	const expectedAgreement = expected / (n * n);
	const kappa = expectedAgreement >= 1 ? null : (observedAgreement - expectedAgreement) / (1 - expectedAgreement);
	return { kappa, n, observedAgreement, expectedAgreement, weights };
}

/**
 * Cohen's κ for two raters from their paired ratings of the same items (pairs with a missing side
 * are dropped). Nominal by default; for weighted κ pass `weights` and the categories in order
 * (e.g. ['A', 'B', 'C', 'D']) — the weights depend on the full scale, not just the values seen.
 * Numeric ratings without `categories` are ordered ascending.
 */
export function cohenKappa<T extends Category>(
	pairs: ReadonlyArray<readonly [T | null | undefined, T | null | undefined]>,
	options: { weights?: KappaWeights; categories?: readonly T[] } = {}
): CohenKappa<T> {
	const weights = options.weights ?? 'unweighted';
	const complete = pairs.filter((pair): pair is readonly [T, T] => isPresent(pair[0]) && isPresent(pair[1]));
	let categories: T[];
	if (options.categories) {
		categories = [...options.categories];
		const known = new Set(categories);
		for (const [a, b] of complete) {
			for (const value of [a, b]) {
				if (!known.has(value)) throw new RangeError(`rating ${String(value)} is not one of the given categories`);
			}
		}
	} else {
		categories = [...new Set(complete.flat())];
		if (weights !== 'unweighted') {
			if (!categories.every((value) => typeof value === 'number')) {
				throw new TypeError('weighted κ needs the categories in order (options.categories)');
			}
			categories.sort((a, b) => (a as number) - (b as number));
		}
	}
	const index = new Map(categories.map((value, i) => [value, i]));
	const table = categories.map(() => categories.map(() => 0));
	for (const [a, b] of complete) table[index.get(a)!][index.get(b)!] += 1;
	return { ...cohenKappaFromTable(table, { weights }), categories };
}

export interface FleissKappa<T extends Category> {
	/** κ = (P̄ − P̄ₑ)/(1 − P̄ₑ); null when no item has 2 ratings or P̄ₑ = 1 (one value used throughout). */
	kappa: number | null;
	/** Items whose agreement P̄ averages: those with at least 2 present ratings (every one of them). */
	items: number;
	/** Items whose ratings the chance shares pⱼ average: those with at least 1 present rating. */
	chanceItems: number;
	/** The fewest and the most ratings on an item with ≥ 2 (equal when every item had the same number). */
	ratingsPerItem: { min: number; max: number } | null;
	/** P̄: mean per-item agreement. */
	observedAgreement: number | null;
	/** P̄ₑ = Σⱼ pⱼ²: chance agreement from the category shares. */
	expectedAgreement: number | null;
	/** pⱼ: mean over items of the item's share of ratings in each category, in order of first appearance (JSON-friendly). */
	categoryShares: Array<{ value: T; share: number }>;
}

/**
 * Fleiss' κ (Fleiss 1971, Psychol Bull 76:378–382) in its generalisation to items rated by
 * different numbers rᵢ of raters (Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed., ch. 2;
 * irrCAC's fleiss.kappa.raw):
 *   Pᵢ = Σⱼ rᵢⱼ(rᵢⱼ − 1) / (rᵢ(rᵢ − 1)) over the n₂ items with rᵢ ≥ 2,  P̄ = mean Pᵢ,
 *   pⱼ = mean over the n items with rᵢ ≥ 1 of rᵢⱼ / rᵢ,  P̄ₑ = Σⱼ pⱼ²,  κ = (P̄ − P̄ₑ) / (1 − P̄ₑ).
 * With the same m ratings on every item it is Fleiss' κ exactly (pⱼ = Σᵢ rᵢⱼ / (N m)). Every item
 * counts: an audit with skips or a partial reviewer keeps the items its design asked for, which
 * a κ over the items with one common count would throw away.
 */
export function fleissKappa<T extends Category>(units: ReadonlyArray<ItemRatings<T>> | UnitTally<T, unknown>): FleissKappa<T> {
	// Sums in item order of first appearance; each profile counted once with its multiplicity.
	const shareSums = new Map<T, number>();
	let chanceItems = 0;
	let items = 0;
	let agreementSum = 0;
	let min = Infinity;
	let max = 0;
	for (const { values, units: count } of tallyOf(units).entries.values()) {
		const r = values.length;
		if (r === 0) continue;
		chanceItems += count;
		for (const [value, times] of countValues(values)) shareSums.set(value, (shareSums.get(value) ?? 0) + (count * times) / r);
		if (r < 2) continue;
		items += count;
		// Σⱼ rᵢⱼ(rᵢⱼ − 1) = 2 × (the item's pairs of equal values).
		agreementSum += (count * 2 * equalPairs(values)) / (r * (r - 1));
		min = Math.min(min, r);
		max = Math.max(max, r);
	}
	if (items === 0) {
		return { kappa: null, items: 0, chanceItems, ratingsPerItem: null, observedAgreement: null, expectedAgreement: null, categoryShares: [] };
	}
	const categoryShares: Array<{ value: T; share: number }> = [];
	let expectedAgreement = 0;
	for (const [value, sum] of shareSums) {
		const share = sum / chanceItems;
		categoryShares.push({ value, share });
		expectedAgreement += share * share;
	}
	const observedAgreement = agreementSum / items;
	return {
		// A float sum of shares of one value can land a hair off 1.
		kappa: expectedAgreement >= 1 - 1e-12 ? null : (observedAgreement - expectedAgreement) / (1 - expectedAgreement),
		items,
		chanceItems,
		ratingsPerItem: { min, max },
		observedAgreement,
		expectedAgreement,
		categoryShares
	};
}
