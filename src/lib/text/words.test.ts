import { describe, expect, it } from 'vitest';
import { countWords } from './words';

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
