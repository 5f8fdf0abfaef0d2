import { describe, expect, it } from 'vitest';
import { toLatex, toMarkdown } from '$lib/tables';
import { predictionPoweredRate } from '$lib/stats/ppi';
import { qualityCalibration, type QualityAnswers } from './calibration';
import { judgePaperTables, type JudgeTableInput } from './paper-tables';

const all = (v: boolean): QualityAnswers => ({ instruction: v, input: v, output: v });

function input(over: Partial<JudgeTableInput> = {}): JudgeTableInput {
	// 10 audited rows: the judge and the humans agree on 8 (5 yes, 3 no), disagree on 2.
	const rows = [
		...Array.from({ length: 5 }, () => ({ judge: all(true), human: all(true) })),
		...Array.from({ length: 3 }, () => ({ judge: all(false), human: all(false) })),
		{ judge: all(true), human: all(false) },
		{ judge: all(false), human: all(true) }
	];
	const estimate = predictionPoweredRate({ populationRows: 100, populationJudgeYes: 55, audit: { truePositives: 5, falseNegatives: 1, falsePositives: 1, trueNegatives: 3 } });
	return {
		auditId: 4,
		run: { id: 9, model: 'judge-m' },
		modelText: 'judge-m',
		items: 10,
		decidedItems: 10,
		judgedItems: 10,
		unreadableItems: 0,
		calibration: qualityCalibration(rows),
		estimate,
		tieRange: null,
		estimateNote: null,
		population: { tasks: 100, rows: 100, unparsedRows: 0 },
		...over
	};
}

describe('judgePaperTables', () => {
	it('gives the judge against the final labels per question, and the estimate beside the audit alone, as the page', () => {
		const tables = judgePaperTables(input());
		expect(tables.map((t) => t.id)).toEqual(['judge', 'judge-estimate']);
		const md = toMarkdown(tables[0].table);
		// 8 of 10 agree: 80.0%; TP/FN/FP/TN = 5/1/1/3; sensitivity 5/6, specificity 3/4, precision 5/6.
		expect(md).toContain('| All three valid | 10 | 80.0% [49.0%, 94.3%] |');
		expect(md).toContain('| 5 / 1 / 1 / 3 | 83.3% | 75.0% | 83.3% |');
		const est = toMarkdown(tables[1].table);
		expect(est).toMatch(/\| Judge \+ audit \(PPI\+\+\) \| \d+\.\d% \[\d+\.\d%, \d+\.\d%\] \| 10 \|/);
		expect(est).toContain('| Audit only | 60.0% [');
		expect(est).toContain('| Judge alone (uncorrected) | 55.0% | — |');
		const tex = toLatex(tables[1].table);
		expect(tex).toContain('\\label{tab:judge-estimate}');
	});

	it('with tied items leads with the range; every row audited then says the judge adds nothing', () => {
		const asNo = predictionPoweredRate({ populationRows: 12, populationJudgeYes: 7, audit: { truePositives: 5, falseNegatives: 1, falsePositives: 2, trueNegatives: 4 } });
		const asYes = predictionPoweredRate({ populationRows: 12, populationJudgeYes: 7, audit: { truePositives: 7, falseNegatives: 1, falsePositives: 0, trueNegatives: 4 } });
		const left = predictionPoweredRate({ populationRows: 12, populationJudgeYes: 7, audit: { truePositives: 5, falseNegatives: 1, falsePositives: 0, trueNegatives: 4 } });
		const tables = judgePaperTables(input({ estimate: left, tieRange: { tiedItems: 2, tiesAsNo: asNo, tiesAsYes: asYes }, population: { tasks: 12, rows: 12, unparsedRows: 0 } }));
		const est = toMarkdown(tables[1].table);
		// 6 of 12 and 8 of 12 human yes: 50.0%–66.7%, exact (n = N).
		expect(est).toContain('| Judge + audit: the audit alone (the judge adds nothing) | 50.0%–66.7% [50.0%, 66.7%] | 12 |');
		expect(est).toContain('| Audit only | 50.0%–66.7% [50.0%, 66.7%] | 12 |');
		expect(est.indexOf('the audit alone (the judge adds nothing)')).toBeLessThan(est.indexOf('the tied items left out'));
		expect(est).toContain('The judge adds nothing here: every row was audited, so the human labels alone give the rate.');
	});

	it('without an estimate says why under the calibration table', () => {
		const tables = judgePaperTables(input({ estimate: null, estimateNote: 'The judge run has verdicts for 10 of the 100 rows.' }));
		expect(tables.map((t) => t.id)).toEqual(['judge']);
		expect(toMarkdown(tables[0].table)).toContain('No whole-dataset estimate: The judge run has verdicts for 10 of the 100 rows.');
	});
});
