import type { RatingLevel } from '$lib/audits/rubric';

/**
 * The A–D palette of the rating chart, its legend and the review screen's rating buttons. Green
 * for acceptable, amber and red for the rest, as in Self-Instruct's Figure 5 — and every pair of
 * levels differs in lightness by at least 1.8:1, also under simulated deuteranopia, protanopia
 * and tritanopia (rating-colors.test.ts), so the levels stay apart without colour. The letter is
 * written on every segment as well.
 */
export const RATING_COLORS: Record<RatingLevel, string> = {
	A: '#0c311b',
	B: '#4db269',
	C: '#f7e6ba',
	D: '#b23b34'
};

/** Text on each rating's colour (contrast at least 4.5:1). */
export const RATING_TEXT: Record<RatingLevel, string> = { A: '#ffffff', B: '#0c311b', C: '#3a2600', D: '#ffffff' };
