import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/random';
import { fleissKappa, percentAgreement } from './agreement';
import { krippendorffAlpha } from './krippendorff';
import { type Category, type ItemRow } from './ratings';
import { UnitTally, rowProfile, unitProfile } from './tally';

/** Units of 0–5 ratings from `values`, some missing. */
function units<T extends Category>(next: () => number, values: readonly T[], count: number): Array<Array<T | null>> {
	return Array.from({ length: count }, () =>
		Array.from({ length: Math.floor(next() * 6) }, () => (next() < 0.15 ? null : values[Math.floor(next() * values.length)]))
	);
}

/** The statistics straight from their definitions, one unit at a time (no tally). */
function reference<T extends Category>(data: ReadonlyArray<ReadonlyArray<T | null>>) {
	const pairable = data.map((u) => u.filter((v): v is T => v !== null)).filter((u) => u.length >= 2);
	const equal = (u: readonly T[]) => {
		let e = 0;
		for (let i = 0; i < u.length; i++) for (let j = i + 1; j < u.length; j++) if (u[i] === u[j]) e++;
		return e;
	};
	const percent = pairable.reduce((s, u) => s + equal(u) / ((u.length * (u.length - 1)) / 2), 0) / pairable.length;
	// Nominal α: Dₒ from each unit's unequal ordered pairs / (m − 1), Dₑ from the pooled values.
	const n = pairable.reduce((s, u) => s + u.length, 0);
	const observed = pairable.reduce((s, u) => s + (u.length * (u.length - 1) - 2 * equal(u)) / (u.length - 1), 0);
	const pooled = new Map<T, number>();
	for (const u of pairable) for (const v of u) pooled.set(v, (pooled.get(v) ?? 0) + 1);
	const expected = n * n - [...pooled.values()].reduce((s, c) => s + c * c, 0);
	return { percent, alpha: 1 - ((n - 1) * observed) / expected, n, units: pairable.length };
}

describe('unit profiles', () => {
	it('give equal keys to equal values in the same order only', () => {
		const keys = [[1], ['1'], [true], ['true'], [NaN], ['NaN'], ['a,b'], ['a', 'b'], ['"a",'], ['b', 'a'], [], [false], [0]].map((v) => unitProfile(v as Category[]).key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(unitProfile([-0]).key).toBe(unitProfile([0]).key);
		expect(unitProfile([NaN, 'x']).key).toBe(unitProfile([NaN, null, 'x']).key);
	});

	it('drop missing values with their raters, and put the lower rater first in a unit of two', () => {
		const row: ItemRow<number, string> = { raters: [9, 4, 2], values: ['no', null, 'yes'] };
		expect(rowProfile(row)).toMatchObject({ values: ['yes', 'no'], raters: [2, 9] });
		expect(rowProfile({ raters: [9, 4, 2], values: ['no', 'yes', 'yes'] })).toMatchObject({ values: ['no', 'yes', 'yes'], raters: [9, 4, 2] });
	});

	it('count units by profile and collect the raters who met on a unit', () => {
		const tally = UnitTally.ofRows([
			{ raters: [1, 2], values: ['a', 'b'] },
			{ raters: [3, 1], values: ['b', 'a'] },
			{ raters: [4], values: ['a'] },
			{ raters: [5, 6], values: ['a', null] }
		]);
		expect([...tally.entries.values()]).toEqual([
			{ values: ['a', 'b'], units: 2 },
			{ values: ['a'], units: 2 }
		]);
		expect([...tally.sharingRaters].sort()).toEqual([1, 2, 3]);
	});
});

describe('statistics over a tally', () => {
	it('match the definitions unit by unit, whatever the units’ order', () => {
		const next = createRng(20261205);
		for (let round = 0; round < 20; round++) {
			const data = units(next, ['A', 'B', 'C', 'D'] as const, 200 + Math.floor(next() * 300));
			const expected = reference(data);
			const alpha = krippendorffAlpha(data);
			expect(alpha.alpha!).toBeCloseTo(expected.alpha, 12);
			expect(alpha.n).toBe(expected.n);
			expect(alpha.units).toBe(expected.units);
			expect(percentAgreement(data).agreement!).toBeCloseTo(expected.percent, 12);

			const shuffled = [...data].sort(() => next() - 0.5).map((u) => [...u].reverse());
			expect(krippendorffAlpha(shuffled).alpha!).toBeCloseTo(alpha.alpha!, 14);
			expect(krippendorffAlpha(shuffled, { level: 'ordinal', order: ['A', 'B', 'C', 'D'] }).alpha!).toBeCloseTo(
				krippendorffAlpha(data, { level: 'ordinal', order: ['A', 'B', 'C', 'D'] }).alpha!,
				14
			);
			expect(percentAgreement(shuffled).agreement!).toBeCloseTo(percentAgreement(data).agreement!, 14);
			const kappa = fleissKappa(data);
			expect(fleissKappa(shuffled).kappa!).toBeCloseTo(kappa.kappa!, 14);
			expect(fleissKappa(shuffled).items).toBe(kappa.items);
			// A tally given as such reads the same as the units it was made of.
			expect(krippendorffAlpha(UnitTally.of(data))).toEqual(alpha);
		}
	});

});
