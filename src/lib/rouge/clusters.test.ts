import { describe, expect, it } from 'vitest';
import { nearDuplicateClusters } from './clusters';
import { rougeL } from './score';

describe('nearDuplicateClusters', () => {
	const items = [
		{ id: 'a', instruction: 'Give me a recipe for a chocolate cake.' },
		{ id: 'b', instruction: 'Write a poem about the sea at night.' },
		{ id: 'c', instruction: 'Give me a recipe for a chocolate cake, please.' },
		{ id: 'd', instruction: 'Name three rivers in Africa.' },
		{ id: 'e', instruction: 'Give me a quick recipe for a chocolate cake, please.' },
		{ id: 'f', instruction: 'Write a poem about the sea at night!' }
	];

	it('groups chains of near-duplicates with their exact pair scores', () => {
		const clusters = nearDuplicateClusters(items);
		expect(clusters.map((c) => c.members.map((m) => m.id))).toEqual([
			['a', 'c', 'e'],
			['b', 'f']
		]);
		const cake = clusters[0];
		for (const p of cake.pairs) {
			const text = (id: string) => items.find((i) => i.id === id)!.instruction;
			expect(p.score).toBe(rougeL(text(p.b), text(p.a)).fmeasure);
			expect(p.score).toBeGreaterThan(0.7);
		}
		expect(cake.pairs.map((p) => `${p.a}-${p.b}`).sort()).toEqual(['a-c', 'a-e', 'c-e']);
		expect(clusters[1]).toMatchObject({ maxScore: 1, pairs: [{ a: 'b', b: 'f', score: 1 }] });
	});

	it('follows the threshold and caps the recorded pairs, not the grouping', () => {
		expect(nearDuplicateClusters(items, { threshold: 0.95 }).map((c) => c.members.map((m) => m.id))).toEqual([['b', 'f']]);
		const copies = Array.from({ length: 6 }, (_, k) => ({ id: k, instruction: 'Same instruction text here' }));
		const [only] = nearDuplicateClusters(copies, { maxPairsPerItem: 1 });
		expect(only.members).toHaveLength(6);
		expect(only.pairs).toHaveLength(5);
	});

	it('returns nothing when all instructions differ', () => {
		expect(nearDuplicateClusters([{ id: 1, instruction: 'one two three' }, { id: 2, instruction: 'four five six' }])).toEqual([]);
	});
});

describe('nearDuplicateClusters: pair counts and centre linkage', () => {
	// A chain: each instruction differs from the next by one word, so neighbours are near-duplicates
	// while the ends of the chain are not.
	const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa'.split(' ');
	const chain = Array.from({ length: 7 }, (_, k) => ({ id: k, instruction: [...words.slice(k, k + 6)].join(' ') }));

	it('counts every pair in a group, also those past the listing cap', () => {
		const copies = Array.from({ length: 6 }, (_, k) => ({ id: k, instruction: 'Same instruction text here' }));
		const [only] = nearDuplicateClusters(copies, { maxPairsPerItem: 1 });
		expect(only.pairs).toHaveLength(5);
		expect(only.pairCount).toBe(15);
	});

	it('counts every pair between a centre group\'s members, not only those listed against the centre', () => {
		const copies = Array.from({ length: 30 }, (_, k) => ({ id: k, instruction: 'Same instruction text here' }));
		const [only] = nearDuplicateClusters(copies, { linkage: 'centre' });
		expect(only.members).toHaveLength(30);
		expect(only.pairCount).toBe((30 * 29) / 2);
		expect(only.pairs.length).toBeLessThan(only.pairCount);
	});

	it('centre linkage splits a chain that single linkage joins: every member is within the threshold of its centre', () => {
		const threshold = 0.75;
		const components = nearDuplicateClusters(chain, { threshold });
		expect(components).toHaveLength(1);
		expect(components[0].members).toHaveLength(7);
		const centres = nearDuplicateClusters(chain, { threshold, linkage: 'centre' });
		expect(centres.length).toBeGreaterThan(1);
		const text = (id: number) => chain[id].instruction;
		for (const g of centres) {
			expect(g.centre).toBeDefined();
			for (const m of g.members) if (m.id !== g.centre) expect(rougeL(text(m.id), text(g.centre!)).fmeasure).toBeGreaterThan(threshold);
			expect(g.pairCount).toBe(g.pairs.length);
		}
		// Nobody is in two groups.
		const ids = centres.flatMap((g) => g.members.map((m) => m.id));
		expect(new Set(ids).size).toBe(ids.length);
	});
});
