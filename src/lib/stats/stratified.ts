import { zForConfidence } from './normal';

/**
 * A proportion from a stratified random sample: each stratum h of N_h units had n_h drawn at
 * random (without replacement) and x_h of them are "yes". The estimate weights each stratum's
 * rate by its share of the population (Cochran 1977, Sampling Techniques, §5.3):
 *   p̂ = Σ W_h p̂_h,  W_h = N_h / Σ N,  p̂_h = x_h / n_h,
 *   v̂ = Σ W_h² (1 − n_h/N_h) p̂_h (1 − p̂_h) / n_h
 * (the brief's formula with the finite-population correction, so a stratum drawn whole adds no
 * variance). The interval is Wilson's score interval on Kish's effective sample size
 * n* = p̂(1 − p̂) / v̂ (capped at Σ n_h; Σ n_h when v̂ = 0), as Korn & Graubard (1998, Survey
 * Methodology 24:193–201) do for survey proportions: it stays in [0, 1] and does not collapse to a
 * point when every sampled stratum is all "yes" or all "no", unlike p̂ ± z√v̂. With one stratum
 * drawn from a large population it is the plain Wilson interval.
 */
export interface StratumCounts {
	/** N_h: units in the stratum. */
	population: number;
	/** n_h: units drawn and judged. */
	trials: number;
	/** x_h: of those, "yes". */
	successes: number;
}

export interface StratifiedProportion {
	/** null when some stratum with units has no judged unit (its rate is unknown). */
	proportion: number | null;
	variance: number | null;
	lower: number;
	upper: number;
	/** Kish's effective sample size the interval uses. */
	effectiveN: number | null;
	/** Σ n_h. */
	trials: number;
	/** Σ N_h. */
	population: number;
}

export function stratifiedProportion(strata: readonly StratumCounts[], options: { confidence?: number } = {}): StratifiedProportion {
	const population = strata.reduce((s, h) => s + h.population, 0);
	const trials = strata.reduce((s, h) => s + h.trials, 0);
	for (const h of strata) {
		if (!(h.trials >= 0 && h.successes >= 0 && h.successes <= h.trials)) throw new RangeError('Each stratum needs 0 ≤ successes ≤ trials.');
	}
	const missing = strata.some((h) => h.population > 0 && h.trials === 0);
	if (population === 0 || missing) return { proportion: null, variance: null, lower: 0, upper: 1, effectiveN: null, trials, population };
	let p = 0;
	let v = 0;
	for (const h of strata) {
		if (h.population === 0) continue;
		const w = h.population / population;
		const ph = h.successes / h.trials;
		const fpc = Math.max(0, 1 - h.trials / h.population);
		p += w * ph;
		v += (w * w * fpc * ph * (1 - ph)) / h.trials;
	}
	p = Math.min(1, Math.max(0, p));
	const nEff = v > 0 ? Math.min(trials, (p * (1 - p)) / v) : trials;
	const z = zForConfidence(options.confidence ?? 0.95);
	const z2 = z * z;
	const root = z * Math.sqrt(z2 + 4 * nEff * p * (1 - p));
	const denominator = 2 * (nEff + z2);
	const lower = Math.max(0, Math.min(p, (2 * nEff * p + z2 - root) / denominator));
	const upper = Math.min(1, Math.max(p, (2 * nEff * p + z2 + root) / denominator));
	return { proportion: p, variance: v, lower, upper, effectiveN: nEff, trials, population };
}

/** A stratum whose judged units include some undecided ones (`ties`, counted in `trials`, not in `successes`). */
export interface StratumCountsWithTies extends StratumCounts {
	ties: number;
}

export interface StratifiedBounds {
	/** The estimate; null when ties or strata with no judged unit keep `low` and `high` apart. */
	rate: number | null;
	/** Ties as "no" and unjudged strata as all "no"; `high`: as "yes". */
	low: number;
	high: number;
	/** The low figure's lower interval bound, the high figure's upper one. */
	lower: number;
	upper: number;
	/** Units in strata none of whose units was judged: their rate is unknown. */
	uncovered: number;
}

/**
 * stratifiedProportion when not every unit is decided: a stratum's tied units count as "no" for
 * the low figure and "yes" for the high one, and a stratum with units but none judged — its rate
 * unknown — as all "no" for the low figures and all "yes" for the high ones (weighted by its
 * share, like the others). Null when no stratum with units has a judged unit.
 */
export function stratifiedBounds(strata: readonly StratumCountsWithTies[], options: { confidence?: number } = {}): StratifiedBounds | null {
	const population = strata.reduce((s, h) => s + h.population, 0);
	const covered = strata.filter((h) => h.population > 0 && h.trials > 0);
	if (population === 0 || covered.length === 0) return null;
	const uncovered = population - covered.reduce((s, h) => s + h.population, 0);
	const low = stratifiedProportion(covered.map((h) => ({ population: h.population, trials: h.trials, successes: h.successes })), options);
	const high = stratifiedProportion(covered.map((h) => ({ population: h.population, trials: h.trials, successes: h.successes + h.ties })), options);
	const share = (population - uncovered) / population;
	const unknown = uncovered / population;
	const ties = covered.some((h) => h.ties > 0);
	return {
		rate: ties || uncovered ? null : low.proportion,
		low: share * low.proportion!,
		high: share * high.proportion! + unknown,
		lower: share * low.lower,
		upper: share * high.upper + unknown,
		uncovered
	};
}
