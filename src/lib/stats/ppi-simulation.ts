/**
 * Seeded simulation of a judged and audited dataset, to check prediction-powered intervals
 * against a known truth: each row is correct with probability `rate`; a judge with the given
 * sensitivity (says yes to a correct row) and specificity (says no to an incorrect one) labels
 * every row; humans label a simple random sample of `audited` rows without replacement,
 * without error. Used by ppi.test.ts (a few hundred datasets) and bench/judge-ppi.bench.ts (the
 * full 1,000 datasets of 20,000 rows).
 */
import { SeededRandom } from '../audits/random';
import { predictionPoweredRate, type JudgeConfusion, type PpiOptions } from './ppi';
import { wilsonInterval } from './proportion';

export interface PpiScenario {
	name: string;
	/** Probability that a row is correct. */
	rate: number;
	/** P(judge yes | correct). */
	sensitivity: number;
	/** P(judge no | incorrect). */
	specificity: number;
	/** N: rows, or tasks when `rowsPerTask` is set. */
	rows: number;
	/** n: rows, or tasks (one random row shown of each). */
	audited: number;
	/**
	 * When set, the population is N tasks of min…max rows each (uniform), each task with its own
	 * correct-row probability drawn uniformly from rate ± taskSpread, and the audit is a simple
	 * random sample of tasks showing one random row of each ('one-row-per-task').
	 */
	rowsPerTask?: { min: number; max: number; taskSpread: number };
}

export interface SimulatedDataset {
	/** The dataset's own correct share (the 'dataset' target). */
	datasetRate: number;
	populationRows: number;
	populationJudgeYes: number;
	audit: JudgeConfusion;
	design: 'rows' | 'one-row-per-task';
}

/** Draws N tasks of several rows each and an audit of n tasks showing one random row of each. */
function simulateTaskDataset(scenario: PpiScenario, random: SeededRandom): SimulatedDataset {
	const { rows: N, audited: n, rate, sensitivity, specificity } = scenario;
	const { min, max, taskSpread } = scenario.rowsPerTask!;
	if (!(taskSpread >= 0 && taskSpread <= Math.min(rate, 1 - rate))) throw new RangeError('taskSpread must keep rate ± taskSpread inside [0, 1]');
	const tasks: Uint8Array[] = [];
	let taskRateSum = 0;
	let judgeShareSum = 0;
	for (let t = 0; t < N; t++) {
		const m = min + random.int(max - min + 1);
		const p = rate + taskSpread * (2 * random.float() - 1);
		const cells = new Uint8Array(m);
		let correct = 0;
		let judgeYes = 0;
		for (let i = 0; i < m; i++) {
			const y = random.float() < p;
			const f = y ? random.float() < sensitivity : random.float() >= specificity;
			cells[i] = (y ? 1 : 0) | (f ? 2 : 0);
			if (y) correct += 1;
			if (f) judgeYes += 1;
		}
		tasks.push(cells);
		taskRateSum += correct / m;
		judgeShareSum += judgeYes / m;
	}
	const audit: JudgeConfusion = { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
	const order = new Uint32Array(N);
	for (let i = 0; i < N; i++) order[i] = i;
	for (let i = 0; i < n; i++) {
		const j = i + random.int(N - i);
		const task = order[j];
		order[j] = order[i];
		order[i] = task;
		const rows = tasks[task];
		tally(audit, rows[random.int(rows.length)]);
	}
	return { datasetRate: taskRateSum / N, populationRows: N, populationJudgeYes: judgeShareSum, audit, design: 'one-row-per-task' };
}

function tally(audit: JudgeConfusion, cell: number): void {
	if (cell === 3) audit.truePositives += 1;
	else if (cell === 1) audit.falseNegatives += 1;
	else if (cell === 2) audit.falsePositives += 1;
	else audit.trueNegatives += 1;
}

/** Draws one dataset of explicit rows (or tasks, see `rowsPerTask`) and its audit. */
export function simulateDataset(scenario: PpiScenario, random: SeededRandom): SimulatedDataset {
	if (scenario.rowsPerTask) return simulateTaskDataset(scenario, random);
	const { rows: N, audited: n, rate, sensitivity, specificity } = scenario;
	if (!(n <= N)) throw new RangeError(`audited (${n}) exceeds rows (${N})`);
	// Row i: bit 1 = correct, bit 2 = judge says yes.
	const cells = new Uint8Array(N);
	let correct = 0;
	let judgeYes = 0;
	for (let i = 0; i < N; i++) {
		const y = random.float() < rate;
		const f = y ? random.float() < sensitivity : random.float() >= specificity;
		cells[i] = (y ? 1 : 0) | (f ? 2 : 0);
		if (y) correct += 1;
		if (f) judgeYes += 1;
	}
	// Simple random sample without replacement: the first n positions of a partial Fisher–Yates.
	const order = new Uint32Array(N);
	for (let i = 0; i < N; i++) order[i] = i;
	const audit: JudgeConfusion = { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
	for (let i = 0; i < n; i++) {
		const j = i + random.int(N - i);
		const row = order[j];
		order[j] = order[i];
		order[i] = row;
		tally(audit, cells[row]);
	}
	return { datasetRate: correct / N, populationRows: N, populationJudgeYes: judgeYes, audit, design: 'rows' };
}

export interface IntervalSummary {
	/** Share of datasets whose interval held the truth. */
	coverage: number;
	meanWidth: number;
	/** Share of datasets where this interval was narrower than the human-only Wilson interval. */
	narrowerThanWilson: number;
	/** Mean of (estimate − truth): the bias. */
	meanError: number;
	meanEffectiveSampleSize: number | null;
}

export interface ScenarioSummary {
	scenario: PpiScenario;
	datasets: number;
	/** Mean agreement between judge and humans on the audit. */
	meanAuditAgreement: number;
	meanLambda: number;
	ppi: IntervalSummary;
	humanWilson: IntervalSummary;
}

/**
 * Runs `datasets` simulated datasets of a scenario through `predictionPoweredRate` with the
 * given options and summarises coverage of the target's truth (the dataset's own rate, or the
 * scenario's `rate` for the 'process' target) and widths against the human-only Wilson interval.
 */
export function simulatePpi(scenario: PpiScenario, datasets: number, seed: number, options: PpiOptions = {}): ScenarioSummary {
	const random = new SeededRandom(seed);
	const acc = () => ({ covered: 0, width: 0, narrower: 0, error: 0, effective: 0, effectiveCount: 0 });
	const ppi = acc();
	const wilson = acc();
	let agreement = 0;
	let lambda = 0;
	for (let d = 0; d < datasets; d++) {
		const data = simulateDataset(scenario, random);
		const truth = options.target === 'process' ? scenario.rate : data.datasetRate;
		const result = predictionPoweredRate(data, options);
		const human = wilsonInterval(data.audit.truePositives + data.audit.falseNegatives, scenario.audited);
		const ppiWidth = result.upper - result.lower;
		const wilsonWidth = human.upper - human.lower;
		if (result.lower <= truth && truth <= result.upper) ppi.covered += 1;
		if (human.lower <= truth && truth <= human.upper) wilson.covered += 1;
		ppi.width += ppiWidth;
		wilson.width += wilsonWidth;
		if (ppiWidth < wilsonWidth) ppi.narrower += 1;
		ppi.error += (result.estimate ?? Number.NaN) - truth;
		wilson.error += (human.proportion ?? Number.NaN) - truth;
		if (result.effectiveSampleSize !== null) {
			ppi.effective += result.effectiveSampleSize;
			ppi.effectiveCount += 1;
		}
		agreement += (data.audit.truePositives + data.audit.trueNegatives) / scenario.audited;
		lambda += result.lambda;
	}
	const summary = (a: ReturnType<typeof acc>): IntervalSummary => ({
		coverage: a.covered / datasets,
		meanWidth: a.width / datasets,
		narrowerThanWilson: a.narrower / datasets,
		meanError: a.error / datasets,
		meanEffectiveSampleSize: a.effectiveCount ? a.effective / a.effectiveCount : null
	});
	return {
		scenario,
		datasets,
		meanAuditAgreement: agreement / datasets,
		meanLambda: lambda / datasets,
		ppi: summary(ppi),
		humanWilson: { ...summary(wilson), meanEffectiveSampleSize: scenario.audited }
	};
}
