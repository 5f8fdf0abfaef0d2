import { describe, expect, it } from 'vitest';
import { PairCounts, topK } from './top-k';

describe('top-k', () => {
	it('ranks by count, then alphabetically, and stops at k', () => {
		const counts = new Map([['b', 3], ['a', 3], ['c', 5], ['d', 1]]);
		expect(topK(counts, 3)).toEqual([{ key: 'c', count: 5 }, { key: 'a', count: 3 }, { key: 'b', count: 3 }]);
		expect(topK(counts, 0)).toEqual([]);
		expect(topK(new Map(), 5)).toEqual([]);
	});

	it('takes the top verbs by pairs and each verb\'s top nouns, and counts what they cover', () => {
		const p = new PairCounts();
		const add = (verb: string, noun: string, times: number) => p.add(verb, noun, times);
		add('write', 'poem', 5);
		add('write', 'story', 4);
		add('write', 'essay', 1);
		add('give', 'example', 6);
		add('list', 'country', 2);
		add('list', 'fruit', 2);
		add('list', 'city', 2);
		const top = p.top(2, 2);
		expect(top.verbs).toEqual([
			{ verb: 'write', pairs: 10, nouns: [{ noun: 'poem', count: 5 }, { noun: 'story', count: 4 }], otherNouns: 1 },
			// give and list tie on 6 pairs: alphabetical order decides.
			{ verb: 'give', pairs: 6, nouns: [{ noun: 'example', count: 6 }], otherNouns: 0 }
		]);
		expect(top.covered).toBe(15);
		expect(p.top(3, 2).verbs[2]).toEqual({ verb: 'list', pairs: 6, nouns: [{ noun: 'city', count: 2 }, { noun: 'country', count: 2 }], otherNouns: 2 });
		expect(p.total).toBe(22);
		expect(p.distinctPairs).toBe(7);
		expect(p.nouns(1)).toEqual([{ key: 'example', count: 6 }]);
	});

	it('covers every pair when k is large enough (seeded check against a direct count)', () => {
		let seed = 11;
		const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
		const p = new PairCounts();
		let total = 0;
		for (let i = 0; i < 500; i++) {
			p.add(`v${Math.floor(rand() * 8)}`, `n${Math.floor(rand() * 6)}`);
			total++;
		}
		expect(p.top(100, 100).covered).toBe(total);
		const top = p.top(3, 2);
		const sum = top.verbs.reduce((a, v) => a + v.pairs, 0);
		expect(top.covered + top.verbs.reduce((a, v) => a + v.otherNouns, 0)).toBe(sum);
	});
});
