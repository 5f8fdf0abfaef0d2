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
	it('marks only what the search finds: words from their start, the last as a prefix, earlier ones whole', () => {
		const marked = (text: string, q: string) => highlight(text, q).filter((s) => s.mark).map((s) => s.text);
		expect(marked('A quarter start by Bonaparte; art and artists', 'art')).toEqual(['art', 'art']);
		expect(highlight('The topic is about books', 'topic b')).toEqual([
			{ text: 'The ', mark: false },
			{ text: 'topic', mark: true },
			{ text: ' is about ', mark: false },
			{ text: 'b', mark: true },
			{ text: 'ooks', mark: false }
		]);
		// An earlier word is a whole word to the search (only the last is a prefix).
		expect(marked('topics on the topic', 'topic b')).toEqual(['topic']);
	});
	it('folds case and accents as the index does: "naive" marks "naïve", "cafe" marks "Café" and "cafe\u0301"', () => {
		expect(highlight('A naïve reader', 'naive')).toEqual([
			{ text: 'A ', mark: false },
			{ text: 'naïve', mark: true },
			{ text: ' reader', mark: false }
		]);
		expect(highlight('Café or cafe\u0301 au lait', 'cafe').filter((s) => s.mark).map((s) => s.text)).toEqual(['Café', 'cafe\u0301']);
		expect(highlight('Le café noir', '"CAFÉ NOIR"').filter((s) => s.mark).map((s) => s.text)).toEqual(['café noir']);
	});
	it('leaves text alone without a query', () => {
		expect(highlight('plain', '')).toEqual([{ text: 'plain', mark: false }]);
		expect(highlight('plain', '-plain')).toEqual([{ text: 'plain', mark: false }]);
	});
});
