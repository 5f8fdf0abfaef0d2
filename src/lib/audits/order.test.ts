import { describe, expect, it } from 'vitest';
import { goldDue, goldJitter, goldStillToCome, responseOrder, type GoldStanding } from './order';

describe('responseOrder', () => {
	it('is a stable permutation per reviewer and item when blind, canonical otherwise', () => {
		const a = responseOrder(8, 1, 10, true);
		expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(responseOrder(8, 1, 10, true)).toEqual(a);
		const others = [responseOrder(8, 2, 10, true), responseOrder(8, 1, 11, true), responseOrder(8, 3, 10, true)];
		expect(others.some((o) => o.join() !== a.join())).toBe(true);
		expect(responseOrder(8, 1, 10, false)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(responseOrder(1, 1, 10, true)).toEqual([0]);
	});

	it('puts every response first equally often across reviewers', () => {
		const first = [0, 0, 0, 0];
		for (let reviewer = 0; reviewer < 4000; reviewer++) first[responseOrder(4, reviewer, 7, true)[0]]++;
		for (const f of first) expect(Math.abs(f - 1000)).toBeLessThan(120);
	});
});

describe('goldDue', () => {
	it('mixes gold in at the chosen rate', () => {
		for (const jitter of [0, 0.37, 0.99]) {
			let gold = 0;
			for (let n = 0; n < 200; n++) if (goldDue(n, gold, 0.1, jitter)) gold++;
			expect(gold).toBeGreaterThanOrEqual(19);
			expect(gold).toBeLessThanOrEqual(21);
		}
		expect(goldDue(5, 0, 0, 0.5)).toBe(false);
		const j = goldJitter(12345);
		expect(j).toBeGreaterThanOrEqual(0);
		expect(j).toBeLessThan(1);
	});
});

/** Routing's gold rule one assignment at a time (nextAssignment): the gold items it gives before stopping. */
function simulateGold(p: GoldStanding): number {
	let { assigned, gold, goldLeft, sampledLeft, qualificationLeft } = p;
	let given = 0;
	for (;;) {
		if (goldLeft > 0 && (qualificationLeft > 0 || goldDue(assigned, gold, p.rate, p.jitter))) {
			qualificationLeft--;
			gold++;
			goldLeft--;
			given++;
		} else if (qualificationLeft <= 0 && sampledLeft > 0) {
			sampledLeft--;
		} else return given;
		assigned++;
	}
}

describe('goldStillToCome', () => {
	const base: GoldStanding = { assigned: 0, gold: 0, goldLeft: 5, sampledLeft: 40, rate: 0.1, jitter: 0.5, qualificationLeft: 0 };

	it('counts what routing would give, step by step, over many random standings', () => {
		let seed = 17;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		const pick = (n: number) => Math.floor(random() * n);
		for (let i = 0; i < 5000; i++) {
			const rate = [0, 0.5, 0.25, 0.1, 1 / 3, 0.2, 0.05, 0.01][pick(8)] * (random() < 0.5 ? 1 : random());
			const jitter = [0, 0.999999, 0.5][pick(3)] * (random() < 0.5 ? 1 : random());
			const gold = pick(6);
			const standing: GoldStanding = {
				assigned: gold + pick(60),
				gold,
				goldLeft: pick(12),
				sampledLeft: pick(300),
				rate,
				jitter,
				qualificationLeft: random() < 0.2 ? pick(4) : 0
			};
			expect(goldStillToCome(standing), JSON.stringify(standing)).toBe(simulateGold(standing));
		}
	});

	it('keeps sampled + held gold + gold to come unchanged on each assignment, whichever kind it is', () => {
		for (const jitter of [0, 0.3, 0.9]) {
			let standing: GoldStanding = { ...base, rate: 0.25, jitter, goldLeft: 8 };
			let heldSampled = 0;
			let heldGold = 0;
			// The sampled count includes the sampled items held; gold held is counted apart.
			const shown = () => standing.sampledLeft + heldSampled + heldGold + goldStillToCome(standing);
			const start = shown();
			for (;;) {
				const gold = standing.goldLeft > 0 && goldDue(standing.assigned, standing.gold, standing.rate, jitter);
				if (gold) {
					standing = { ...standing, assigned: standing.assigned + 1, gold: standing.gold + 1, goldLeft: standing.goldLeft - 1 };
					heldGold++;
				} else if (standing.sampledLeft > 0) {
					standing = { ...standing, assigned: standing.assigned + 1, sampledLeft: standing.sampledLeft - 1 };
					heldSampled++;
				} else break;
				expect(shown()).toBe(start);
			}
			expect(heldSampled).toBe(base.sampledLeft);
			expect(start).toBe(heldSampled + heldGold);
		}
	});

	it('edge cases: no rate, no gold left, gold due with no sampled items, qualification first', () => {
		expect(goldStillToCome({ ...base, rate: 0 })).toBe(0);
		expect(goldStillToCome({ ...base, rate: 0, qualificationLeft: 2 })).toBe(2);
		expect(goldStillToCome({ ...base, goldLeft: 0, qualificationLeft: 3 })).toBe(0);
		expect(goldStillToCome({ ...base, goldLeft: 1, qualificationLeft: 3 })).toBe(1);
		// Due now (floor(1·0.5 + 0.5) = 1 > 0 gold): given even with no sampled item left; the next is not.
		expect(goldStillToCome({ ...base, rate: 0.5, jitter: 0.5, sampledLeft: 0 })).toBe(1);
		expect(goldStillToCome({ ...base, rate: 0.1, jitter: 0, sampledLeft: 0 })).toBe(0);
		// Rate 0.1, jitter 0: gold at assignment counts 9, 19, 29 … (nine sampled items before each).
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 8 })).toBe(0);
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 9 })).toBe(1);
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 18 })).toBe(2);
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 1000 })).toBe(5);
		// Qualification gold comes first and counts as assignments for the rate afterwards.
		// (2 gold after 2 items: the next is due at count 29, after 27 sampled ones.)
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 27, qualificationLeft: 2 })).toBe(3);
		expect(goldStillToCome({ ...base, jitter: 0, sampledLeft: 26, qualificationLeft: 2 })).toBe(2);
	});
});
