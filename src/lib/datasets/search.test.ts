import { describe, expect, it } from 'vitest';
import { searchTerms, searchWords, toFtsQuery, MAX_SEARCH_WORDS } from './search';

describe('toFtsQuery', () => {
	it('cuts words where the index tokenizer does, so no quoted string is a phrase', () => {
		expect(toFtsQuery('snake_case')).toBe('"snake" "case"*');
		expect(toFtsQuery('seed_task')).toBe('"seed" "task"*');
		expect(toFtsQuery("don't-stop e-mail")).toBe('"don" "t" "stop" "e" "mail"*');
		expect(toFtsQuery('"quoted" AND OR NOT * ( ) : ^ +')).toBe('"quoted" "AND" "OR" "NOT"*');
		expect(toFtsQuery('café 東京 ١٢٣')).toBe('"café" "東京" "١٢٣"*');
	});
	it('spells the last word out as the index terms it begins, when given them', () => {
		expect(toFtsQuery('photosynthesis Reader', ['reader', 'readers'])).toBe('"photosynthesis" AND ("reader" OR "readers")');
		expect(toFtsQuery('reader', ['reader'])).toBe('("reader")');
		expect(toFtsQuery('say "hi', ['hi', 'hi"there'])).toBe('"say" AND ("hi" OR "hi""there")');
		expect(toFtsQuery('reader', [])).toBe('"reader"*');
	});
	it('a chunk written with a leading "-" leaves out the rows holding all its words', () => {
		expect(searchTerms('recipe -cake -snake_case e-mail')).toEqual({ words: ['recipe', 'e', 'mail'], excluded: [['cake'], ['snake', 'case']] });
		expect(toFtsQuery('recipe -cake -snake_case')).toBe('("recipe"*) NOT ("cake") NOT ("snake" "case")');
		expect(toFtsQuery('recipe -cake', ['recipe', 'recipes'])).toBe('(("recipe" OR "recipes")) NOT ("cake")');
		// Words only left out: nothing to take them from.
		expect(toFtsQuery('-cake')).toBeNull();
		expect(toFtsQuery('- cake')).toBe('"cake"*');
		expect(searchWords('a -b')).toEqual(['a']);
	});
	it('splits at combining marks and at letters Unicode 6.1 still called marks', () => {
		expect(searchWords('e\u0301t\u00e9')).toEqual(['e', 't\u00e9']);
		expect(searchWords('a\u19B0b')).toEqual(['a', 'b']);
	});
	it('answers null when there is nothing to search for, and caps the number of words', () => {
		expect(toFtsQuery('')).toBeNull();
		expect(toFtsQuery('_ - * " ( )')).toBeNull();
		expect(searchWords('w '.repeat(100))).toHaveLength(MAX_SEARCH_WORDS);
	});
});
