import { describe, expect, it } from 'vitest';
import { contrastRatio, luminance, type Vision } from './colour-vision';
import { RATING_COLORS, RATING_TEXT } from './rating-colors';

const LEVELS = ['A', 'B', 'C', 'D'] as const;

describe('colour-vision', () => {
	it('computes WCAG luminance and contrast', () => {
		expect(luminance('#ffffff')).toBeCloseTo(1, 6);
		expect(luminance('#000000')).toBe(0);
		expect(contrastRatio(1, 0)).toBeCloseTo(21, 6);
		// #767676 on white is the well-known 4.54:1.
		expect(contrastRatio(luminance('#767676'), 1)).toBeCloseTo(4.54, 2);
	});

	it('turns red and green alike for a deuteranope, as the old palette did', () => {
		// The finding: A (#1d7044) and D (#b3261e) were 1.07:1 apart in lightness.
		expect(contrastRatio(luminance('#1d7044'), luminance('#b3261e'))).toBeCloseTo(1.07, 2);
		expect(contrastRatio(luminance('#1d7044', 'deuteranopia'), luminance('#b3261e', 'deuteranopia'))).toBeLessThan(1.2);
	});
});

describe('the A–D palette', () => {
	it('keeps every pair of levels apart in lightness for every colour vision', () => {
		for (const vision of ['normal', 'deuteranopia', 'protanopia', 'tritanopia'] as Vision[]) {
			for (const [i, a] of LEVELS.entries()) {
				for (const b of LEVELS.slice(i + 1)) {
					const ratio = contrastRatio(luminance(RATING_COLORS[a], vision), luminance(RATING_COLORS[b], vision));
					expect(ratio, `${a} vs ${b} (${vision})`).toBeGreaterThanOrEqual(1.8);
				}
			}
		}
	});

	it('writes each letter legibly on its colour', () => {
		for (const level of LEVELS) {
			expect(contrastRatio(luminance(RATING_COLORS[level]), luminance(RATING_TEXT[level])), level).toBeGreaterThanOrEqual(4.5);
		}
	});
});
