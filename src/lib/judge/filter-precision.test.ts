import { describe, expect, it } from 'vitest';
import { judgePrecisionText, type FilterPrecisionFigures } from './filter-precision';
import { tieBounds } from './wording';
import { wilsonInterval } from '$lib/stats/proportion';

/** The figures the manifest gives for `human` of `decided` agreed and `tied` tied (the same construction as exports/judge.ts). */
function figures(human: number, decided: number, tied: number): FilterPrecisionFigures {
	const w = wilsonInterval(human, decided);
	const both = (valid: number) => {
		const b = wilsonInterval(valid, decided + tied);
		return { point: b.proportion, lower: b.lower, upper: b.upper };
	};
	return { runId: 7, auditId: 3, judgedValid: decided, humanValid: human, tiedJudgedValid: tied, precision: w.proportion, lower: w.lower, upper: w.upper, withTies: tieBounds(both(human), both(human + tied)) };
}

describe('judgePrecisionText', () => {
	it('without ties: the precision, its interval and the counts', () => {
		expect(judgePrecisionText(figures(8, 10, 0))).toBe(
			'Judge precision on audit 3: 80.0% (interval 49.0% to 94.3%) — of the 10 audited items judge run 7 called all valid, the final human label also says all valid on 8.'
		);
	});

	it('with tied items: names them, headlines the range counting them "no" and "yes", then the figure with them left out', () => {
		// 8 of 10 decided, 2 tied: 8/12 = 66.7% to 10/12 = 83.3%.
		const text = judgePrecisionText(figures(8, 10, 2));
		expect(text).toBe(
			'Judge precision on audit 3: 66.7%–83.3% (interval 39.1% to 95.3%) with the 2 tied audited items counted as "no" and as "yes" — of the 12 audited items judge run 7 called all valid, the final human label also says all valid on 8, and on 2 the reviewers tied with each other (no final label); with the tied items left out: 80.0% (interval 49.0% to 94.3%), 8 of 10.'
		);
	});

	it('every item the judge kept tied: the range is all there is', () => {
		expect(judgePrecisionText(figures(0, 0, 1))).toBe(
			'Judge precision on audit 3: 0.0%–100.0% (interval 0.0% to 100.0%) with the 1 tied audited item counted as "no" and as "yes" — of the 1 audited item judge run 7 called all valid, the final human label also says all valid on 0, and on 1 the reviewers tied with each other (no final label); with the tied items left out: no decided item is left.'
		);
	});

	it('no audited item kept by the judge: unknown', () => {
		expect(judgePrecisionText(figures(0, 0, 0))).toBe('Judge precision: unknown — judge run 7 called no audited item of audit 3 all valid.');
	});
});
