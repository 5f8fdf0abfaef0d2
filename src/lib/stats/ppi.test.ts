import { describe, expect, it } from 'vitest';
import { ppiInputFromRows, ppiInputFromTasks, predictionPoweredRate, tunedLambda, validatePpiInput, type PpiInput } from './ppi';
import { simulateDataset, simulatePpi, type PpiScenario } from './ppi-simulation';
import { SeededRandom } from '../audits/random';
import { wilsonInterval } from './proportion';

describe('predictionPoweredRate: worked examples', () => {
	// The correction term is a difference of matched proportions (human yes − judge yes on the same
	// rows). Agresti, "Categorical Data Analysis" (2nd ed., 2002), §10.1.1, Table 10.1: approval of
	// the President in two surveys of the same 1,600 people, 794 / 150 / 86 / 570; the difference
	// 0.59 − 0.55 = 0.04 has SE 0.0095 and 95% Wald interval (0.021, 0.059). Read the first survey
	// as the human and the second as the judge; with N so large that the judge's mean is exact and
	// the finite-population factor is 1, PPI's interval is judge rate + that interval.
	// numpy (ddof=0): SE = 0.009549214627392139, interval (0.021283883249668338, 0.058716116750331664).
	const approval: PpiInput = {
		populationRows: 1e12,
		populationJudgeYes: 5e11,
		audit: { truePositives: 794, falseNegatives: 150, falsePositives: 86, trueNegatives: 570 }
	};

	it('reproduces Agresti’s matched-pairs interval for the correction (PPI, no smoothing)', () => {
		const r = predictionPoweredRate(approval, { method: 'ppi', pseudoCount: 0 });
		expect(r.lambda).toBe(1);
		expect(r.correction).toBeCloseTo(0.04, 15);
		expect(r.estimate).toBeCloseTo(0.54, 12);
		expect(r.standardError!.toFixed(4)).toBe('0.0095');
		expect(r.standardError).toBeCloseTo(0.009549214627392139, 10);
		expect(r.lower - 0.5).toBeCloseTo(0.021283883249668338, 9);
		expect(r.upper - 0.5).toBeCloseTo(0.058716116750331664, 9);
	});

	it('uses Agresti & Min’s ½-per-cell variance by default', () => {
		// numpy: cells + 0.5, ñ = 1602, SE = 0.00955776404656536; the point estimate is not moved.
		const r = predictionPoweredRate(approval, { method: 'ppi' });
		expect(r.standardError).toBeCloseTo(0.00955776404656536, 10);
		expect(r.estimate).toBeCloseTo(0.54, 12);
	});

	// A small example recomputed independently with numpy from per-row arrays (script below):
	// N = 1,000 rows, the judge says yes on 620; a random audit of 50: 28 human-yes/judge-yes,
	// 3 human-yes/judge-no, 4 human-no/judge-yes, 15 human-no/judge-no.
	//   Y = [1]*28 + [1]*3 + [0]*4 + [0]*15;  f = [1]*28 + [0]*3 + [1]*4 + [0]*15
	//   λ = np.cov(Y, f)[0, 1] / np.var(f, ddof=1) = 0.7083333333333335 (= 28/32 − 3/18)
	//   θ̂ = λ·0.62 + mean(Y − λf) = 0.6058333333333333 (= 0.62·28/32 + 0.38·3/18, post-stratified)
	//   smoothed: w = cells + 0.5, r = [1 − λ, 1, −λ, 0], v = Σw(r − r̄)²/Σw,
	//   SE = sqrt((1 − 50/1000)·v/Σw) = 0.048704054316421004
	//   95% interval (0.5103751409720656, 0.7012915256946011) with z = scipy norm.ppf(0.975)
	//   PPI (λ = 1): θ̂ = 0.6, SE 0.052951813144103625, (0.49621635332146224, 0.7037836466785378)
	//   process-target SE = sqrt(V + θ̂(1 − θ̂)/N) = 0.051096812155088926.
	//   Human only, the same form at λ = 0: p̃ = (31 + 1)/(50 + 2) = 8/13, V_h = 0.95·p̃(1 − p̃)/52
	//   = 0.00432407828857533, SE 0.06575772417423925, 0.62 ± 1.959964·SE = (0.49111722891, 0.74888277109).
	//   effective n = N·n·V_h/(N·(1 − n/N)·V + n·V_h) = 87.54312859820571 (PPI++), 75.0733137829912 (PPI);
	//   process target: n·(V_h + 0.62·0.38/N)/V = 87.32057643341852.
	const small: PpiInput = {
		populationRows: 1000,
		populationJudgeYes: 620,
		audit: { truePositives: 28, falseNegatives: 3, falsePositives: 4, trueNegatives: 15 }
	};

	it('PPI++ on the small example', () => {
		const r = predictionPoweredRate(small);
		expect(r.method).toBe('ppi++');
		expect(r.target).toBe('dataset');
		expect(r.lambda).toBeCloseTo(0.7083333333333335, 14);
		expect(r.estimate).toBeCloseTo(0.6058333333333333, 14);
		expect(r.estimate).toBeCloseTo(0.62 * (28 / 32) + 0.38 * (3 / 18), 14);
		expect(r.standardError).toBeCloseTo(0.048704054316421004, 13);
		expect(r.lower).toBeCloseTo(0.5103751409720656, 12);
		expect(r.upper).toBeCloseTo(0.7012915256946011, 12);
		expect(r.effectiveSampleSize).toBeCloseTo(87.54312859820571, 9);
		expect(r.judgeRate).toBe(0.62);
		expect(r.auditedRows).toBe(50);
		expect(r.fallback).toBeNull();
		expect(r.description).toMatch(/PPI\+\+/);
		expect(r.description).toMatch(/Agresti & Min/);
		// The description's formula is the one computed: the divisor is Σw = n + 2 (½ per cell), not n.
		expect(r.description).toContain('variance (1 − n/N)·s²/(n + 2) of the audited differences');
		expect(r.description).toContain('s² and n + 2 taken from the audit table with 0.5 added to each cell');
		expect(predictionPoweredRate(small, { pseudoCount: 0 }).description).toContain('variance (1 − n/N)·s²/n of the audited differences');
		// The human-only rate beside it, computed as the estimate at λ = 0 (finite-population factor
		// included), so its width compares with PPI++'s like for like.
		expect(r.humanOnly.proportion).toBe(0.62);
		expect(r.humanOnly.standardError).toBeCloseTo(0.06575772417423925, 13);
		expect(r.humanOnly.lower).toBeCloseTo(0.4911172289131722, 12);
		expect(r.humanOnly.upper).toBeCloseTo(0.7488827710868278, 12);
	});

	it('PPI (λ = 1) on the small example', () => {
		const r = predictionPoweredRate(small, { method: 'ppi' });
		expect(r.estimate).toBeCloseTo(0.6, 14);
		expect(r.estimate).toBeCloseTo(0.62 + (31 - 32) / 50, 14);
		expect(r.standardError).toBeCloseTo(0.052951813144103625, 13);
		expect(r.lower).toBeCloseTo(0.49621635332146224, 12);
		expect(r.upper).toBeCloseTo(0.7037836466785378, 12);
		expect(r.effectiveSampleSize).toBeCloseTo(75.0733137829912, 9);
	});

	it('the process target adds the rows’ own sampling variance', () => {
		const r = predictionPoweredRate(small, { target: 'process' });
		expect(r.standardError).toBeCloseTo(0.051096812155088926, 13);
		// Compared with the human-only figure under the same target.
		expect(r.effectiveSampleSize).toBeCloseTo(87.32057643341852, 9);
		expect(r.humanOnly.standardError).toBeCloseTo(0.06752538995500382, 13);
		expect(r.description).toMatch(/p\(1 − p\)\/N/);
	});

	it('takes another confidence level', () => {
		const r = predictionPoweredRate(small, { confidence: 0.9 });
		// scipy norm.ppf(0.95) = 1.6448536269514722
		expect(r.upper - r.estimate!).toBeCloseTo(1.6448536269514722 * 0.048704054316421004, 12);
		expect(r.humanOnly.confidence).toBe(0.9);
	});
});

describe('predictionPoweredRate: degenerate cases', () => {
	it('no audited row: no estimate, the whole range', () => {
		const r = predictionPoweredRate({
			populationRows: 100,
			populationJudgeYes: 70,
			audit: { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 }
		});
		expect(r.estimate).toBeNull();
		expect([r.lower, r.upper]).toEqual([0, 1]);
		expect(r.fallback).toBe('no-audit');
		expect(r.judgeRate).toBe(0.7);
		expect(r.humanOnly.proportion).toBeNull();
		expect(r.effectiveSampleSize).toBe(0);
	});

	it('a judge that says the same to every row falls back to the human-only interval', () => {
		for (const judgeYes of [0, 500]) {
			const audit =
				judgeYes === 0
					? { truePositives: 0, falseNegatives: 30, falsePositives: 0, trueNegatives: 20 }
					: { truePositives: 30, falseNegatives: 0, falsePositives: 20, trueNegatives: 0 };
			const r = predictionPoweredRate({ populationRows: 500, populationJudgeYes: judgeYes, audit });
			expect(r.fallback).toBe('judge-constant');
			expect(r.estimate).toBeCloseTo(0.6, 15);
			// p̃ = 31/52, SE = sqrt(0.9·p̃(1 − p̃)/52) = 0.06455155871365394: 0.6 ± 1.959964·SE.
			expect(r.lower).toBeCloseTo(0.47348126977531557, 12);
			expect(r.upper).toBeCloseTo(0.7265187302246844, 12);
			expect([r.lower, r.upper]).toEqual([r.humanOnly.lower, r.humanOnly.upper]);
			expect(r.effectiveSampleSize).toBe(50);
		}
	});

	it('a judge whose verdicts go against the humans on the audit (λ tunes to 0) adds nothing: the audit’s own interval, worth the audit', () => {
		// 10 audited rows, human yes on 5; the judge says yes to 1 of the 5 good rows and 4 of the 5 bad ones (κ = −0.6).
		const audit = { truePositives: 1, falseNegatives: 4, falsePositives: 4, trueNegatives: 1 };
		expect(tunedLambda(audit)).toBe(0);
		const r = predictionPoweredRate({ populationRows: 200, populationJudgeYes: 100, audit });
		expect(r.fallback).toBe('judge-uninformative');
		expect(r.estimate).toBe(0.5);
		// p̃ = 6/12, SE = sqrt((1 − 10/200)·0.25/12) = 0.14068285846778444 — the finite-population
		// factor as PPI++ just above λ = 0 (the plain Wilson interval was [23.7%, 76.3%]).
		expect(r.lower).toBeCloseTo(0.22426666416099678, 12);
		expect(r.upper).toBeCloseTo(0.7757333358390033, 12);
		expect(r.description).toContain('the same 95% normal interval as the estimate’s at λ = 0: variance (1 − n/N)·s²/(n + 2) of the audited human labels');
		// Not 11 (the smoothed variance's extra pseudo-count rows).
		expect(r.effectiveSampleSize).toBe(10);
		expect(r.description).toContain('no likelier to be good than those it rejects (λ tunes to 0), so the judge cannot help');
		// Plain PPI (λ = 1) has no such fallback.
		expect(predictionPoweredRate({ populationRows: 200, populationJudgeYes: 100, audit }, { method: 'ppi' }).fallback).toBeNull();
	});

	it('judge and humans agree on every audited row: the judge’s rate, with an interval that does not collapse', () => {
		const input: PpiInput = {
			populationRows: 20000,
			populationJudgeYes: 11600,
			audit: { truePositives: 120, falseNegatives: 0, falsePositives: 0, trueNegatives: 80 }
		};
		for (const method of ['ppi', 'ppi++'] as const) {
			const r = predictionPoweredRate(input, { method });
			expect(r.estimate).toBeCloseTo(0.58, 15);
			expect(r.lambda).toBe(1);
			expect(r.upper - r.lower).toBeGreaterThan(0.01);
			expect(r.upper - r.lower).toBeLessThan(wilsonInterval(120, 200).upper - wilsonInterval(120, 200).lower);
		}
		// Without the pseudo-counts the plain Wald interval would claim certainty.
		const raw = predictionPoweredRate(input, { pseudoCount: 0 });
		expect(raw.upper - raw.lower).toBe(0);
	});

	it('an audit of every row gives the exact rate for the dataset target, and says the judge adds nothing', () => {
		const input: PpiInput = {
			populationRows: 50,
			populationJudgeYes: 32,
			audit: { truePositives: 28, falseNegatives: 3, falsePositives: 4, trueNegatives: 15 }
		};
		const r = predictionPoweredRate(input);
		expect(r.estimate).toBeCloseTo(31 / 50, 15);
		expect(r.standardError).toBe(0);
		expect(r.effectiveSampleSize).toBe(50);
		// Not presented as a gain: the audit alone collapses to the same point (n = N), and the
		// estimate is labelled as the audit's.
		expect(r.fallback).toBe('fully-audited');
		expect(r.lambda).toBe(0);
		expect([r.humanOnly.lower, r.humanOnly.upper]).toEqual([0.62, 0.62]);
		expect([r.lower, r.upper]).toEqual([0.62, 0.62]);
		expect(r.description).toContain('Every row was audited, so the human labels give the rate of the N rows exactly and the judge adds nothing');
		// The process target keeps the rows' own variance, for both.
		const p = predictionPoweredRate(input, { target: 'process' });
		expect(p.fallback).toBe('fully-audited');
		expect(p.standardError).toBeCloseTo(Math.sqrt((0.62 * 0.38) / 50), 14);
		expect(p.humanOnly.standardError).toBe(p.standardError);
	});

	it('a judge that is the opposite of the humans gets λ = 0: the human mean', () => {
		const r = predictionPoweredRate({
			populationRows: 10000,
			populationJudgeYes: 4000,
			audit: { truePositives: 5, falseNegatives: 100, falsePositives: 80, trueNegatives: 15 }
		});
		expect(r.lambda).toBe(0);
		expect(r.estimate).toBeCloseTo(105 / 200, 15);
		// …while PPI with λ = 1 pays for the disagreement with a much wider interval.
		const ppi = predictionPoweredRate(
			{ populationRows: 10000, populationJudgeYes: 4000, audit: { truePositives: 5, falseNegatives: 100, falsePositives: 80, trueNegatives: 15 } },
			{ method: 'ppi' }
		);
		expect(ppi.upper - ppi.lower).toBeGreaterThan(1.5 * (r.upper - r.lower));
	});

	it('a judge constant on the audit but not on the population gets λ = 0', () => {
		expect(tunedLambda({ truePositives: 40, falseNegatives: 0, falsePositives: 10, trueNegatives: 0 })).toBe(0);
		const r = predictionPoweredRate({
			populationRows: 1000,
			populationJudgeYes: 900,
			audit: { truePositives: 40, falseNegatives: 0, falsePositives: 10, trueNegatives: 0 }
		});
		expect(r.estimate).toBeCloseTo(0.8, 15);
	});

	it('PPI can stray outside [0, 1]; it is clipped and says so', () => {
		const r = predictionPoweredRate(
			{ populationRows: 1000, populationJudgeYes: 990, audit: { truePositives: 45, falseNegatives: 5, falsePositives: 0, trueNegatives: 0 } },
			{ method: 'ppi' }
		);
		expect(r.estimate).toBe(1);
		expect(r.clipped).toBe(true);
		// The raw estimate is 0.99 + (50 − 45)/50 = 1.09; both bounds are kept inside [0, 1].
		expect(r.upper).toBe(1);
		expect(r.lower).toBeGreaterThanOrEqual(0);
		expect(r.lower).toBeLessThanOrEqual(1);
	});

	it('refuses counts that cannot describe an audit drawn from the population, naming the field', () => {
		const audit = { truePositives: 10, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
		expect(() => validatePpiInput({ populationRows: 100, populationJudgeYes: 5, audit })).toThrow(/judge-yes rows but the population only 5/);
		expect(() => validatePpiInput({ populationRows: 100, populationJudgeYes: 100, audit: { ...audit, trueNegatives: 1 } })).toThrow(/judge-no rows/);
		expect(() => validatePpiInput({ populationRows: 10, populationJudgeYes: 11, audit })).toThrow(/populationJudgeYes \(11\) exceeds/);
		expect(() => validatePpiInput({ populationRows: 10.5, populationJudgeYes: 1, audit })).toThrow(/populationRows/);
		expect(() => validatePpiInput({ populationRows: 100, populationJudgeYes: 50, audit: { ...audit, falsePositives: -1 } })).toThrow(/audit\.falsePositives/);
		expect(() => predictionPoweredRate({ populationRows: 100, populationJudgeYes: 50, audit }, { pseudoCount: -1 })).toThrow(/pseudoCount/);
	});
});

describe('one-row-per-task audits', () => {
	it('counts each task’s judge share and the audited rows', () => {
		const input = ppiInputFromTasks(
			[[true, false], [true], [false, null, true, true], [false]],
			new Map([
				[0, { row: 1, human: true }],
				[2, { row: 3, human: true }]
			])
		);
		expect(input.populationRows).toBe(4);
		expect(input.populationJudgeYes).toBeCloseTo(0.5 + 1 + 0.5 + 0, 15);
		expect(input.audit).toEqual({ truePositives: 1, falseNegatives: 1, falsePositives: 0, trueNegatives: 0 });
		expect(input.design).toBe('one-row-per-task');
		expect(() => ppiInputFromTasks([[true]], new Map([[0, { row: 2, human: true }]]))).toThrow(/row 2 is not one of its 1 rows/);
		expect(() => ppiInputFromTasks([[]], new Map())).toThrow(/task 0 has no rows/);
	});

	it('uses no finite-population factor, and says how the audit was drawn', () => {
		// The small example as tasks: same counts, populationJudgeYes fractional is allowed.
		const audit = { truePositives: 28, falseNegatives: 3, falsePositives: 4, trueNegatives: 15 };
		const rows = predictionPoweredRate({ populationRows: 1000, populationJudgeYes: 620, audit });
		const tasks = predictionPoweredRate({ populationRows: 1000, populationJudgeYes: 620, audit, design: 'one-row-per-task' });
		expect(tasks.estimate).toBeCloseTo(rows.estimate!, 15);
		expect(tasks.standardError! ** 2).toBeCloseTo(rows.standardError! ** 2 / (1 - 50 / 1000), 15);
		expect(tasks.description).toMatch(/one random row of each/);
		const fractional = predictionPoweredRate({ populationRows: 1000, populationJudgeYes: 620.5, audit, design: 'one-row-per-task' });
		expect(fractional.judgeRate).toBeCloseTo(0.6205, 15);
		// A task may show a judge-yes row while the task's share is small: no subset check applies.
		expect(() =>
			validatePpiInput({ populationRows: 10, populationJudgeYes: 0.5, audit: { ...audit, truePositives: 2, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 }, design: 'one-row-per-task' })
		).not.toThrow();
		expect(() => validatePpiInput({ populationRows: 10, populationJudgeYes: 11, audit, design: 'one-row-per-task' })).toThrow(/exceeds/);
		expect(() => validatePpiInput({ populationRows: 10, populationJudgeYes: 5, audit, design: 'one-row-per-task' })).toThrow(/the audit has 50 tasks/);
		expect(() => validatePpiInput({ populationRows: 10, populationJudgeYes: 5.5, audit })).toThrow(/populationJudgeYes must be a non-negative integer/);
	});
});

describe('ppiInputFromRows', () => {
	it('counts the judge’s verdicts, a missing verdict as "no", and the audited rows’ table', () => {
		const verdicts = [true, false, null, true, true, false];
		const humans = new Map<number, boolean>([
			[0, true],
			[1, true],
			[2, false],
			[3, false]
		]);
		expect(ppiInputFromRows(verdicts, humans)).toEqual({
			populationRows: 6,
			populationJudgeYes: 3,
			audit: { truePositives: 1, falseNegatives: 1, falsePositives: 1, trueNegatives: 1 }
		});
	});

	it('refuses an audited row outside the population', () => {
		expect(() => ppiInputFromRows([true], new Map([[3, true]]))).toThrow(/audited row 3/);
	});
});

describe('predictionPoweredRate: seeded simulation with a known truth', () => {
	// The suite's version of bench/judge-ppi.bench.ts: 400 datasets per scenario instead of 1,000.
	const base = { rows: 20000, audited: 200 };
	const scenario = (name: string, rate: number, sensitivity: number, specificity: number): PpiScenario => ({
		name,
		rate,
		sensitivity,
		specificity,
		...base
	});

	it('covers the dataset’s true rate about 95% of the time and beats the human-only interval with a good judge', () => {
		// Self-Instruct's "all fields valid" was 54%; a judge agreeing with the humans ~90% of the time.
		const summary = simulatePpi(scenario('good judge', 0.54, 0.92, 0.88), 400, 20240601);
		expect(summary.meanAuditAgreement).toBeGreaterThan(0.88);
		expect(summary.ppi.coverage).toBeGreaterThanOrEqual(0.93);
		expect(summary.ppi.coverage).toBeLessThanOrEqual(0.975);
		expect(summary.ppi.narrowerThanWilson).toBe(1);
		expect(summary.ppi.meanWidth).toBeLessThan(0.7 * summary.humanWilson.meanWidth);
		expect(Math.abs(summary.ppi.meanError)).toBeLessThan(0.005);
		expect(summary.ppi.meanEffectiveSampleSize!).toBeGreaterThan(400);
	});

	it('stays unbiased and valid with a lenient judge whose own rate is far off', () => {
		// The judge says yes to 99% of good rows and 70% of bad ones: alone it would report ~86%.
		const summary = simulatePpi(scenario('lenient judge', 0.54, 0.99, 0.3), 400, 7);
		expect(summary.ppi.coverage).toBeGreaterThanOrEqual(0.93);
		expect(Math.abs(summary.ppi.meanError)).toBeLessThan(0.01);
	});

	it('with a useless judge, PPI++ is no wider than the human-only interval (and PPI is)', () => {
		const useless = scenario('coin-flip judge', 0.54, 0.5, 0.5);
		const tuned = simulatePpi(useless, 300, 99);
		const plain = simulatePpi(useless, 300, 99, { method: 'ppi' });
		expect(tuned.meanLambda).toBeLessThan(0.1);
		expect(tuned.ppi.meanWidth).toBeLessThan(1.02 * tuned.humanWilson.meanWidth);
		expect(plain.ppi.meanWidth).toBeGreaterThan(1.3 * plain.humanWilson.meanWidth);
		expect(tuned.ppi.coverage).toBeGreaterThanOrEqual(0.93);
		expect(plain.ppi.coverage).toBeGreaterThanOrEqual(0.93);
	});

	it('audits of tasks (one random row each) cover the tasks’ rate', () => {
		// 5,000 tasks of 1–5 rows, task quality varying ±30 points; the audit samples 200 tasks.
		const tasks: PpiScenario = { ...scenario('tasks', 0.54, 0.92, 0.88), rows: 5000, rowsPerTask: { min: 1, max: 5, taskSpread: 0.3 } };
		const summary = simulatePpi(tasks, 400, 11);
		expect(summary.ppi.coverage).toBeGreaterThanOrEqual(0.93);
		expect(summary.ppi.coverage).toBeLessThanOrEqual(0.98);
		expect(Math.abs(summary.ppi.meanError)).toBeLessThan(0.005);
		expect(summary.ppi.narrowerThanWilson).toBe(1);
	});

	it('covers the process rate under the process target', () => {
		const summary = simulatePpi(scenario('process', 0.58, 0.95, 0.9), 400, 3, { target: 'process' });
		expect(summary.ppi.coverage).toBeGreaterThanOrEqual(0.93);
		expect(summary.ppi.coverage).toBeLessThanOrEqual(0.975);
	});
});

describe('the method sentence', () => {
	it('says N counts tasks when the design is one row per task', () => {
		const input = ppiInputFromTasks([[true, false], [true], [false, true], [false]], new Map([[0, { row: 0, human: true }], [2, { row: 0, human: false }]]));
		// The judge agrees with both audited rows (λ > 0: a judge that gave both one verdict would fall back to the audit alone).
		const tasks = predictionPoweredRate(input).description;
		expect(tasks).toContain('the judge’s rate on all N tasks (per task, the share of its rows)');
		expect(tasks).not.toContain('all N rows');
	});
});

describe('the human-only figure beside the estimate is computed as the estimate is', () => {
	it('worked example: 3 of 10 audited rows of 100, ½ per cell of the audit table', () => {
		// p̃ = (3 + 1)/(10 + 2) = 1/3, s² = p̃(1 − p̃) = 2/9, V = (1 − 10/100)·(2/9)/12 = 1/60,
		// SE = 0.12909944487358055, 0.3 ± 1.959964·SE = (0.04696973762366807, 0.5530302623763319).
		// (Wilson without the finite-population factor: (0.1078, 0.6032).)
		const r = predictionPoweredRate({
			populationRows: 100,
			populationJudgeYes: 40,
			audit: { truePositives: 2, falseNegatives: 1, falsePositives: 2, trueNegatives: 5 }
		});
		expect(r.humanOnly.proportion).toBeCloseTo(0.3, 15);
		expect(r.humanOnly.standardError).toBeCloseTo(0.12909944487358055, 14);
		expect(r.humanOnly.lower).toBeCloseTo(0.04696973762366807, 12);
		expect(r.humanOnly.upper).toBeCloseTo(0.5530302623763319, 12);
	});

	it('nothing jumps at λ = 0: an audit where λ tunes to 0.01 and one where it tunes to 0 give nearly the same interval', () => {
		// 200 audited of 1,000. Just above 0: judge-yes rows 51/100 good, judge-no rows 50/100 (λ = 0.01);
		// at 0: 50/100 and 50/100 (the fallback).
		const above = predictionPoweredRate({ populationRows: 1000, populationJudgeYes: 500, audit: { truePositives: 51, falseNegatives: 50, falsePositives: 49, trueNegatives: 50 } });
		const at = predictionPoweredRate({ populationRows: 1000, populationJudgeYes: 500, audit: { truePositives: 50, falseNegatives: 50, falsePositives: 50, trueNegatives: 50 } });
		expect(above.lambda).toBeCloseTo(0.01, 12);
		expect(above.fallback).toBeNull();
		expect(at.fallback).toBe('judge-uninformative');
		const width = (x: { lower: number; upper: number }) => x.upper - x.lower;
		// Both about ±6.2 points: (1 − 0.2)·0.25/202 → SE 0.0315; before, the fallback was Wilson without the factor (±6.9).
		expect(Math.abs(width(above) - width(at))).toBeLessThan(0.001);
		expect(Math.abs(above.effectiveSampleSize! - at.effectiveSampleSize!)).toBeLessThan(1);
		// And the human-only figure beside PPI++ (101 of 200 here) is computed as the fallback's interval.
		expect(Math.abs(width(above.humanOnly) - width(at))).toBeLessThan(0.0001);
	});

	it('simulation with a known truth: with a large sampling fraction, the human-only interval covers about 95% (Wilson without the factor over-covers) and PPI++ with a useless judge is no narrower', () => {
		// N = 400 rows, n = 200 audited (half), 30% correct; the judge is a coin (sensitivity = 1 − specificity).
		const random = new SeededRandom(20261207);
		const scenario: PpiScenario = { name: 'half audited', rate: 0.3, sensitivity: 0.5, specificity: 0.5, rows: 400, audited: 200 };
		const runs = 400;
		let humanCovered = 0;
		let wilsonCovered = 0;
		let ratio = 0;
		for (let i = 0; i < runs; i++) {
			const data = simulateDataset(scenario, random);
			const r = predictionPoweredRate(data);
			if (r.humanOnly.lower <= data.datasetRate && data.datasetRate <= r.humanOnly.upper) humanCovered++;
			const w = wilsonInterval(r.humanOnly.successes, r.humanOnly.trials);
			if (w.lower <= data.datasetRate && data.datasetRate <= w.upper) wilsonCovered++;
			ratio += (r.upper - r.lower) / (r.humanOnly.upper - r.humanOnly.lower);
		}
		// 400 runs: a standard error of about 1.1 points around 95%.
		expect(humanCovered / runs).toBeGreaterThan(0.92);
		expect(humanCovered / runs).toBeLessThan(0.98);
		expect(wilsonCovered / runs).toBeGreaterThan(0.985);
		// A judge that knows nothing leaves the width where the audit alone puts it.
		expect(ratio / runs).toBeGreaterThan(0.97);
	});
});
