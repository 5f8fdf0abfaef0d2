import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, type MeasurementLevel } from './krippendorff';

type Cell = number | string | null;

/** Krippendorff's papers print observers as rows and units as columns; α wants units first. */
function unitsOf(observersByUnits: Cell[][]): Cell[][] {
	return observersByUnits[0].map((_, unit) => observersByUnits.map((row) => row[unit]));
}

/**
 * An independent, deliberately naive α: no coincidence matrix. Dₒ averages δ² over every ordered
 * pair of ratings within a unit weighted 1/(m_u − 1); Dₑ averages δ² over every ordered pair of
 * distinct pairable ratings in the whole data set (Krippendorff 2011, eqs. for Dₒ and Dₑ written
 * over values instead of coincidences). Exact arithmetic is not needed at these sizes.
 */
function naiveAlpha(units: Cell[][], level: MeasurementLevel, order?: Cell[]): number {
	const pairable = units.map((u) => u.filter((v) => v !== null)).filter((u) => u.length >= 2) as Array<
		Array<number | string>
	>;
	const all = pairable.flat();
	const n = all.length;
	const rank = (x: number | string) => (order ? order.indexOf(x) : (x as number));
	const countOf = (x: number | string) => all.filter((v) => v === x).length;
	const sortedValues = [...new Set(all)].sort((a, b) => rank(a) - rank(b));
	const delta = (a: number | string, b: number | string): number => {
		if (a === b) return 0;
		if (level === 'nominal') return 1;
		if (level === 'interval') return ((a as number) - (b as number)) ** 2;
		if (level === 'ratio') return (((a as number) - (b as number)) / ((a as number) + (b as number))) ** 2;
		const [low, high] = rank(a) < rank(b) ? [a, b] : [b, a];
		let between = 0;
		for (const g of sortedValues) if (rank(g) >= rank(low) && rank(g) <= rank(high)) between += countOf(g);
		return (between - (countOf(a) + countOf(b)) / 2) ** 2;
	};
	let observed = 0;
	for (const unit of pairable) {
		for (let i = 0; i < unit.length; i++)
			for (let j = 0; j < unit.length; j++) if (i !== j) observed += delta(unit[i], unit[j]) / (unit.length - 1);
	}
	let expected = 0;
	for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) expected += delta(all[i], all[j]);
	return 1 - (observed / n) / (expected / (n * (n - 1)));
}

// Krippendorff K (2011). Computing Krippendorff's Alpha-Reliability. Departmental Papers (ASC),
// University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
describe("Krippendorff's α — worked examples of Krippendorff (2011)", () => {
	it('§A binary data, two observers, no missing data: α = 0.095', () => {
		const data = unitsOf([
			[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
			[1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
		]);
		const result = krippendorffAlpha(data);
		expect(result.alpha!.toFixed(3)).toBe('0.095');
		expect(result.alpha).toBeCloseTo(2 / 21, 14); // exact value, checked with Python fractions
		expect(result.n).toBe(20);
		expect(result.alpha).toBeCloseTo(naiveAlpha(data, 'nominal'), 14);
	});

	it('§B nominal data, two observers, no missing data: α = 0.692', () => {
		const data = unitsOf([
			['a', 'a', 'b', 'b', 'd', 'c', 'c', 'c', 'e', 'd', 'd', 'a'],
			['b', 'a', 'b', 'b', 'b', 'c', 'c', 'c', 'e', 'd', 'd', 'd']
		]);
		const result = krippendorffAlpha(data);
		expect(result.alpha!.toFixed(3)).toBe('0.692');
		expect(result.alpha).toBeCloseTo(155 / 224, 14);
		expect(result.n).toBe(24);
	});

	// §C–F share one data set: 4 observers × 12 units, values 1–5, with missing data; unit 12 has a
	// single value and is not pairable, so n = 40 pairable values.
	const fourObservers = unitsOf([
		[1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
		[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
		[null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
		[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null]
	]);

	it.each([
		['nominal', '0.743', 113 / 152], // §C
		['ordinal', '0.815', 108577 / 133160], // §D
		['interval', '0.849', 951 / 1120], // §E
		['ratio', '0.797', 18222619 / 22852465] // §F
	] as const)('§C–F %s α = %s with n = 40', (level, published, exact) => {
		const result = krippendorffAlpha(fourObservers, { level });
		expect(result.alpha!.toFixed(3)).toBe(published);
		// Exact rationals from an independent computation with Python fractions.
		expect(result.alpha).toBeCloseTo(exact, 14);
		expect(result.alpha).toBeCloseTo(naiveAlpha(fourObservers, level), 13);
		expect(result.n).toBe(40);
		expect(result.units).toBe(11);
	});
});

describe("Krippendorff's α — Wikipedia's computational example", () => {
	// Wikipedia, "Krippendorff's alpha", "A computational example": 3 coders × 15 units with gaps,
	// α_nominal = 0.691. The Python package `krippendorff` (pln-fing-udelar/fast-krippendorff,
	// tests/test_krippendorff.py) tests the same data at nominal 0.691358 and interval 0.810845;
	// both were recomputed here independently (Python fractions: 56/81 and 643/793).
	const data = unitsOf([
		[null, null, null, null, null, 3, 4, 1, 2, 1, 1, 3, 3, null, 3],
		[1, null, 2, 1, 3, 3, 4, 3, null, null, null, null, null, null, null],
		[null, null, 2, 1, 3, 4, 4, null, 2, 1, 1, 3, 3, null, 4]
	]);
	it('nominal 0.691, interval 0.811', () => {
		expect(krippendorffAlpha(data).alpha).toBeCloseTo(0.691358, 6);
		expect(krippendorffAlpha(data, { level: 'interval' }).alpha).toBeCloseTo(0.810845, 6);
		expect(krippendorffAlpha(data).n).toBe(26);
	});
	it('agrees with the naive computation for every level', () => {
		for (const level of ['nominal', 'ordinal', 'interval', 'ratio'] as const) {
			expect(krippendorffAlpha(data, { level }).alpha).toBeCloseTo(naiveAlpha(data, level), 13);
		}
	});
});

describe("Krippendorff's α — ordinal labels and edge cases", () => {
	it('ordinal labels in a given order give the numeric result, in either direction', () => {
		const scale = ['D', 'C', 'B', 'A', 'A+'];
		const asLetters = [
			['D', 'D', null, 'D'],
			['C', 'C', 'B', 'C'],
			['B', 'B', 'A', 'B'],
			['A', 'B', 'A', 'A+']
		];
		const asNumbers = asLetters.map((unit) => unit.map((v) => (v === null ? null : scale.indexOf(v) + 1)));
		const letters = krippendorffAlpha(asLetters, { level: 'ordinal', order: scale });
		const numbers = krippendorffAlpha(asNumbers, { level: 'ordinal' });
		const reversed = krippendorffAlpha(asLetters, { level: 'ordinal', order: [...scale].reverse() });
		expect(letters.alpha).toBeCloseTo(numbers.alpha!, 14);
		expect(reversed.alpha).toBeCloseTo(numbers.alpha!, 14);
		expect(letters.alpha).toBeCloseTo(naiveAlpha(asLetters, 'ordinal', scale), 13);
	});

	it('ordinal α credits near misses that nominal α does not', () => {
		const nearMisses = [
			['A', 'B'],
			['B', 'B'],
			['C', 'D'],
			['D', 'D'],
			['A', 'A'],
			['C', 'C']
		];
		const order = ['A', 'B', 'C', 'D'];
		const ordinal = krippendorffAlpha(nearMisses, { level: 'ordinal', order }).alpha!;
		const nominal = krippendorffAlpha(nearMisses, { level: 'nominal' }).alpha!;
		expect(ordinal).toBeGreaterThan(nominal);
	});

	it('perfect agreement gives 1; no variation or nothing pairable gives null', () => {
		expect(krippendorffAlpha([['yes', 'yes'], ['no', 'no', 'no']]).alpha).toBe(1);
		const uniform = krippendorffAlpha([['yes', 'yes'], ['yes', 'yes']]);
		expect(uniform.alpha).toBeNull();
		expect(uniform.n).toBe(4);
		const lonely = krippendorffAlpha([['yes', null], [null, 'no'], []]);
		expect(lonely).toMatchObject({ alpha: null, n: 0, units: 0 });
	});

	it('ignores rater columns entirely: permuting ratings within units changes nothing', () => {
		const data = [
			[1, 2, null],
			[3, 3, 3],
			[2, null, 1],
			[4, 4, 3]
		];
		const shuffled = data.map((unit) => [...unit].reverse());
		expect(krippendorffAlpha(shuffled, { level: 'interval' }).alpha).toBeCloseTo(
			krippendorffAlpha(data, { level: 'interval' }).alpha!,
			14
		);
	});

	it('rejects data the chosen level cannot use', () => {
		expect(() => krippendorffAlpha([['A', 'B']], { level: 'ordinal' })).toThrow(TypeError);
		expect(() => krippendorffAlpha([['A', 'B']], { level: 'interval' })).toThrow(TypeError);
		expect(() => krippendorffAlpha([['A', 'E']], { level: 'ordinal', order: ['A', 'B'] })).toThrow(RangeError);
		expect(() => krippendorffAlpha([['A', 'B']], { level: 'ordinal', order: ['A', 'B', 'A'] })).toThrow(RangeError);
	});
});
