import { describe, expect, it } from 'vitest';
import { analysisFilePrefix, analysisFigureIds, analysisFigures } from './figures';
import { AnalysisBuilder } from './analysis';
import { VerbNounExtractor } from './verb-noun';

describe('analysisFigures', () => {
	it('words one verb and one instruction in the singular', () => {
		const b = new AnalysisBuilder({ extractor: new VerbNounExtractor(), seeds: null });
		b.addInstruction('Write a poem about the sea.', 6);
		b.addInstance(0, 1);
		const [vn] = analysisFigures([{ label: 'one', analysis: b.finish() }]);
		expect(vn.label).toBe('Top 1 verb and its top 4 nouns');
		expect(vn.caption).toContain('n = 1 instruction; 1 (100.0%) has a verb–noun pair, 1 (100.0%) is in the arcs.');
	});
});

describe('analysisFilePrefix', () => {
	it('names the dataset, its id and what of it was analysed', () => {
		expect(analysisFilePrefix([{ datasetId: 1, datasetName: 'alpaca_5000', scope: { kind: 'dataset' } }])).toBe('analysis-alpaca-5000.1');
		expect(analysisFilePrefix([{ datasetId: 14, datasetName: 'filt', scope: { kind: 'dataset', keptOnly: true } }])).toBe('analysis-filt.14-kept');
		expect(analysisFilePrefix([{ datasetId: 3, datasetName: 'gen', scope: { kind: 'run', runId: 5 } }])).toBe('analysis-gen.3-run-5');
		expect(analysisFilePrefix([{ datasetId: 7, datasetName: '中文', scope: { kind: 'dataset' } }])).toBe('analysis-dataset.7');
		expect(
			analysisFilePrefix([
				{ datasetId: 4, datasetName: 'fx20', scope: { kind: 'dataset' } },
				{ datasetId: 1, datasetName: 'alpaca', scope: { kind: 'dataset' } }
			])
		).toBe('analyses-fx20.4-vs-alpaca.1');
	});

	it('never gives two datasets whose names slug alike the same files', () => {
		const a = analysisFilePrefix([{ datasetId: 6, datasetName: 'a b x', scope: { kind: 'dataset' } }]);
		const b = analysisFilePrefix([{ datasetId: 7, datasetName: 'a/../b (x)+', scope: { kind: 'dataset' } }]);
		expect(a).not.toBe(b);
		// Nor does one prefix followed by a figure id read as another's file.
		const files = (prefix: string) => analysisFigureIds(1).map((id) => `${prefix}-${id}`);
		expect(files(a).filter((f) => files(b).includes(f))).toEqual([]);
	});

	it('gives two selections of one dataset their own names, and one selection always the same', () => {
		const selection = (where: string[]) => analysisFilePrefix([{ datasetId: 2, datasetName: 'd', scope: { kind: 'selection', where } }]);
		expect(selection(['kept=yes'])).toMatch(/^analysis-d\.2-selection-[0-9a-f]{8}$/);
		expect(selection(['kept=yes'])).toBe(selection(['kept=yes']));
		expect(selection(['kept=yes'])).not.toBe(selection(['kept=no']));
		expect(selection([])).not.toBe(selection(['origin=seed']));
	});
});
