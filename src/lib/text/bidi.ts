/**
 * Untrusted text shown inside a structure (JSON, a table cell) must not be able to reorder what
 * is around it: Unicode direction controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069
 * isolates) in a model's reply are shown as their \u escapes instead. Pure.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export function escapeBidiControls(text: string): string {
	return text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** JSON for display: indented, with direction controls escaped (still valid JSON: the escapes are JSON's own). */
export function displayJson(value: unknown): string {
	return escapeBidiControls(JSON.stringify(value, null, 2));
}
