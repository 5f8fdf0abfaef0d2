import { describe, expect, it } from 'vitest';
import { foldWord, holdsPhrases, PHRASE_FIELD_SEPARATOR, searchReading, searchTerms, searchWords, toFtsQuery, MAX_SEARCH_WORDS } from './search';

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
		expect(searchTerms('recipe -cake -snake_case e-mail')).toEqual({ words: ['recipe', 'e', 'mail'], phrases: [], excluded: [['cake'], ['snake', 'case']] });
		expect(toFtsQuery('recipe -cake -snake_case')).toBe('("recipe"*) NOT ("cake") NOT ("snake" "case")');
		expect(toFtsQuery('recipe -cake', ['recipe', 'recipes'])).toBe('(("recipe" OR "recipes")) NOT ("cake")');
		// Words only left out: nothing to take them from.
		expect(toFtsQuery('-cake')).toBeNull();
		expect(toFtsQuery('- cake')).toBe('"cake"*');
		expect(searchWords('a -b')).toEqual(['a']);
	});
	it('a quoted run of two or more words is a phrase: its words ANDed in the query, no prefix on them', () => {
		expect(searchTerms('"chocolate cake" recipe -"carrot cake"')).toEqual({ words: ['recipe'], phrases: [['chocolate', 'cake']], excluded: [['carrot', 'cake']] });
		expect(toFtsQuery('"chocolate cake" rec')).toBe('"chocolate" "cake" "rec"*');
		expect(toFtsQuery('"chocolate cake"')).toBe('"chocolate" "cake"');
		expect(toFtsQuery('"cake cake mix" re', ['re', 'recipe'])).toBe('"cake" AND "mix" AND ("re" OR "recipe")');
		// One quoted word is a word; an unclosed quote runs to the end.
		expect(searchTerms('"cake" say "snake_case')).toEqual({ words: ['cake', 'say'], phrases: [['snake', 'case']], excluded: [] });
	});
	it('holdsPhrases: the words side by side, in order, within one field, folded like the index', () => {
		const phrase = [['chocolate', 'cake'].map(foldWord)];
		expect(holdsPhrases(phrase, ['Bake a Chocolate-cake today', null])).toBe(true);
		expect(holdsPhrases(phrase, ['cake chocolate', null])).toBe(false);
		expect(holdsPhrases(phrase, ['chocolate and cake'])).toBe(false);
		// Not across two fields, nor across two instances' outputs handed over as one value.
		expect(holdsPhrases(phrase, ['… with chocolate', 'cake …'])).toBe(false);
		expect(holdsPhrases(phrase, [`one chocolate${PHRASE_FIELD_SEPARATOR}cake two`])).toBe(false);
		expect(holdsPhrases(phrase, [`x${PHRASE_FIELD_SEPARATOR}more chocolate cake`])).toBe(true);
		expect(holdsPhrases([['creme', 'brulee']], ['Crème Brûlée'])).toBe(true);
		expect(holdsPhrases([['a', 'b'], ['c', 'd']], ['a b', 'c x d'])).toBe(false);
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

describe('searchReading', () => {
	it('says how a search with characters the index leaves out was read', () => {
		expect(searchReading('C++')).toBe('c*');
		expect(searchReading('C#')).toBe('c*');
		expect(searchReading('.NET')).toBe('net*');
		expect(searchReading('snake_case')).toBe('snake case*');
		expect(searchReading('learn C++ -java')).toBe('learn c* -java');
		expect(searchReading('"C++ code" f#')).toBe('"c code" f*');
	});
	it('says nothing of a search read as typed: words, quotes, "-" words, sentence punctuation', () => {
		for (const q of ['recipe', 'chocolate cake', '"here is" the', 'cake -chocolate', '-"dark chocolate" cake', 'Hello, world!', 'what is it?', 'café 東京']) expect(searchReading(q)).toBeNull();
	});
	it('has no reading for a search with no word at all (the search says that itself)', () => {
		for (const q of ['😀', '?', '(', '++']) expect(searchReading(q)).toBeNull();
	});
});
