import { describe, expect, it } from 'vitest';
import { isCurrentSection } from './nav-section';

describe('isCurrentSection', () => {
	it('marks the link whose path the page is under, or one of its other paths', () => {
		expect(isCurrentSection('/runs/12', '/runs')).toBe(true);
		expect(isCurrentSection('/runs', '/runs')).toBe(true);
		expect(isCurrentSection('/runsx', '/runs')).toBe(false);
		expect(isCurrentSection('/analyses/3', '/datasets', ['/analyses'])).toBe(true);
	});
	it('a page that names its section (a judge run, under /runs, belongs to Reports) marks that link and no other', () => {
		expect(isCurrentSection('/runs/12', '/runs', [], '/reports')).toBe(false);
		expect(isCurrentSection('/runs/12', '/reports', [], '/reports')).toBe(true);
		expect(isCurrentSection('/runs/12/calls', '/runs', [], null)).toBe(true);
	});
});
