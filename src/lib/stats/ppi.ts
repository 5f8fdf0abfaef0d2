/**
 * Prediction-powered inference for a proportion: a model judge's verdicts on every row of a
 * dataset, corrected by a random human audit of some of those rows, give an estimate of the
 * dataset's correctness rate that is valid whatever the judge's accuracy and tighter than the
 * audit alone when the judge agrees with the humans.
 *
 * Angelopoulos, Bates, Fannjiang, Jordan & Zrnic (2023), "Prediction-powered inference",
 * Science 382:669–674 (PPI): θ̂ = mean of the judge f over all rows + mean of (human Y − f) over
 * the audited rows. Angelopoulos, Duchi & Zrnic (2023), "PPI++: Efficient prediction-powered
 * inference", arXiv:2311.01453 (PPI++): θ̂_λ = λ·mean f over all rows + mean of (Y − λf) over the
 * audit, λ tuned to minimise the variance (clipped to [0, 1]).
 *
 * Setting here (differs from the papers' disjoint labelled / unlabelled samples): the audit is a
 * simple random sample, without replacement, of n of the same N rows the judge labelled, so
 * the judge's mean over all N rows is known exactly and only the audit's correction is random.
 * Writing r = Y − λf:
 *   θ̂_λ − Ȳ_N = r̄_n − r̄_N                        (the judge's mean cancels exactly)
 *   Var(θ̂_λ) = (1 − n/N)·S²_r / n                  (SRS without replacement; Cochran 1977 §2.5)
 * which is survey sampling's difference estimator (λ = 1) and regression estimator (λ
 * estimated): Särndal, Swensson & Wretman (1992), "Model Assisted Survey Sampling", §6.3–6.5.
 * The variance is smallest at λ = Cov(Y, f)/Var(f) (the regression slope); for a binary judge
 * that is precision − false-omission rate, and θ̂ becomes the post-stratified estimate
 *   θ̂ = (judge-yes share of N)·(human-yes share among audited judge-yes rows)
 *     + (judge-no share of N)·(human-yes share among audited judge-no rows).
 *
 * Audits of tasks ('one-row-per-task' design: a simple random sample of tasks, one random row of
 * each, as Self-Instruct audited and this app samples by default) estimate the tasks' rate, each
 * task counted once: the judge's part is then the mean over tasks of the share of each task's
 * rows it says yes to, the correction is the same, and the variance is s²_r/n without the
 * finite-population factor (two-stage sampling; one row per task cannot separate the within-task
 * part, which takes no such factor).
 *
 * Target 'dataset' (default) is the rate of the N rows that exist (what an export manifest
 * claims). Target 'process' is the rate of the process that produced them (rows i.i.d.); it adds
 * the sampling variance of the N rows themselves, S²_Y/N, to the variance above.
 *
 * Interval: θ̂ ± z·SE (the CLT interval of both papers). The residual variance S²_r is computed
 * from the audit's 2×2 table (human × judge) with ½ added to each cell — Agresti & Min (2005),
 * "Simple improved confidence intervals for comparing matched proportions", Stat Med
 * 24:729–740 — because for λ = 1 the correction is exactly a difference of matched proportions
 * and the plain Wald variance collapses to 0 when the audit shows no disagreement. Bounds are
 * clipped to [0, 1]. Coverage and widths are checked by simulation (ppi.test.ts, and
 * bench/judge-ppi.bench.ts for the full 1,000 × 20,000-row study).
 */
import { DEFAULT_CONFIDENCE, type ProportionInterval } from './proportion';
import { zForConfidence } from './normal';

/**
 * The audited rows: the final human label against the judge's verdict, "yes" (valid / rated A
 * or B) being the positive class and the human label the reference.
 */
export interface JudgeConfusion {
	/** Human yes, judge yes. */
	truePositives: number;
	/** Human yes, judge no. */
	falseNegatives: number;
	/** Human no, judge yes. */
	falsePositives: number;
	/** Human no, judge no. */
	trueNegatives: number;
}

/**
 * How the audit was drawn. 'rows': a simple random sample of the N rows. 'one-row-per-task': a
 * simple random sample of N tasks (which may hold several rows each), showing one random row of
 * each — Self-Instruct's audit and this app's default; the rate is then the tasks' (each task
 * counted once, as the papers report it).
 */
export type PpiDesign = 'rows' | 'one-row-per-task';

export interface PpiInput {
	/** N: units of the population (rows, or tasks for 'one-row-per-task'), audited ones included. */
	populationRows: number;
	/**
	 * How many of the N units the judge says "yes" to, audited ones included. For
	 * 'one-row-per-task' it is Σ over tasks of the share of the task's rows the judge says yes to
	 * (so it may be fractional). A row the judge gave no usable verdict for (unparsed after the
	 * retry) counts as "no" here and in `audit`: any fixed rule keeps the estimate valid, because
	 * the audit measures the judge as applied.
	 */
	populationJudgeYes: number;
	/** The audited rows, each with a decided human label and the judge's verdict on that row. */
	audit: JudgeConfusion;
	/** Default 'rows'. */
	design?: PpiDesign;
}

/** 'ppi': λ = 1, the paper's estimator. 'ppi++': λ tuned from the audit, clipped to [0, 1]. */
export type PpiMethod = 'ppi' | 'ppi++';
export type PpiTarget = 'dataset' | 'process';

export interface PpiOptions {
	/** Two-sided confidence level, default 0.95. */
	confidence?: number;
	/** Default 'ppi++' (chosen by the simulation in bench/judge-ppi.bench.ts; see docs/judge-design.md). */
	method?: PpiMethod;
	/** Default 'dataset'. */
	target?: PpiTarget;
	/** Added to each cell of the audit table for the variance (Agresti & Min 2005 add ½); default ½. */
	pseudoCount?: number;
}

/**
 * Why the estimate could not use the judge; null when it did. 'fully-audited': every row was
 * audited (rows design, n = N), so θ̂_λ is the human share whatever λ and the judge adds nothing.
 */
export type PpiFallback = 'no-audit' | 'judge-constant' | 'judge-uninformative' | 'fully-audited';

export interface PpiEstimate {
	method: PpiMethod;
	target: PpiTarget;
	design: PpiDesign;
	/** N and n. */
	populationRows: number;
	auditedRows: number;
	/** The judge's yes-share over all N rows (uncorrected). */
	judgeRate: number | null;
	/** λ used (1 for 'ppi'; for 'ppi++' the clipped regression slope, 0 when the audit cannot estimate it). */
	lambda: number;
	/** Mean of (human − λ·judge) over the audit: what is added to λ·judgeRate. */
	correction: number | null;
	/** θ̂, in [0, 1] for 'ppi++'; 'ppi' can stray outside and is then clipped (see `clipped`). */
	estimate: number | null;
	/** The estimate was outside [0, 1] before clipping ('ppi' only). */
	clipped: boolean;
	standardError: number | null;
	lower: number;
	upper: number;
	confidence: number;
	z: number;
	/**
	 * The size of a human-only simple random audit whose interval (`humanOnly`'s form, same target,
	 * same confidence) would be as narrow: n × Var(human-only)/Var(estimate), with the
	 * finite-population correction for the 'dataset' target of a rows audit (so at most N).
	 * Exactly n when the judge adds nothing (λ = 0). null when there is no audit variance to compare.
	 */
	effectiveSampleSize: number | null;
	/**
	 * The audit on its own, computed as the estimate is (it is θ̂ at λ = 0): the share of human
	 * "yes" ± z·SE with the same variance form — finite-population factor, pseudo-counts, target —
	 * so the two widths compare like for like and nothing jumps when λ tunes to 0.
	 */
	humanOnly: ProportionInterval & { standardError: number | null };
	/** Set when the judge could not help and the estimate is the human-only one. */
	fallback: PpiFallback | null;
	/** One sentence saying how the figure was computed, for reports and manifests. */
	description: string;
}

function clamp01(x: number): number {
	return Math.min(1, Math.max(0, x));
}

function assertCount(value: number, name: string): void {
	if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/** Checks that the audit can be a subset of the population; throws naming the field. */
export function validatePpiInput(input: PpiInput): void {
	const { populationRows: N, populationJudgeYes: N1, audit } = input;
	const design = input.design ?? 'rows';
	if (design !== 'rows' && design !== 'one-row-per-task') throw new RangeError(`design must be 'rows' or 'one-row-per-task', got ${String(design)}`);
	assertCount(N, 'populationRows');
	for (const key of ['truePositives', 'falseNegatives', 'falsePositives', 'trueNegatives'] as const) {
		assertCount(audit[key], `audit.${key}`);
	}
	if (design === 'one-row-per-task') {
		if (!(N1 >= 0 && Number.isFinite(N1))) throw new RangeError(`populationJudgeYes must be a non-negative number, got ${N1}`);
		if (N1 > N) throw new RangeError(`populationJudgeYes (${N1}) exceeds populationRows (${N})`);
		if (auditSize(audit) > N) throw new RangeError(`the audit has ${auditSize(audit)} tasks but the population only ${N}`);
		return;
	}
	assertCount(N1, 'populationJudgeYes');
	if (N1 > N) throw new RangeError(`populationJudgeYes (${N1}) exceeds populationRows (${N})`);
	const auditJudgeYes = audit.truePositives + audit.falsePositives;
	const auditJudgeNo = audit.falseNegatives + audit.trueNegatives;
	if (auditJudgeYes > N1) {
		throw new RangeError(`the audit has ${auditJudgeYes} judge-yes rows but the population only ${N1}: the audit must be drawn from the population`);
	}
	if (auditJudgeNo > N - N1) {
		throw new RangeError(`the audit has ${auditJudgeNo} judge-no rows but the population only ${N - N1}: the audit must be drawn from the population`);
	}
}

export function auditSize(audit: JudgeConfusion): number {
	return audit.truePositives + audit.falseNegatives + audit.falsePositives + audit.trueNegatives;
}

/**
 * PPI++'s λ for a binary judge: the regression slope of the human label on the judge's verdict,
 * Cov(Y, f)/Var(f) = P(Y=1 | f=1) − P(Y=1 | f=0), from the audit, clipped to [0, 1]. 0 when the
 * audit has only one verdict (the slope is unknown, so the judge is not trusted).
 */
export function tunedLambda(audit: JudgeConfusion): number {
	const judgeYes = audit.truePositives + audit.falsePositives;
	const judgeNo = audit.falseNegatives + audit.trueNegatives;
	if (judgeYes === 0 || judgeNo === 0) return 0;
	const slope = audit.truePositives / judgeYes - audit.falseNegatives / judgeNo;
	return Math.min(1, Math.max(0, slope));
}

/**
 * Variance (divisor = total weight) of r = Y − λf over the audit table, with `add` added to each
 * cell. Cells: (Y, f) = (1, 1) → 1 − λ, (1, 0) → 1, (0, 1) → −λ, (0, 0) → 0.
 */
function residualVariance(audit: JudgeConfusion, lambda: number, add: number): { variance: number; weight: number } {
	const cells: Array<[number, number]> = [
		[audit.truePositives + add, 1 - lambda],
		[audit.falseNegatives + add, 1],
		[audit.falsePositives + add, -lambda],
		[audit.trueNegatives + add, 0]
	];
	const weight = cells.reduce((sum, [w]) => sum + w, 0);
	if (weight === 0) return { variance: 0, weight };
	const mean = cells.reduce((sum, [w, r]) => sum + w * r, 0) / weight;
	const variance = cells.reduce((sum, [w, r]) => sum + w * (r - mean) ** 2, 0) / weight;
	return { variance, weight };
}

/** How the figure is computed; `auditOnly` for the λ = 0 fallback (the human labels' own interval, in the same form). */
function describe(method: PpiMethod, target: PpiTarget, pseudoCount: number, confidence: number, design: PpiDesign, auditOnly = false): string {
	const level = `${Math.round(confidence * 1000) / 10}%`;
	// N counts tasks in the task design (each task's rate is the share of its rows the judge passes).
	const all = design === 'rows' ? 'all N rows' : 'all N tasks (per task, the share of its rows)';
	const estimator =
		method === 'ppi'
			? `prediction-powered inference (Angelopoulos et al. 2023): the judge’s rate on ${all} plus the mean human − judge difference on the n audited rows`
			: `power-tuned prediction-powered inference (PPI++, Angelopoulos, Duchi & Zrnic 2023): λ × the judge’s rate on ${all} plus the mean of (human − λ × judge) on the n audited rows, λ fitted on the audit and clipped to [0, 1]`;
	// With the pseudo-counts the divisor is the augmented table's total, ñ = n + 4c (n + 2 at c = ½), as computed.
	const divisor = pseudoCount > 0 ? `(n + ${4 * pseudoCount})` : 'n';
	const spread = design === 'rows' ? `(1 − n/N)·s²/${divisor}` : `s²/${divisor}`;
	const of = auditOnly ? 'the audited human labels' : 'the audited differences';
	const variance =
		target === 'dataset'
			? `variance ${spread} of ${of}`
			: `variance ${spread} of ${of} plus p(1 − p)/N for the ${design === 'rows' ? 'rows' : 'tasks'} themselves`;
	const sample =
		design === 'rows'
			? 'the audit is taken to be a simple random sample of the N rows'
			: 'the audit is taken to be a simple random sample of the N tasks with one random row of each, and the rate is the tasks’ (each counted once)';
	if (auditOnly) return `${level} normal interval as the estimate’s at λ = 0: ${variance}${pseudoCount > 0 ? `, s² and n + ${4 * pseudoCount} taken from the audit with ${pseudoCount} added to each cell of the human × judge table` : ''}; ${sample}.`;
	return `${estimator}; ${level} normal interval with ${variance}${pseudoCount > 0 ? `, s² and n + ${4 * pseudoCount} taken from the audit table with ${pseudoCount} added to each cell (Agresti & Min 2005)` : ''}; ${sample}.`;
}

/**
 * Variance of θ̂_λ: (fpc·S²_r over the augmented audit table)/ñ, plus S²/N of the units themselves
 * for the 'process' target (S² from the same table). λ = 0 gives the human-only variance.
 */
function estimateVariance(audit: JudgeConfusion, lambda: number, pseudoCount: number, N: number, target: PpiTarget, design: PpiDesign, estimate: number): number {
	const n = auditSize(audit);
	const { variance: residual, weight } = residualVariance(audit, lambda, pseudoCount);
	// One row per task: the within-task part of the variance gets no finite-population
	// correction, and one row per task cannot separate it, so none is applied (conservative by
	// at most the factor 1 − n/N on the between-task part).
	const fpc = design === 'rows' ? 1 - n / N : 1;
	let variance = weight > 0 ? (fpc * residual) / weight : 0;
	if (target === 'process') variance += (estimate * (1 - estimate)) / N;
	return variance;
}

/**
 * The audit size m whose human-only variance equals `variance`, the per-unit spread taken from
 * the audit's own human-only variance V_h at size n. Rows audit, 'dataset' target:
 * (1 − m/N)·σ²/m with σ² = n·V_h/(1 − n/N), so m = N·n·V_h/(N·(1 − n/N)·V + n·V_h);
 * otherwise σ²/m, so m = n·V_h/V. Either gives m = n at V = V_h (λ = 0).
 */
function effectiveSize(n: number, humanVariance: number, variance: number, N: number, target: PpiTarget, design: PpiDesign): number | null {
	if (!(humanVariance > 0)) return null;
	if (target === 'dataset' && design === 'rows') {
		const fpc = 1 - n / N;
		return (N * n * humanVariance) / (N * fpc * variance + n * humanVariance);
	}
	return variance > 0 ? (n * humanVariance) / variance : null;
}

/**
 * The prediction-powered estimate of the population's "yes" rate, with its interval, the
 * human-only Wilson rate beside it and the audit size it is worth. See the file comment for the
 * formulas; throws RangeError when the counts cannot describe an audit drawn from the population.
 */
export function predictionPoweredRate(input: PpiInput, options: PpiOptions = {}): PpiEstimate {
	validatePpiInput(input);
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const method = options.method ?? 'ppi++';
	const target = options.target ?? 'dataset';
	const pseudoCount = options.pseudoCount ?? 0.5;
	if (!(pseudoCount >= 0 && Number.isFinite(pseudoCount))) throw new RangeError(`pseudoCount must be ≥ 0, got ${pseudoCount}`);
	const z = zForConfidence(confidence);
	const { populationRows: N, populationJudgeYes: N1, audit } = input;
	const design = input.design ?? 'rows';
	const n = auditSize(audit);
	const humanYes = audit.truePositives + audit.falseNegatives;
	const humanShare = n === 0 ? null : humanYes / n;
	// The audit alone is θ̂ at λ = 0, with the estimate's own variance form.
	const humanVariance = humanShare === null ? null : estimateVariance(audit, 0, pseudoCount, N, target, design, humanShare);
	const humanSE = humanVariance === null ? null : Math.sqrt(humanVariance);
	const humanOnly = {
		successes: humanYes,
		trials: n,
		proportion: humanShare,
		lower: humanShare === null ? 0 : clamp01(humanShare - z * humanSE!),
		upper: humanShare === null ? 1 : clamp01(humanShare + z * humanSE!),
		z,
		confidence,
		standardError: humanSE
	};
	const judgeRate = N === 0 ? null : N1 / N;
	const base = { method, target, design, populationRows: N, auditedRows: n, judgeRate, confidence, z, humanOnly };

	if (n === 0) {
		return {
			...base,
			lambda: 0,
			correction: null,
			estimate: null,
			clipped: false,
			standardError: null,
			lower: 0,
			upper: 1,
			effectiveSampleSize: 0,
			fallback: 'no-audit',
			description: 'No audited row: the judge’s rate cannot be corrected, so there is no estimate.'
		};
	}
	// When the judge cannot help, θ̂_λ is the human mean (λ = 0): the audit-only figure, computed
	// as PPI++ would at λ = 0 (so nothing jumps there), worth exactly the audit.
	const auditOnly = (fallback: PpiFallback, why: string): PpiEstimate => ({
		...base,
		lambda: 0,
		correction: humanOnly.proportion,
		estimate: humanOnly.proportion,
		clipped: false,
		standardError: humanOnly.standardError,
		lower: humanOnly.lower,
		upper: humanOnly.upper,
		effectiveSampleSize: n,
		fallback,
		description: `${why}: the human-only rate with the same ${describe(method, target, pseudoCount, confidence, design, true)}`
	});
	// Every row audited: θ̂_λ = λ·f̄_N + Ȳ_n − λ·f̄_n = Ȳ_N whatever λ; the humans already give the rate.
	if (design === 'rows' && n === N)
		return auditOnly(
			'fully-audited',
			target === 'dataset'
				? 'Every row was audited, so the human labels give the rate of the N rows exactly and the judge adds nothing'
				: 'Every row was audited, so the judge adds nothing'
		);
	// A judge with one verdict for every row says nothing about which rows are good.
	if (N1 === 0 || N1 === N) return auditOnly('judge-constant', 'The judge gave the same verdict to every row, so it cannot help');

	const auditJudgeYes = audit.truePositives + audit.falsePositives;
	const lambda = method === 'ppi' ? 1 : tunedLambda(audit);
	// PPI++ tunes λ to 0 when, on the audit, the judge's "yes" rows are no likelier to be good than
	// its "no" rows: the judge then adds nothing (the smoothed variance would still credit it with
	// the pseudo-counts' rows: "worth 11" for an audit of 10).
	if (method === 'ppi++' && lambda === 0)
		return auditOnly(
			'judge-uninformative',
			auditJudgeYes === 0 || auditJudgeYes === n
				? 'On the audit the judge gave every row the same verdict, so λ cannot be tuned (0) and the judge cannot help'
				: 'On the audit, the rows the judge calls good are no likelier to be good than those it rejects (λ tunes to 0), so the judge cannot help'
		);
	const correction = humanYes / n - (lambda * auditJudgeYes) / n;
	const raw = lambda * (N1 / N) + correction;
	const estimate = clamp01(raw);
	const variance = estimateVariance(audit, lambda, pseudoCount, N, target, design, estimate);
	const standardError = Math.sqrt(variance);
	return {
		...base,
		lambda,
		correction,
		estimate,
		clipped: raw !== estimate,
		standardError,
		lower: clamp01(raw - z * standardError),
		upper: clamp01(raw + z * standardError),
		effectiveSampleSize: effectiveSize(n, humanVariance!, variance, N, target, design),
		fallback: null,
		description: describe(method, target, pseudoCount, confidence, design)
	};
}

/**
 * Counts for `predictionPoweredRate` from per-row data: the judge's verdict on every population
 * row (null = no usable verdict, counted as "no") and the final human label of the audited rows
 * (by row index; undecided labels left out by the caller).
 */
export function ppiInputFromRows(
	judgeVerdicts: ReadonlyArray<boolean | null>,
	humanLabels: ReadonlyMap<number, boolean>
): PpiInput {
	let populationJudgeYes = 0;
	for (const verdict of judgeVerdicts) if (verdict === true) populationJudgeYes += 1;
	const audit: JudgeConfusion = { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
	for (const [row, human] of humanLabels) {
		if (!Number.isInteger(row) || row < 0 || row >= judgeVerdicts.length) {
			throw new RangeError(`audited row ${row} is not a row of the population (0 … ${judgeVerdicts.length - 1})`);
		}
		const judge = judgeVerdicts[row] === true;
		if (human) audit[judge ? 'truePositives' : 'falseNegatives'] += 1;
		else audit[judge ? 'falsePositives' : 'trueNegatives'] += 1;
	}
	return { populationRows: judgeVerdicts.length, populationJudgeYes, audit };
}

/**
 * Counts for an audit of tasks with one random row each ('one-row-per-task'): the judge's
 * verdicts on every row of every task of the population (null = no usable verdict, counted as
 * "no"), and for each audited task the row shown and its final human label.
 */
export function ppiInputFromTasks(
	judgeVerdicts: ReadonlyArray<ReadonlyArray<boolean | null>>,
	audited: ReadonlyMap<number, { row: number; human: boolean }>
): PpiInput {
	let populationJudgeYes = 0;
	judgeVerdicts.forEach((rows, task) => {
		if (rows.length === 0) throw new RangeError(`task ${task} has no rows`);
		populationJudgeYes += rows.filter((v) => v === true).length / rows.length;
	});
	const audit: JudgeConfusion = { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
	for (const [task, { row, human }] of audited) {
		const rows = judgeVerdicts[task];
		if (!rows) throw new RangeError(`audited task ${task} is not a task of the population (0 … ${judgeVerdicts.length - 1})`);
		if (!Number.isInteger(row) || row < 0 || row >= rows.length) throw new RangeError(`audited task ${task}: row ${row} is not one of its ${rows.length} rows`);
		const judge = rows[row] === true;
		if (human) audit[judge ? 'truePositives' : 'falseNegatives'] += 1;
		else audit[judge ? 'falsePositives' : 'trueNegatives'] += 1;
	}
	return { populationRows: judgeVerdicts.length, populationJudgeYes, audit, design: 'one-row-per-task' };
}
