/**
 * Seeded simulation with a known truth: audits of 200 items, k = 2 and k = 3 labels per item from
 * six reviewers of known, unequal sensitivity and specificity (fixtures/simulated-audits.ts), true
 * rate 0.6 (near the papers' 54–58% all-valid figures). The suite keeps to seconds: the bias over
 * 400 audits per k (fits only) and the coverage of the 95% bootstrap interval over 30 audits per
 * k (100 replicates each), with a bound loose enough for 30 draws. `npm run bench -- rates` runs
 * the full 1,000 audits with the report's 200 replicates and prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { SIMULATED_POOL, dawidSkeneEstimators, runSimulation, simulateAudit, type SimulatedReviewer } from './fixtures/simulated-audits';
import { classSeparation, dawidSkene, dawidSkeneBootstrap, observationColumns } from './dawid-skene';
import { SeededRandom } from '../audits/random';
import { RANDOM_REVIEWER_YOUDEN } from '../reports/estimators';

const RATE = 0.6;
const estimators = dawidSkeneEstimators(100);

describe.each([2, 3])('latent-truth rate, k = %i', (k) => {
	it('is unbiased to within a point, unlike leaving ties out', () => {
		const f = runSimulation({ audits: 400, items: 200, k, rate: RATE, replicates: 0, seed: 100 + k }, estimators);
		expect(f.latentNotConverged).toBe(0);
		expect(Math.abs(f.latentBias)).toBeLessThan(0.01);
		// Reviewers who err differ in how they err: majority labels drift from the truth. With k = 2
		// the ties left out are mostly truly-yes items split by a strict reviewer, so the old rate
		// is biased upward by more than a point.
		if (k === 2) expect(f.tiesLeftOutBias).toBeGreaterThan(0.01);
		expect(Math.abs(f.labelLevelBias)).toBeGreaterThan(0.01);
		// 400 fits, each from several starts (about 5 EM runs where one ran before multi-start).
	}, 180_000);

	it('has 95% intervals that cover the true rate about 95% of the time', () => {
		const f = runSimulation({ audits: 30, items: 200, k, rate: RATE, replicates: 100, seed: 200 + k }, estimators);
		// 30 audits: at a true 95%, 26 or fewer covered has probability < 2%.
		expect(f.latentCoverage!).toBeGreaterThanOrEqual(27 / 30);
	}, 120_000);
});

describe('latent-truth rate after adjudication (k = 2, every tie settled with its true answer)', () => {
	it('has intervals that contain their estimate and cover the true rate about 95% of the time', () => {
		const audits = 30;
		const items = 120;
		const random = new SeededRandom(300);
		let covered = 0;
		for (let a = 0; a < audits; a++) {
			const audit = simulateAudit({ items, k: 2, rate: RATE, random });
			const yes = new Array<number>(items).fill(0);
			for (const l of audit.labels) if (l.yes) yes[l.item]++;
			const known = audit.truth.flatMap((truth, item) => (yes[item] === 1 ? [{ item, label: truth ? 1 : 0 }] : []));
			const b = dawidSkeneBootstrap(
				{ classes: 2, items, raters: SIMULATED_POOL.length, observations: observationColumns(audit.labels.map((l) => ({ item: l.item, rater: l.reviewer, label: l.yes ? 1 : 0 }))), known },
				{ replicates: 100, seed: a }
			);
			const g = b.groups[0];
			expect(g.lower, `audit ${a}`).toBeLessThanOrEqual(g.rate!);
			expect(g.upper, `audit ${a}`).toBeGreaterThanOrEqual(g.rate!);
			if (g.lower <= RATE && RATE <= g.upper) covered++;
		}
		// 30 audits: at a true 95%, 26 or fewer covered has probability < 2%.
		expect(covered).toBeGreaterThanOrEqual(27);
	}, 60_000);
});

describe('class separation (the report withholds a latent rate the data do not pin down)', () => {
	const fitOf = (pool: readonly SimulatedReviewer[], rate: number, seed: number) => {
		const audit = simulateAudit({ items: 200, k: 3, rate, pool, random: new SeededRandom(seed) });
		return dawidSkene({
			classes: 2,
			items: 200,
			raters: pool.length,
			observations: observationColumns(audit.labels.map((l) => ({ item: l.item, rater: l.reviewer, label: l.yes ? 1 : 0 })))
		});
	};

	it('stays well above the report threshold for the simulated reviewers, at every true rate tried', () => {
		for (const [rate, seed] of [[0.6, 1], [0.9, 2], [0.3, 3], [0.97, 4]] as const) {
			// The pool's Youden's J runs from 0.55 to 0.85 (weighted mean about 0.7).
			expect(classSeparation(fitOf(SIMULATED_POOL, rate, seed)), `rate ${rate}`).toBeGreaterThan(RANDOM_REVIEWER_YOUDEN + 0.2);
		}
	});

	it('lets through near-unanimous audits whose fit still tells the classes apart, with the rate near the truth', () => {
		// Every item truly valid; careful reviewers slip into a rare "no". (The withheld case, a fit
		// whose classes draw the same answers, is the tester's audit in src/lib/reports/report.test.ts.)
		const careful = SIMULATED_POOL.map(() => ({ sensitivity: 0.99, specificity: 0.9 }));
		for (const seed of [1, 2, 3]) {
			const fit = fitOf(careful, 1, seed);
			expect(classSeparation(fit), `seed ${seed}`).toBeGreaterThan(RANDOM_REVIEWER_YOUDEN);
			expect(fit.posterior.reduce((sum, p) => sum + p[1], 0) / 200, `seed ${seed}`).toBeGreaterThan(0.95);
		}
	});
});
