import { describe, expect, it } from 'vitest';
import { filterRateText, filterReport, type FilterReportInput } from './filter-report';

/**
 * Hand-computed: kept rows N = 100, 10 drawn — 5 fully valid, 3 not, 2 whose reviewers tied;
 * ROUGE-L-rejected rows N = 50, 5 drawn — 2 valid, 3 not. Wilson 95% bounds worked out apart
 * (z = 1.95996): 5/10 → lower 0.236593, 7/10 → upper 0.892209; 2/5 → 0.117621–0.769276.
 */
function input(): FilterReportInput {
	const verdicts: FilterReportInput['verdicts'][number][] = [];
	let id = 0;
	const add = (stratum: string, allValid: boolean | null, tie = false) => {
		id++;
		verdicts.push({ itemId: id, taskId: id, stratum, allValid, tie, isGold: false });
	};
	for (let i = 0; i < 5; i++) add('kept', true);
	for (let i = 0; i < 3; i++) add('kept', false);
	for (let i = 0; i < 2; i++) add('kept', null, true);
	for (let i = 0; i < 2; i++) add('rejected:rougeL', true);
	for (let i = 0; i < 3; i++) add('rejected:rougeL', false);
	const rougeByTask = new Map<number, number | null>(verdicts.map((v) => [v.taskId, v.stratum === 'kept' ? 0.3 : 0.8]));
	const rows = [
		...Array.from({ length: 100 }, (_, i) => ({ taskId: i < 10 ? i + 1 : 1000 + i, stratum: 'kept', rougeL: 0.3 })),
		...Array.from({ length: 50 }, (_, i) => ({ taskId: i < 5 ? 11 + i : 2000 + i, stratum: 'rejected:rougeL', rougeL: 0.8 }))
	];
	return {
		strata: [
			{ key: 'kept', population: 100, size: 10 },
			{ key: 'rejected:rougeL', population: 50, size: 5 }
		],
		verdicts,
		rougeByTask,
		rows,
		appliedThreshold: 0.7,
		confidence: 0.95
	};
}

describe('filterReport with tied items', () => {
	const report = filterReport(input());

	it('counts the kept stratum’s ties both ways, not leaving them out (5 of 8 = 62.5% would)', () => {
		const kept = report.kept!;
		expect(kept.tied).toBe(2);
		expect(kept.n).toBe(10);
		expect(kept.proportion).toBeNull();
		expect(kept.low).toBeCloseTo(0.5, 12);
		expect(kept.high).toBeCloseTo(0.7, 12);
		expect(kept.lower).toBeCloseTo(0.236593, 5);
		expect(kept.upper).toBeCloseTo(0.892209, 5);
		expect(filterRateText(kept)).toBe('50.0%–70.0%');
	});

	it('keeps a stratum without ties a point with its Wilson interval', () => {
		const rule = report.rules[0];
		expect(rule.proportion).toBeCloseTo(0.4, 12);
		expect(rule.wronglyRemoved).toBeCloseTo(0.4, 12);
		expect(rule.lower).toBeCloseTo(0.117621, 5);
		expect(rule.upper).toBeCloseTo(0.769276, 5);
		expect(filterRateText(rule)).toBe('40.0%');
	});

	it('had the rule been off: weights 2/3 and 1/3, low 7/15 and high 0.6, interval from low’s lower to high’s upper', () => {
		// Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/n_h gives effective sizes above the 15 items, so Wilson on 15:
		// 7/15 → lower 0.248095; 0.6 → upper 0.801755.
		const c = report.rules[0].ifOff.correctness;
		expect(c.proportion).toBeNull();
		expect(c.low).toBeCloseTo(7 / 15, 12);
		expect(c.high).toBeCloseTo(0.6, 12);
		expect(c.lower).toBeCloseTo(0.248095, 5);
		expect(c.upper).toBeCloseTo(0.801755, 5);
		expect(c.ties).toBe(2);
		const v = report.rules[0].ifOff.validRows;
		expect(v.estimate).toBeNull();
		expect(v.low).toBeCloseTo(70, 9);
		expect(v.high).toBeCloseTo(90, 9);
	});

	it('sweeps with the ties counted both ways', () => {
		const below = report.sweep.points.find((p) => p.threshold === 0.5)!;
		expect(below.rows).toBe(100);
		expect(below.judged).toBe(10);
		expect(below.correctness.low).toBeCloseTo(0.5, 12);
		expect(below.correctness.high).toBeCloseTo(0.7, 12);
		const above = report.sweep.points.find((p) => p.threshold === 0.9)!;
		expect(above.rows).toBe(150);
		expect(above.judged).toBe(15);
		expect(above.correctness.low).toBeCloseTo(7 / 15, 12);
		expect(above.correctness.upper).toBeCloseTo(0.801755, 5);
	});

	it('without ties gives the point as before', () => {
		const i = input();
		const untied = filterReport({ ...i, verdicts: i.verdicts.map((v) => (v.tie ? { ...v, tie: false, allValid: false } : v)) });
		expect(untied.kept!.proportion).toBeCloseTo(0.5, 12);
		expect(untied.kept!.low).toBeCloseTo(0.5, 12);
		expect(untied.rules[0].ifOff.correctness.proportion).toBeCloseTo(7 / 15, 12);
	});
});
