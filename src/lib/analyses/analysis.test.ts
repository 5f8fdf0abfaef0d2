import { describe, expect, it } from 'vitest';
import { AnalysisBuilder, seedTasksLeftOutText, tokenlessText } from './analysis';
import { analysisFigures } from './figures';
import { lengthBars, sharedLengthScale } from '$lib/components/analyses/view';
import { VerbNounExtractor } from './verb-noun';
import { ExhaustivePool } from '$lib/rouge';
import { countWords } from '$lib/text/words';

const extractor = new VerbNounExtractor();

describe('AnalysisBuilder', () => {
	it('counts pairs, lengths and the similarity to the seeds of a small set', () => {
		const seeds = ['Write a poem about the sea.', 'Give me a recipe for pancakes.', 'What is the capital of France?'];
		const b = new AnalysisBuilder({ extractor, seeds: { instructions: seeds, source: 'test seeds' } });
		const rows: [string, [string, string][]][] = [
			['Write a poem about the ocean.', [['', 'Waves roll in.']]],
			['Write a poem about love.', [['', 'Love is all.'], ['short', 'Yes.']]],
			['Give me a recipe for waffles.', [['eggs and flour', 'Mix and bake.']]],
			['Explain how tides work.', [['', 'The moon pulls the water.']]],
			['Is the sky blue?', []]
		];
		for (const [instruction, instances] of rows) {
			b.addInstruction(instruction, countWords(instruction));
			for (const [input, output] of instances) b.addInstance(countWords(input), countWords(output));
		}
		const a = b.finish();
		expect(a.instructions).toBe(5);
		expect(a.instances).toBe(5);
		expect(a.verbNoun).toMatchObject({ withPair: 3, verbOnly: 1, noVerb: 1, distinctPairs: 2, covered: 3 });
		expect(a.verbNoun.top[0]).toEqual({ verb: 'write', pairs: 2, nouns: [{ noun: 'poem', count: 2 }], otherNouns: 0 });
		expect(analysisFigures([{ label: 'x', analysis: a }])[0].caption).toContain('British spellings merged with American ones (analyse → analyze, colours → color)');
		expect(a.lengths.instruction.counts).toEqual([[4, 2], [5, 1], [6, 2]]);
		expect(a.lengths.input).toMatchObject({ n: 2, mean: 2 });
		expect(a.lengths.emptyInputs).toBe(3);
		expect(a.lengths.output.n).toBe(5);
		// The maximum over the seeds, exactly as a pair-by-pair scan finds it.
		const pool = new ExhaustivePool();
		for (const s of seeds) pool.add(s);
		const expected = rows.map(([r]) => pool.query(r, 0.7, 0).max?.score ?? 0).sort((x, y) => x - y);
		const s = a.seedSimilarity!;
		expect(s.n).toBe(5);
		expect(s.seeds).toBe(3);
		expect(s.max).toBe(expected[4]);
		expect(s.quantiles[2]).toBe(expected[2]);
		expect(s.above.find((x) => x.threshold === 0.7)!.count).toBe(expected.filter((x) => x > 0.7).length);
	});

	it('counts and says how many instructions and seeds have no token (exact copies of Chinese seeds score 0)', () => {
		const seeds = ['写一首关于春天的诗。', '把这句话翻译成英文。', 'Write a poem.'];
		const b = new AnalysisBuilder({ extractor, seeds: { instructions: seeds, source: 'zh seeds' } });
		for (const text of ['写一首关于春天的诗。', '把这句话翻译成英文。', 'Write a poem.']) b.addInstruction(text, 1);
		const s = b.finish().seedSimilarity!;
		expect(s).toMatchObject({ n: 3, tokenlessInstructions: 2, tokenlessSeeds: 2 });
		const text = '2 instructions and 2 seeds have no ASCII letter or digit, the only characters the papers\' ROUGE-L tokenizer (rouge_score) keeps: they score 0, even exact copies';
		expect(tokenlessText(s)).toBe(text);
		expect(tokenlessText({ tokenlessInstructions: 1, tokenlessSeeds: 0 })).toMatch(/^1 instruction has no ASCII .*: it scores 0, even an exact copy$/);
		expect(tokenlessText({ tokenlessInstructions: 0, tokenlessSeeds: 0 })).toBeNull();
		expect(analysisFigures([{ label: 'x', analysis: b.finish() }]).find((f) => f.id === 'rouge-to-seeds')!.caption).toContain(text);
	});

	it('leaves seed instructions out of their own similarity histogram', () => {
		const b = new AnalysisBuilder({ extractor, seeds: { instructions: ['List three colours.'], source: 's' } });
		b.addInstruction('List three colours.', 3, { isSeed: true });
		b.addInstruction('List three animals.', 3);
		const a = b.finish();
		expect(a.instructions).toBe(2);
		expect(a.seedSimilarity!.n).toBe(1);
		expect(a.seedSimilarity!.max).toBeCloseTo(2 / 3, 12);
		expect(a.seedSimilarity!.seedTasksLeftOut).toBe(1);
		expect(seedTasksLeftOutText(a.seedSimilarity!)).toBe('the 1 seed task among the analysed rows left out');
		expect(analysisFigures([{ label: 'x', analysis: a }]).find((f) => f.id === 'rouge-to-seeds')!.caption).toContain('(1 seed instruction; the 1 seed task among the analysed rows left out)');
	});

	it('length figures: an outlier gets the overflow bar, labelled, and the caption says exactly what it holds', () => {
		const b = new AnalysisBuilder({ extractor });
		for (let k = 0; k < 25; k++) b.addInstruction('Name a colour.', k + 3);
		b.addInstruction('Name a colour.', 5001);
		const a = b.finish();
		const bars = lengthBars(a.lengths.instruction, sharedLengthScale([a], 'instruction'));
		expect(bars[bars.length - 1]).toMatchObject({ x0: 65, count: 1, overflow: true, range: '≥ 65 words' });
		expect(Math.max(...bars.map((x) => x.share))).toBe(5 / 26);
		const figure = analysisFigures([{ label: 'x', analysis: a }]).find((f) => f.id === 'length-instruction')!;
		expect(figure.caption).toContain('share of instructions per bin of 5 words (Self-Instruct Figure 4); the last bar, 65+, holds the 1 instruction of 65 words or more.');
		expect(figure.caption).not.toContain('99th percentile');
		// Without an overflow bar the caption claims none.
		const small = new AnalysisBuilder({ extractor });
		for (let k = 1; k <= 10; k++) small.addInstruction('Name a colour.', k);
		const plain = analysisFigures([{ label: 'x', analysis: small.finish() }]).find((f) => f.id === 'length-instruction')!;
		expect(plain.caption).toContain('no instruction is longer than the last bar reaches.');
		expect(plain.chart).toMatchObject({ kind: 'histogram' });
		expect((plain.chart as { bars: { overflow?: boolean }[] }).bars.some((x) => x.overflow)).toBe(false);
	});

	it('has no similarity section without seeds, and empty distributions without rows', () => {
		const a = new AnalysisBuilder({ extractor }).finish();
		expect(a.seedSimilarity).toBeNull();
		expect(a.lengths.instruction).toMatchObject({ n: 0, mean: null });
		expect(a.verbNoun.top).toEqual([]);
	});
});
