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

const quoted = (word: string) => `"${word.replace(/"/g, '""')}"`;

/**
 * An FTS5 MATCH expression that cannot be a syntax error, or null when the text has no words.
 * The last word matches as a prefix: written `"word"*`, or, given `lastWordTerms` (the index's
 * own terms that begin with it, itself included), as those terms ORed, which finds the same rows.
 * FTS5 gathers every row of every term a prefix covers before it yields the first match (0.3 s
 * when the word is in a million rows); ORed terms are walked together as the AND needs them.
 */
export function toFtsQuery(q: string, lastWordTerms?: readonly string[]): string | null {
	const words = searchWords(q);
	if (!words.length) return null;
	if (!lastWordTerms?.length) return words.map((w, i) => `${quoted(w)}${i === words.length - 1 ? '*' : ''}`).join(' ');
	const last = `(${lastWordTerms.map(quoted).join(' OR ')})`;
	return [...words.slice(0, -1).map(quoted), last].join(' AND ');
}
