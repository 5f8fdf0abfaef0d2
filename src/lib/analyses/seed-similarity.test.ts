import { describe, expect, it } from 'vitest';
import { SeedSimilarity } from './seed-similarity';
import { NearDuplicateIndex, rougeL } from '$lib/rouge';

function randomText(rand: () => number, words: string[], maxLength: number): string {
	const n = 1 + Math.floor(rand() * maxLength);
	return Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
}

describe('SeedSimilarity', () => {
	it('gives the exact maximum ROUGE-L F, the same as the near-duplicate index at threshold 0 and a pair-by-pair scan', () => {
		let seed = 99;
		const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
		// A small vocabulary so that instructions share many tokens, plus punctuation and case.
		const words = ['Write', 'a', 'the', 'poem', 'story', 'about', 'sea', 'list', 'of', 'five', 'Give', 'me', 'recipe', 'for', 'cats!', 'dogs,', 'x'];
		const seeds = Array.from({ length: 60 }, () => randomText(rand, words, 14));
		const sim = new SeedSimilarity(seeds);
		const index = new NearDuplicateIndex({ minThreshold: 0 });
		for (const s of seeds) index.add(s);
		expect(sim.seeds).toBe(60);
		for (let k = 0; k < 400; k++) {
			const text = k % 50 === 0 ? 'unrelated words only' : randomText(rand, [...words, 'new', 'tokens'], 18);
			const expected = Math.max(0, ...seeds.map((s) => rougeL(s, text).fmeasure));
			const got = sim.max(text);
			expect(got).toBe(expected);
			expect(got).toBe(index.query(text, 0, 1).max?.score ?? 0);
		}
	});

	it('scores 0 for empty text, no seeds, or seeds without tokens', () => {
		expect(new SeedSimilarity(['Write a poem.']).max('!!!')).toBe(0);
		expect(new SeedSimilarity([]).max('Write a poem.')).toBe(0);
		expect(new SeedSimilarity(['...']).max('Write a poem.')).toBe(0);
		expect(new SeedSimilarity(['Write a poem.']).max('Write a poem.')).toBe(1);
	});

	it('counts seeds without tokens and tells an instruction without tokens from one that scores 0', () => {
		// rouge_score keeps only a–z and 0–9: an exact copy of a Chinese seed scores 0, so the counts are reported.
		const sim = new SeedSimilarity(['写一首关于春天的诗。', 'Write a poem.', '🙂']);
		expect(sim.seeds).toBe(3);
		expect(sim.tokenlessSeeds).toBe(2);
		expect(sim.score('写一首关于春天的诗。')).toBeNull();
		expect(sim.max('写一首关于春天的诗。')).toBe(0);
		expect(sim.score('Unrelated words')).toBe(0);
		expect(sim.score('Write a poem.')).toBe(1);
	});
});
