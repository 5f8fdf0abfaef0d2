import { describe, expect, it } from 'vitest';
import { fitLabel, sunburstArcs } from './sunburst-layout';
import type { TopVerb } from '$lib/analyses/top-k';

const verb = (name: string, pairs: number, nouns: [string, number][]): TopVerb => ({
	verb: name,
	pairs,
	nouns: nouns.map(([noun, count]) => ({ noun, count })),
	otherNouns: pairs - nouns.reduce((a, [, c]) => a + c, 0)
});

describe('sunburstArcs', () => {
	it('titles a verb arc in the right number: one pair, several pairs', () => {
		const one = sunburstArcs([verb('write', 1, [['poem', 1]])], 1, 340).find((a) => a.depth === 1)!;
		expect(one.title).toBe('write: 1 with its top nouns, 1 pair in all (100.0% of instructions)');
		const two = sunburstArcs([verb('write', 2, [['poem', 2]])], 2, 340).find((a) => a.depth === 1)!;
		expect(two.title).toContain(', 2 pairs in all');
	});

	it('goes round the verbs in the table’s order (all pairs), not by their top nouns’ share', () => {
		// "write" has more pairs in all, "give" more in its top nouns: the ring follows the table.
		const top = [verb('write', 100, [['poem', 10], ['story', 5]]), verb('give', 60, [['example', 50], ['tip', 8]]), verb('list', 20, [['item', 12]])];
		const verbs = sunburstArcs(top, 200, 340).filter((a) => a.depth === 1);
		expect(verbs.map((a) => a.verb)).toEqual(['write', 'give', 'list']);
	});

	it('writes only labels that fit their arc, shortened with “…” when the ring is too shallow', () => {
		const top = [
			verb('internationalize', 500, [['documentation', 300], ['x', 1]]),
			...Array.from({ length: 19 }, (_, k) => verb(`verb${k}`, 60 - k, [[`noun${k}`, 30 - k]]))
		];
		for (const size of [340, 260]) {
			const arcs = sunburstArcs(top, 2000, size);
			const radius = size / 2 - 4;
			for (const a of arcs) {
				if (!a.label) continue;
				const depth = a.depth === 1 ? radius * 0.34 : radius * 0.37;
				const font = a.depth === 1 ? 10.5 : 9;
				expect(a.label.text.length * font * (a.depth === 1 ? 0.62 : 0.58), `${a.label.text} at ${size}`).toBeLessThanOrEqual(depth - 2);
			}
			const long = arcs.find((a) => a.depth === 1 && a.verb === 'internationalize')!;
			expect(long.label?.text).toMatch(/^inte[a-z]*…$/);
			// The 1-instruction noun arc is far too narrow for a line of text.
			expect(arcs.find((a) => a.depth === 2 && a.name === 'x')!.label).toBeNull();
		}
	});

	it('fitLabel keeps a short name, shortens a long one and gives up below three letters', () => {
		expect(fitLabel('write', 30, 100, 1, 10, true)).toEqual({ text: 'write', width: 5 * 10 * 0.62 });
		expect(fitLabel('summarization', 30, 80, 1, 10, true)!.text).toBe('summar…');
		expect(fitLabel('summarization', 30, 45, 1, 10, true)).toBeNull();
		// Too narrow an angle for the text's height.
		expect(fitLabel('write', 30, 100, 0.05, 10, true)).toBeNull();
	});
});
