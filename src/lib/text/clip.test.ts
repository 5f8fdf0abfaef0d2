import { describe, expect, it } from 'vitest';
import { clipText, isClipped } from './clip';

describe('clipText', () => {
	it('keeps short text whole and clips long text with its full length', () => {
		expect(clipText('short', 10)).toEqual({ text: 'short', length: 5 });
		const long = clipText('x'.repeat(25), 10);
		expect(long).toEqual({ text: 'x'.repeat(10), length: 25 });
		expect(isClipped(long)).toBe(true);
		expect(isClipped(clipText('abc', 3))).toBe(false);
	});
	it('never cuts a character outside the basic plane in half', () => {
		const c = clipText('ab😀cd', 3);
		expect(c.text).toBe('ab');
		expect(c.length).toBe(6);
	});
});
