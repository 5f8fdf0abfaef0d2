import { describe, expect, it } from 'vitest';
import { asClause, countWords, formatCount, inSentence, formatOrdinal } from './words';

describe('countWords', () => {
	it('counts whitespace-separated tokens like Python str.split()', () => {
		expect(countWords('')).toBe(0);
		expect(countWords('   ')).toBe(0);
		expect(countWords('Give me a recipe.')).toBe(4);
		expect(countWords('  two\twords\n')).toBe(2);
		expect(countWords('a\u00a0b\u3000c')).toBe(3);
		expect(countWords("don't split-on punctuation!")).toBe(3);
		expect(countWords('日本語のテキスト')).toBe(1);
	});
});

describe('formatCount', () => {
	it('puts the noun in the right number, with thousands separators', () => {
		expect(formatCount(1, 'result')).toBe('1 result');
		expect(formatCount(0, 'result')).toBe('0 results');
		expect(formatCount(1234, 'group')).toBe('1,234 groups');
		expect(formatCount(2, 'match', 'matches')).toBe('2 matches');
	});
});

describe('inSentence', () => {
	it('lowers only the first letter, so a proper name in the label keeps its capitals', () => {
		expect(inSentence('Latent truth (Dawid–Skene)')).toBe('latent truth (Dawid–Skene)');
		expect(inSentence('Item majority, ties as bounds')).toBe('item majority, ties as bounds');
	});
});

describe('asClause', () => {
	it('lowers the first letter of a sentence set after a colon, but not an acronym, a proper name or a scale', () => {
		expect(asClause('Each item has one reviewer, so the model cannot be fitted.')).toBe('each item has one reviewer, so the model cannot be fitted.');
		expect(asClause('A model judge saw them.')).toBe('a model judge saw them.');
		expect(asClause('EM did not converge within 500 iterations.')).toBe('EM did not converge within 500 iterations.');
		expect(asClause('PPI needs labels.')).toBe('PPI needs labels.');
		expect(asClause('Dawid–Skene needs three reviewers.')).toBe('Dawid–Skene needs three reviewers.');
		expect(asClause('A–D ratings only.')).toBe('A–D ratings only.');
		expect(asClause('already lower.')).toBe('already lower.');
	});
});

describe('formatOrdinal', () => {
	it('gives English ordinals, teens with th', () => {
		expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 1002].map(formatOrdinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th', '1,002nd']);
	});
});
