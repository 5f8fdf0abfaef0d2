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
	/** κ = (P̄ − P̄ₑ)/(1 − P̄ₑ); null when no item qualifies or P̄ₑ = 1 (one value used throughout). */
	kappa: number | null;
	/** Items used: those with exactly `ratersPerItem` present ratings. */
	items: number;
	/** The number of ratings per item used (the most common count among items with ≥ 2). */
	ratersPerItem: number;
	/** Items with ≥ 2 ratings left out because their count differed from `ratersPerItem`. */
	excludedItems: number;
	/** P̄: mean per-item agreement. */
	observedAgreement: number | null;
	/** P̄ₑ = Σⱼ pⱼ²: chance agreement from the pooled category shares. */
	expectedAgreement: number | null;
	/** pⱼ: share of all used ratings in each category, in order of first appearance (JSON-friendly). */
	categoryShares: Array<{ value: T; share: number }>;
}

/**
 * Fleiss' κ for items each rated by the same number m ≥ 2 of (not necessarily the same) raters
 * (Fleiss 1971, Psychol Bull 76:378–382):
 *   pⱼ = Σᵢ nᵢⱼ / (N m),  Pᵢ = (Σⱼ nᵢⱼ² − m) / (m(m − 1)),  P̄ = mean Pᵢ,  P̄ₑ = Σⱼ pⱼ²,
 *   κ = (P̄ − P̄ₑ) / (1 − P̄ₑ).
 *
 * Fleiss' formulas assume a constant m. With skips or uneven overlap the counts differ, so this
 * uses only the items with the most common count m (ties → the larger m) and reports how many
 * items it left out in `excludedItems`; items with fewer than 2 ratings never count. Krippendorff's
 * α (krippendorff.ts) uses every pairable rating and is the statistic to prefer for such data.
 */
export function fleissKappa<T extends Category>(units: ReadonlyArray<ItemRatings<T>> | UnitTally<T, unknown>): FleissKappa<T> {
	const entries = [...tallyOf(units).entries.values()];
	// Items with 2 or more present ratings, counted per number of ratings (in order of first appearance).
	const itemsPerCount = new Map<number, number>();
	let ratedItems = 0;
	for (const { values, units: count } of entries) {
		if (values.length < 2) continue;
		ratedItems += count;
		itemsPerCount.set(values.length, (itemsPerCount.get(values.length) ?? 0) + count);
	}
	let m = 0;
	let modalItems = 0;
	for (const [count, itemCount] of itemsPerCount) {
		if (itemCount > modalItems || (itemCount === modalItems && count > m)) {
			m = count;
			modalItems = itemCount;
		}
	}
	if (m < 2) {
		return { kappa: null, items: 0, ratersPerItem: m, excludedItems: ratedItems, observedAgreement: null, expectedAgreement: null, categoryShares: [] };
	}

	const totals = new Map<T, number>();
	let equalPairsUsed = 0;
	for (const { values, units: count } of entries) {
		if (values.length !== m) continue;
		equalPairsUsed += count * equalPairs(values);
		for (const [value, times] of countValues(values)) totals.set(value, (totals.get(value) ?? 0) + count * times);
	}
	const ratingsUsed = modalItems * m;
	const categoryShares: Array<{ value: T; share: number }> = [];
	let expectedAgreement = 0;
	for (const [value, total] of totals) {
		const share = total / ratingsUsed;
		categoryShares.push({ value, share });
		expectedAgreement += share * share;
	}
	// Pᵢ = (Σⱼ nᵢⱼ² − m)/(m(m − 1)) = 2 × (the item's pairs of equal values)/(m(m − 1)).
	const observedAgreement = (2 * equalPairsUsed) / (m * (m - 1)) / modalItems;
	return {
		kappa: expectedAgreement >= 1 ? null : (observedAgreement - expectedAgreement) / (1 - expectedAgreement),
		items: modalItems,
		ratersPerItem: m,
		excludedItems: ratedItems - modalItems,
		observedAgreement,
		expectedAgreement,
		categoryShares
	};
}
