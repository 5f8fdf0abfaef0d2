/**
 * Krippendorff's α for any number of raters, missing ratings and several levels of measurement,
 * computed through the coincidence matrix as in Krippendorff (2011), "Computing Krippendorff's
 * Alpha-Reliability", Annenberg School for Communication, University of Pennsylvania, §A–F.
 */
import { type Category, type ItemRatings, countValues } from './ratings';
import { type UnitTally, tallyOf } from './tally';

/**
 * nominal: any difference counts fully (yes / no, error categories).
 * ordinal: differences by how many ranked values lie between (A–D ratings).
 * interval: squared numeric difference. ratio: ((c − k)/(c + k))².
 */
export type MeasurementLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';

export interface KrippendorffOptions<T extends Category> {
	level?: MeasurementLevel;
	/**
	 * The values in ascending order, required for an ordinal scale of non-numbers
	 * (e.g. ['D', 'C', 'B', 'A'] — or the reverse: α does not depend on the direction).
	 * Numbers are ordered ascending when this is omitted. Every rating must be listed.
	 */
	order?: readonly T[];
}

export interface KrippendorffAlpha {
	/** α = 1 − Dₒ/Dₑ; null when no unit has two ratings or all pairable values are equal (Dₑ = 0). */
	alpha: number | null;
	/** n: the number of pairable values (ratings in units with at least two ratings). */
	n: number;
	/** Units (items) with at least two ratings. */
	units: number;
	level: MeasurementLevel;
	/** Dₒ = (1/n) Σ_c Σ_k o_ck δ²_ck. */
	observedDisagreement: number | null;
	/** Dₑ = 1/(n(n − 1)) Σ_c Σ_k n_c n_k δ²_ck. */
	expectedDisagreement: number | null;
}

/**
 * Krippendorff's α from reliability data given per unit (item): each entry lists the ratings the
 * unit received, null/undefined for a missing one — a units × raters matrix with gaps works as is,
 * and so do ragged per-item lists. Units with fewer than two ratings are not pairable and ignored.
 *
 * Coincidences (Krippendorff 2011, §C): o_ck = Σ_u (number of c–k pairs of ratings in u)/(m_u − 1);
 * n_c = Σ_k o_ck; n = Σ_c n_c. Then α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck with
 * δ² = [c ≠ k] (nominal), (Σ_{g=c..k} n_g − (n_c + n_k)/2)² (ordinal, §D), (c − k)² (interval, §E),
 * ((c − k)/(c + k))² (ratio, §F).
 */
export function krippendorffAlpha<T extends Category>(
	units: ReadonlyArray<ItemRatings<T>> | UnitTally<T, unknown>,
	options: KrippendorffOptions<T> = {}
): KrippendorffAlpha {
	const level = options.level ?? 'nominal';
	const pairable = [...tallyOf(units).entries.values()].filter((entry) => entry.values.length >= 2);

	const values = orderedValues(pairable, level, options.order);
	const index = new Map(values.map((value, i) => [value, i]));
	const v = values.length;

	// Coincidence matrix: each ordered pair of ratings (i ≠ j) in unit u adds 1/(m_u − 1). The pairs
	// are counted per m in integers and divided once per m: no rounding per unit, and n is exact.
	const pairCounts = new Map<number, number[][]>();
	let n = 0;
	let pairableUnits = 0;
	for (const { values: present, units: count } of pairable) {
		const m = present.length;
		n += count * m;
		pairableUnits += count;
		let table = pairCounts.get(m);
		if (!table) pairCounts.set(m, (table = Array.from({ length: v }, () => new Array<number>(v).fill(0))));
		const counted = [...countValues(present)].map(([value, times]) => [index.get(value)!, times] as const);
		for (const [c, nc] of counted) {
			for (const [k, nk] of counted) table[c][k] += count * (c === k ? nc * (nc - 1) : nc * nk);
		}
	}
	const coincidences = Array.from({ length: v }, () => new Array<number>(v).fill(0));
	for (const [m, table] of pairCounts) {
		for (let c = 0; c < v; c++) for (let k = 0; k < v; k++) coincidences[c][k] += table[c][k] / (m - 1);
	}
	const marginals = coincidences.map((row) => row.reduce((sum, o) => sum + o, 0));

	const delta = differenceFunction(level, values, marginals);
	let observed = 0;
	let expected = 0;
	for (let c = 0; c < v; c++) {
		for (let k = 0; k < v; k++) {
			if (c === k) continue; // δ²_cc = 0 for every level
			const d = delta(c, k);
			observed += coincidences[c][k] * d;
			expected += marginals[c] * marginals[k] * d;
		}
	}
	const result: KrippendorffAlpha = {
		alpha: null,
		n,
		units: pairableUnits,
		level,
		observedDisagreement: n === 0 ? null : observed / n,
		expectedDisagreement: n < 2 ? null : expected / (n * (n - 1))
	};
	if (n < 2 || expected === 0) return result;
	return { ...result, alpha: 1 - ((n - 1) * observed) / expected };
}

function orderedValues<T extends Category>(
	pairable: ReadonlyArray<{ values: readonly T[] }>,
	level: MeasurementLevel,
	order: readonly T[] | undefined
): T[] {
	const distinct = new Set<T>();
	for (const entry of pairable) for (const value of entry.values) distinct.add(value);
	const seen = [...distinct];
	if (order) {
		const known = new Set(order);
		if (known.size !== order.length) throw new RangeError('order lists a value twice');
		for (const value of seen) {
			if (!known.has(value)) throw new RangeError(`rating ${String(value)} is not in the given order`);
		}
		if (level === 'interval' || level === 'ratio') assertNumbers(order, level);
		return [...order];
	}
	if (level === 'nominal') return seen;
	if (level === 'ordinal' && !seen.every((value) => typeof value === 'number')) {
		throw new TypeError('ordinal α needs the values in order (options.order) unless they are numbers');
	}
	assertNumbers(seen, level);
	return seen.sort((a, b) => (a as number) - (b as number));
}

function assertNumbers(values: readonly Category[], level: MeasurementLevel): void {
	for (const value of values) {
		if (typeof value !== 'number' || !Number.isFinite(value)) {
			throw new TypeError(`${level} α needs finite numeric ratings, got ${String(value)}`);
		}
	}
}

/** δ²_ck as a function of value indices (Krippendorff 2011, §B–F). */
function differenceFunction<T extends Category>(
	level: MeasurementLevel,
	values: readonly T[],
	marginals: readonly number[]
): (c: number, k: number) => number {
	switch (level) {
		case 'nominal':
			return (c, k) => (c === k ? 0 : 1);
		case 'ordinal': {
			// Cumulative marginals make Σ_{g=c..k} n_g an O(1) lookup.
			const cumulative = [0];
			for (const nc of marginals) cumulative.push(cumulative[cumulative.length - 1] + nc);
			return (c, k) => {
				const low = Math.min(c, k);
				const high = Math.max(c, k);
				const between = cumulative[high + 1] - cumulative[low] - (marginals[c] + marginals[k]) / 2;
				return between * between;
			};
		}
		case 'interval':
			return (c, k) => ((values[c] as number) - (values[k] as number)) ** 2;
		case 'ratio':
			return (c, k) => {
				const a = values[c] as number;
				const b = values[k] as number;
				return a + b === 0 ? 0 : ((a - b) / (a + b)) ** 2;
			};
	}
}
