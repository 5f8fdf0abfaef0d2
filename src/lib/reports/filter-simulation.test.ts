import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../audits/random';
import { FILTER_SIM_SCENARIOS, simulateFilterAudit, simulateFilterReport } from './filter-simulation';

// The seconds-long version; bench/filters-sim.bench.ts runs 10,000 replicates per scenario.
const REPLICATES = 600;

describe('filter report estimators against a known truth (seeded simulation)', () => {
	it('draws each stratum as a sample without replacement of its rows', () => {
		const scenario = FILTER_SIM_SCENARIOS[1];
		const input = simulateFilterAudit(scenario, new SeededRandom(1));
		expect(input.strata.map((s) => [s.key, s.population, s.size])).toEqual([
			['kept', 400, 150],
			['rejected:rougeL', 150, 80],
			['rejected:blacklist', 60, 40]
		]);
		// A stratum drawn whole gives its exact rate.
		const whole = simulateFilterAudit({ name: 'whole', strata: [{ rule: 'kept', rows: 50, rate: 0.42, sample: 50 }] }, new SeededRandom(2));
		expect(whole.verdicts.filter((v) => v.allValid).length).toBe(21);
	});

	it.each(FILTER_SIM_SCENARIOS.map((s, k) => [s.name, k] as const))('%s: stratum-weighted rates unbiased, 95% intervals cover at least nominally', (_name, k) => {
		const summary = simulateFilterReport(FILTER_SIM_SCENARIOS[k], { replicates: REPLICATES, seed: 190 + k });
		const weighted = summary.estimates.filter((e) => e.target.startsWith('if '));
		expect(weighted.length).toBe(FILTER_SIM_SCENARIOS[k].strata.length - 1);
		for (const e of summary.estimates) {
			expect(e.replicates, e.target).toBe(REPLICATES);
			// Bias: the standard error of a mean of 600 estimates is under 0.5 points here.
			expect(Math.abs(e.bias), `${e.target} bias`).toBeLessThan(0.01);
		}
		for (const e of weighted) {
			expect(Math.abs(e.bias), `${e.target} bias`).toBeLessThan(0.006);
			// 600 replicates: a 95% interval's coverage has a standard error of 0.9 points.
			expect(e.coverage, `${e.target} coverage`).toBeGreaterThanOrEqual(0.925);
		}
	});

	it('the Self-Instruct-like scenario, where the effective-size cap does not bind, covers close to 95%', () => {
		const summary = simulateFilterReport(FILTER_SIM_SCENARIOS[0], { replicates: REPLICATES, seed: 7 });
		for (const e of summary.estimates.filter((x) => x.target.startsWith('if '))) {
			expect(e.coverage, e.target).toBeGreaterThanOrEqual(0.925);
			expect(e.coverage, e.target).toBeLessThanOrEqual(0.975);
			expect(e.truth).toBeCloseTo(e.target === 'if rougeL off' ? (28_080 + 12_500) / 77_000 : e.target === 'if wordCount off' ? (28_080 + 600) / 55_000 : (28_080 + 150) / 53_500, 12);
		}
	});
});
