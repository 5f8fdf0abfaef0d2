/**
 * Bradley–Terry intervals by seeded simulation with a known truth, at full replication count
 * (the unit test runs 120 replications): coverage of the 95% observed-information intervals
 * and of the 95% bootstrap percentile intervals, mean absolute error of the strengths, and the
 * time one fit takes on 20 models × 20,000 comparisons.
 */
import { SeededRandom } from '../src/lib/audits/random';
import { bradleyTerry, type PairwiseOutcome } from '../src/lib/stats/pairwise';
import { fmt, timed } from './measure';

const truth = [0.8, 0.3, -0.2, -0.9];
const mean = truth.reduce((s, x) => s + x, 0) / truth.length;
const names = truth.map((_, i) => `m${i + 1}`);

function simulate(random: SeededRandom, comparisons: number, tieRate = 0): PairwiseOutcome[] {
	const data: PairwiseOutcome[] = [];
	for (let n = 0; n < comparisons; n++) {
		const i = random.int(names.length);
		let j = random.int(names.length - 1);
		if (j >= i) j++;
		const pa = 1 / (1 + Math.exp(truth[j] - truth[i]));
		const u = random.float();
		data.push({ modelA: names[i], modelB: names[j], result: random.float() < tieRate ? 'tie' : u < pa ? 'a' : 'b' });
	}
	return data;
}

function coverage(label: string, runs: number, comparisons: number, intervals: 'observed-information' | 'bootstrap', seed: number): void {
	const random = new SeededRandom(seed);
	let covered = 0;
	let total = 0;
	let absError = 0;
	let failures = 0;
	const started = performance.now();
	for (let r = 0; r < runs; r++) {
		const fit = bradleyTerry(simulate(random, comparisons), { intervals, replicates: 500, seed: r + 1 });
		if (!fit.identifiable) {
			failures++;
			continue;
		}
		for (const m of fit.models) {
			const t = truth[names.indexOf(m.model)] - mean;
			absError += Math.abs(m.strength! - t);
			if (m.lower! <= t && t <= m.upper!) covered++;
			total++;
		}
	}
	console.log(
		`${label}: ${fmt(runs)} runs of ${fmt(comparisons)} comparisons, 4 models: coverage of the 95% intervals ${fmt((100 * covered) / total, 1)}% ` +
			`(${fmt(total)} intervals), mean |error| ${fmt(absError / total, 3)}, ${failures} runs without a fit, ${fmt((performance.now() - started) / 1000, 1)} s`
	);
}

coverage('observed information', 4000, 300, 'observed-information', 11);
coverage('observed information, small audits', 4000, 60, 'observed-information', 12);
coverage('bootstrap (500 resamples)', 200, 300, 'bootstrap', 13);

{
	const random = new SeededRandom(5);
	const k = 20;
	const strengths = Array.from({ length: k }, (_, i) => 1.5 - (3 * i) / (k - 1));
	const data: PairwiseOutcome[] = [];
	for (let n = 0; n < 20_000; n++) {
		const i = random.int(k);
		let j = random.int(k - 1);
		if (j >= i) j++;
		const pa = 1 / (1 + Math.exp(strengths[j] - strengths[i]));
		data.push({ modelA: `model ${i}`, modelB: `model ${j}`, result: random.float() < 0.1 ? 'tie' : random.float() < pa ? 'a' : 'b' });
	}
	const { result, ms } = await timed(() => bradleyTerry(data));
	console.log(`one fit, ${k} models × ${fmt(data.length)} comparisons: ${fmt(ms, 1)} ms (${fmt(result.iterations)} MM iterations, converged ${result.converged})`);
}
