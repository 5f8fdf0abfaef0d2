import { describe, expect, it } from 'vitest';
import { MIN_GOLD_PER_CLASS, MIN_THREE_VIEW_ITEMS, dawidSkene, dawidSkeneBootstrap, dawidSkeneIdentification, observationColumns, quantileSorted, type DawidSkeneObservations } from './dawid-skene';
import { ANAESTHESIA } from './fixtures/anaesthesia';
import { SeededRandom } from '../audits/random';
import { A_K3 } from '../reports/fixtures/tester-latent-audits';

/** Table 1 of Dawid & Skene (1979) as observations: anaesthetist 1 is rater 0 (three ratings each). */
function anaesthesia(): DawidSkeneObservations {
	return observationColumns(
		ANAESTHESIA.flatMap(([first, ...rest], item) => [
			...first.map((l) => ({ item, rater: 0, label: l - 1 })),
			...rest.map((l, r) => ({ item, rater: r + 1, label: l - 1 }))
		])
	);
}

const yesNo = (rows: Array<[number, number, boolean]>): DawidSkeneObservations => observationColumns(rows.map(([item, rater, yes]) => ({ item, rater, label: yes ? 1 : 0 })));

describe('Dawid–Skene EM on the paper\'s worked example', () => {
	// Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using
	// the EM algorithm. Applied Statistics 28(1):20–28, §4: 45 patients, 5 anaesthetists (Table 1).
	// The maximum-likelihood estimates from the paper's starting point (§3): class shares
	// p̂ = (0.40, 0.42, 0.11, 0.07) and anaesthetist 1's error rates (rows: true class)
	// 0.89 0.11 · 0.07 0.88 0.05 · 0.34 0.66 · 0.56 0.44 — figures to two decimals; they were also
	// reproduced by an independent NumPy run of the same EM while writing this test. The paper's
	// start ends on a local maximum (log-likelihood −192.891): see the last test here.
	const fit = dawidSkene({ classes: 4, items: 45, raters: 5, observations: anaesthesia() }, { tolerance: 1e-10, maxIterations: 10_000, singleStart: true });

	it('converges', () => {
		expect(fit.converged).toBe(true);
		expect(fit.iterations).toBeLessThan(10_000);
	});

	it('estimates the class shares the paper reports', () => {
		const p = fit.classShares;
		expect(p[0]).toBeCloseTo(0.3996, 3);
		expect(p[1]).toBeCloseTo(0.422, 3);
		expect(p[2]).toBeCloseTo(0.1118, 3);
		expect(p[3]).toBeCloseTo(0.0667, 3);
		expect(p.map((x) => x.toFixed(2))).toEqual(['0.40', '0.42', '0.11', '0.07']);
	});

	it("estimates anaesthetist 1's error rates", () => {
		const rounded = fit.confusion[0].map((row) => row.map((x) => Number(x.toFixed(2))));
		expect(rounded).toEqual([
			[0.89, 0.11, 0, 0],
			[0.07, 0.88, 0.05, 0],
			[0, 0.34, 0.66, 0],
			[0, 0, 0.56, 0.44]
		]);
	});

	it('gives each patient a posterior that sums to one, sure where all agree', () => {
		for (const row of fit.posterior) expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
		expect(fit.posterior[0][0]).toBeCloseTo(1, 6); // patient 1: everyone said 1
		expect(fit.posterior[10][3]).toBeCloseTo(1, 6); // patient 11: everyone said 4
	});

	it('is deterministic and never decreases the likelihood with more iterations', () => {
		const again = dawidSkene({ classes: 4, items: 45, raters: 5, observations: anaesthesia() }, { tolerance: 1e-10, maxIterations: 10_000, singleStart: true });
		expect(again.classShares).toEqual(fit.classShares);
		const early = dawidSkene({ classes: 4, items: 45, raters: 5, observations: anaesthesia() }, { maxIterations: 2 });
		expect(early.converged).toBe(false);
		expect(early.logLikelihood).toBeLessThanOrEqual(fit.logLikelihood + 1e-9);
	});

	it('from several starts, ends on a higher maximum than the paper\'s, and says a nearly as likely one differs', () => {
		// Started from anaesthetist 1's answers, EM (accelerated or plain, which agree to 1e-9) ends at
		// −192.682 against the paper's −192.891, with p̂ = (0.40, 0.47, 0.09, 0.04); from anaesthetist 3's
		// it ends at −192.698 with class 4 at 13.3%: the small classes are weakly identified.
		const input = { classes: 4, items: 45, raters: 5, observations: anaesthesia() };
		const several = dawidSkene(input, { tolerance: 1e-10, maxIterations: 10_000 });
		const plain = dawidSkene(input, { tolerance: 1e-10, maxIterations: 100_000, accelerate: false });
		expect(several.logLikelihood).toBeCloseTo(-192.6822, 4);
		expect(plain.logLikelihood).toBeCloseTo(several.logLikelihood, 6);
		expect(several.logLikelihood).toBeGreaterThan(fit.logLikelihood + 0.2);
		expect(several.classShares.map((x) => x.toFixed(2))).toEqual(['0.40', '0.47', '0.09', '0.04']);
		expect(several.starts.chosen).toBe('rater 0');
		expect(several.starts.rival?.classShares[3]).toBeCloseTo(0.133, 3);
		expect(several.caveat).toMatch(/^Fitted from another starting point, the model ends with class 3's share at 13\.3% instead of 4\.4%, with a log-likelihood only 0\.02 lower/);
	});

	it('says so when it stops at the iteration cap', () => {
		const capped = dawidSkene({ classes: 4, items: 45, raters: 5, observations: anaesthesia() }, { maxIterations: 1, tolerance: 1e-12 });
		expect(capped.converged).toBe(false);
		expect(capped.iterations).toBe(1);
	});
});

describe('Dawid–Skene degenerate cases', () => {
	it('one reviewer: the fit echoes their answers and identification fails', () => {
		const obs = yesNo([
			[0, 0, true],
			[1, 0, false],
			[2, 0, true],
			[3, 0, true]
		]);
		const input = { classes: 2, items: 4, raters: 1, observations: obs };
		const fit = dawidSkene(input);
		expect(fit.converged).toBe(true);
		expect(fit.classShares[1]).toBeCloseTo(0.75, 9);
		const id = dawidSkeneIdentification(input);
		expect(id.identified).toBe(false);
		expect(id.problem).toBe('too-few-reviewers');
		expect(id.reason).toMatch(/one reviewer/);
	});

	it('unanimous data: every item yes, no error can be seen, so not identified', () => {
		const rows: Array<[number, number, boolean]> = [];
		for (let i = 0; i < 20; i++) for (const r of [0, 1, 2]) rows.push([i, r, true]);
		const input = { classes: 2, items: 20, raters: 3, observations: yesNo(rows) };
		const fit = dawidSkene(input);
		expect(fit.converged).toBe(true);
		expect(fit.classShares[1]).toBeCloseTo(1, 9);
		for (const row of fit.posterior) expect(row[1]).toBeCloseTo(1, 9);
		const id = dawidSkeneIdentification(input);
		expect(id).toMatchObject({ identified: false, problem: 'unanimous' });
	});

	it('a reviewer who always says yes gets sensitivity 1, specificity 0 and no say in the verdict', () => {
		// Items 0–9 truly yes, 10–19 truly no; reviewers 0 and 1 answer right, reviewer 2 always yes.
		const rows: Array<[number, number, boolean]> = [];
		for (let i = 0; i < 20; i++) {
			const truth = i < 10;
			rows.push([i, 0, truth], [i, 1, truth], [i, 2, true]);
		}
		const input = { classes: 2, items: 20, raters: 3, observations: yesNo(rows) };
		const fit = dawidSkene(input);
		expect(fit.converged).toBe(true);
		expect(fit.classShares[1]).toBeCloseTo(0.5, 6);
		const [no, yes] = fit.confusion[2];
		expect(yes[1]).toBeCloseTo(1, 6); // sensitivity
		expect(no[0]).toBeCloseTo(0, 6); // specificity
		for (let i = 0; i < 20; i++) expect(fit.posterior[i][1]).toBeCloseTo(i < 10 ? 1 : 0, 6);
		expect(dawidSkeneIdentification(input).identified).toBe(true);
	});

	it('two reviewers sharing every item: not identified without gold, identified with enough gold of both answers', () => {
		const rows: Array<[number, number, boolean]> = [];
		for (let i = 0; i < 10; i++) rows.push([i, 0, i % 3 !== 0], [i, 1, i % 4 !== 0]);
		expect(dawidSkeneIdentification({ classes: 2, items: 10, raters: 2, observations: yesNo(rows) })).toMatchObject({
			identified: false,
			fittable: false,
			problem: 'too-few-reviewers'
		});
		// Gold items 10… : MIN_GOLD_PER_CLASS yes, then as many no, answered by both reviewers (reviewer 1 errs on one).
		const known: Array<{ item: number; label: number }> = [];
		for (let g = 0; g < 2 * MIN_GOLD_PER_CLASS; g++) {
			const item = 10 + g;
			const yes = g < MIN_GOLD_PER_CLASS;
			known.push({ item, label: yes ? 1 : 0 });
			rows.push([item, 0, yes], [item, 1, g === 0 ? !yes : yes]);
		}
		const gold = { classes: 2, items: 10 + known.length, raters: 2, observations: yesNo(rows), known, outside: known.map((k) => k.item) };
		expect(dawidSkeneIdentification(gold)).toMatchObject({ identified: true, problem: null, reason: null });
		// Gold of one answer only does not anchor the other error rate…
		const yesOnly = known.filter((k) => k.label === 1);
		expect(dawidSkeneIdentification({ ...gold, known: yesOnly, outside: yesOnly.map((k) => k.item) }).identified).toBe(false);
		// …nor does a token gold item of each answer (one short of the minimum of the other).
		const short = known.filter((k) => k.item !== 10 + MIN_GOLD_PER_CLASS);
		expect(dawidSkeneIdentification({ ...gold, known: short, outside: short.map((k) => k.item) })).toMatchObject({ identified: false, problem: 'too-few-reviewers' });
	});

	describe('reviewers chained in pairs (k = 2) are not identified by agreement', () => {
		// Items go round a triangle of reviewers: 0–1, 1–2, 2–0, as in an audit of k = 2 with three reviewers.
		const triangle = (items: number, threeView = 0) => {
			const rows: Array<[number, number, boolean]> = [];
			for (let i = 0; i < items; i++) {
				const yes = i % 5 < 3;
				const raters = i < threeView ? [0, 1, 2] : [i % 3, (i + 1) % 3];
				for (const r of raters) rows.push([i, r, i % 7 === r ? !yes : yes]);
			}
			return { classes: 2, items, raters: 3, observations: yesNo(rows) };
		};

		it('three reviewers connected only through pairs: fittable with a caveat, never identified', () => {
			const id = dawidSkeneIdentification(triangle(60));
			expect(id).toMatchObject({ identified: false, fittable: true, problem: 'pairs-only', raters: 3 });
			expect(id.reason).toMatch(/^No item was labelled by three or more reviewers/);
			expect(id.reason).toContain(`at least ${MIN_THREE_VIEW_ITEMS} items labelled by three or more reviewers`);
			// Six reviewers in a longer chain: still pairs only.
			const rows: Array<[number, number, boolean]> = [];
			for (let i = 0; i < 120; i++) for (const r of [i % 6, (i + 1) % 6]) rows.push([i, r, (i + r) % 4 !== 0]);
			expect(dawidSkeneIdentification({ classes: 2, items: 120, raters: 6, observations: yesNo(rows) })).toMatchObject({ identified: false, problem: 'pairs-only' });
		});

		it(`identified once ${MIN_THREE_VIEW_ITEMS} items carry three reviewers' labels, and not one fewer`, () => {
			expect(dawidSkeneIdentification(triangle(60, MIN_THREE_VIEW_ITEMS))).toMatchObject({ identified: true, fittable: true, problem: null, reason: null });
			const short = dawidSkeneIdentification(triangle(60, MIN_THREE_VIEW_ITEMS - 1));
			expect(short).toMatchObject({ identified: false, problem: 'pairs-only' });
			expect(short.reason).toMatch(new RegExp(`^Only ${MIN_THREE_VIEW_ITEMS - 1} items were labelled by three or more reviewers, too few to pin the rate down`));
			// Some three-view items: the problem is too few of them, not pairs.
			expect(short.reason).not.toContain('pairs');
		});

		it('three-view items split across groups of reviewers who share none: each group counted, not their sum', () => {
			// Two disjoint triangles (reviewers 0–2 and 3–5), each with 5 items seen by all three and pairs for the rest: 10 three-view items in all, at most 5 in a group.
			const rows: Array<[number, number, boolean]> = [];
			for (const base of [0, 3]) {
				for (let i = 0; i < 30; i++) {
					const item = base * 10 + i;
					const yes = i % 5 < 3;
					const raters = i < 5 ? [0, 1, 2] : [i % 3, (i + 1) % 3];
					for (const r of raters) rows.push([item, base + r, i % 7 === r ? !yes : yes]);
				}
			}
			const id = dawidSkeneIdentification({ classes: 2, items: 60, raters: 6, observations: yesNo(rows) });
			expect(id).toMatchObject({ identified: false, fittable: true, problem: 'pairs-only' });
			expect(id.reason).toMatch(new RegExp(`^No group of reviewers sharing items has ${MIN_THREE_VIEW_ITEMS} items labelled by three or more of them \\(the most is 5; 10 in all\\)`));
			expect(id.reason).not.toContain('pairs');
		});

		it('a gold-anchored chain is identified: every reviewer with enough gold of each answer', () => {
			const input = triangle(60);
			const rows: Array<[number, number, boolean]> = [];
			for (let i = 0; i < input.observations.item.length; i++) rows.push([input.observations.item[i], input.observations.rater[i], input.observations.label[i] === 1]);
			const known: Array<{ item: number; label: number }> = [];
			for (let g = 0; g < 2 * MIN_GOLD_PER_CLASS; g++) {
				const item = 60 + g;
				known.push({ item, label: g % 2 });
				for (const r of [0, 1, 2]) rows.push([item, r, g % 2 === 1]);
			}
			const gold = { classes: 2, items: 60 + known.length, raters: 3, observations: yesNo(rows), known, outside: known.map((k) => k.item) };
			expect(dawidSkeneIdentification(gold)).toMatchObject({ identified: true, problem: null });
			// One reviewer short of gold of one answer leaves the chain unanchored.
			const fewer = { ...gold, observations: yesNo(rows.filter(([item, rater]) => !(item === 61 && rater === 2))) };
			expect(dawidSkeneIdentification(fewer)).toMatchObject({ identified: false, problem: 'pairs-only' });
		});
	});

	it('gold items inform the error rates but not the class share', () => {
		const rows: Array<[number, number, boolean]> = [];
		// 4 population items, all yes by both reviewers; 6 gold items that are truly no but reviewer 1 says yes.
		for (let i = 0; i < 4; i++) rows.push([i, 0, true], [i, 1, true]);
		for (let i = 4; i < 10; i++) rows.push([i, 0, false], [i, 1, true]);
		const fit = dawidSkene({
			classes: 2,
			items: 10,
			raters: 2,
			observations: yesNo(rows),
			known: [4, 5, 6, 7, 8, 9].map((item) => ({ item, label: 0 })),
			outside: [4, 5, 6, 7, 8, 9]
		});
		// Reviewer 1 says yes to truly-no items; reviewer 0 is right on gold: population items are yes.
		expect(fit.confusion[1][0][1]).toBeGreaterThan(0.5);
		expect(fit.classShares[1]).toBeCloseTo(1, 6);
		for (let i = 4; i < 10; i++) expect(fit.posterior[i]).toEqual([1, 0]);
	});

	it('an adjudicated (known, inside) item keeps its class and counts in the share', () => {
		const rows: Array<[number, number, boolean]> = [
			[0, 0, true],
			[0, 1, true],
			[0, 2, true],
			[1, 0, true],
			[1, 1, false],
			[1, 2, false],
			[2, 0, false],
			[2, 1, false],
			[2, 2, true]
		];
		const fit = dawidSkene({ classes: 2, items: 3, raters: 3, observations: yesNo(rows), known: [{ item: 1, label: 1 }] });
		expect(fit.posterior[1]).toEqual([0, 1]);
	});

	it('rejects labels out of range', () => {
		expect(() => dawidSkene({ classes: 2, items: 1, raters: 1, observations: observationColumns([{ item: 0, rater: 0, label: 2 }]) })).toThrow(/label 2/);
		expect(() => dawidSkene({ classes: 2, items: 1, raters: 1, observations: observationColumns([{ item: 3, rater: 0, label: 1 }]) })).toThrow(/item 3/);
		expect(() => dawidSkene({ classes: 2, items: 1, raters: 1, observations: observationColumns([{ item: 0, rater: -1, label: 1 }]) })).toThrow(/rater -1/);
	});

	it('takes observations in columns: fractional values and columns of unequal length are refused, not truncated', () => {
		expect(() => observationColumns([{ item: 0, rater: 0, label: 0.5 }])).toThrow(/observation 0: label 0.5 is not an integer/);
		const columns = observationColumns([
			{ item: 0, rater: 0, label: 1 },
			{ item: 1, rater: 0, label: 0 }
		]);
		expect([...columns.item, ...columns.rater, ...columns.label]).toEqual([0, 1, 0, 0, 1, 0]);
		expect(() => dawidSkene({ classes: 2, items: 2, raters: 1, observations: { ...columns, label: columns.label.subarray(0, 1) } })).toThrow(/differ in length/);
	});
});

describe('Dawid–Skene bootstrap', () => {
	const rows: Array<[number, number, boolean]> = [];
	for (let i = 0; i < 60; i++) {
		const truth = i % 5 !== 0;
		rows.push([i, i % 4, truth], [i, (i + 1) % 4, i % 7 === 0 ? !truth : truth]);
	}
	const input = { classes: 2, items: 60, raters: 4, observations: yesNo(rows) };

	it('is reproducible for a seed and brackets the point estimate', () => {
		const a = dawidSkeneBootstrap(input, { replicates: 100, seed: 5, groups: [[...Array(60).keys()], [...Array(30).keys()]] });
		const b = dawidSkeneBootstrap(input, { replicates: 100, seed: 5, groups: [[...Array(60).keys()], [...Array(30).keys()]] });
		expect(a.groups).toEqual(b.groups);
		expect(a.groups).toHaveLength(2);
		for (const g of a.groups) {
			expect(g.lower).toBeLessThanOrEqual(g.rate!);
			expect(g.upper).toBeGreaterThanOrEqual(g.rate!);
			expect(g.upper - g.lower).toBeGreaterThan(0);
		}
		expect(a.groups[0].n).toBe(60);
		expect(a.groups[1].n).toBe(30);
		const c = dawidSkeneBootstrap(input, { replicates: 100, seed: 6 });
		expect(c.groups[0].lower).not.toBe(a.groups[0].lower);
		expect(a.raterIntervals).toHaveLength(4);
	});

	it('carries adjudicated items as their known class in every replicate', () => {
		// Items 0–9 split 1–1 and were adjudicated "yes": every replicate must count them as yes
		// (they used to enter each replicate with an empty posterior, counted in n but never as yes).
		const known = [...Array(10).keys()].map((item) => ({ item, label: 1 }));
		const split: Array<[number, number, boolean]> = known.flatMap(({ item }): Array<[number, number, boolean]> => [[item, item % 4, true], [item, (item + 1) % 4, false]]);
		const adjudicated = { ...input, observations: yesNo([...split, ...rows.filter(([i]) => i >= 10)]), known };
		const b = dawidSkeneBootstrap(adjudicated, { replicates: 100, seed: 5, groups: [[...Array(60).keys()], [...Array(10).keys()]] });
		expect(b.groups[1]).toEqual({ n: 10, rate: 1, lower: 1, upper: 1 });
		expect(b.groups[0].lower).toBeLessThanOrEqual(b.groups[0].rate!);
		expect(b.groups[0].upper).toBeGreaterThanOrEqual(b.groups[0].rate!);
	});

	it('quantiles interpolate as R type 7', () => {
		expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
		expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
		expect(quantileSorted([5], 0.9)).toBe(5);
	});
});

/**
 * A tester's audit (E-gold): 40 sampled items answered by a reviewer who always says yes (rater 0),
 * one who answers at random (rater 1) and a careful one (rater 2), plus 8 gold items (outside the
 * population) all three answered. Items in order; gold last.
 */
const E_GOLD = {
	answers: ['1111111111111111111111111111111111111111' + '11111111', '0100100010101110111010011101001101010101' + '01100010', '1011010110111011111011111101101111111011' + '01010010'],
	gold: '01010010'
};
function eGold() {
	const rows: Array<[number, number, boolean]> = E_GOLD.answers.flatMap((answers, rater) => [...answers].map((a, item): [number, number, boolean] => [item, rater, a === '1']));
	const outside = [...E_GOLD.gold].map((_, g) => 40 + g);
	return { classes: 2, items: 48, raters: 3, observations: yesNo(rows), known: outside.map((item, g) => ({ item, label: Number(E_GOLD.gold[g]) })), outside };
}

describe('Dawid–Skene acceleration keeps off the edges', () => {
	it("reaches plain EM's maximum on the tester's audit instead of parking the class share at exactly 1", () => {
		// The extrapolated step used to be clipped onto a class share of 1 (log-likelihood −54.26, the
		// careful reviewer's sensitivity 0.79), where EM cannot leave it; every refit then stayed at 1
		// and the interval was [100%, 100%]. Plain EM from the paper's start: 0.872 at −53.790 (from
		// several starts the fit goes higher still: dawid-skene.starts.test.ts).
		const input = eGold();
		const fit = dawidSkene(input, { singleStart: true });
		const plain = dawidSkene(input, { accelerate: false, maxIterations: 10_000, singleStart: true });
		expect(fit.converged).toBe(true);
		expect(plain.converged).toBe(true);
		expect(plain.classShares[1]).toBeCloseTo(0.872, 3);
		expect(plain.logLikelihood).toBeCloseTo(-53.79, 2);
		expect(fit.classShares[1]).toBeCloseTo(plain.classShares[1], 4);
		expect(fit.logLikelihood).toBeCloseTo(plain.logLikelihood, 6);
		expect(fit.iterations).toBeLessThan(plain.iterations);
		const b = dawidSkeneBootstrap(input, { replicates: 100, seed: 5, groups: [[...Array(40).keys()]] });
		const g = b.groups[0];
		expect(g.lower).toBeLessThan(0.8);
		expect(g.upper - g.lower).toBeGreaterThan(0.1);
	});

	it('ends where plain EM ends, on simulated audits like it with a known truth', () => {
		// 40 items, 77.5% truly yes; reviewers: always yes, random, and one right 90% of the time
		// either way; 8 gold items. The accelerated fit must never stop short of plain EM's likelihood
		// nor on an edge plain EM does not reach.
		const random = new SeededRandom(7);
		for (let a = 0; a < 40; a++) {
			const rows: Array<[number, number, boolean]> = [];
			const gold: number[] = [];
			for (let item = 0; item < 48; item++) {
				const truth = item < 40 ? random.float() < 0.775 : random.float() < 0.5;
				if (item >= 40) gold.push(truth ? 1 : 0);
				rows.push([item, 0, true], [item, 1, random.float() < 0.5], [item, 2, random.float() < 0.9 ? truth : !truth]);
			}
			const outside = gold.map((_, g) => 40 + g);
			const input = { classes: 2, items: 48, raters: 3, observations: yesNo(rows), known: outside.map((item, g) => ({ item, label: gold[g] })), outside };
			const fit = dawidSkene(input);
			const plain = dawidSkene(input, { accelerate: false, maxIterations: 20_000 });
			expect(fit.logLikelihood, `audit ${a}`).toBeGreaterThanOrEqual(plain.logLikelihood - 1e-4);
			const onEdge = (share: number) => share < 1e-12 || share > 1 - 1e-12;
			if (!onEdge(plain.classShares[1])) expect(onEdge(fit.classShares[1]), `audit ${a}: ${fit.classShares[1]} vs ${plain.classShares[1]}`).toBe(false);
		}
	});
});

describe('Dawid–Skene bootstrap: refits whose classes took each other\'s roles', () => {
	it("reads them in the full fit's order or leaves them out, so the interval never mixes them (the tester's A-k3, input)", () => {
		// 60 items, reviewers 2 (always yes), 3 (random), 4 and 5 (careful); items 1 and 2 adjudicated.
		// The interval read [27.3%, 93.3%]: refits where the careful reviewers' answers meant the other class.
		const raters = Object.keys(A_K3.answers).map(Number);
		const rows: Array<[number, number, boolean]> = [];
		raters.forEach((reviewer, rater) => {
			for (let item = 0; item < 60; item++) {
				const a = A_K3.answers[reviewer].slice(3 * item, 3 * item + 3);
				if (a !== '...') rows.push([item, rater, a[1] === '1']);
			}
		});
		const known = Object.entries(A_K3.adjudicated).map(([item, a]) => ({ item: Number(item), label: Number(a[1]) }));
		// At the report's seed, as the tester saw it.
		const b = dawidSkeneBootstrap({ classes: 2, items: 60, raters: raters.length, observations: yesNo(rows), known });
		expect(b.fit.classShares[1]).toBeCloseTo(0.863, 3);
		expect(b.replicatesRelabelled).toBeGreaterThan(0);
		expect(b.replicatesDiscarded).toBeLessThanOrEqual(b.replicatesRelabelled);
		expect(b.groups[0].lower).toBeGreaterThan(0.5);
		// Without adjudications nothing breaks the symmetry: a relabelled refit is the same fit, kept.
		const open = dawidSkeneBootstrap({ classes: 2, items: 60, raters: raters.length, observations: yesNo(rows) });
		expect(open.replicatesDiscarded).toBe(0);
	});
});
