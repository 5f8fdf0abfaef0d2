import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/random';
import { UnitTally, cohenKappa, ratingPairs, rowProfile, type ItemRow } from '$lib/stats';
import { agreementRow } from './agreement';

describe('agreementRow', () => {
	it('gives Cohen’s κ with each value on its rater’s side when exactly two reviewers met', () => {
		const next = createRng(7);
		const rows = new Map<number, ItemRow<number, string>>();
		for (let item = 0; item < 300; item++) {
			// Reviewer 5 says "yes" more often than reviewer 3; a third reviewer labels alone.
			const pick = (p: number) => (next() < 0.1 ? null : next() < p ? 'yes' : 'no');
			const raters = next() < 0.5 ? [5, 3] : [3, 5];
			const values = raters.map((r) => pick(r === 5 ? 0.8 : 0.4));
			rows.set(item, next() < 0.1 ? { raters: [7], values: ['no'] } : { raters, values });
		}
		const row = agreementRow('q', 'yes/no', rows);
		const direct = cohenKappa(ratingPairs(rows, 3, 5));
		expect(row.kappa).toMatchObject({ method: 'cohen', reviewers: 2, items: direct.n, labelsPerItem: { min: 2, max: 2 } });
		expect(row.kappa.value!).toBeCloseTo(direct.kappa!, 12);
		// Kept as a tally of the rows' profiles, the same row.
		const tally = new UnitTally<string, number>();
		for (const r of rows.values()) tally.add(rowProfile(r));
		expect(agreementRow('q', 'yes/no', tally)).toEqual(row);
	});
});
