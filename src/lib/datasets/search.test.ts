import { describe, expect, it } from 'vitest';
import { searchWords, toFtsQuery, MAX_SEARCH_WORDS } from './search';

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
