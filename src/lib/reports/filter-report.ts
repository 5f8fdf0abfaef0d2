/**
 * The filter report of an audit stratified by filter verdict (src/lib/audits/sampling): what each
 * rule removed that reviewers found fully valid, how correct the kept rows are, what the run would
 * have kept — and how correct it would be — had a rule been off, and a ROUGE-L threshold sweep.
 *
 * Each item's "all fields valid" is its final label exactly as the report takes it (./report:
 * itemVerdictsOf — adjudicated, else the reviewers' majority, qualification applied). Items whose
 * reviewers tied and nobody adjudicated are counted apart and left out of the rates until settled.
 *
 * Weights: stratum h has N_h rows when the sample was drawn (frozen on the audit) and n_h judged
 * rows; rates across strata are $lib/stats' stratifiedProportion (Σ W_h p̂_h, W_h = N_h/ΣN, with the
 * finite-population-corrected variance and a Wilson interval on the effective sample size). One
 * stratum alone gets the plain Wilson interval.
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
import { stratifiedProportion, wilsonInterval, type StratifiedProportion } from '$lib/stats';
import { KEPT_STRATUM, compareVerdictStrata, rejectedStratum, stratumRule, verdictStratumLabel } from '$lib/audits/sampling';
import type { ItemVerdict } from './report';

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

export interface StratumRate {
	key: string;
	label: string;
	rule: string | null;
	population: number;
	/** Rows drawn. */
	size: number;
	/** Judged with a final all-valid answer. */
	judged: number;
	valid: number;
	/** Tied and not adjudicated: left out until settled. */
	tied: number;
	/** Drawn but not labelled yet. */
	unlabelled: number;
	proportion: number | null;
	lower: number;
	upper: number;
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
	correctness: StratifiedProportion;
	/** Estimated fully valid rows: rows × correctness (with its interval). */
	validRows: { estimate: number | null; lower: number; upper: number };
}

export interface SweepPoint {
	threshold: number;
	/** Rows the threshold keeps, and their distinct instructions. */
	rows: number;
	instructions: number;
	/** Judged audited rows among them. */
	judged: number;
	correctness: StratifiedProportion;
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

export const FILTER_REPORT_METHOD =
	'Each stratum is a simple random sample of its rows. A stratum’s rate is the share of its judged rows whose final label ' +
	'says all three fields are valid, with a Wilson score interval. Rates over several strata weight each stratum by its rows ' +
	'when the sample was drawn (W_h = N_h / ΣN): p = Σ W_h p_h, variance Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/n_h, and a Wilson ' +
	'interval on the effective sample size p(1 − p)/variance (at most the rows judged). “Had the rule been off” adds that rule’s ' +
	'rejected rows to the kept ones, assuming no later rule would have removed them. Tied, unadjudicated items are left out.';

export function filterReport(input: FilterReportInput): FilterReport {
	const sampled = input.verdicts.filter((v) => !v.isGold);
	const strata = [...input.strata].sort((a, b) => compareVerdictStrata(a.key, b.key));
	const rates: StratumRate[] = strata.map((s) => {
		const c = counts(sampled, (v) => v.stratum === s.key);
		const w = wilsonInterval(c.valid, c.judged, { confidence: input.confidence });
		return {
			key: s.key,
			label: verdictStratumLabel(s.key),
			rule: stratumRule(s.key),
			population: s.population,
			size: s.size,
			...c,
			proportion: w.proportion,
			lower: w.lower,
			upper: w.upper
		};
	});
	const kept = rates.find((r) => r.key === KEPT_STRATUM) ?? null;
	const population = strata.reduce((s, h) => s + h.population, 0);
	const keptRows = kept?.population ?? 0;
	const asCounts = (r: StratumRate | null) => (r ? [{ population: r.population, trials: r.judged, successes: r.valid }] : []);

	const rules = rates
		.filter((r) => r.rule !== null)
		.map((r) => {
			const rows = keptRows + r.population;
			const correctness = stratifiedProportion([...asCounts(kept), ...asCounts(r)], { confidence: input.confidence });
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
			return { population: rows.filter((r) => r.stratum === key).length, trials: c.judged, successes: c.valid };
		});
		return {
			threshold: t,
			rows: rows.length,
			instructions: new Set(rows.map((r) => r.taskId)).size,
			judged: strataCounts.reduce((s, h) => s + h.trials, 0),
			correctness: stratifiedProportion(strataCounts, { confidence: input.confidence }),
			applied: Math.abs(t - appliedThreshold) < 1e-9
		};
	});
	return { available: true, reason: null, appliedThreshold, points };
}
