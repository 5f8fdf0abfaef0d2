/**
 * Seeded simulation with a known truth: audits of 200 items, k = 2 and k = 3 labels per item from
 * six reviewers of known, unequal sensitivity and specificity (fixtures/simulated-audits.ts), true
 * rate 0.6 (near the papers' 54–58% all-valid figures). The suite keeps to seconds: the bias over
 * 400 audits per k (fits only) and the coverage of the 95% bootstrap interval over 30 audits per
 * k (100 replicates each), with a bound loose enough for 30 draws. `npm run bench -- rates` runs
 * the full 1,000 audits with the report's 200 replicates and prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { dawidSkeneEstimators, runSimulation } from './fixtures/simulated-audits';

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
	}, 60_000);

	it('has 95% intervals that cover the true rate about 95% of the time', () => {
		const f = runSimulation({ audits: 30, items: 200, k, rate: RATE, replicates: 100, seed: 200 + k }, estimators);
		// 30 audits: at a true 95%, 26 or fewer covered has probability < 2%.
		expect(f.latentCoverage!).toBeGreaterThanOrEqual(27 / 30);
	}, 120_000);
});
