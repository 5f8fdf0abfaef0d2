/**
 * The filter report of an audit stratified by filter verdict (src/lib/audits/sampling): what each
 * rule removed that reviewers found fully valid, how correct the kept rows are, what the run would
 * have kept — and how correct it would be — had a rule been off, and a ROUGE-L threshold sweep.
 *
 * Each item's "all fields valid" is its final label exactly as the report takes it (./report:
 * itemVerdictsOf — adjudicated, else the reviewers' majority, qualification applied). Items whose
 * reviewers tied and nobody adjudicated are counted as "no" for a low figure and "yes" for a high
 * one, as the rest of the report counts them (stratifiedBounds): a rate with ties is a range, its
 * interval from the low figure's lower bound to the high figure's upper one. Leaving them out would
 * drop exactly the items reviewers disagree on.
 *
 * Weights: stratum h has N_h rows when the sample was drawn (frozen on the audit) and n_h judged
 * rows; rates across strata are $lib/stats' stratifiedBounds (Σ W_h p̂_h, W_h = N_h/ΣN, with the
 * finite-population-corrected variance and a Wilson interval on the effective sample size). One
 * stratum alone gets the plain Wilson interval. A rate over a stratum with rows but no judged item
 * is unknown (proportion, low and high null; interval 0–1).
 *
 * "Had rule r been off": the kept rows plus the rows r rejected, assuming no later rule would have
 * removed them (the funnel records only the first rule that fired).
 *
 * Sweep: a row is kept at threshold t when it was kept, or rejected only by ROUGE-L, and its
 * instruction's stored highest ROUGE-L F to the pool is ≤ t. The similarity is to the pool as the
 * filters built it (seeds plus the instructions kept at the applied threshold), so away from that
 * threshold it is a one-pass approximation; instance rules never ran on ROUGE-L-rejected rows.
 * Correctness at t: within each of the two strata, the judged rows whose similarity is ≤ t
 * estimate the rate of that stratum's rows ≤ t, weighted by how many rows each has ≤ t now.
 */
import { stratifiedBounds } from '$lib/stats';
import { KEPT_STRATUM, compareVerdictStrata, rejectedStratum, stratumRule, verdictStratumLabel } from '$lib/audits/sampling';
import type { ItemVerdict } from './report';
import { percent } from './format';

/** Thresholds the sweep shows (Self-Instruct's 0.7 among them). */
export const SWEEP_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] as const;
const ROUGE_STRATUM = rejectedStratum('rougeL');

export interface FilterReportStratum {
	key: string;
	population: number;
	size: number;
}

/** A row of the dataset as the sweep reads it: its current verdict stratum and its instruction's similarity. */
export interface SweepRow {
	taskId: number;
	stratum: string;
	rougeL: number | null;
}

export interface FilterReportInput {
	strata: readonly FilterReportStratum[];
	/** The audit's sampled items' final labels (itemVerdictsOf). */
	verdicts: readonly Pick<ItemVerdict, 'itemId' | 'taskId' | 'stratum' | 'allValid' | 'tie' | 'isGold'>[];
	/** Each sampled task's stored highest ROUGE-L F (null: the rule did not run). */
	rougeByTask: ReadonlyMap<number, number | null>;
	/** Every judged row of the dataset now, for the sweep. */
	rows: readonly SweepRow[];
	/** ROUGE-L threshold of the filter application, when the rule was on. */
	appliedThreshold: number | null;
	confidence: number;
}

/** A fully-valid rate: a point, or with tied items a range low–high; its interval from low's lower to high's upper bound. */
export interface FilterRate {
	/** null with ties (see low and high) or when a stratum with rows has no judged item. */
	proportion: number | null;
	/** Ties as "no" / as "yes"; null when a stratum with rows has no judged item. */
	low: number | null;
	high: number | null;
	lower: number;
	upper: number;
	/** Items weighed: a final all-valid answer or a tie. */
	n: number;
	ties: number;
}

/** "64.7%", "36.7%–80.0%" with ties, "—" when unknown. */
export function filterRateText(r: Pick<FilterRate, 'proportion' | 'low' | 'high'>): string {
	if (r.proportion !== null) return percent(r.proportion);
	return r.low === null || r.high === null ? '—' : `${percent(r.low)}–${percent(r.high)}`;
}

export interface StratumRate extends FilterRate {
	key: string;
	label: string;
	rule: string | null;
	population: number;
	/** Rows drawn. */
	size: number;
	/** Judged with a final all-valid answer. */
	judged: number;
	valid: number;
	/** Tied and not adjudicated: counted both ways (low and high). */
	tied: number;
	/** Drawn but not labelled yet. */
	unlabelled: number;
}

export interface IfRuleOff {
	rule: string;
	label: string;
	/** Kept rows + the rule's rejected rows. */
	rows: number;
	/** rows / every judged row. */
	yieldShare: number;
	/** Rows gained over the filters as applied. */
	gained: number;
	correctness: FilterRate;
	/** Estimated fully valid rows: rows × correctness (with its interval); with ties, rows × low to rows × high. */
	validRows: { estimate: number | null; low: number | null; high: number | null; lower: number; upper: number };
}

export interface SweepPoint {
	threshold: number;
	/** Rows the threshold keeps, and their distinct instructions. */
	rows: number;
	instructions: number;
	/** Audited rows among them with a final label or tied. */
	judged: number;
	correctness: FilterRate;
	/** The threshold the filters were applied with. */
	applied: boolean;
}

export interface FilterReport {
	strata: StratumRate[];
	kept: StratumRate | null;
	/** Rows judged by the filters when the sample was drawn. */
	population: number;
	/** The filters as applied: kept rows. */
	keptRows: number;
	rules: Array<StratumRate & { wronglyRemoved: number | null; ifOff: IfRuleOff }>;
	sweep: { available: boolean; reason: string | null; appliedThreshold: number | null; points: SweepPoint[] };
	method: string;
}

function counts(verdicts: FilterReportInput['verdicts'], keep: (v: FilterReportInput['verdicts'][number]) => boolean) {
	let judged = 0;
	let valid = 0;
	let tied = 0;
	let unlabelled = 0;
	for (const v of verdicts) {
		if (!keep(v)) continue;
		if (v.allValid === true) valid++;
		if (v.allValid !== null) judged++;
		else if (v.tie) tied++;
		else unlabelled++;
	}
	return { judged, valid, tied, unlabelled };
}

/** A stratum's rows and its counts, as filterRate weighs them. */
interface WeighedStratum {
	population: number;
	judged: number;
	valid: number;
	tied: number;
}

/**
 * The fully-valid rate over strata weighted by their rows (one definition with the rest of the report:
 * stratifiedBounds, ties as bounds). Unknown when a stratum with rows has no judged or tied item.
 */
export function filterRate(strata: readonly WeighedStratum[], confidence: number): FilterRate {
	const n = strata.reduce((s, h) => s + h.judged + h.tied, 0);
	const ties = strata.reduce((s, h) => s + h.tied, 0);
	const unknown = { proportion: null, low: null, high: null, lower: 0, upper: 1, n, ties };
	if (strata.some((h) => h.population > 0 && h.judged + h.tied === 0)) return unknown;
	const b = stratifiedBounds(
		strata.map((h) => ({ population: h.population, trials: h.judged + h.tied, successes: h.valid, ties: h.tied })),
		{ confidence }
	);
	if (!b) return unknown;
	return { proportion: b.rate, low: b.low, high: b.high, lower: b.lower, upper: b.upper, n, ties };
}

export const FILTER_REPORT_METHOD =
	'Each stratum is a simple random sample of its rows. A stratum’s rate is the share of its judged rows whose final label ' +
	'says all three fields are valid, with a Wilson score interval. Rates over several strata weight each stratum by its rows ' +
	'when the sample was drawn (W_h = N_h / ΣN): p = Σ W_h p_h, variance Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/n_h, and a Wilson ' +
	'interval on the effective sample size p(1 − p)/variance (at most the rows judged). “Had the rule been off” adds that rule’s ' +
	'rejected rows to the kept ones, assuming no later rule would have removed them. Items whose reviewers tied and nobody ' +
	'adjudicated count as “no” for a low figure and as “yes” for a high one, as in the rest of the report: a rate with ties is ' +
	'a range, its interval from the low figure’s lower bound to the high figure’s upper bound.';

export function filterReport(input: FilterReportInput): FilterReport {
	const sampled = input.verdicts.filter((v) => !v.isGold);
	const strata = [...input.strata].sort((a, b) => compareVerdictStrata(a.key, b.key));
	const rates: StratumRate[] = strata.map((s) => {
		const c = counts(sampled, (v) => v.stratum === s.key);
		return {
			key: s.key,
			label: verdictStratumLabel(s.key),
			rule: stratumRule(s.key),
			population: s.population,
			size: s.size,
			...c,
			// Its own rate: the stratum alone, whatever its rows (a drawn stratum has some).
			...filterRate([{ ...c, population: Math.max(s.population, 1) }], input.confidence)
		};
	});
	const kept = rates.find((r) => r.key === KEPT_STRATUM) ?? null;
	const population = strata.reduce((s, h) => s + h.population, 0);
	const keptRows = kept?.population ?? 0;

	const rules = rates
		.filter((r) => r.rule !== null)
		.map((r) => {
			const rows = keptRows + r.population;
			const correctness = filterRate(kept ? [kept, r] : [r], input.confidence);
			return {
				...r,
				wronglyRemoved: r.proportion,
				ifOff: {
					rule: r.rule!,
					label: r.label,
					rows,
					yieldShare: population ? rows / population : 0,
					gained: r.population,
					correctness,
					validRows: {
						estimate: correctness.proportion === null ? null : rows * correctness.proportion,
						low: correctness.low === null ? null : rows * correctness.low,
						high: correctness.high === null ? null : rows * correctness.high,
						lower: rows * correctness.lower,
						upper: rows * correctness.upper
					}
				}
			};
		});

	return { strata: rates, kept, population, keptRows, rules, sweep: sweep(input, sampled), method: FILTER_REPORT_METHOD };
}
function sweep(input: FilterReportInput, sampled: FilterReportInput['verdicts']): FilterReport['sweep'] {
	const appliedThreshold = input.appliedThreshold;
	const empty = (reason: string) => ({ available: false, reason, appliedThreshold, points: [] });
	if (appliedThreshold === null) return empty('The ROUGE-L rule was off when the filters were applied, so there is no similarity to sweep.');
	const inSweep = (stratum: string) => stratum === KEPT_STRATUM || stratum === ROUGE_STRATUM;
	const candidates = input.rows.filter((r) => inSweep(r.stratum));
	if (candidates.some((r) => r.rougeL === null && r.stratum === ROUGE_STRATUM) || (candidates.length > 0 && candidates.every((r) => r.rougeL === null))) {
		return empty('The similarities were not stored when these filters were applied; apply the filters again to sweep thresholds.');
	}
	// A null similarity on a kept row: ROUGE-L did not run for it (e.g. no pool yet), so every threshold keeps it.
	const keptAt = (rouge: number | null, t: number) => rouge === null || rouge <= t;
	const points = SWEEP_THRESHOLDS.map((t) => {
		const rows = candidates.filter((r) => keptAt(r.rougeL, t));
		const strataCounts = [KEPT_STRATUM, ROUGE_STRATUM].map((key) => {
			const c = counts(sampled, (v) => v.stratum === key && keptAt(input.rougeByTask.get(v.taskId) ?? null, t));
			return { ...c, population: rows.filter((r) => r.stratum === key).length };
		});
		const correctness = filterRate(strataCounts, input.confidence);
		return {
			threshold: t,
			rows: rows.length,
			instructions: new Set(rows.map((r) => r.taskId)).size,
			judged: correctness.n,
			correctness,
			applied: Math.abs(t - appliedThreshold) < 1e-9
		};
	});
	return { available: true, reason: null, appliedThreshold, points };
}
