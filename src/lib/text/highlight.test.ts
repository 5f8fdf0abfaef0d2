import { describe, expect, it } from 'vitest';
import { highlight, searchTerms } from './highlight';

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
	it('keeps quoted phrases whole, drops operators, escapes regex characters', () => {
		expect(searchTerms('"chocolate cake" OR c++ -x')).toEqual(['chocolate cake', 'c++', 'x']);
		expect(highlight('a (b) c', '(b)')).toEqual([
			{ text: 'a ', mark: false },
			{ text: '(b)', mark: true },
			{ text: ' c', mark: false }
		]);
	});
	it('leaves text alone without a query', () => {
		expect(highlight('plain', '')).toEqual([{ text: 'plain', mark: false }]);
	});
});
