import { describe, expect, it } from 'vitest';
import { formatDateTime } from './dates';

describe('formatDateTime', () => {
	it('formats dates, timestamps and ISO strings alike', () => {
		const d = new Date(2026, 11, 2, 14, 5);
		expect(formatDateTime(d)).toBe(d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }));
		expect(formatDateTime(d.getTime())).toBe(formatDateTime(d));
		expect(formatDateTime(d.toISOString())).toBe(formatDateTime(d));
	});
	it('shows the empty text for a missing date (and for 0, as the pages did)', () => {
		expect(formatDateTime(null)).toBe('—');
		expect(formatDateTime(undefined, '')).toBe('');
		expect(formatDateTime(0)).toBe('—');
	});
});
