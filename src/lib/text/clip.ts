/**
 * Long text shown in part: a page carries the first `max` characters of a field and its full
 * length, and offers the rest on demand, so one huge record cannot make a page megabytes long.
 *
 * A character here is a Unicode code point (an emoji is one, not two UTF-16 units), and a cut
 * never falls inside a character or a grapheme cluster (a ZWJ family, a flag, an accented
 * letter written as two code points), so a clipped text never ends in "�" or half an emoji.
 */
export interface ClippedText {
	/** The text, or its first characters when clipped. */
	text: string;
	/** Length of the whole text, in characters (code points). */
	length: number;
}

/** Characters of one field a page shows before "Show all". */
export const FIELD_CLIP_CHARS = 10_000;
/** Characters of one field a list row shows. */
export const LIST_CLIP_CHARS = 300;

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** Characters (code points) in `text`: a surrogate pair counts once. */
export function characterCount(text: string): number {
	let pairs = 0;
	for (let i = 0; i + 1 < text.length; i++) {
		if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) {
			pairs++;
			i++;
		}
	}
	return text.length - pairs;
}

/** UTF-16 index just past the first `max` code points of `text` (text.length when it has no more). */
function codePointEnd(text: string, max: number): number {
	let i = 0;
	for (let n = 0; n < max && i < text.length; n++) i += isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
	return i;
}

/** How far back from a cut a grapheme cluster is looked for; a longer cluster (stacked marks) is cut between code points. */
const CLUSTER_WINDOW = 64;
const graphemes = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** `end` moved back to the start of the grapheme cluster it falls in; only a window around it is segmented, so any length of text costs the same. */
function clusterStart(text: string, end: number): number {
	if (!graphemes || end >= text.length) return end;
	const from = Math.max(0, end - CLUSTER_WINDOW);
	let start = from;
	for (const { index } of graphemes.segment(text.slice(from, Math.min(text.length, end + CLUSTER_WINDOW)))) {
		if (from + index > end) break;
		start = from + index;
	}
	// A cluster reaching back past the window (or to its edge) is not known to start there.
	return start > from || from === 0 ? start : end;
}

/** The first `max` characters of `text` (never splitting a character or a grapheme cluster), with the full length. */
export function clipText(text: string, max = FIELD_CLIP_CHARS): ClippedText {
	const end = codePointEnd(text, max);
	if (end >= text.length) return { text, length: characterCount(text) };
	return { text: text.slice(0, clusterStart(text, end)), length: characterCount(text) };
}

export function isClipped(c: ClippedText): boolean {
	return characterCount(c.text) < c.length;
}

/** A one-line gist of `text`: whitespace runs made one space, at most `max` characters, the last an ellipsis when cut. */
export function clipLine(text: string, max: number): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	const end = codePointEnd(flat, max);
	if (end >= flat.length) return flat;
	return `${flat.slice(0, clusterStart(flat, codePointEnd(flat, max - 1)))}…`;
}
