import { describe, expect, it } from 'vitest';
import { displayJson, escapeBidiControls } from './bidi';

describe('direction controls in untrusted text', () => {
	it('are shown as escapes, so a reason with U+202E cannot reverse what follows', () => {
		expect(escapeBidiControls('ok \u202Edesrever\u202C and \u2067x\u2069')).toBe('ok \\u202Edesrever\\u202C and \\u2067x\\u2069');
		expect(escapeBidiControls('Hebrew שלום stays')).toBe('Hebrew שלום stays');
	});
	it('JSON shown with escapes parses back to the same value', () => {
		const value = { output: { valid: true, reason: 'fine\u202E.enif' } };
		const shown = displayJson(value);
		expect(shown).not.toMatch(/\u202E/);
		expect(JSON.parse(shown)).toEqual(value);
	});
});
