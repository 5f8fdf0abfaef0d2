import { describe, expect, it } from 'vitest';
import { fmeasure, fmeasureFromLcs, rougeL, rougeLReference, scoreFromLcs } from './score';

describe('rougeL (exactly as rouge_score)', () => {
	it('scores identical texts 1', () => {
		expect(rougeL('Give me a recipe.', 'give me a RECIPE')).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
	});

	it('computes precision over the prediction and recall over the target', () => {
		// target: the cat sat on the mat (6); prediction: the cat on a mat (5); LCS "the cat on mat" = 4
		const s = rougeL('the cat sat on the mat', 'the cat on a mat');
		expect(s.precision).toBe(4 / 5);
		expect(s.recall).toBe(4 / 6);
		expect(s.fmeasure).toBe((2 * (4 / 5) * (4 / 6)) / (4 / 5 + 4 / 6));
		expect(s.fmeasure).toBeCloseTo(8 / 11, 15);
	});

	it('gives zeros when either side has no tokens', () => {
		expect(rougeL('', 'something here')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
		expect(rougeL('something here', '!!! ...')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
		expect(rougeL('写诗', '写诗')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
	});

	it('gives zeros for no common token', () => {
		expect(rougeL('alpha beta', 'gamma delta')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
	});

	it('uses the order-sensitive LCS, not the bag of words', () => {
		// a b c d vs d c b a: LCS 1
		expect(rougeL('a b c d', 'd c b a').fmeasure).toBe(0.25);
	});

	it('follows 2·p·r/(p+r), which can exceed 2·L/(m+n) in the last bit', () => {
		// target 8 tokens, prediction 12, LCS 7: 2·7/20 = 0.7 exactly, but rouge_score gives 0.7000000000000001
		const target = 'w1 w2 w3 w4 w5 w6 w7 t8';
		const prediction = 'w1 w2 w3 w4 w5 w6 w7 p8 p9 p10 p11 p12';
		const f = rougeL(target, prediction).fmeasure;
		expect((2 * 7) / 20).toBe(0.7);
		expect(f).toBe(0.7000000000000001);
		expect(f > 0.7).toBe(true);
	});

	it('agrees with the plain dynamic programme', () => {
		const texts = ['Write a poem about the sea.', 'Write a short poem about the deep blue sea!', 'Sea, poem, write.', ''];
		for (const a of texts) for (const b of texts) expect(rougeL(a, b)).toEqual(rougeLReference(a, b));
	});

	it('is symmetric in F', () => {
		expect(rougeL('one two three four', 'two four five').fmeasure).toBe(rougeL('two four five', 'one two three four').fmeasure);
	});
});

describe('fmeasure helpers', () => {
	it('returns 0 when precision + recall is 0', () => {
		expect(fmeasure(0, 0)).toBe(0);
		expect(scoreFromLcs(0, 3, 4)).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
	});
	it('fmeasureFromLcs equals scoreFromLcs(...).fmeasure', () => {
		for (let m = 1; m < 30; m++)
			for (let n = 1; n < 30; n++)
				for (let l = 0; l <= Math.min(m, n); l++) expect(fmeasureFromLcs(l, m, n)).toBe(scoreFromLcs(l, m, n).fmeasure);
	});
});
