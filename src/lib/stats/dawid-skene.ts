/**
 * Latent-truth estimation from repeated noisy labels: Dawid & Skene (1979), "Maximum likelihood
 * estimation of observer error-rates using the EM algorithm", Applied Statistics 28(1):20–28.
 *
 * Each item has an unobserved true class; each reviewer (observer) answers with a class drawn from
 * their own confusion matrix (row = true class, column = answer), independently of the others
 * given the truth. EM alternates the posterior of each item's class (E-step, paper eq. 2.5) with
 * the maximum-likelihood class shares and confusion matrices given those posteriors (M-step,
 * eqs. 2.3–2.4). Its likelihood has local maxima, so EM runs from several starts — the paper's §3
 * (each item's share of answers per class) first — and the most likely end is kept (startsOf).
 *
 * Items may carry a known class: gold items (anchors, outside the population: they inform the
 * confusion matrices only) and adjudicated items (inside the population: their class is fixed).
 * Pure and deterministic: the same data give the same numbers; the bootstrap is seeded.
 */
import { SeededRandom } from '../audits/random';

export interface DawidSkeneObservation {
	item: number;
	rater: number;
	/** 0 … classes − 1. */
	label: number;
}

/**
 * Observations in columns (observation o: rater[o] answered item[o] with label[o]): a large audit
 * has hundreds of thousands, and one object each is most of the setup's time and garbage.
 */
export interface DawidSkeneObservations {
	item: Int32Array;
	rater: Int32Array;
	label: Int32Array;
}

/** Observations given one object each, in columns. */
export function observationColumns(list: readonly DawidSkeneObservation[]): DawidSkeneObservations {
	const columns = { item: new Int32Array(list.length), rater: new Int32Array(list.length), label: new Int32Array(list.length) };
	list.forEach((o, at) => {
		for (const field of ['item', 'rater', 'label'] as const) {
			if (!Number.isInteger(o[field])) throw new RangeError(`observation ${at}: ${field} ${o[field]} is not an integer`);
		}
		columns.item[at] = o.item;
		columns.rater[at] = o.rater;
		columns.label[at] = o.label;
	});
	return columns;
}

export interface DawidSkeneInput {
	classes: number;
	/** Items are 0 … items − 1. */
	items: number;
	/** Raters are 0 … raters − 1. */
	raters: number;
	observations: DawidSkeneObservations;
	/** Items whose true class is known. */
	known?: ReadonlyArray<{ item: number; label: number }>;
	/**
	 * Items outside the population (gold): they inform the confusion matrices but not the class
	 * shares or the rates. Default: none.
	 */
	outside?: readonly number[];
}

export interface DawidSkeneOptions {
	/** EM stops when no class share or confusion entry moves more than this; default 1e-7. */
	tolerance?: number;
	/** Iteration cap; reaching it without meeting the tolerance is reported as non-convergence. */
	maxIterations?: number;
	/** Called after each EM step: a long computation's chance to give way (it must not change the data). */
	onStep?: () => void;
	/** false: plain EM steps, as the paper (slower; the accelerated fit is checked against it). Default true. */
	accelerate?: boolean;
	/** true: EM from the paper's start only, as before several starts (for comparison). Default false. */
	singleStart?: boolean;
}

export interface DawidSkeneFit {
	converged: boolean;
	iterations: number;
	logLikelihood: number;
	/** Estimated share of each class in the population (the paper's p̂). */
	classShares: number[];
	/** confusion[rater][trueClass][answer]; a rater with no labels keeps the starting guess. */
	confusion: number[][][];
	/** posterior[item][class]: P(true class | answers); known items are 0/1. */
	posterior: number[][];
	/** Per rater: answers given (all items, gold included). */
	labelsPerRater: number[];
	/** Where EM was started from and where those starts ended (see DAWID_SKENE_STARTS). */
	starts: DawidSkeneStarts;
	/**
	 * Why the rate is only weakly identified, or null: another start ended at a materially different
	 * class share with a likelihood within RIVAL_LOG_LIKELIHOOD_MARGIN of the best. One sentence a
	 * report can print beside the rate.
	 */
	caveat: string | null;
}

/** The starts of a fit: the likelihood has local maxima, and a single start may end on a lower one. */
export interface DawidSkeneStarts {
	/** Starts run to the end (each to convergence or the iteration cap). */
	tried: number;
	/** Starts that ended at the best likelihood (to rounding); the fit is the first of them in start order. */
	atBest: number;
	/** Starts left out because their classes stayed in other roles than the first start's after relabelling. */
	outOfOrder: number;
	/** The start the fit comes from (its name, e.g. 'majority', 'rater 2'). */
	chosen: string;
	/**
	 * The most likely end at a materially different class share (by more than
	 * MATERIAL_SHARE_DIFFERENCE) within RIVAL_LOG_LIKELIHOOD_MARGIN of the best, or null.
	 */
	rival: { start: string; classShares: number[]; logLikelihood: number } | null;
}

export const DAWID_SKENE_TOLERANCE = 1e-7;
export const DAWID_SKENE_MAX_ITERATIONS = 1000;
/** Log of a probability the model treats as impossible (keeps a 0 estimate from making −∞). */
const LOG_FLOOR = Math.log(1e-300);

/** The data in compact arrays: observations grouped by item (CSR), counts per rater and label. */
interface Prepared {
	K: number;
	I: number;
	J: number;
	start: Int32Array;
	rater: Int32Array;
	label: Int32Array;
	known: Int32Array;
	inside: Uint8Array;
}

function prepare(input: DawidSkeneInput): Prepared {
	const { classes: K, items: I, raters: J } = input;
	if (!(Number.isInteger(K) && K >= 2)) throw new RangeError(`classes must be an integer ≥ 2, got ${K}`);
	if (!(Number.isInteger(I) && I >= 0 && Number.isInteger(J) && J >= 0)) throw new RangeError('items and raters must be non-negative integers');
	const { item: items, rater: raters, label: labels } = input.observations;
	const n = items.length;
	if (raters.length !== n || labels.length !== n) throw new RangeError(`observation columns differ in length: ${n} items, ${raters.length} raters, ${labels.length} labels`);
	const counts = new Int32Array(I + 1);
	for (let o = 0; o < n; o++) {
		const item = items[o];
		const rater = raters[o];
		const label = labels[o];
		if (!(item >= 0 && item < I)) throw new RangeError(`observation item ${item} out of range`);
		if (!(rater >= 0 && rater < J)) throw new RangeError(`observation rater ${rater} out of range`);
		if (!(label >= 0 && label < K)) throw new RangeError(`observation label ${label} out of range`);
		counts[item + 1]++;
	}
	const start = new Int32Array(I + 1);
	for (let i = 0; i < I; i++) start[i + 1] = start[i] + counts[i + 1];
	const fill = start.slice(0, I);
	const rater = new Int32Array(n);
	const label = new Int32Array(n);
	for (let o = 0; o < n; o++) {
		const at = fill[items[o]]++;
		rater[at] = raters[o];
		label[at] = labels[o];
	}
	const known = new Int32Array(I).fill(-1);
	for (const k of input.known ?? []) {
		if (!(k.label >= 0 && k.label < K)) throw new RangeError(`known label ${k.label} out of range`);
		known[k.item] = k.label;
	}
	const inside = new Uint8Array(I).fill(1);
	for (const i of input.outside ?? []) inside[i] = 0;
	return { K, I, J, start, rater, label, known, inside };
}

/**
 * EM state: the parameters in one vector (class shares, then each rater's K × K confusion matrix,
 * row = true class) and the items' class posteriors.
 */
interface State {
	params: Float64Array;
	posterior: Float64Array; // I × K
}

/** A state whose known items already carry their class: the E-step never writes their posteriors. */
function newState(p: Prepared): State {
	const posterior = new Float64Array(p.I * p.K);
	for (let i = 0; i < p.I; i++) if (p.known[i] >= 0) posterior[i * p.K + p.known[i]] = 1;
	return { params: new Float64Array(p.K + p.J * p.K * p.K), posterior };
}

/** The paper's starting point: each item's share of answers per class (known items: their class). */
function initialPosterior(p: Prepared, s: State): void {
	const { K, I, start, label, known } = p;
	for (let i = 0; i < I; i++) {
		const row = i * K;
		for (let k = 0; k < K; k++) s.posterior[row + k] = 0;
		if (known[i] >= 0) {
			s.posterior[row + known[i]] = 1;
			continue;
		}
		const n = start[i + 1] - start[i];
		if (n === 0) {
			for (let k = 0; k < K; k++) s.posterior[row + k] = 1 / K;
			continue;
		}
		for (let o = start[i]; o < start[i + 1]; o++) s.posterior[row + label[o]] += 1 / n;
	}
}

/**
 * M-step (paper eqs. 2.3–2.4): class shares over the population items and each rater's confusion
 * rows from the posteriors, weighted by `weight` (a bootstrap's multiplicity of each item; 1 for
 * the data as observed), written into `out`. A row with no weight keeps its value from `previous`.
 */
function mStep(p: Prepared, posterior: Float64Array, weight: Float64Array, previous: Float64Array, out: Float64Array): void {
	const { K, I, J, start, rater, label, inside, known } = p;
	out.set(previous);
	let total = 0;
	for (let k = 0; k < K; k++) out[k] = 0;
	for (let i = 0; i < I; i++) {
		if (!inside[i] || weight[i] === 0 || !(start[i + 1] > start[i] || known[i] >= 0)) continue;
		for (let k = 0; k < K; k++) out[k] += weight[i] * posterior[i * K + k];
		total += weight[i];
	}
	if (total > 0) for (let k = 0; k < K; k++) out[k] /= total;
	else for (let k = 0; k < K; k++) out[k] = previous[k];
	const tally = new Float64Array(J * K * K);
	for (let i = 0; i < I; i++) {
		const w = weight[i];
		if (w === 0) continue;
		for (let o = start[i]; o < start[i + 1]; o++) {
			const base = rater[o] * K * K;
			for (let k = 0; k < K; k++) tally[base + k * K + label[o]] += w * posterior[i * K + k];
		}
	}
	for (let j = 0; j < J; j++) {
		for (let k = 0; k < K; k++) {
			const row = j * K * K + k * K;
			let sum = 0;
			for (let l = 0; l < K; l++) sum += tally[row + l];
			if (sum <= 0) continue;
			for (let l = 0; l < K; l++) out[K + row + l] = tally[row + l] / sum;
		}
	}
}

const safeLog = (x: number) => (x > 0 ? Math.log(x) : LOG_FLOOR);

/** E-step (paper eq. 2.5): each unknown item's class posterior under `params`; returns the weighted log-likelihood. */
function eStep(p: Prepared, params: Float64Array, posterior: Float64Array, weight: Float64Array): number {
	const { K, I, start, rater, label, known, inside } = p;
	const logParams = new Float64Array(params.length);
	for (let x = 0; x < params.length; x++) logParams[x] = safeLog(params[x]);
	const logs = new Float64Array(K);
	let logLikelihood = 0;
	for (let i = 0; i < I; i++) {
		const row = i * K;
		for (let k = 0; k < K; k++) logs[k] = inside[i] ? logParams[k] : 0; // gold is not drawn from the class shares
		for (let o = start[i]; o < start[i + 1]; o++) {
			const base = K + rater[o] * K * K + label[o];
			for (let k = 0; k < K; k++) logs[k] += logParams[base + k * K];
		}
		if (known[i] >= 0) {
			if (weight[i] > 0) logLikelihood += weight[i] * logs[known[i]];
			continue;
		}
		let max = -Infinity;
		for (let k = 0; k < K; k++) max = Math.max(max, logs[k]);
		let sum = 0;
		for (let k = 0; k < K; k++) {
			logs[k] = Math.exp(logs[k] - max);
			sum += logs[k];
		}
		for (let k = 0; k < K; k++) posterior[row + k] = logs[k] / sum;
		if (weight[i] > 0 && start[i + 1] > start[i]) logLikelihood += weight[i] * (max + Math.log(sum));
	}
	return logLikelihood;
}

/**
 * An extrapolated step may bring each parameter no closer to 0 or to 1 than this share of its
 * distance there after the plain EM steps. A class share or confusion entry pushed onto 0 or 1
 * stays there (EM multiplies it by the posterior it fixes), and one pushed next to it barely
 * moves, which passes the convergence test: the fit stuck at a class share of exactly 1, below the
 * likelihood's maximum. EM itself still takes a parameter to an edge where the data lead there.
 */
export const EXTRAPOLATION_EDGE_SHARE = 0.1;
/** Halvings of an extrapolated step before the plain EM steps are kept instead. */
const MAX_STEP_HALVINGS = 20;

/** Whether `next` keeps every parameter off the edges as EXTRAPOLATION_EDGE_SHARE asks, measured against the plain EM steps' `t2`. */
function offTheEdges(next: Float64Array, t2: Float64Array): boolean {
	for (let x = 0; x < next.length; x++) {
		if (!(next[x] >= EXTRAPOLATION_EDGE_SHARE * t2[x] && 1 - next[x] >= EXTRAPOLATION_EDGE_SHARE * (1 - t2[x]))) return false;
	}
	return true;
}

/** Renormalises each share vector and confusion row to sum to 1 (an extrapolation keeps the sums, but for rounding). */
function renormalise(p: Prepared, params: Float64Array): void {
	const rows = 1 + p.J * p.K;
	for (let r = 0; r < rows; r++) {
		const at = r * p.K;
		let sum = 0;
		for (let l = 0; l < p.K; l++) sum += params[at + l];
		if (sum > 0) for (let l = 0; l < p.K; l++) params[at + l] /= sum;
	}
}

function maxDifference(a: Float64Array, b: Float64Array): number {
	let d = 0;
	for (let x = 0; x < a.length; x++) d = Math.max(d, Math.abs(a[x] - b[x]));
	return d;
}

/**
 * EM to convergence, sped up by SQUAREM (Varadhan & Roland 2008, Scand. J. Statist. 35:335–353,
 * scheme S3): two EM steps give a direction, the step is extrapolated along it, and one more EM
 * step from there is kept only if the likelihood did not drop (else the plain two steps are
 * kept) — so, like EM, the likelihood never decreases; a step that would come near 0 or 1 is
 * shortened (EXTRAPOLATION_EDGE_SHARE). Starts from `s.params`; converged when
 * no parameter moves more than the tolerance. `iterations` counts EM steps.
 */
function iterate(p: Prepared, s: State, weight: Float64Array, options: DawidSkeneOptions): { converged: boolean; iterations: number; logLikelihood: number } {
	const tolerance = options.tolerance ?? DAWID_SKENE_TOLERANCE;
	const cap = options.maxIterations ?? DAWID_SKENE_MAX_ITERATIONS;
	const n = s.params.length;
	const t1 = new Float64Array(n);
	const t2 = new Float64Array(n);
	const next = new Float64Array(n);
	let logLikelihood = eStep(p, s.params, s.posterior, weight);
	let steps = 0;
	while (steps < cap) {
		options.onStep?.();
		const theta = s.params;
		mStep(p, s.posterior, weight, theta, t1);
		steps++;
		const converged = maxDifference(t1, theta) < tolerance;
		if (converged || steps + 2 > cap || options.accelerate === false) {
			// Converged, or too few steps left for an extrapolation (or none wanted): keep the plain EM step.
			s.params.set(t1);
			logLikelihood = eStep(p, s.params, s.posterior, weight);
			if (converged) return { converged: true, iterations: steps, logLikelihood };
			continue;
		}
		eStep(p, t1, s.posterior, weight);
		mStep(p, s.posterior, weight, t1, t2);
		steps++;
		let rr = 0;
		let vv = 0;
		for (let x = 0; x < n; x++) {
			const r = t1[x] - theta[x];
			const v = t2[x] - 2 * t1[x] + theta[x];
			rr += r * r;
			vv += v * v;
		}
		let accepted = false;
		// A step that comes too near an edge moves halfway back towards α = −1 (the plain double
		// EM step, t2) until it keeps off, as Varadhan & Roland do for steps leaving the parameter
		// space; if it never does, the plain steps are kept.
		let alpha = vv > 0 ? Math.min(-1, -Math.sqrt(rr / vv)) : -1;
		for (let halvings = 0; alpha < -1; halvings++) {
			for (let x = 0; x < n; x++) {
				const r = t1[x] - theta[x];
				const v = t2[x] - 2 * t1[x] + theta[x];
				next[x] = theta[x] - 2 * alpha * r + alpha * alpha * v;
			}
			if (offTheEdges(next, t2)) break;
			alpha = halvings < MAX_STEP_HALVINGS ? (alpha - 1) / 2 : -1;
		}
		if (alpha < -1) {
			renormalise(p, next);
			eStep(p, next, s.posterior, weight);
			mStep(p, s.posterior, weight, next, t1); // the stabilising EM step
			steps++;
			const ll = eStep(p, t1, s.posterior, weight);
			if (Number.isFinite(ll) && ll >= logLikelihood - 1e-12 * Math.abs(logLikelihood)) {
				s.params.set(t1);
				logLikelihood = ll;
				accepted = true;
			}
		}
		if (!accepted) {
			s.params.set(t2);
			logLikelihood = eStep(p, s.params, s.posterior, weight);
		}
	}
	return { converged: false, iterations: steps, logLikelihood };
}

/** A state started from the posteriors `fill` sets: the M-step from them. */
function startingState(p: Prepared, fill: (p: Prepared, s: State) => void = initialPosterior): State {
	const s = newState(p);
	fill(p, s);
	// Confusion rows with no data keep "answers the truth with probability ½, else uniform".
	const prior = new Float64Array(s.params.length);
	for (let k = 0; k < p.K; k++) prior[k] = 1 / p.K;
	for (let j = 0; j < p.J; j++) {
		for (let k = 0; k < p.K; k++) {
			for (let l = 0; l < p.K; l++) prior[p.K + j * p.K * p.K + k * p.K + l] = k === l ? 0.5 + 0.5 / p.K : 0.5 / p.K;
		}
	}
	mStep(p, s.posterior, new Float64Array(p.I).fill(1), prior, s.params);
	return s;
}

/**
 * Below this a probability the fit hands out is 0 (and within it of 1, 1). EM's probabilities of
 * a class it rules out decay to subnormal doubles (5e-310), which JSON and every rendering would
 * show as such; no reported figure has 12 significant decimals.
 */
export const NUMERICALLY_ZERO = 1e-12;

/** A probability as the fit reports it: numerically 0 or 1 made exactly so. */
export function reportedProbability(x: number): number {
	if (Math.abs(x) < NUMERICALLY_ZERO) return 0;
	if (Math.abs(1 - x) < NUMERICALLY_ZERO) return 1;
	return x;
}

const reported = (xs: ArrayLike<number>) => Array.from(xs, reportedProbability);

type Run = { converged: boolean; iterations: number; logLikelihood: number };

/** A fit as it leaves this module: every probability through reportedProbability (as are the bootstrap's rates and intervals). */
function toFit(p: Prepared, s: State, run: Run, starts: DawidSkeneStarts): DawidSkeneFit {
	const { K, I, J } = p;
	const labelsPerRater = new Array<number>(J).fill(0);
	for (let o = 0; o < p.rater.length; o++) labelsPerRater[p.rater[o]]++;
	const rival = starts.rival && { ...starts.rival, classShares: reported(starts.rival.classShares) };
	const classShares = reported(s.params.subarray(0, K));
	return {
		...run,
		classShares,
		confusion: Array.from({ length: J }, (_, j) =>
			Array.from({ length: K }, (_, k) => reported(s.params.subarray(K + j * K * K + k * K, K + j * K * K + (k + 1) * K)))
		),
		posterior: Array.from({ length: I }, (_, i) => reported(s.posterior.subarray(i * K, (i + 1) * K))),
		labelsPerRater,
		starts: { ...starts, rival },
		caveat: rival && rivalCaveat(classShares, run.logLikelihood, rival)
	};
}

function rivalCaveat(classShares: readonly number[], logLikelihood: number, rival: NonNullable<DawidSkeneStarts['rival']>): string {
	// The class whose share moved most; ties (always, with two classes) name the last: "yes" for yes/no.
	let k = 0;
	for (let c = 1; c < classShares.length; c++) if (Math.abs(rival.classShares[c] - classShares[c]) >= Math.abs(rival.classShares[k] - classShares[k]) - 1e-9) k = c;
	const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
	const gap = logLikelihood - rival.logLikelihood;
	const likelihood = gap < 0.005 ? 'a log-likelihood as high' : `a log-likelihood only ${gap.toFixed(2)} lower`;
	return `Fitted from another starting point, the model ends with class ${k}'s share at ${percent(rival.classShares[k])} instead of ${percent(classShares[k])}, with ${likelihood}: the answers barely prefer one over the other, so the rate is weakly identified.`;
}

/**
 * EM's likelihood has local maxima on realistic audits (a lenient reviewer, one who answers at
 * random), and where a single start ends depends on that start. So EM runs from each of these, in
 * this order, and keeps the most likely end (ties: the first): the paper's start (each item's share
 * of answers), the answers weighted by each reviewer's accuracy on items of known class (when some
 * reviewer answered one), each of the MAX_RATER_STARTS busiest reviewers' own answers, and
 * PERTURBED_STARTS seeded perturbations of the paper's start.
 */
export const MAX_RATER_STARTS = 3;
export const PERTURBED_STARTS = 1;
const STARTS_SEED = 19_790_101;
/**
 * An end within this of the best log-likelihood is as good by the data: half the χ²₁ 95% point
 * (3.84 / 2), the profile-likelihood interval's reach. One there at another rate leaves the rate
 * weakly identified.
 */
export const RIVAL_LOG_LIKELIHOOD_MARGIN = 1.92;
/** A class share differing by more than this (two percentage points) is a different rate. */
export const MATERIAL_SHARE_DIFFERENCE = 0.02;
/** Two ends at log-likelihoods this close (relative, at least 1e-6 absolute) are the same maximum to EM's tolerance. */
const SAME_MAXIMUM = 1e-9;

/** Where a start came from, and how to fill a state's posteriors from there. */
interface Start {
	name: string;
	fill: (p: Prepared, s: State) => void;
}

/** Posteriors of unknown items from per-item log-weights of each class (known items keep their class). */
function fillFromScores(p: Prepared, s: State, score: (i: number, logs: Float64Array) => void): void {
	const { K, I, known } = p;
	const logs = new Float64Array(K);
	for (let i = 0; i < I; i++) {
		if (known[i] >= 0) continue;
		logs.fill(0);
		score(i, logs);
		let max = -Infinity;
		for (let k = 0; k < K; k++) max = Math.max(max, logs[k]);
		let sum = 0;
		for (let k = 0; k < K; k++) sum += (logs[k] = Math.exp(logs[k] - max));
		for (let k = 0; k < K; k++) s.posterior[i * K + k] = logs[k] / sum;
	}
}

function startsOf(p: Prepared): Start[] {
	const { K, J, I, start, rater, label, known } = p;
	const starts: Start[] = [{ name: 'majority', fill: initialPosterior }];
	// Accuracy on items of known class (gold and adjudicated), smoothed towards 3 in 4 by two
	// pseudo-answers; the weight is the log-odds of the right answer against one wrong one, as a
	// reviewer equally likely to give each wrong answer would have.
	const right = new Float64Array(J);
	const answered = new Float64Array(J);
	for (let i = 0; i < I; i++) {
		if (known[i] < 0) continue;
		for (let o = start[i]; o < start[i + 1]; o++) {
			answered[rater[o]]++;
			if (label[o] === known[i]) right[rater[o]]++;
		}
	}
	if (answered.some((n) => n > 0)) {
		const weight = Array.from({ length: J }, (_, j) => {
			const accuracy = (right[j] + 1.5) / (answered[j] + 2);
			return Math.log(((K - 1) * accuracy) / (1 - accuracy));
		});
		starts.push({
			name: 'gold-weighted majority',
			fill: (p, s) => fillFromScores(p, s, (i, logs) => {
				for (let o = start[i]; o < start[i + 1]; o++) logs[label[o]] += weight[rater[o]];
			})
		});
	}
	// Each busy reviewer's own answers taken as 90% sure, the paper's start elsewhere.
	const answersOnOpenItems = new Float64Array(J);
	for (let i = 0; i < I; i++) if (known[i] < 0) for (let o = start[i]; o < start[i + 1]; o++) answersOnOpenItems[rater[o]]++;
	const busiest = Array.from({ length: J }, (_, j) => j)
		.filter((j) => answersOnOpenItems[j] > 0)
		.sort((a, b) => answersOnOpenItems[b] - answersOnOpenItems[a] || a - b)
		.slice(0, MAX_RATER_STARTS);
	if (J > 1) {
		for (const j of busiest) {
			starts.push({
				name: `rater ${j}`,
				fill: (p, s) => {
					initialPosterior(p, s);
					const own = new Float64Array(K);
					for (let i = 0; i < I; i++) {
						if (known[i] >= 0) continue;
						own.fill(0);
						let n = 0;
						for (let o = start[i]; o < start[i + 1]; o++) if (rater[o] === j) (own[label[o]]++, n++);
						if (n === 0) continue;
						for (let k = 0; k < K; k++) s.posterior[i * K + k] = 0.1 / K + 0.9 * (own[k] / n);
					}
				}
			});
		}
	}
	// Seeded perturbations: half the paper's start, half a uniformly random point of the simplex.
	const random = new SeededRandom(STARTS_SEED);
	for (let r = 0; r < PERTURBED_STARTS; r++) {
		const noise = Array.from({ length: I * K }, () => -Math.log(1 - random.float()));
		starts.push({
			name: `perturbed ${r + 1}`,
			fill: (p, s) => {
				initialPosterior(p, s);
				for (let i = 0; i < I; i++) {
					if (known[i] >= 0) continue;
					let sum = 0;
					for (let k = 0; k < K; k++) sum += noise[i * K + k];
					for (let k = 0; k < K; k++) s.posterior[i * K + k] = 0.5 * s.posterior[i * K + k] + (0.5 * noise[i * K + k]) / sum;
				}
			}
		});
	}
	return starts;
}

const sameMaximum = (a: number, b: number) => Math.abs(a - b) <= Math.max(1e-6, SAME_MAXIMUM * Math.abs(b));

/**
 * EM from each start (startsOf), the most likely end kept. Ends are read in the first start's
 * class order (closestClassOrder, refitted from there as the bootstrap does), so a start whose
 * classes took each other's roles competes as the same fit; one still in other roles is left out.
 */
function fitFromStarts(p: Prepared, options: DawidSkeneOptions): { state: State; run: Run; starts: DawidSkeneStarts } {
	const ones = new Float64Array(p.I).fill(1);
	const answers = new Array<number>(p.J).fill(0);
	for (let o = 0; o < p.rater.length; o++) answers[p.rater[o]]++;
	const ends: Array<{ name: string; state: State; run: Run }> = [];
	let outOfOrder = 0;
	for (const start of options.singleStart ? startsOf(p).slice(0, 1) : startsOf(p)) {
		const state = startingState(p, start.fill);
		let run = iterate(p, state, ones, options);
		const reference = ends[0]?.state.params;
		if (reference) {
			const order = closestClassOrder(p, state.params, reference, answers);
			if (order) {
				reorderClasses(p, state.params, order);
				const again = iterate(p, state, ones, options);
				run = { ...again, iterations: run.iterations + again.iterations };
				if (closestClassOrder(p, state.params, reference, answers)) {
					outOfOrder++;
					continue;
				}
			}
		}
		ends.push({ name: start.name, state, run });
	}
	// A converged end beats one stopped at the cap (its likelihood is not a maximum's).
	const pool = ends.some((e) => e.run.converged) ? ends.filter((e) => e.run.converged) : ends;
	let best = pool[0];
	for (const e of pool) if (e.run.logLikelihood > best.run.logLikelihood && !sameMaximum(e.run.logLikelihood, best.run.logLikelihood)) best = e;
	const { K } = p;
	let rival: DawidSkeneStarts['rival'] = null;
	for (const e of pool) {
		if (e === best || best.run.logLikelihood - e.run.logLikelihood > RIVAL_LOG_LIKELIHOOD_MARGIN) continue;
		let difference = 0;
		for (let k = 0; k < K; k++) difference = Math.max(difference, Math.abs(e.state.params[k] - best.state.params[k]));
		if (difference <= MATERIAL_SHARE_DIFFERENCE) continue;
		if (!rival || e.run.logLikelihood > rival.logLikelihood) rival = { start: e.name, classShares: Array.from(e.state.params.subarray(0, K)), logLikelihood: e.run.logLikelihood };
	}
	return {
		state: best.state,
		run: best.run,
		starts: {
			tried: ends.length + outOfOrder,
			atBest: ends.filter((e) => sameMaximum(e.run.logLikelihood, best.run.logLikelihood)).length,
			outOfOrder,
			chosen: best.name,
			rival
		}
	};
}

/** Fits the Dawid–Skene model by EM from several starts (startsOf), keeping the most likely end. */
export function dawidSkene(input: DawidSkeneInput, options: DawidSkeneOptions = {}): DawidSkeneFit {
	const p = prepare(input);
	const { state, run, starts } = fitFromStarts(p, options);
	return toFit(p, state, run, starts);
}

/**
 * How far apart the fit's classes are in the reviewers' answers: per reviewer, the mean total
 * variation distance between the confusion rows of each pair of classes (for yes/no, |Youden's J|
 * = |sensitivity + specificity − 1|), averaged over reviewers weighted by their answers. Near 0,
 * every class draws the same answers: the likelihood is flat along the class shares (any mix of
 * the classes fits equally well), so the shares the fit happened to stop at mean nothing.
 */
export function classSeparation(fit: DawidSkeneFit): number {
	let weighted = 0;
	let total = 0;
	fit.confusion.forEach((rows, j) => {
		const answers = fit.labelsPerRater[j];
		if (!answers) return;
		let distance = 0;
		let pairs = 0;
		for (let a = 0; a < rows.length; a++) {
			for (let b = a + 1; b < rows.length; b++) {
				let tv = 0;
				for (let l = 0; l < rows[a].length; l++) tv += Math.abs(rows[a][l] - rows[b][l]);
				distance += tv / 2;
				pairs++;
			}
		}
		weighted += answers * (pairs ? distance / pairs : 0);
		total += answers;
	});
	return total ? weighted / total : 0;
}

export interface BootstrapOptions extends DawidSkeneOptions {
	/** Replicates; default 200. */
	replicates?: number;
	seed?: number;
	/** Two-sided level of the percentile interval; default 0.95. */
	confidence?: number;
	/**
	 * Groups of population items whose share of class `target` is wanted (e.g. all items, then
	 * classification tasks): each gets its point estimate and interval.
	 */
	groups?: ReadonlyArray<readonly number[]>;
	/** The class whose share is estimated; default 1 (for yes/no data: "yes"). */
	target?: number;
	/** Called after each replicate (progress of a long computation). */
	onReplicate?: () => void;
}

export interface GroupEstimate {
	/** Items in the group that have answers or a known class. */
	n: number;
	/** Mean posterior probability of the target class over those items. */
	rate: number | null;
	lower: number;
	upper: number;
}

export interface DawidSkeneBootstrap {
	fit: DawidSkeneFit;
	groups: GroupEstimate[];
	replicates: number;
	/** Replicates whose EM hit the iteration cap (they still count; reported so a reader knows). */
	replicatesNotConverged: number;
	/**
	 * Replicates whose classes came out in other roles than the full fit's (label switching),
	 * relabelled to match it and refitted from there before they count.
	 */
	replicatesRelabelled: number;
	/** Replicates left out of the intervals: still in other roles after relabelling and refitting. */
	replicatesDiscarded: number;
	/** Per rater: percentile interval of each diagonal entry (the rate of answering each class right). */
	raterIntervals: Array<Array<{ lower: number; upper: number }>>;
}

export const DEFAULT_BOOTSTRAP_REPLICATES = 200;
/** Replicates start from the full fit, so a looser tolerance changes their rates by far less than the interval's own noise. */
export const BOOTSTRAP_TOLERANCE = 1e-6;
export const DEFAULT_BOOTSTRAP_SEED = 20_240_301;

/** Empirical quantile with linear interpolation (R's type 7), of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
	if (sorted.length === 0) return NaN;
	const h = (sorted.length - 1) * q;
	const lo = Math.floor(h);
	const hi = Math.min(sorted.length - 1, lo + 1);
	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function groupRates(p: Prepared, s: State, groups: ReadonlyArray<readonly number[]>, weight: Float64Array, target: number): Array<number | null> {
	return groups.map((members) => {
		let sum = 0;
		let n = 0;
		for (const i of members) {
			const w = weight[i];
			if (w === 0 || !(p.start[i + 1] > p.start[i] || p.known[i] >= 0)) continue;
			sum += w * s.posterior[i * p.K + target];
			n += w;
		}
		return n === 0 ? null : sum / n;
	});
}

/**
 * The order of a fit's classes that brings its confusion matrices closest to a reference fit's
 * (squared distances, each reviewer weighted by `answers`): `order[k]` is the class to read as
 * class k, or null when the classes are already in that order. For yes/no this is the sign of
 * Σ answers × Youden's J × the reference's J: a negative sum means the classes took swapped roles
 * (label switching: the likelihood alone does not say which class is which). Classes are permuted
 * exhaustively, so only up to MAX_RELABELLED_CLASSES of them.
 */
function closestClassOrder(p: Prepared, params: Float64Array, reference: Float64Array, answers: ArrayLike<number>): number[] | null {
	const { K, J } = p;
	if (K > MAX_RELABELLED_CLASSES) return null;
	// cost[a][b]: distance of the fit's class a from the reference's class b.
	const cost = Array.from({ length: K }, () => new Array<number>(K).fill(0));
	for (let j = 0; j < J; j++) {
		if (!answers[j]) continue;
		const base = K + j * K * K;
		for (let a = 0; a < K; a++) {
			for (let b = 0; b < K; b++) {
				let d = 0;
				for (let l = 0; l < K; l++) d += (params[base + a * K + l] - reference[base + b * K + l]) ** 2;
				cost[a][b] += answers[j] * d;
			}
		}
	}
	const identity = Array.from({ length: K }, (_, k) => k);
	const total = (order: number[]) => order.reduce((sum, a, b) => sum + cost[a][b], 0);
	let best = identity;
	let bestCost = total(identity);
	const permute = (prefix: number[], rest: number[]) => {
		if (rest.length === 0) {
			const c = total(prefix);
			if (c < bestCost) [best, bestCost] = [prefix, c];
			return;
		}
		rest.forEach((a, at) => permute([...prefix, a], [...rest.slice(0, at), ...rest.slice(at + 1)]));
	};
	permute([], identity);
	return best === identity ? null : best;
}
/** Classes beyond this are not relabelled (K! orders to try). */
const MAX_RELABELLED_CLASSES = 6;

/** Reads class order[k] as class k: class shares and each reviewer's confusion rows (answers keep their meaning). */
function reorderClasses(p: Prepared, params: Float64Array, order: readonly number[]): void {
	const { K, J } = p;
	const old = params.slice();
	for (let k = 0; k < K; k++) params[k] = old[order[k]];
	for (let j = 0; j < J; j++) {
		const base = K + j * K * K;
		for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) params[base + k * K + l] = old[base + order[k] * K + l];
	}
}

/**
 * The fit plus a nonparametric bootstrap over items (Efron & Tibshirani 1993, ch. 13 percentile
 * interval): population items are resampled with replacement, gold items (outside) likewise among
 * themselves, EM is rerun from the full fit's estimates, and each group's rate is recomputed.
 * Seeded, so the interval is reproducible.
 */
export function dawidSkeneBootstrap(input: DawidSkeneInput, options: BootstrapOptions = {}): DawidSkeneBootstrap {
	const p = prepare(input);
	const target = options.target ?? 1;
	const confidence = options.confidence ?? 0.95;
	const B = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
	const all = Array.from({ length: p.I }, (_, i) => i).filter((i) => p.inside[i]);
	const groups = options.groups ?? [all];

	// Every start for the full fit; the refits start from its solution, where they end near it.
	const { state: full, run, starts } = fitFromStarts(p, options);
	const ones = new Float64Array(p.I).fill(1);
	const fit = toFit(p, full, run, starts);
	const points = groupRates(p, full, groups, ones, target);

	// Resample only items that carry information; empty items never enter a rate.
	const informative = (i: number) => p.start[i + 1] > p.start[i] || p.known[i] >= 0;
	const insideItems = all.filter(informative);
	const outsideItems = Array.from({ length: p.I }, (_, i) => i).filter((i) => !p.inside[i] && informative(i));
	const random = new SeededRandom(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
	const draws: number[][] = groups.map(() => []);
	const diagonal: number[][][] = Array.from({ length: p.J }, () => Array.from({ length: p.K }, () => []));
	let notConverged = 0;
	let relabelled = 0;
	let discarded = 0;
	const s = newState(p);
	const weight = new Float64Array(p.I);
	for (let b = 0; b < B; b++) {
		weight.fill(0);
		for (let n = 0; n < insideItems.length; n++) weight[insideItems[random.int(insideItems.length)]]++;
		for (let n = 0; n < outsideItems.length; n++) weight[outsideItems[random.int(outsideItems.length)]]++;
		s.params.set(full.params);
		const refit = { maxIterations: options.maxIterations, tolerance: Math.max(options.tolerance ?? DAWID_SKENE_TOLERANCE, BOOTSTRAP_TOLERANCE), onStep: options.onStep };
		let r = iterate(p, s, weight, refit);
		// A refit whose classes took other roles would put its rate of the other class into the
		// interval: it is read in the full fit's order and refitted from there (known items make the
		// swapped fit more than a relabelling); one still out of order is left out.
		const order = closestClassOrder(p, s.params, full.params, fit.labelsPerRater);
		if (order) {
			relabelled++;
			reorderClasses(p, s.params, order);
			r = iterate(p, s, weight, refit);
			if (closestClassOrder(p, s.params, full.params, fit.labelsPerRater)) {
				discarded++;
				options.onReplicate?.();
				continue;
			}
		}
		if (!r.converged) notConverged++;
		groupRates(p, s, groups, weight, target).forEach((v, g) => {
			if (v !== null) draws[g].push(v);
		});
		// A rater absent from this resample keeps the full fit's values: no information either way.
		for (let j = 0; j < p.J; j++) for (let k = 0; k < p.K; k++) diagonal[j][k].push(s.params[p.K + j * p.K * p.K + k * p.K + k]);
		options.onReplicate?.();
	}
	const alpha = (1 - confidence) / 2;
	const interval = (values: number[]) => {
		const sorted = Float64Array.from(values).sort();
		return { lower: quantileSorted(sorted, alpha), upper: quantileSorted(sorted, 1 - alpha) };
	};
	return {
		fit,
		replicates: B,
		replicatesNotConverged: notConverged,
		replicatesRelabelled: relabelled,
		replicatesDiscarded: discarded,
		groups: groups.map((members, g) => {
			const n = members.filter((i) => informative(i)).length;
			const rate = points[g] === null ? null : reportedProbability(points[g]);
			if (rate === null || draws[g].length === 0) return { n, rate, lower: 0, upper: 1 };
			const { lower, upper } = interval(draws[g]);
			return { n, rate, lower: reportedProbability(lower), upper: reportedProbability(upper) };
		}),
		raterIntervals: diagonal.map((perClass) =>
			perClass.map((values) => {
				const { lower, upper } = interval(values);
				return { lower: reportedProbability(lower), upper: reportedProbability(upper) };
			})
		)
	};
}

export type IdentificationProblem =
	/** No labels at all. */
	| 'no-labels'
	/** Every answer (and every known class) is the same class: nothing shows a reviewer's errors. */
	| 'unanimous'
	/** Some reviewers share no item with two others and have no gold of each class to anchor them. */
	| 'too-few-reviewers'
	/**
	 * Three or more reviewers connected only through pairs (too few items carry three reviewers'
	 * labels, too little gold): the model can be fitted, but the data leave its rate free along a ridge.
	 */
	| 'pairs-only';

export interface Identification {
	identified: boolean;
	problem: IdentificationProblem | null;
	/** One sentence a report can print. */
	reason: string | null;
	/**
	 * Not identified, yet the model can be fitted and shown with `reason` as its caveat for a
	 * researcher who asks for it ('pairs-only'); never an automatic headline.
	 */
	fittable: boolean;
	/** Reviewers who labelled population items. */
	raters: number;
}

/**
 * A group of reviewers is identified by agreement once this many of its population items carry
 * three or more reviewers' labels. Pairs alone fix each reviewer's answer share and each pair's
 * covariance, π(1 − π)·J_a·J_b, but not π: one parameter too few however many reviewers are
 * chained, so EM settles wherever it starts on a flat ridge. Simulated (reviewers 75–95% right,
 * 30–40 audits a cell, 95% bootstrap intervals): pairs chained round 3 or 6 reviewers cover the true
 * rate 78–95% of the time at a true 0.4–0.6 but 35–68% at 0.8 (bias about −9 points whatever the
 * size); adding 3–5 three-view items gives 73–93%, 10 gives 87–93%, 20 no better at these sizes.
 */
export const MIN_THREE_VIEW_ITEMS = 10;
/**
 * …or, without them, each reviewer needs this many gold answers of every class to anchor their
 * error rates. The same simulation, a triangle of pairs with gold answered by all three: about 5
 * of each class covers 77%, 10 of each 83%, 20 of each 100% (30 audits, true rate 0.8).
 */
export const MIN_GOLD_PER_CLASS = 20;

/**
 * Whether the data can pin the model down. Agreement alone identifies a reviewer's error rates
 * only through three or more conditionally independent views of the same items: with two views
 * per item there are more unknowns than the data fix, however the pairs are chained (Hui & Walter
 * 1980; Dawid & Skene §5). So reviewers are grouped by the population items they share; a group
 * needs MIN_THREE_VIEW_ITEMS items labelled by three or more of its reviewers, or else each of its
 * reviewers needs MIN_GOLD_PER_CLASS gold answers of every class. And the answers must not all be
 * one class.
 */
export function dawidSkeneIdentification(input: DawidSkeneInput): Identification {
	const p = prepare(input);
	const insideRaters = new Set<number>();
	const seenClasses = new Set<number>();
	for (let i = 0; i < p.I; i++) {
		if (p.known[i] >= 0) seenClasses.add(p.known[i]);
		for (let o = p.start[i]; o < p.start[i + 1]; o++) {
			seenClasses.add(p.label[o]);
			if (p.inside[i]) insideRaters.add(p.rater[o]);
		}
	}
	const raters = insideRaters.size;
	const no = (problem: IdentificationProblem, reason: string, fittable = false): Identification => ({ identified: false, problem, reason, fittable, raters });
	if (raters === 0) return no('no-labels', 'No reviewer has labelled a sampled item yet.');
	if (seenClasses.size < 2) return no('unanimous', 'Every answer is the same, so nothing shows how often a reviewer errs: the model cannot estimate error rates.');
	// Union-find over raters sharing a population item.
	const parent = Array.from({ length: p.J }, (_, j) => j);
	const find = (j: number): number => (parent[j] === j ? j : (parent[j] = find(parent[j])));
	for (let i = 0; i < p.I; i++) {
		if (!p.inside[i]) continue;
		for (let o = p.start[i] + 1; o < p.start[i + 1]; o++) parent[find(p.rater[o])] = find(p.rater[p.start[i]]);
	}
	// Population items with three or more distinct reviewers, per group (by its root).
	const threeViewItems = new Map<number, number>();
	for (let i = 0; i < p.I; i++) {
		if (!p.inside[i] || p.start[i + 1] - p.start[i] < 3) continue;
		const views = new Set<number>();
		for (let o = p.start[i]; o < p.start[i + 1]; o++) views.add(p.rater[o]);
		if (views.size < 3) continue;
		const root = find(p.rater[p.start[i]]);
		threeViewItems.set(root, (threeViewItems.get(root) ?? 0) + 1);
	}
	// Gold answers of each class per rater.
	const gold = Array.from({ length: p.J }, () => new Array<number>(p.K).fill(0));
	for (let i = 0; i < p.I; i++) {
		if (p.inside[i] || p.known[i] < 0) continue;
		for (let o = p.start[i]; o < p.start[i + 1]; o++) gold[p.rater[o]][p.known[i]]++;
	}
	const anchored = (j: number) => gold[j].every((n) => n >= MIN_GOLD_PER_CLASS);
	const groups = new Map<number, number[]>();
	for (const j of insideRaters) {
		const root = find(j);
		const list = groups.get(root) ?? [];
		list.push(j);
		groups.set(root, list);
	}
	const single = [...groups.values()].every((g) => g.length === 1);
	const needs = `the model needs at least ${MIN_THREE_VIEW_ITEMS} items labelled by three or more reviewers, or ${MIN_GOLD_PER_CLASS} gold items of each answer for every reviewer`;
	let chained: number[] | null = null;
	for (const [root, members] of groups) {
		if ((threeViewItems.get(root) ?? 0) >= MIN_THREE_VIEW_ITEMS) continue;
		if (members.every(anchored)) continue;
		if (members.length < 3) {
			return no(
				'too-few-reviewers',
				single
					? `Each item has one reviewer, so errors cannot be told apart from the truth: ${needs}.`
					: `Reviewers ${members.length === 1 ? 'who share no item with anyone' : 'working only in pairs'} cannot have their error rates told apart from the truth: ${needs}.`
			);
		}
		chained ??= members;
	}
	if (chained) {
		const three = threeViewItems.get(find(chained[0])) ?? 0;
		let total = 0;
		let most = 0;
		for (const n of threeViewItems.values()) {
			total += n;
			most = Math.max(most, n);
		}
		const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
		const free = '(the fit lands wherever it starts)';
		// Items split across groups of reviewers who share none: a count over all of them would
		// overstate what any one group has, so each group's count is named.
		const reason =
			total > three
				? most < MIN_THREE_VIEW_ITEMS
					? `No group of reviewers sharing items has ${MIN_THREE_VIEW_ITEMS} items labelled by three or more of them (the most is ${most}; ${total} in all), too few to pin the rate down ${free}: the model needs at least ${MIN_THREE_VIEW_ITEMS} such items within each group of reviewers sharing items, or ${MIN_GOLD_PER_CLASS} gold items of each answer for every reviewer.`
					: `A group of reviewers sharing items has only ${items(three)} labelled by three or more of them (${total} in all, in other groups), too few to pin its rate down ${free}: the model needs at least ${MIN_THREE_VIEW_ITEMS} such items within each group of reviewers sharing items, or ${MIN_GOLD_PER_CLASS} gold items of each answer for every reviewer.`
				: three === 0
					? `No item was labelled by three or more reviewers, so agreement between pairs leaves the rate free ${free}: ${needs}.`
					: `Only ${items(three)} ${three === 1 ? 'was' : 'were'} labelled by three or more reviewers, too few to pin the rate down ${free}: ${needs}.`;
		return no('pairs-only', reason, true);
	}
	return { identified: true, problem: null, reason: null, fittable: true, raters };
}
