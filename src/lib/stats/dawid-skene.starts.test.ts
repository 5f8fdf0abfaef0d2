/**
 * Dawid–Skene from several starts: the likelihood has local maxima on small audits with a
 * reviewer who always says yes or a lenient one, and the paper's single start can end on a lower
 * one. Seeded audits with a known truth; each test runs in about a second.
 */
import { describe, expect, it } from 'vitest';
import { MATERIAL_SHARE_DIFFERENCE, NUMERICALLY_ZERO, RIVAL_LOG_LIKELIHOOD_MARGIN, dawidSkene, dawidSkeneBootstrap, observationColumns, type DawidSkeneInput } from './dawid-skene';
import { simulateAudit, type SimulatedReviewer } from './fixtures/simulated-audits';
import { SeededRandom } from '../audits/random';

/**
 * 30 items, 70% truly yes, seed 164: reviewer 0 right 90% of the time either way, reviewer 1
 * always yes, reviewer 2 at random. Two maxima: one led by the careful reviewer (log-likelihood
 * −35.47) and a lower one (−41.46) the paper's start ends on.
 */
function carefulYesRandom(seed: number): { input: DawidSkeneInput; truth: number } {
	const random = new SeededRandom(seed);
	const rows: Array<{ item: number; rater: number; label: number }> = [];
	let yes = 0;
	for (let item = 0; item < 30; item++) {
		const truth = random.float() < 0.7;
		if (truth) yes++;
		rows.push({ item, rater: 0, label: (random.float() < 0.9 ? truth : !truth) ? 1 : 0 });
		rows.push({ item, rater: 1, label: 1 });
		rows.push({ item, rater: 2, label: random.float() < 0.5 ? 1 : 0 });
	}
	return { input: { classes: 2, items: 30, raters: 3, observations: observationColumns(rows) }, truth: yes / 30 };
}

/** The tester's E-gold audit: 40 sampled items, then 8 gold items; raters always yes, random, careful. */
function eGold(): DawidSkeneInput {
	const answers = ['1111111111111111111111111111111111111111' + '11111111', '0100100010101110111010011101001101010101' + '01100010', '1011010110111011111011111101101111111011' + '01010010'];
	const gold = '01010010';
	const rows = answers.flatMap((a, rater) => [...a].map((x, item) => ({ item, rater, label: Number(x) })));
	const outside = [...gold].map((_, g) => 40 + g);
	return { classes: 2, items: 48, raters: 3, observations: observationColumns(rows), known: outside.map((item, g) => ({ item, label: Number(gold[g]) })), outside };
}

describe('several starts', () => {
	it('reach the higher of two maxima where the paper\'s start ends on the lower one', () => {
		const { input, truth } = carefulYesRandom(164);
		const single = dawidSkene(input, { singleStart: true });
		const fit = dawidSkene(input);
		expect(single.converged && fit.converged).toBe(true);
		expect(single.logLikelihood).toBeCloseTo(-41.455, 3);
		expect(fit.logLikelihood).toBeCloseTo(-35.467, 3);
		expect(fit.starts.chosen).toBe('rater 0');
		expect(fit.starts.tried).toBeGreaterThan(1);
		expect(fit.starts.atBest).toBeGreaterThanOrEqual(1);
		// The higher maximum is also the nearer to the truth, and no start rivals it.
		expect(Math.abs(fit.classShares[1] - truth)).toBeLessThan(Math.abs(single.classShares[1] - truth));
		expect(fit.starts.rival).toBeNull();
		expect(fit.caveat).toBeNull();
		// The bootstrap's full fit is the same fit (its refits start from it).
		const b = dawidSkeneBootstrap(input, { replicates: 20, seed: 1 });
		expect(b.fit.logLikelihood).toBeCloseTo(fit.logLikelihood, 9);
		expect(b.groups[0].rate).toBeCloseTo(fit.classShares[1], 6);
	});

	it("on the tester's E-gold audit, end higher than the paper's start and name the rival it left behind", () => {
		// Reviewers: always yes, random, careful; 8 gold items (dawid-skene.test.ts). The paper's start
		// ends at 87.2% (−53.790); the gold-weighted start at 77.5% (−53.782): nearly as likely.
		const fit = dawidSkene(eGold());
		expect(fit.logLikelihood).toBeCloseTo(-53.7823, 4);
		expect(fit.classShares[1]).toBeCloseTo(0.775, 3);
		expect(fit.starts.rival?.classShares[1]).toBeCloseTo(0.872, 3);
		expect(fit.caveat).toBe(
			"Fitted from another starting point, the model ends with class 1's share at 87.2% instead of 77.5%, with a log-likelihood only 0.01 lower: the answers barely prefer one over the other, so the rate is weakly identified."
		);
	});

	it('say when another start ends at a materially different rate with nearly the same likelihood', () => {
		// 15 items, k = 3: a lenient reviewer (yes to 98% of valid and 70% of invalid items) and two
		// right 80% of the time, seed 56: 76.1% and 64.3% explain the answers equally well.
		const random = new SeededRandom(56);
		const rows: Array<{ item: number; rater: number; label: number }> = [];
		for (let item = 0; item < 15; item++) {
			const truth = random.float() < 0.7;
			rows.push({ item, rater: 0, label: (truth ? random.float() < 0.98 : random.float() < 0.7) ? 1 : 0 });
			for (const rater of [1, 2]) rows.push({ item, rater, label: (random.float() < 0.8 ? truth : !truth) ? 1 : 0 });
		}
		const fit = dawidSkene({ classes: 2, items: 15, raters: 3, observations: observationColumns(rows) });
		const rival = fit.starts.rival!;
		expect(rival).not.toBeNull();
		expect(fit.logLikelihood - rival.logLikelihood).toBeLessThanOrEqual(RIVAL_LOG_LIKELIHOOD_MARGIN);
		expect(Math.abs(rival.classShares[1] - fit.classShares[1])).toBeGreaterThan(MATERIAL_SHARE_DIFFERENCE);
		expect(fit.caveat).toMatch(/^Fitted from another starting point, the model ends with class 1's share at \d+\.\d% instead of \d+\.\d%.*weakly identified\.$/);
	});

	it('on 40 simulated audits with a known truth: never a lower likelihood than the single start, and estimates near the truth', () => {
		// 30 items, k = 3 of four reviewers: one always says yes, one answers at random, two are
		// right 90% and 85% of the time; 70% truly yes.
		const pool: SimulatedReviewer[] = [
			{ sensitivity: 1, specificity: 0 },
			{ sensitivity: 0.5, specificity: 0.5 },
			{ sensitivity: 0.9, specificity: 0.9 },
			{ sensitivity: 0.85, specificity: 0.85 }
		];
		const random = new SeededRandom(2026);
		let better = 0;
		let errorMulti = 0;
		let errorSingle = 0;
		let bias = 0;
		const audits = 40;
		for (let a = 0; a < audits; a++) {
			const audit = simulateAudit({ items: 30, k: 3, rate: 0.7, pool, random });
			const truth = audit.truth.filter(Boolean).length / 30;
			const input = { classes: 2, items: 30, raters: pool.length, observations: observationColumns(audit.labels.map((l) => ({ item: l.item, rater: l.reviewer, label: l.yes ? 1 : 0 }))) };
			const single = dawidSkene(input, { singleStart: true });
			const fit = dawidSkene(input);
			expect(fit.converged, `audit ${a}`).toBe(true);
			expect(fit.logLikelihood, `audit ${a}`).toBeGreaterThanOrEqual(single.logLikelihood - 1e-6);
			if (fit.logLikelihood > single.logLikelihood + 1e-3) better++;
			errorMulti += Math.abs(fit.classShares[1] - truth);
			errorSingle += Math.abs(single.classShares[1] - truth);
			bias += fit.classShares[1] - truth;
		}
		// Seeded: 2 audits end higher than the single start, mean error 8.9 points (single start 9.1),
		// bias −4.0 points; 30 items and two informative reviewers leave that much noise.
		expect(better).toBeGreaterThan(0);
		expect(errorMulti).toBeLessThanOrEqual(errorSingle);
		expect(errorMulti / audits).toBeLessThan(0.1);
		expect(Math.abs(bias / audits)).toBeLessThan(0.05);
	});
});

describe('numerically zero probabilities', () => {
	it('come out as 0 or 1, never subnormal, in the fit and the bootstrap', () => {
		// 60 items (one in four truly no), 12 reviewers each wrong on one item of their own: every
		// item's other class is ruled out with odds near (1/60)^11, and error rates fall towards 0.
		const rows: Array<{ item: number; rater: number; label: number }> = [];
		for (let item = 0; item < 60; item++) {
			const truth = item % 4 === 0 ? 0 : 1;
			for (let rater = 0; rater < 12; rater++) rows.push({ item, rater, label: rater === item ? 1 - truth : truth });
		}
		const input = { classes: 2, items: 60, raters: 12, observations: observationColumns(rows) };
		const b = dawidSkeneBootstrap(input, { replicates: 30, seed: 3 });
		const values = [
			...b.fit.classShares,
			...b.fit.confusion.flat(2),
			...b.fit.posterior.flat(),
			...b.groups.flatMap((g) => [g.rate!, g.lower, g.upper]),
			...b.raterIntervals.flat().flatMap((i) => [i.lower, i.upper])
		];
		const tiny = values.filter((x) => x !== 0 && x !== 1 && (Math.abs(x) < NUMERICALLY_ZERO || Math.abs(1 - x) < NUMERICALLY_ZERO));
		expect(tiny).toEqual([]);
		expect(values.filter((x) => x !== 0 && Math.abs(x) < 2.2250738585072014e-308)).toEqual([]);
		expect(JSON.stringify(b)).not.toMatch(/e-(1[2-9]|[2-9]\d|\d{3})\b/);
		expect(values).toContain(0);
	});
});
