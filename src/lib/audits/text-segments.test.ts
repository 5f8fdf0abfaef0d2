import { describe, expect, it } from 'vitest';
import { looksLikeCode, segmentText, textSize } from './text-segments';

describe('segmentText', () => {
	it('keeps prose as one segment and every character', () => {
		expect(segmentText('Write a poem.\n\n  Indented line.')).toEqual([{ text: 'Write a poem.\n\n  Indented line.', code: false }]);
		expect(segmentText('')).toEqual([]);
	});

	it('marks fenced blocks as code, fences included', () => {
		const text = 'Fix this:\n```python\nprint("hi")\n```\nThanks.';
		const segments = segmentText(text);
		expect(segments).toEqual([
			{ text: 'Fix this:', code: false },
			{ text: '```python\nprint("hi")\n```', code: true },
			{ text: 'Thanks.', code: false }
		]);
		expect(segments.map((s) => s.text).join('\n')).toBe(text);
	});

	it('treats an unclosed fence as code to the end, and ~~~ fences too', () => {
		expect(segmentText('a\n~~~\nx = 1')).toEqual([
			{ text: 'a', code: false },
			{ text: '~~~\nx = 1', code: true }
		]);
	});

	it('shows code-shaped text in monospace', () => {
		const code = 'def add(a, b):\n    return a + b\n\nprint(add(1, 2))';
		expect(looksLikeCode(code)).toBe(true);
		expect(segmentText(code)).toEqual([{ text: code, code: true }]);
		expect(looksLikeCode('One line; two')).toBe(false);
		expect(looksLikeCode('The cat sat.\nThe dog ran.\nThe end.')).toBe(false);
		// Markup payloads are just text: shown, never interpreted.
		expect(segmentText('<script>alert(1)</script>')).toEqual([{ text: '<script>alert(1)</script>', code: false }]);
	});
});

describe('textSize', () => {
	it('folds long texts by characters or by lines', () => {
		expect(textSize('')).toEqual({ lines: 0, words: 0, long: false });
		expect(textSize('two words\nand more')).toEqual({ lines: 2, words: 4, long: false });
		expect(textSize('x'.repeat(1201)).long).toBe(true);
		expect(textSize('x'.repeat(1200)).long).toBe(false);
		expect(textSize(Array.from({ length: 17 }, () => 'a').join('\n'))).toEqual({ lines: 17, words: 17, long: true });
	});
});
