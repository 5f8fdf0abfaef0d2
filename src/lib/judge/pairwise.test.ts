import { describe, expect, it } from 'vitest';
import { combineSwappedVerdicts, tallyPairs, type ShownVerdict } from './pairwise';

describe('combineSwappedVerdicts (MT-Bench swap rule)', () => {
	// Every combination of the two orders' verdicts. In the swapped order the second response is
	// shown as A, so "B" there prefers the first response.
	const table: Array<[ShownVerdict, ShownVerdict, 'first' | 'second' | 'tie', boolean]> = [
		['A', 'B', 'first', true],
		['B', 'A', 'second', true],
		['tie', 'tie', 'tie', true],
		['A', 'A', 'tie', false], // always the response shown first: position bias
		['B', 'B', 'tie', false], // always the response shown second
		['A', 'tie', 'tie', false],
		['tie', 'B', 'tie', false],
		['B', 'tie', 'tie', false],
		['tie', 'A', 'tie', false]
	];
	it.each(table)('original %s, swapped %s → %s (consistent %s)', (original, swapped, winner, consistent) => {
		const outcome = combineSwappedVerdicts(original, swapped);
		expect(outcome.winner).toBe(winner);
		expect(outcome.consistent).toBe(consistent);
	});

	it('tallies outcomes and the direction of inconsistency', () => {
		const tally = tallyPairs([
			combineSwappedVerdicts('A', 'B'),
			combineSwappedVerdicts('B', 'A'),
			combineSwappedVerdicts('A', 'A'),
			combineSwappedVerdicts('A', 'A'),
			combineSwappedVerdicts('B', 'B'),
			combineSwappedVerdicts('tie', 'tie')
		]);
		expect(tally).toEqual({ pairs: 6, firstWins: 1, secondWins: 1, ties: 4, inconsistent: 3, favouredShownFirst: 2 });
	});
});
