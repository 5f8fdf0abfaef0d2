/**
 * What a user types in a dataset's search box → an FTS5 query for the `task_search` index
 * (tokenizer unicode61, detail=none). That index has no positions, so it answers single words
 * (ANDed, prefix on the last) but refuses phrases: a quoted string must hold exactly one token.
 * Words are therefore cut where the tokenizer cuts — at anything but a letter, digit or
 * private-use character ("snake_case" → snake, case) — and each is quoted (quotes doubled).
 */

// unicode61 follows Unicode 6.1, where these were spacing marks (token separators); later
// Unicode made them letters, so JavaScript's \p{L} would keep them inside a word.
const SEPARATORS_IN_UNICODE_6_1 = /[\u19B0-\u19C0\u19C8\u19C9\u1CF2\u1CF3]/gu;

/** Longest query sent to the index, in words; more would only slow the search down. */
export const MAX_SEARCH_WORDS = 32;

/** The words of a search as the index tokenizes them. */
export function searchWords(q: string): string[] {
	return (q.replace(SEPARATORS_IN_UNICODE_6_1, ' ').match(/[\p{L}\p{N}\p{Co}]+/gu) ?? []).slice(0, MAX_SEARCH_WORDS);
}

/** An FTS5 MATCH expression that cannot be a syntax error, or null when the text has no words. */
export function toFtsQuery(q: string): string | null {
	const words = searchWords(q);
	if (!words.length) return null;
	return words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}
