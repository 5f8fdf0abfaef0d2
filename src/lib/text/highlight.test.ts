import { describe, expect, it } from 'vitest';
import { highlight } from './highlight';

describe('highlight', () => {
	it('marks every match of the query words, any case, longest first', () => {
		expect(highlight('Give me a Recipe; recipes abound', 'recipe recipes')).toEqual([
			{ text: 'Give me a ', mark: false },
			{ text: 'Recipe', mark: true },
			{ text: '; ', mark: false },
			{ text: 'recipes', mark: true },
			{ text: ' abound', mark: false }
		]);
	});
	it('marks a quoted phrase whole, whatever separates its words; not the words left out', () => {
		expect(highlight('Chocolate-cake and carrot cake', '"chocolate cake" -carrot')).toEqual([
			{ text: 'Chocolate-cake', mark: true },
			{ text: ' and carrot cake', mark: false }
		]);
	});
	it('marks words as the search cuts them, regex characters harmless', () => {
		expect(highlight('a (b) c++', '(b) c++')).toEqual([
			{ text: 'a (', mark: false },
			{ text: 'b', mark: true },
			{ text: ') ', mark: false },
			{ text: 'c', mark: true },
			{ text: '++', mark: false }
		]);
	});
	it('leaves text alone without a query', () => {
		expect(highlight('plain', '')).toEqual([{ text: 'plain', mark: false }]);
		expect(highlight('plain', '-plain')).toEqual([{ text: 'plain', mark: false }]);
	});
});
