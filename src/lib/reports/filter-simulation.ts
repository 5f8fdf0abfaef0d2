/**
 * Seeded simulation of the filter report's estimators (./filter-report) against a known truth.
 * A run's rows fall in strata by filter verdict (kept, rejected by each rule); stratum h has N_h
 * rows of which exactly K_h are fully valid (the truth, fixed). Each replicate draws the audit as
 * the app does — a simple random sample of n_h rows from every stratum, without replacement —
 * gives each sampled row its true label (reviewers without error), and runs `filterReport` on it.
 * For every estimate the report makes — each stratum's rate (Wilson), and the stratum-weighted
 * correctness had each rule been off (kept + that rule's rows, W_h = N_h/ΣN) — the summary gives
 * the bias (mean estimate − truth), the coverage of the intervals and their mean width.
 *
 * Used by filter-simulation.test.ts (a few hundred replicates, seconds) and
 * bench/filters-sim.bench.ts (the full 10,000 replicates per scenario).
 */
import { SeededRandom } from '../audits/random';
import { KEPT_STRATUM, rejectedStratum } from '../audits/sampling';
import { filterReport, type FilterReportInput } from './filter-report';

export interface SimStratum {
	/** 'kept' or the rule that rejected the rows. */
	rule: 'kept' | string;
	/** N_h: the stratum's rows. */
	rows: number;
	/** K_h / N_h: the true share of fully valid rows (K_h is rounded to a whole row). */
	rate: number;
	/** n_h: rows the audit draws. */
	sample: number;
}

export interface FilterSimScenario {
	name: string;
	strata: SimStratum[];
}

export interface EstimateSummary {
	/** What is estimated: "kept", "rejected:rougeL", "if rougeL off". */
	target: string;
	truth: number;
	/** Mean estimate − truth. */
	bias: number;
	/** Share of replicates whose interval holds the truth. */
	coverage: number;
	/** Mean upper − lower. */
	meanWidth: number;
	/** Replicates with an estimate (a stratum with judged rows). */
	replicates: number;
}

export interface FilterSimSummary {
	scenario: string;
	replicates: number;
	confidence: number;
	estimates: EstimateSummary[];
}

/** Valid rows among n drawn without replacement from N rows of which K are valid (exact hypergeometric draw). */
function drawValid(N: number, K: number, n: number, random: SeededRandom): number {
	let valid = 0;
	let rowsLeft = N;
	let validLeft = K;
	for (let i = 0; i < n; i++) {
		if (random.float() * rowsLeft < validLeft) {
			valid++;
			validLeft--;
		}
		rowsLeft--;
	}
	return valid;
}

function stratumKey(rule: string): string {
	return rule === 'kept' ? KEPT_STRATUM : rejectedStratum(rule);
}

/** One audit drawn from the scenario, as the filter report's input. */
export function simulateFilterAudit(scenario: FilterSimScenario, random: SeededRandom, confidence = 0.95): FilterReportInput {
	const verdicts: FilterReportInput['verdicts'][number][] = [];
	let itemId = 0;
	for (const s of scenario.strata) {
		const key = stratumKey(s.rule);
		const K = Math.round(s.rate * s.rows);
		const valid = drawValid(s.rows, K, s.sample, random);
		// The order of the labels inside a stratum does not matter to the report.
		for (let i = 0; i < s.sample; i++) {
			itemId++;
			verdicts.push({ itemId, taskId: itemId, stratum: key, allValid: i < valid, tie: false, isGold: false });
		}
	}
	return {
		strata: scenario.strata.map((s) => ({ key: stratumKey(s.rule), population: s.rows, size: s.sample })),
		verdicts,
		rougeByTask: new Map(),
		rows: [],
		appliedThreshold: null,
		confidence
	};
}

/** Runs `replicates` seeded audits of the scenario through filterReport and summarises every estimate against the truth. */
export function simulateFilterReport(scenario: FilterSimScenario, options: { replicates: number; seed: number; confidence?: number }): FilterSimSummary {
	const confidence = options.confidence ?? 0.95;
	const random = new SeededRandom(options.seed);
	const valid = (s: SimStratum) => Math.round(s.rate * s.rows);
	const kept = scenario.strata.find((s) => s.rule === 'kept');
	if (!kept) throw new RangeError('A scenario needs a kept stratum.');
	const truths = new Map<string, number>();
	for (const s of scenario.strata) truths.set(stratumKey(s.rule), valid(s) / s.rows);
	for (const s of scenario.strata) if (s.rule !== 'kept') truths.set(`if ${s.rule} off`, (valid(kept) + valid(s)) / (kept.rows + s.rows));

	const acc = new Map<string, { sum: number; covered: number; width: number; n: number }>();
	const add = (target: string, estimate: number | null, lower: number, upper: number) => {
		if (estimate === null) return;
		const truth = truths.get(target)!;
		const a = acc.get(target) ?? { sum: 0, covered: 0, width: 0, n: 0 };
		a.sum += estimate - truth;
		if (lower <= truth + 1e-12 && truth <= upper + 1e-12) a.covered++;
		a.width += upper - lower;
		a.n++;
		acc.set(target, a);
	};
	for (let r = 0; r < options.replicates; r++) {
		const report = filterReport(simulateFilterAudit(scenario, random, confidence));
		for (const s of report.strata) add(s.key, s.proportion, s.lower, s.upper);
		for (const rule of report.rules) add(`if ${rule.rule} off`, rule.ifOff.correctness.proportion, rule.ifOff.correctness.lower, rule.ifOff.correctness.upper);
	}
	const estimates = [...truths.keys()].map((target) => {
		const a = acc.get(target) ?? { sum: 0, covered: 0, width: 0, n: 0 };
		return { target, truth: truths.get(target)!, bias: a.n ? a.sum / a.n : 0, coverage: a.n ? a.covered / a.n : 0, meanWidth: a.n ? a.width / a.n : 0, replicates: a.n };
	});
	return { scenario: scenario.name, replicates: options.replicates, confidence, estimates };
}

/**
 * The scenarios of the test and the bench. Self-Instruct's Table 2 found 54% of kept rows fully
 * valid; how valid the rejected rows are is what the report measures, so the rates below span
 * mostly-wrongly-removed to rightly-removed rules, large and small strata, and sampling fractions
 * where the finite-population correction matters.
 */
export const FILTER_SIM_SCENARIOS: FilterSimScenario[] = [
	{
		name: 'Self-Instruct-like run (82K candidates, 200 kept + 50 per rule)',
		strata: [
			{ rule: 'kept', rows: 52_000, rate: 0.54, sample: 200 },
			{ rule: 'rougeL', rows: 25_000, rate: 0.5, sample: 50 },
			{ rule: 'wordCount', rows: 3_000, rate: 0.2, sample: 50 },
			{ rule: 'blacklist', rows: 1_500, rate: 0.1, sample: 50 }
		]
	},
	{
		name: 'small run, large sampling fractions',
		strata: [
			{ rule: 'kept', rows: 400, rate: 0.8, sample: 150 },
			{ rule: 'rougeL', rows: 150, rate: 0.6, sample: 80 },
			{ rule: 'blacklist', rows: 60, rate: 0.3, sample: 40 }
		]
	},
	{
		name: 'extreme rates (rules remove almost only bad rows)',
		strata: [
			{ rule: 'kept', rows: 10_000, rate: 0.95, sample: 100 },
			{ rule: 'rougeL', rows: 4_000, rate: 0.9, sample: 60 },
			{ rule: 'wordCount', rows: 2_000, rate: 0.05, sample: 40 }
		]
	}
];
