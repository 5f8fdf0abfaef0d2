/**
 * Shared look of the report charts (Observable Plot, rendered in the browser only): the app's
 * fonts and colours; the A–D palette lives in rating-colors.ts (shared with the review screen).
 */
export { RATING_COLORS, RATING_TEXT } from './rating-colors';

export const CHART_STYLE = {
	fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
	fontSize: '12px',
	color: '#1d2433',
	background: 'transparent',
	overflow: 'visible'
} as const;

export const ACCENT = '#1f4e79';
export const REFERENCE = '#8a5a00';
export const MUTED = '#5b6475';

/** Left margin that fits the longest label, in pixels (about 6.5 px per character at 12 px). */
export function labelMargin(labels: readonly string[], min = 60, max = 260): number {
	const longest = Math.max(0, ...labels.map((l) => l.length));
	return Math.min(max, Math.max(min, Math.round(longest * 6.5) + 14));
}

/** "56.5%" from a share, for chart labels and tooltips. */
export function pct(share: number, digits = 1): string {
	return `${(share * 100).toFixed(digits)}%`;
}
