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

// Advance widths in ems, rounded up from DejaVu Sans (the figure files' font, and wider than
// the browsers' system-ui), so a margin measured with them holds its text in either.
const NARROW = new Set(" .,:;!|'ijlIJ");
const SLIM = new Set('frt()[]{}-/"*');
const WIDE = new Set('mwMW%—@');
const SIGN = new Set('−+=<>×±~#&');

/** The width of `text` in pixels at `fontSize`, an upper estimate (no layout engine needed). */
export function textWidth(text: string, fontSize = 12): number {
	let ems = 0;
	for (const c of text) {
		if (NARROW.has(c)) ems += 0.32;
		else if (SLIM.has(c)) ems += 0.46;
		else if (WIDE.has(c)) ems += 1;
		else if (SIGN.has(c)) ems += 0.84;
		else if (c === '–' || c === '_') ems += 0.5;
		else if (c >= 'A' && c <= 'Z') ems += 0.8;
		else if (c <= '~') ems += 0.64;
		else ems += 1; // accented letters are narrower; CJK and the rest take a full em
	}
	return ems * fontSize;
}

/** Room a y axis label takes beyond its text: the tick (6 px), its padding (3 px) and some air. */
const TICK_ROOM = 14;

/** Left margin that fits the longest label, in pixels, between `min` and `max`. */
export function labelMargin(labels: readonly string[], min = 60, max = 260): number {
	const longest = Math.max(0, ...labels.map((l) => textWidth(l)));
	return Math.min(max, Math.max(min, Math.ceil(longest) + TICK_ROOM));
}

/**
 * A label on lines no wider than `width` px: broken at spaces, and inside a word (after a "-"
 * where there is one) only when the word alone is wider.
 */
export function wrapLabel(label: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	const push = (word: string) => {
		const joined = line ? `${line} ${word}` : word;
		if (textWidth(joined) <= width || !line) line = joined;
		else {
			lines.push(line);
			line = word;
		}
		// A word wider than the line on its own: cut it, at its last "-" that fits if it has one.
		while (textWidth(line) > width && line.length > 1) {
			let cut = 1;
			while (cut < line.length && textWidth(line.slice(0, cut + 1)) <= width) cut++;
			const dash = line.lastIndexOf('-', cut - 1);
			if (dash > 0) cut = dash + 1;
			lines.push(line.slice(0, cut));
			line = line.slice(cut);
		}
	};
	for (const word of label.split(/\s+/).filter(Boolean)) push(word);
	if (line || lines.length === 0) lines.push(line);
	return lines;
}

/**
 * The y axis of a chart whose labels sit left of the plot: a margin that fits the longest label
 * on one line when `max` allows, else labels wrapped to the room there is (the full text stays
 * in the values table and tooltips). `format` is the axis's tickFormat (Plot breaks at "\n").
 */
export function labelAxis(labels: readonly string[], max: number, min = 60): { margin: number; lines: number; format: (label: string) => string } {
	const margin = labelMargin(labels, min, max);
	const room = margin - TICK_ROOM;
	const wrapped = new Map(labels.map((l) => [l, wrapLabel(l, room)]));
	return {
		margin,
		lines: Math.max(1, ...[...wrapped.values()].map((w) => w.length)),
		format: (label) => (wrapped.get(label) ?? [label]).join('\n')
	};
}

/** "56.5%" from a share, for chart labels and tooltips. */
export function pct(share: number, digits = 1): string {
	return `${(share * 100).toFixed(digits)}%`;
}
