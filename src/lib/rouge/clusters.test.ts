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
