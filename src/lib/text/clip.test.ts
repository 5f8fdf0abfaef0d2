import { describe, expect, it } from 'vitest';
import { characterCount, clipLine, clipText, isClipped } from './clip';

const family = '👨‍👩‍👧'; // three emoji joined by ZWJ: one grapheme, five code points
const flag = '🇫🇷'; // two regional indicators: one grapheme

describe('clipText', () => {
	it('keeps short text whole and clips long text with its full length', () => {
		expect(clipText('short', 10)).toEqual({ text: 'short', length: 5 });
		const long = clipText('x'.repeat(25), 10);
		expect(long).toEqual({ text: 'x'.repeat(10), length: 25 });
		expect(isClipped(long)).toBe(true);
		expect(isClipped(clipText('abc', 3))).toBe(false);
	});
	it('counts characters, not UTF-16 units: 12,000 emoji are 12,000 characters and the first 10,000 are shown', () => {
		const c = clipText('😀'.repeat(12_000), 10_000);
		expect(c.length).toBe(12_000);
		expect(c.text).toBe('😀'.repeat(10_000));
		expect(characterCount(c.text)).toBe(10_000);
		expect(isClipped(c)).toBe(true);
		expect(isClipped(clipText('😀'.repeat(3), 3))).toBe(false);
	});
	it('never cuts a character outside the basic plane in half', () => {
		const c = clipText('ab😀cd', 3);
		expect(c.text).toBe('ab😀');
		expect(c.length).toBe(5);
	});
	it('never cuts a ZWJ sequence or a flag at the boundary', () => {
		for (let max = 3; max < 3 + 5; max++) expect(clipText(`ab${family}cd`, max).text).toBe(max < 7 ? 'ab' : `ab${family}`);
		expect(clipText(`ab${flag}cd`, 3).text).toBe('ab');
		expect(clipText(`ab${flag}cd`, 4).text).toBe(`ab${flag}`);
		expect(clipText('cafe\u0301!', 4).text).toBe('caf');
	});
	it('costs the same on a huge text (only the cut is segmented)', () => {
		const c = clipText(`${'x'.repeat(1_000_000)}${family}`, 1_000_001);
		expect(c.text).toBe('x'.repeat(1_000_000));
		expect(c.length).toBe(1_000_005);
	});
});

describe('clipLine', () => {
	it('flattens whitespace and ends a cut text with an ellipsis within max characters', () => {
		expect(clipLine('  a\n\tb  ', 10)).toBe('a b');
		expect(clipLine('abcdef', 4)).toBe('abc…');
		expect(clipLine('abcd', 4)).toBe('abcd');
	});
	it('never leaves half an emoji or half a ZWJ sequence before the ellipsis', () => {
		expect(clipLine('ab😀😀😀', 4)).toBe('ab😀…');
		for (let max = 3; max <= 8; max++) {
			const line = clipLine(`ab${family}cdef`, max);
			expect(line).not.toMatch(/[\ud800-\udfff](?![\udc00-\udfff])|\u200d…/u);
			expect([`ab…`, `ab${family}…`, `ab${family}c…`]).toContain(line);
		}
	});
});
