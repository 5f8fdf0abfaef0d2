/**
 * Pairwise preference statistics: win / tie / loss counts per model pair with Wilson intervals,
 * and a Bradley–Terry ranking of models with intervals.
 *
 * Bradley–Terry (Bradley & Terry 1952): P(i beats j) = γᵢ / (γᵢ + γⱼ), strengths fitted by
 * maximum likelihood with the MM algorithm of Hunter (2004, Ann. Statist. 32:384–406, eq. 3):
 *   γᵢ ← Wᵢ / Σⱼ nᵢⱼ / (γᵢ + γⱼ),
 * where Wᵢ is i's wins and nᵢⱼ the comparisons of i with j. It increases the likelihood at every
 * step and converges to the maximum whenever that exists (Hunter's Assumption 1: in every split
 * of the models into two groups, some model of each group beat some model of the other).
 *
 * Ties count as half a win for each side. Why not Davidson's (1970) tie model: reviewers'
 * ties mostly say "too close to call" and are reported on their own (the tie rate of each pair,
 * below), and a half win keeps the likelihood a plain Bradley–Terry one in weighted wins, so
 * Hunter's MM update and its convergence guarantee apply unchanged. With few ties the strengths
 * hardly differ from Davidson's; with many, both shrink the gap between the two models.
 *
 * Strengths are reported on the log scale θᵢ = log γᵢ, centred so the models average 0 (a model
 * at 0 beats the average model half the time; a difference of 1 is odds e ≈ 2.7 to 1). Intervals:
 * from the observed information (the negative Hessian of the log-likelihood, whose pseudo-inverse
 * is the covariance of the centred θ), or percentile intervals from a seeded bootstrap over the
 * comparisons. When comparisons share a cluster (one audited item judged by several reviewers),
 * the covariance is the cluster-robust sandwich I⁺ B I⁺, B = G/(G−1) Σ_c s_c s_cᵀ over the G
 * clusters' score vectors s_c (Liang & Zeger 1986; the same clustering as the win rates'), and
 * the bootstrap resamples clusters.
 */
import { SeededRandom } from '$lib/audits/random';
import { wilsonInterval, type IntervalOptions, type ProportionInterval } from './proportion';
import { zForConfidence } from './normal';

/** One judged comparison: which of the two models' responses was better. */
export interface PairwiseOutcome {
	modelA: string;
	modelB: string;
	result: 'a' | 'b' | 'tie';
	/**
	 * The sampling unit the comparison belongs to (an audited item): several reviewers' choices on
	 * one item are not independent comparisons, so Bradley–Terry intervals are clustered by it.
	 * Comparisons without one are each their own cluster.
	 */
	cluster?: number | string;
}

// ---- win / tie / loss ----

export interface ModelPairRecord {
	/** The pair, in name order; every count is from `first`'s side. */
	first: string;
	second: string;
	wins: number;
	ties: number;
	losses: number;
	comparisons: number;
	/** Share of comparisons `first` won, tied, lost (Wilson intervals; the three shares sum to 1). */
	winRate: ProportionInterval;
	tieRate: ProportionInterval;
	lossRate: ProportionInterval;
	/** Wins among the decided comparisons (ties left out), with its Wilson interval. */
	decisiveWinRate: ProportionInterval;
	/** (wins + ties / 2) / comparisons: the win rate with ties as half wins; null without comparisons. */
	score: number | null;
}

function checkOutcome(o: PairwiseOutcome, i: number): void {
	if (o.modelA === o.modelB) throw new RangeError(`comparison ${i} sets model "${o.modelA}" against itself`);
	if (o.result !== 'a' && o.result !== 'b' && o.result !== 'tie') throw new RangeError(`comparison ${i} has result ${JSON.stringify(o.result)}, not a, b or tie`);
}

/** Win, tie and loss counts of every pair of models that met, with Wilson intervals for each share. */
export function winTieLoss(outcomes: readonly PairwiseOutcome[], options: IntervalOptions = {}): ModelPairRecord[] {
	const pairs = new Map<string, { first: string; second: string; wins: number; ties: number; losses: number }>();
	outcomes.forEach((o, i) => {
		checkOutcome(o, i);
		const flipped = o.modelA > o.modelB;
		const [first, second] = flipped ? [o.modelB, o.modelA] : [o.modelA, o.modelB];
		const key = JSON.stringify([first, second]);
		let p = pairs.get(key);
		if (!p) pairs.set(key, (p = { first, second, wins: 0, ties: 0, losses: 0 }));
		if (o.result === 'tie') p.ties++;
		else if ((o.result === 'a') !== flipped) p.wins++;
		else p.losses++;
	});
	return [...pairs.values()]
		.sort((x, y) => (x.first === y.first ? (x.second < y.second ? -1 : 1) : x.first < y.first ? -1 : 1))
		.map((p) => {
			const n = p.wins + p.ties + p.losses;
			return {
				...p,
				comparisons: n,
				winRate: wilsonInterval(p.wins, n, options),
				tieRate: wilsonInterval(p.ties, n, options),
				lossRate: wilsonInterval(p.losses, n, options),
				decisiveWinRate: wilsonInterval(p.wins, p.wins + p.losses, options),
				score: n === 0 ? null : (p.wins + p.ties / 2) / n
			};
		});
}

// ---- Bradley–Terry ----

export interface BradleyTerryOptions {
	/** 'observed-information' (default), 'bootstrap' or 'none'. */
	intervals?: 'observed-information' | 'bootstrap' | 'none';
	/** Two-sided level of the intervals; default 0.95. */
	confidence?: number;
	/** Bootstrap replicates (default 1000) and seed (default 1): the same seed gives the same intervals. */
	replicates?: number;
	seed?: number;
	/**
	 * Pseudo-comparisons added to every pair of models that met, won half by each side: a
	 * shrinkage that makes the fit exist when one model won (or lost) every comparison. Default 0
	 * (the plain maximum-likelihood fit).
	 */
	prior?: number;
	/** MM stops when the score is below this per comparison (default 1e-12) or after maxIterations (default 100,000). */
	tolerance?: number;
	maxIterations?: number;
}

export interface BradleyTerryModel {
	model: string;
	/** 1 for the strongest; models with equal strengths share the better rank; null when the fit does not exist (no order to rank by). */
	rank: number | null;
	/** θ = log γ, centred so the models average 0; null when the fit does not exist. */
	strength: number | null;
	/** Standard error of the centred θ from the observed information (null for bootstrap or none). */
	standardError: number | null;
	lower: number | null;
	upper: number | null;
	/** Wins with ties as halves, and comparisons, over all opponents. */
	wins: number;
	comparisons: number;
}

export type BradleyTerryIntervals = 'observed-information' | 'cluster-robust' | 'bootstrap' | 'none';

/** What the intervals are, in words, e.g. for a table's note; `clustersAre` names the clusters ("items"). */
export function bradleyTerryIntervalsText(result: Pick<BradleyTerryResult, 'intervals' | 'clusters' | 'confidence'>, clustersAre = 'clusters'): string {
	const level = `${Math.round(result.confidence * 1000) / 10}%`;
	switch (result.intervals) {
		case 'observed-information':
			return `${level} Wald intervals from the observed information`;
		case 'cluster-robust':
			return `${level} Wald intervals from the cluster-robust (sandwich) variance over ${result.clusters} ${clustersAre}, with the G/(G − 1) correction`;
		case 'bootstrap':
			return `${level} percentile bootstrap intervals${result.clusters ? ` resampling ${result.clusters} whole ${clustersAre}` : ''}`;
		case 'none':
			return 'no intervals';
	}
}

export interface BradleyTerryResult {
	/** Strongest first. */
	models: BradleyTerryModel[];
	/** Whether the maximum-likelihood fit exists (Hunter's Assumption 1); when not, `problem` says why. */
	identifiable: boolean;
	problem: string | null;
	converged: boolean;
	iterations: number;
	logLikelihood: number | null;
	/**
	 * The intervals given: Wald from the observed information, Wald from the cluster-robust
	 * (sandwich) covariance with G/(G − 1) when some cluster holds several comparisons (asked for as
	 * 'observed-information'), percentile bootstrap (of whole clusters when `clusters`), or none.
	 */
	intervals: BradleyTerryIntervals;
	confidence: number;
	/** Covariance of the centred θ (observed information), in the order of `models`; null otherwise. */
	covariance: number[][] | null;
	/** Bootstrap replicates whose resample had no fit (a model winning or losing all), left out of the percentiles. */
	bootstrapFailures: number;
	/** Clusters the intervals treat as independent when some cluster holds several comparisons (sandwich covariance or cluster bootstrap); null when every comparison is its own. */
	clusters: number | null;
}

interface Tally {
	names: string[];
	/** w[i][j]: wins of i over j, ties counted as ½ each (plus the prior). */
	w: number[][];
}

function tally(outcomes: readonly PairwiseOutcome[], names: string[], prior: number): Tally {
	const index = new Map(names.map((n, i) => [n, i]));
	const k = names.length;
	const w = Array.from({ length: k }, () => new Array<number>(k).fill(0));
	for (const o of outcomes) {
		const a = index.get(o.modelA)!;
		const b = index.get(o.modelB)!;
		if (o.result === 'a') w[a][b] += 1;
		else if (o.result === 'b') w[b][a] += 1;
		else {
			w[a][b] += 0.5;
			w[b][a] += 0.5;
		}
	}
	if (prior > 0) {
		for (let i = 0; i < k; i++)
			for (let j = i + 1; j < k; j++) {
				if (w[i][j] + w[j][i] > 0) {
					w[i][j] += prior;
					w[j][i] += prior;
				}
			}
	}
	return { names, w };
}

/** Models reachable from `start` along "beat" edges (forward) or "was beaten by" edges (backward). */
function reach(w: number[][], start: number, forward: boolean): boolean[] {
	const k = w.length;
	const seen = new Array<boolean>(k).fill(false);
	const stack = [start];
	seen[start] = true;
	while (stack.length) {
		const i = stack.pop()!;
		for (let j = 0; j < k; j++) {
			if (!seen[j] && (forward ? w[i][j] : w[j][i]) > 0) {
				seen[j] = true;
				stack.push(j);
			}
		}
	}
	return seen;
}

/** Why the fit does not exist, or null when it does (the "beat" graph is strongly connected). */
function identifiabilityProblem({ names, w }: Tally): string | null {
	const k = names.length;
	if (k < 2) return k === 0 ? 'there are no comparisons' : `only one model ("${names[0]}") was compared`;
	for (let i = 0; i < k; i++) {
		let won = 0;
		let lost = 0;
		for (let j = 0; j < k; j++) {
			won += w[i][j];
			lost += w[j][i];
		}
		if (lost === 0) return `"${names[i]}" never lost (it won all ${won} of its comparisons), so its strength has no finite estimate; add a prior or more comparisons`;
		if (won === 0) return `"${names[i]}" never won (it lost all ${lost} of its comparisons), so its strength has no finite estimate; add a prior or more comparisons`;
	}
	const forward = reach(w, 0, true);
	const backward = reach(w, 0, false);
	const link = (a: boolean[]) => names.filter((_, i) => a[i]).map((n) => `"${n}"`).join(', ');
	const split = forward.some((x) => !x) ? forward : backward.some((x) => !x) ? backward : null;
	if (!split) return null;
	const inside = link(split);
	const outside = link(split.map((x) => !x));
	const met = names.some((_, i) => split[i] && names.some((__, j) => !split[j] && w[i][j] + w[j][i] > 0));
	return met
		? `the models split into two groups, {${inside}} and {${outside}}, where one group never beat the other, so their strengths have no finite estimate; add a prior or more comparisons`
		: `no comparison links {${inside}} with {${outside}}, so strengths across the two groups cannot be compared`;
}

interface Fit {
	theta: number[];
	iterations: number;
	converged: boolean;
}

/**
 * Hunter's MM iterations on γ, returned as centred log-strengths. MM converges linearly, so a
 * small step is no proof of being close; it stops when the score (the gradient of the
 * log-likelihood in θ, Wᵢ − Σⱼ nᵢⱼ γᵢ / (γᵢ + γⱼ)) is below `tolerance` per comparison.
 */
function fitMM({ w }: Tally, tolerance: number, maxIterations: number): Fit {
	const k = w.length;
	const n = w.map((row, i) => row.map((x, j) => x + w[j][i]));
	const wins = w.map((row) => row.reduce((s, x) => s + x, 0));
	const total = wins.reduce((s, x) => s + x, 0);
	let gamma = new Array<number>(k).fill(1);
	let iterations = 0;
	let converged = false;
	const denominator = new Array<number>(k);
	while (iterations < maxIterations) {
		let score = 0;
		for (let i = 0; i < k; i++) {
			let d = 0;
			for (let j = 0; j < k; j++) if (j !== i && n[i][j] > 0) d += n[i][j] / (gamma[i] + gamma[j]);
			denominator[i] = d;
			score = Math.max(score, Math.abs(wins[i] - gamma[i] * d));
		}
		if (score <= tolerance * total) {
			converged = true;
			break;
		}
		iterations++;
		const next = new Array<number>(k);
		for (let i = 0; i < k; i++) next[i] = wins[i] / denominator[i];
		// Rescale to geometric mean 1 (the likelihood does not see a common factor).
		const logMean = next.reduce((s, g) => s + Math.log(g), 0) / k;
		for (let i = 0; i < k; i++) next[i] = Math.exp(Math.log(next[i]) - logMean);
		gamma = next;
	}
	return { theta: gamma.map((g) => Math.log(g)), iterations, converged };
}

function logLikelihood({ w }: Tally, theta: number[]): number {
	let ll = 0;
	for (let i = 0; i < w.length; i++)
		for (let j = 0; j < w.length; j++) {
			if (i === j || w[i][j] === 0) continue;
			const m = Math.max(theta[i], theta[j]);
			ll += w[i][j] * (theta[i] - (m + Math.log(Math.exp(theta[i] - m) + Math.exp(theta[j] - m))));
		}
	return ll;
}

/** Inverse of a small symmetric positive definite matrix (Gauss–Jordan with partial pivoting). */
function invert(a: number[][]): number[][] {
	const k = a.length;
	const m = a.map((row, i) => [...row, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
	for (let c = 0; c < k; c++) {
		let pivot = c;
		for (let r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
		[m[c], m[pivot]] = [m[pivot], m[c]];
		const p = m[c][c];
		if (p === 0) throw new RangeError('singular information matrix');
		for (let j = 0; j < 2 * k; j++) m[c][j] /= p;
		for (let r = 0; r < k; r++) {
			if (r === c || m[r][c] === 0) continue;
			const f = m[r][c];
			for (let j = 0; j < 2 * k; j++) m[r][j] -= f * m[c][j];
		}
	}
	return m.map((row) => row.slice(k));
}

/**
 * Covariance of the centred θ: the Moore–Penrose pseudo-inverse of the observed information
 * I (a weighted graph Laplacian, Iᵢⱼ = −nᵢⱼ pᵢⱼ pⱼᵢ, Iᵢᵢ = Σⱼ nᵢⱼ pᵢⱼ pⱼᵢ), computed as
 * (I + 11ᵀ/k)⁻¹ − 11ᵀ/k since I's null space is the constant vector.
 */
function covarianceOf({ w }: Tally, theta: number[]): number[][] {
	const k = w.length;
	const info = Array.from({ length: k }, () => new Array<number>(k).fill(0));
	for (let i = 0; i < k; i++)
		for (let j = 0; j < k; j++) {
			if (i === j) continue;
			const n = w[i][j] + w[j][i];
			if (n === 0) continue;
			const p = 1 / (1 + Math.exp(theta[j] - theta[i]));
			const v = n * p * (1 - p);
			info[i][j] -= v;
			info[i][i] += v;
		}
	const inverse = invert(info.map((row) => row.map((x) => x + 1 / k)));
	return inverse.map((row) => row.map((x) => x - 1 / k));
}

/** The outcomes grouped by cluster (those without one alone), or null when no cluster holds two. */
function clustersOf(outcomes: readonly PairwiseOutcome[]): PairwiseOutcome[][] | null {
	const groups = new Map<number | string, PairwiseOutcome[]>();
	const single: PairwiseOutcome[][] = [];
	for (const o of outcomes) {
		if (o.cluster === undefined) {
			single.push([o]);
			continue;
		}
		const g = groups.get(o.cluster);
		if (g) g.push(o);
		else groups.set(o.cluster, [o]);
	}
	const all = [...groups.values(), ...single];
	return all.some((g) => g.length > 1) ? all : null;
}

/**
 * The cluster-robust (sandwich) covariance of the centred θ: I⁺ B I⁺ with B = G/(G−1) Σ_c s_c s_cᵀ,
 * s_c the cluster's score (each comparison adds y − pᵢⱼ to i and takes it from j, y = 1, ½ or 0).
 * The prior's pseudo-comparisons are fixed, not sampled, so they add no score.
 */
function clusteredCovariance(clusters: readonly PairwiseOutcome[][], names: string[], theta: number[], modelCovariance: number[][]): number[][] {
	const k = names.length;
	const index = new Map(names.map((n, i) => [n, i]));
	const meat = Array.from({ length: k }, () => new Array<number>(k).fill(0));
	for (const cluster of clusters) {
		const score = new Array<number>(k).fill(0);
		for (const o of cluster) {
			const a = index.get(o.modelA)!;
			const b = index.get(o.modelB)!;
			const y = o.result === 'a' ? 1 : o.result === 'b' ? 0 : 0.5;
			const r = y - 1 / (1 + Math.exp(theta[b] - theta[a]));
			score[a] += r;
			score[b] -= r;
		}
		for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) meat[i][j] += score[i] * score[j];
	}
	const g = clusters.length;
	const scale = g > 1 ? g / (g - 1) : 1;
	const product = (x: number[][], y: number[][]) => x.map((row) => y[0].map((_, j) => row.reduce((s, v, m) => s + v * y[m][j], 0)));
	return product(product(modelCovariance, meat.map((row) => row.map((v) => v * scale))), modelCovariance);
}

function quantile(sorted: number[], q: number): number {
	// Type 7 (R's default, linear interpolation between order statistics).
	const h = (sorted.length - 1) * q;
	const lo = Math.floor(h);
	return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/**
 * Bradley–Terry strengths of the models in `outcomes`, strongest first, with intervals. When
 * the fit does not exist (a model never lost, or never won, or the comparisons fall apart into
 * groups), `identifiable` is false, `problem` says which, and strengths are null: use `prior`.
 */
export function bradleyTerry(outcomes: readonly PairwiseOutcome[], options: BradleyTerryOptions = {}): BradleyTerryResult {
	outcomes.forEach(checkOutcome);
	const prior = options.prior ?? 0;
	if (!(prior >= 0 && Number.isFinite(prior))) throw new RangeError(`prior must be a non-negative number, got ${prior}`);
	const intervals = options.intervals ?? 'observed-information';
	const confidence = options.confidence ?? 0.95;
	const tolerance = options.tolerance ?? 1e-12;
	const maxIterations = options.maxIterations ?? 100_000;
	const names = [...new Set(outcomes.flatMap((o) => [o.modelA, o.modelB]))].sort();
	const t = tally(outcomes, names, prior);
	const k = names.length;
	// Counts shown are the data's, without the prior's pseudo-comparisons.
	const shown = tally(outcomes, names, 0);
	const shownWins = shown.w.map((row) => row.reduce((s, x) => s + x, 0));
	const shownComparisons = shown.w.map((row, i) => row.reduce((s, x, j) => s + x + shown.w[j][i], 0));
	const problem = identifiabilityProblem(t);
	const clusters = clustersOf(outcomes);
	const given: BradleyTerryIntervals = intervals === 'observed-information' && clusters ? 'cluster-robust' : intervals;
	const base = { intervals: given, confidence, bootstrapFailures: 0, clusters: clusters && intervals !== 'none' ? clusters.length : null };
	if (problem) {
		return {
			...base,
			models: names.map((model, i) => ({ model, rank: null, strength: null, standardError: null, lower: null, upper: null, wins: shownWins[i], comparisons: shownComparisons[i] })),
			identifiable: false,
			problem,
			converged: false,
			iterations: 0,
			logLikelihood: null,
			covariance: null
		};
	}
	const fit = fitMM(t, tolerance, maxIterations);
	const theta = fit.theta;
	let se: (number | null)[] = new Array(k).fill(null);
	let lower: (number | null)[] = new Array(k).fill(null);
	let upper: (number | null)[] = new Array(k).fill(null);
	let covariance: number[][] | null = null;
	let bootstrapFailures = 0;
	if (intervals === 'observed-information') {
		covariance = covarianceOf(t, theta);
		if (clusters) covariance = clusteredCovariance(clusters, names, theta, covariance);
		const z = zForConfidence(confidence);
		se = covariance.map((row, i) => Math.sqrt(Math.max(0, row[i])));
		lower = theta.map((x, i) => x - z * (se[i] as number));
		upper = theta.map((x, i) => x + z * (se[i] as number));
	} else if (intervals === 'bootstrap') {
		const replicates = options.replicates ?? 1000;
		if (!Number.isInteger(replicates) || replicates < 1) throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
		const random = new SeededRandom(options.seed ?? 1);
		const draws: number[][] = names.map(() => []);
		// Whole clusters are drawn when comparisons share one, so the resample keeps their dependence.
		const units = clusters ?? outcomes.map((o) => [o]);
		const resample: PairwiseOutcome[] = [];
		for (let b = 0; b < replicates; b++) {
			resample.length = 0;
			for (let i = 0; i < units.length; i++) resample.push(...units[random.int(units.length)]);
			const rt = tally(resample, names, prior);
			if (identifiabilityProblem(rt)) {
				bootstrapFailures++;
				continue;
			}
			const r = fitMM(rt, tolerance, maxIterations).theta;
			for (let i = 0; i < k; i++) draws[i].push(r[i]);
		}
		if (draws[0].length > 0) {
			const alpha = (1 - confidence) / 2;
			for (let i = 0; i < k; i++) {
				const sorted = draws[i].sort((x, y) => x - y);
				lower[i] = quantile(sorted, alpha);
				upper[i] = quantile(sorted, 1 - alpha);
			}
		}
	}
	const order = names.map((_, i) => i).sort((x, y) => theta[y] - theta[x] || (names[x] < names[y] ? -1 : 1));
	const models: BradleyTerryModel[] = order.map((i) => ({
		model: names[i],
		rank: 1 + order.filter((j) => theta[j] > theta[i] + 1e-9).length,
		strength: theta[i],
		standardError: se[i],
		lower: lower[i],
		upper: upper[i],
		wins: shownWins[i],
		comparisons: shownComparisons[i]
	}));
	return {
		...base,
		models,
		identifiable: true,
		problem: null,
		converged: fit.converged,
		iterations: fit.iterations,
		logLikelihood: logLikelihood(t, theta),
		covariance: covariance ? order.map((i) => order.map((j) => covariance![i][j])) : null,
		bootstrapFailures
	};
}

/** P(first beats second) under fitted strengths (ties split): 1 / (1 + e^(θ₂ − θ₁)). */
export function winProbability(firstStrength: number, secondStrength: number): number {
	return 1 / (1 + Math.exp(secondStrength - firstStrength));
}
