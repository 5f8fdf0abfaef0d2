/**
 * Long text shown in part: a page carries the first `max` characters of a field and its full
 * length, and offers the rest on demand, so one huge record cannot make a page megabytes long.
 */
export interface ClippedText {
	/** The text, or its first characters when clipped. */
	text: string;
	/** Length of the whole text, in characters (UTF-16 code units, as String.length counts). */
	length: number;
}

/** Characters of one field a page shows before "Show all". */
export const FIELD_CLIP_CHARS = 10_000;
/** Characters of one field a list row shows. */
export const LIST_CLIP_CHARS = 300;

/** The first `max` characters of `text` (never splitting a surrogate pair), with the full length. */
export function clipText(text: string, max = FIELD_CLIP_CHARS): ClippedText {
	if (text.length <= max) return { text, length: text.length };
	let end = max;
	const last = text.charCodeAt(end - 1);
	if (last >= 0xd800 && last <= 0xdbff) end--;
	return { text: text.slice(0, end), length: text.length };
}

export function isClipped(c: ClippedText): boolean {
	return c.text.length < c.length;
}
