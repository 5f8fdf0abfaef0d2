/**
 * The judge estimate of an export's own rows (a domain of the audited population): the judge's
 * rate over the selected rows, corrected by the audited rows that fall among them. The audit is
 * a simple random sample of the whole population, so the audited rows inside the selection are a
 * simple random sample of it of random size. Simulated with a known truth: a selection whose
 * correctness differs from the rest (so the population's figure would be wrong for it), a judge
 * of known sensitivity and specificity, seeded. `npm run bench -- judge-ppi` covers the
 * whole-population estimator at full size.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../audits/random';
import { predictionPoweredRate, ppiInputFromRows } from './ppi';

const ROWS = 4_000;
const AUDITED = 300;
const REPLICATES = 600;

function replicate(random: SeededRandom) {
	// 30% of rows are in the selection (say, classification tasks), 80% correct there, 45% elsewhere.
	const selected: boolean[] = [];
	const truth: boolean[] = [];
	const judge: boolean[] = [];
	for (let i = 0; i < ROWS; i++) {
		const inside = random.float() < 0.3;
		const correct = random.float() < (inside ? 0.8 : 0.45);
		selected.push(inside);
		truth.push(correct);
		judge.push(correct ? random.float() < 0.9 : random.float() < 0.2);
	}
	// A simple random sample of the whole population (partial Fisher–Yates).
	const order = Array.from({ length: ROWS }, (_, i) => i);
	for (let i = 0; i < AUDITED; i++) {
		const j = i + Math.floor(random.float() * (ROWS - i));
		[order[i], order[j]] = [order[j], order[i]];
	}
	const audited = new Set(order.slice(0, AUDITED));

	const domain = [...selected.keys()].filter((i) => selected[i]);
	const human = new Map<number, boolean>();
	domain.forEach((row, k) => {
		if (audited.has(row)) human.set(k, truth[row]);
	});
	const estimate = predictionPoweredRate(ppiInputFromRows(domain.map((row) => judge[row]), human));
	const domainTruth = domain.filter((row) => truth[row]).length / domain.length;
	const populationTruth = truth.filter(Boolean).length / ROWS;
	return { estimate, domainTruth, populationTruth };
}

describe('PPI++ on a selection of the audited population (domain estimation)', () => {
	it('is unbiased for the selection and its 95% intervals cover the selection’s true rate about 95% of the time', () => {
		const random = new SeededRandom(20261203);
		let covered = 0;
		let coveredByPopulationTruth = 0;
		let error = 0;
		for (let r = 0; r < REPLICATES; r++) {
			const { estimate, domainTruth, populationTruth } = replicate(random);
			expect(estimate.estimate).not.toBeNull();
			if (estimate.lower <= domainTruth && domainTruth <= estimate.upper) covered++;
			if (estimate.lower <= populationTruth && populationTruth <= estimate.upper) coveredByPopulationTruth++;
			error += estimate.estimate! - domainTruth;
		}
		const coverage = covered / REPLICATES;
		// 600 replicates: a standard error of about 0.9 points around 95%.
		expect(coverage).toBeGreaterThan(0.92);
		expect(coverage).toBeLessThan(0.98);
		expect(Math.abs(error / REPLICATES)).toBeLessThan(0.01);
		// The population's own rate (about 56%) is far outside: the selection needs its own figure.
		expect(coveredByPopulationTruth / REPLICATES).toBeLessThan(0.05);
	});
});
