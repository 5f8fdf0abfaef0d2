import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password';

describe('passwordProblem', () => {
	it('refuses passwords with no visible character: white space, zero-width and other invisible characters', () => {
		for (const blank of [
			' '.repeat(12),
			'\t\n\u00a0\u3000'.repeat(3),
			'\u200b'.repeat(12),
			'\u200c\u200d\u2060\ufeff\u180e\u00ad'.repeat(2),
			'\u3164\u115f\u2800\ufe0f'.repeat(3),
			' \u200b'.repeat(6)
		]) {
			expect(passwordProblem(blank), JSON.stringify(blank)).toBe('Password cannot be only spaces or invisible characters.');
		}
	});

	it('takes a long enough password with one visible character among spaces and invisible ones', () => {
		expect(passwordProblem('\u200b'.repeat(11) + 'x')).toBeNull();
		expect(passwordProblem('correct horse battery')).toBeNull();
		expect(passwordProblem('пароль-очень-длинный')).toBeNull();
	});

	it('still counts the length', () => {
		expect(passwordProblem('short')).toBe('Password must be at least 10 characters long.');
		expect(passwordProblem('x'.repeat(513))).toBe('Password must be at most 512 characters long.');
	});
});
