/**
 * Shared look of the report charts (Observable Plot, rendered in the browser only): the app's
 * fonts and colours, and the A–D palette — green for acceptable ratings, amber and red for the
 * others, so a stacked bar reads like Self-Instruct's Figure 5 at a glance.
 */
export const RATING_COLORS: Record<'A' | 'B' | 'C' | 'D', string> = {
	A: '#1d7044',
	B: '#7dbb8f',
	C: '#e7a94b',
	D: '#b3261e'
};
/** Text on each rating's segment, chosen for contrast. */
export const RATING_TEXT: Record<'A' | 'B' | 'C' | 'D', string> = { A: '#ffffff', B: '#10311d', C: '#3a2600', D: '#ffffff' };

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
