import { describe, expect, it } from 'vitest';
import { SeededRandom } from '$lib/audits/random';
import { bradleyTerry, bradleyTerryIntervalsText, winProbability, winTieLoss, type PairwiseOutcome } from './pairwise';

/** Expands counts (A's wins, ties, B's wins) into individual comparisons. */
function outcomes(rows: [string, string, number, number, number][]): PairwiseOutcome[] {
	const out: PairwiseOutcome[] = [];
	for (const [modelA, modelB, winsA, ties, winsB] of rows) {
		for (let i = 0; i < winsA; i++) out.push({ modelA, modelB, result: 'a' });
		for (let i = 0; i < ties; i++) out.push({ modelA, modelB, result: 'tie' });
		for (let i = 0; i < winsB; i++) out.push({ modelA, modelB, result: 'b' });
	}
	return out;
}

/**
 * Published worked example: the 1987 American League East season, each pair of the seven
 * teams meeting 13 times (Agresti, Categorical Data Analysis, 2nd ed. 2002, Table 10.10 and
 * §10.6; the `baseball` data of R's BradleyTerry2 package). Rows: team i's wins over team j.
 */
const TEAMS = ['Milwaukee', 'Detroit', 'Toronto', 'New York', 'Boston', 'Cleveland', 'Baltimore'];
const BASEBALL_WINS = [
	[0, 7, 9, 7, 7, 9, 11],
	[6, 0, 7, 5, 11, 9, 9],
	[4, 6, 0, 7, 7, 8, 12],
	[6, 8, 6, 0, 6, 7, 10],
	[6, 2, 6, 7, 0, 7, 12],
	[4, 4, 5, 6, 6, 0, 6],
	[2, 4, 1, 3, 1, 7, 0]
];
function baseball(): PairwiseOutcome[] {
	const out: PairwiseOutcome[] = [];
	for (let i = 0; i < 7; i++)
		for (let j = i + 1; j < 7; j++) out.push(...outcomes([[TEAMS[i], TEAMS[j], BASEBALL_WINS[i][j], 0, BASEBALL_WINS[j][i]]]));
	return out;
}

describe('Bradley–Terry on a published worked example (Agresti 2002, 1987 baseball)', () => {
	const fit = bradleyTerry(baseball());
	const strength = (team: string) => fit.models.find((m) => m.model === team)!.strength!;

	it('reproduces the published strengths relative to Baltimore', () => {
		// Agresti reports 1.58, 1.44, 1.29, 1.25, 1.11, 0.68 (Baltimore 0); BradleyTerry2's BTm gives
		// 1.5814, 1.4364, 1.2945, 1.2476, 1.1077, 0.6839. The nine-decimal values come from an
		// independent fit: Newton–Raphson in numpy on the same likelihood (step = pinv(I)·score,
		// iterated to a score of 1e-14), which scipy.optimize.minimize (BFGS) agrees with to 1e-6.
		const published: Record<string, number> = {
			Milwaukee: 1.581355877,
			Detroit: 1.436408432,
			Toronto: 1.294485124,
			'New York': 1.247617845,
			Boston: 1.107697705,
			Cleveland: 0.683852769
		};
		for (const [team, value] of Object.entries(published)) expect(strength(team) - strength('Baltimore')).toBeCloseTo(value, 8);
		expect(fit.models.map((m) => m.model)).toEqual(TEAMS);
		expect(fit.models.map((m) => m.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
		expect(fit.converged).toBe(true);
		expect(fit.logLikelihood).toBeCloseTo(-172.248175994716, 8);
		expect(fit.models[0]).toMatchObject({ wins: 50, comparisons: 78 });
	});

	it('standard errors from the observed information match an independent computation', () => {
		// numpy: the analytic information matrix at that optimum; np.linalg.pinv gives the centred
		// covariance, √(Vᵢᵢ + V_bb − 2Vᵢ_b) the SEs relative to Baltimore.
		const centredSe: Record<string, number> = {
			Milwaukee: 0.207419476,
			Detroit: 0.204156559,
			Toronto: 0.202061521,
			'New York': 0.201603748,
			Boston: 0.200919071,
			Cleveland: 0.205044319,
			Baltimore: 0.232462296
		};
		const centred: Record<string, number> = { Milwaukee: 0.531153341, Baltimore: -1.050202536 };
		for (const m of fit.models) expect(m.standardError!).toBeCloseTo(centredSe[m.model], 7);
		for (const [team, value] of Object.entries(centred)) expect(strength(team)).toBeCloseTo(value, 8);
		const seVersusBaltimore: Record<string, number> = { Milwaukee: 0.343255982, Detroit: 0.339568506, Cleveland: 0.331876673 };
		const b = fit.models.findIndex((m) => m.model === 'Baltimore');
		for (const [team, value] of Object.entries(seVersusBaltimore)) {
			const i = fit.models.findIndex((m) => m.model === team);
			const v = fit.covariance!;
			expect(Math.sqrt(v[i][i] + v[b][b] - 2 * v[i][b])).toBeCloseTo(value, 7);
		}
		const milwaukee = fit.models[0];
		expect(milwaukee.lower!).toBeCloseTo(0.531153341 - 1.959963985 * 0.207419476, 6);
		expect(milwaukee.upper!).toBeCloseTo(0.531153341 + 1.959963985 * 0.207419476, 6);
		expect(fit.models.reduce((s, m) => s + m.strength!, 0)).toBeCloseTo(0, 10);
	});

	it('win probabilities follow from the strengths', () => {
		expect(winProbability(strength('Milwaukee'), strength('Baltimore'))).toBeCloseTo(1 / (1 + Math.exp(-1.581355877)), 6);
		expect(winProbability(0, 0)).toBe(0.5);
	});
});

describe('Bradley–Terry with ties as half wins', () => {
	const rows: [string, string, number, number, number][] = [
		['alpha', 'beta', 12, 5, 8],
		['alpha', 'gamma', 15, 3, 4],
		['beta', 'gamma', 9, 6, 7],
		['alpha', 'delta', 6, 2, 14],
		['beta', 'delta', 5, 4, 11],
		['gamma', 'delta', 3, 3, 16]
	];
	it('matches scipy on the half-win likelihood (independent fit and numpy information matrix)', () => {
		// The same numpy Newton–Raphson fit (cross-checked with scipy.optimize.minimize, BFGS) of
		// Σ wᵢⱼ (θᵢ − log(e^θᵢ + e^θⱼ)) with wᵢⱼ = wins + ties / 2, centred; SEs from np.linalg.pinv.
		const fit = bradleyTerry(outcomes(rows));
		const expected: Record<string, [number, number]> = {
			delta: [0.691830429, 0.209557515],
			alpha: [0.154877067, 0.188470062],
			beta: [-0.20176669, 0.191640233],
			gamma: [-0.644940807, 0.204169774]
		};
		expect(fit.models.map((m) => m.model)).toEqual(['delta', 'alpha', 'beta', 'gamma']);
		for (const m of fit.models) {
			expect(m.strength!).toBeCloseTo(expected[m.model][0], 8);
			expect(m.standardError!).toBeCloseTo(expected[m.model][1], 6);
		}
		expect(fit.logLikelihood).toBeCloseTo(-83.064254099458, 8);
		expect(fit.models[1]).toMatchObject({ model: 'alpha', wins: 12 + 2.5 + 15 + 1.5 + 6 + 1, comparisons: 25 + 22 + 22 });
	});

	it('the order of A and B in each comparison does not matter', () => {
		const swapped = outcomes(rows).map((o) => ({ modelA: o.modelB, modelB: o.modelA, result: o.result === 'tie' ? 'tie' : o.result === 'a' ? 'b' : 'a' }) as PairwiseOutcome);
		const a = bradleyTerry(outcomes(rows));
		const b = bradleyTerry(swapped);
		for (let i = 0; i < 4; i++) expect(b.models[i].strength!).toBeCloseTo(a.models[i].strength!, 9);
	});
});

describe('Bradley–Terry when the fit does not exist', () => {
	it('names the model that never lost or never won, and the groups that never beat each other', () => {
		const unbeaten = bradleyTerry(outcomes([['a', 'b', 3, 0, 0], ['b', 'c', 2, 0, 2]]));
		expect(unbeaten.identifiable).toBe(false);
		expect(unbeaten.problem).toBe('"a" never lost (it won all 3 of its comparisons), so its strength has no finite estimate; add a prior or more comparisons');
		expect(unbeaten.models.every((m) => m.strength === null)).toBe(true);
		// No strengths, no order: not every model ranked first, as if all were tied.
		expect(unbeaten.models.map((m) => m.rank)).toEqual([null, null, null]);
		const groups = bradleyTerry(outcomes([['a', 'b', 2, 0, 1], ['c', 'd', 1, 0, 2], ['a', 'c', 3, 0, 0], ['b', 'd', 1, 0, 0]]));
		expect(groups.problem).toBe('the models split into two groups, {"a", "b"} and {"c", "d"}, where one group never beat the other, so their strengths have no finite estimate; add a prior or more comparisons');
		const apart = bradleyTerry(outcomes([['a', 'b', 2, 0, 1], ['c', 'd', 1, 0, 2]]));
		expect(apart.problem).toBe('no comparison links {"a", "b"} with {"c", "d"}, so strengths across the two groups cannot be compared');
		expect(bradleyTerry([]).problem).toBe('there are no comparisons');
	});

	it('a prior makes the fit exist and shrinks towards equal strengths', () => {
		const data = outcomes([['a', 'b', 3, 0, 0], ['b', 'c', 2, 0, 2]]);
		const small = bradleyTerry(data, { prior: 0.5 });
		const large = bradleyTerry(data, { prior: 5 });
		expect(small.identifiable).toBe(true);
		expect(small.models[0].model).toBe('a');
		expect(large.models[0].strength!).toBeLessThan(small.models[0].strength!);
		expect(small.models[0]).toMatchObject({ wins: 3, comparisons: 3 });
	});

	it('refuses a model compared with itself and an unknown result', () => {
		expect(() => bradleyTerry([{ modelA: 'a', modelB: 'a', result: 'a' }])).toThrow('comparison 0 sets model "a" against itself');
		expect(() => winTieLoss([{ modelA: 'a', modelB: 'b', result: 'x' as 'a' }])).toThrow('comparison 0 has result "x", not a, b or tie');
	});
});

describe('bootstrap intervals', () => {
	it('are reproducible from the seed, contain the estimate and are close to the information-based ones', () => {
		const data = baseball();
		const one = bradleyTerry(data, { intervals: 'bootstrap', replicates: 300, seed: 7 });
		const two = bradleyTerry(data, { intervals: 'bootstrap', replicates: 300, seed: 7 });
		const other = bradleyTerry(data, { intervals: 'bootstrap', replicates: 300, seed: 8 });
		const info = bradleyTerry(data);
		expect(two.models).toEqual(one.models);
		expect(other.models[0].lower).not.toBe(one.models[0].lower);
		expect(one.bootstrapFailures).toBe(0);
		for (let i = 0; i < 7; i++) {
			const m = one.models[i];
			expect(m.lower!).toBeLessThan(m.strength!);
			expect(m.upper!).toBeGreaterThan(m.strength!);
			const width = m.upper! - m.lower!;
			const infoWidth = info.models[i].upper! - info.models[i].lower!;
			expect(width / infoWidth).toBeGreaterThan(0.75);
			expect(width / infoWidth).toBeLessThan(1.25);
		}
	});
});

describe('seeded simulation with a known truth (suite size; bench/pairwise.bench.ts runs the full count)', () => {
	it('recovers the strengths and the 95% intervals cover about 95% of the time', () => {
		const truth: Record<string, number> = { m1: 0.8, m2: 0.3, m3: -0.2, m4: -0.9 };
		const mean = Object.values(truth).reduce((s, x) => s + x, 0) / 4;
		const names = Object.keys(truth);
		const random = new SeededRandom(2024);
		let covered = 0;
		let total = 0;
		let absError = 0;
		const runs = 120;
		for (let r = 0; r < runs; r++) {
			const data: PairwiseOutcome[] = [];
			for (let n = 0; n < 300; n++) {
				const i = random.int(4);
				let j = random.int(3);
				if (j >= i) j++;
				const [a, b] = [names[i], names[j]];
				const pa = 1 / (1 + Math.exp(truth[b] - truth[a]));
				data.push({ modelA: a, modelB: b, result: random.float() < pa ? 'a' : 'b' });
			}
			const fit = bradleyTerry(data);
			for (const m of fit.models) {
				const t = truth[m.model] - mean;
				absError += Math.abs(m.strength! - t);
				if (m.lower! <= t && t <= m.upper!) covered++;
				total++;
			}
		}
		expect(absError / total).toBeLessThan(0.15);
		// 480 intervals: the binomial 99.9% range around 0.95 is about 0.92–0.98.
		expect(covered / total).toBeGreaterThan(0.92);
		expect(covered / total).toBeLessThan(0.98);
	});
});

describe('win / tie / loss per model pair', () => {
	it('counts from the first model (in name order) of each pair, with Wilson intervals', () => {
		const data = outcomes([
			['beta', 'alpha', 8, 5, 12],
			['alpha', 'gamma', 15, 3, 4]
		]);
		const [ab, ag] = winTieLoss(data);
		expect(ab).toMatchObject({ first: 'alpha', second: 'beta', wins: 12, ties: 5, losses: 8, comparisons: 25, score: (12 + 2.5) / 25 });
		expect(ag).toMatchObject({ first: 'alpha', second: 'gamma', wins: 15, ties: 3, losses: 4, comparisons: 22 });
		// Wilson (1927) bounds computed independently with scipy.stats.norm.ppf(0.975) and the score formula.
		expect(ab.winRate.lower).toBeCloseTo(0.30031285954112974, 12);
		expect(ab.winRate.upper).toBeCloseTo(0.6650148304964322, 12);
		expect(ab.decisiveWinRate).toMatchObject({ successes: 12, trials: 20 });
		expect(ab.decisiveWinRate.lower).toBeCloseTo(0.3865815007622531, 12);
		expect(ab.decisiveWinRate.upper).toBeCloseTo(0.781193467627183, 12);
		expect(ab.tieRate.lower).toBeCloseTo(0.08860584686802572, 12);
		expect(ab.winRate.proportion! + ab.tieRate.proportion! + ab.lossRate.proportion!).toBeCloseTo(1, 12);
	});
	it('a pair with only ties has no decisive win rate', () => {
		const [p] = winTieLoss(outcomes([['x', 'y', 0, 3, 0]]));
		expect(p.decisiveWinRate).toMatchObject({ trials: 0, proportion: null, lower: 0, upper: 1 });
		expect(p.score).toBe(0.5);
	});
});

describe('intervals clustered by item (several reviewers per pair)', () => {
	// Two models, four items judged twice each: [a a] [a a] [b b] [a b]. p̂ = 5/8, v = n p̂ (1 − p̂) = 1.875.
	const items: ('a' | 'b')[][] = [['a', 'a'], ['a', 'a'], ['b', 'b'], ['a', 'b']];
	const data: PairwiseOutcome[] = items.flatMap((results, item) => results.map((result) => ({ modelA: 'x', modelB: 'y', result, cluster: item })));

	it('worked example: the sandwich variance by hand', () => {
		const fit = bradleyTerry(data);
		const x = fit.models.find((m) => m.model === 'x')!;
		expect(x.strength!).toBeCloseTo(Math.log(5 / 3) / 2, 10);
		// Cluster scores Σ(y − p̂): 0.75, 0.75, −1.25, −0.25; Σ s² = 2.75; small-sample factor G/(G−1) = 4/3.
		// θx = d/2, so var θx = (4/3 · 2.75) / (4 v²).
		const v = 8 * (5 / 8) * (3 / 8);
		expect(x.standardError!).toBeCloseTo(Math.sqrt(((4 / 3) * 2.75) / (4 * v * v)), 10);
		expect(fit.clusters).toBe(4);
		// The result names the intervals it gave: the sandwich, not the plain observed information asked for by default.
		expect(fit.intervals).toBe('cluster-robust');
		expect(bradleyTerryIntervalsText(fit, 'items')).toBe('95% Wald intervals from the cluster-robust (sandwich) variance over 4 items, with the G/(G − 1) correction');
		// Treated as 8 independent comparisons it would be 1 / √(4v), much narrower.
		const independent = bradleyTerry(data.map(({ cluster: _c, ...o }) => o));
		expect(independent.clusters).toBeNull();
		expect(independent.intervals).toBe('observed-information');
		expect(bradleyTerryIntervalsText(independent)).toBe('95% Wald intervals from the observed information');
		expect(bradleyTerryIntervalsText(bradleyTerry(data, { intervals: 'bootstrap', replicates: 20 }), 'items')).toBe('95% percentile bootstrap intervals resampling 4 whole items');
		expect(independent.models.find((m) => m.model === 'x')!.standardError!).toBeCloseTo(Math.sqrt(1 / (4 * v)), 10);
	});

	it('one comparison per cluster keeps the information-based intervals; the bootstrap draws whole items', () => {
		const alone = baseball().map((o, i) => ({ ...o, cluster: i }));
		expect(bradleyTerry(alone).models).toEqual(bradleyTerry(baseball()).models);
		expect(bradleyTerry(alone).clusters).toBeNull();
		const boot = bradleyTerry(data, { intervals: 'bootstrap', replicates: 200, seed: 3 });
		expect(boot.clusters).toBe(4);
		// The same seed, the same cluster draws.
		expect(bradleyTerry(data, { intervals: 'bootstrap', replicates: 200, seed: 3 }).models).toEqual(boot.models);
	});

	it('seeded simulation with a known truth: items judged twice, the clustered intervals cover about 95%, the independent ones do not', () => {
		const truth: Record<string, number> = { m1: 0.6, m2: 0.1, m3: -0.7 };
		const names = Object.keys(truth);
		const mean = Object.values(truth).reduce((s, x) => s + x, 0) / names.length;
		const random = new SeededRandom(77);
		let clustered = 0;
		let naive = 0;
		let total = 0;
		for (let r = 0; r < 150; r++) {
			const data: PairwiseOutcome[] = [];
			for (let item = 0; item < 80; item++) {
				const i = random.int(3);
				let j = random.int(2);
				if (j >= i) j++;
				const pa = 1 / (1 + Math.exp(truth[names[j]] - truth[names[i]]));
				// Each item's better response is what both reviewers see: their choices agree with
				// probability 0.8 beyond chance, yet each choice alone follows Bradley–Terry.
				const shared = random.float() < pa ? 'a' : 'b';
				for (let k = 0; k < 2; k++) {
					const own = random.float() < pa ? 'a' : 'b';
					data.push({ modelA: names[i], modelB: names[j], result: random.float() < 0.8 ? shared : own, cluster: item });
				}
			}
			const withItems = bradleyTerry(data);
			const independent = bradleyTerry(data.map(({ cluster: _c, ...o }) => o));
			for (const m of withItems.models) {
				const t = truth[m.model] - mean;
				if (m.lower! <= t && t <= m.upper!) clustered++;
				const n = independent.models.find((x) => x.model === m.model)!;
				if (n.lower! <= t && t <= n.upper!) naive++;
				total++;
			}
		}
		// 450 intervals: the binomial 99.9% range around 0.95 is about 0.92–0.98.
		expect(clustered / total).toBeGreaterThan(0.92);
		expect(clustered / total).toBeLessThan(0.98);
		expect(naive / total).toBeLessThan(0.9);
	});
});
