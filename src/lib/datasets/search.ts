/**
 * What a user types in a dataset's search box → an FTS5 query for the `task_search` index
 * (tokenizer unicode61, detail=none). That index has no positions, so it answers single words
 * (ANDed, prefix on the last) but refuses phrases: a quoted string must hold exactly one token.
 * Words are therefore cut where the tokenizer cuts — at anything but a letter, digit or
 * private-use character ("snake_case" → snake, case) — and each is quoted (quotes doubled).
 * A chunk written with a leading "-" ("-recipe", "-snake_case") leaves out the rows holding
 * all of its words: FTS5's NOT needs no positions.
 */

// unicode61 follows Unicode 6.1, where these were spacing marks (token separators); later
// Unicode made them letters, so JavaScript's \p{L} would keep them inside a word.
const SEPARATORS_IN_UNICODE_6_1 = /[\u19B0-\u19C0\u19C8\u19C9\u1CF2\u1CF3]/gu;

/** Longest query sent to the index, in words; more would only slow the search down. */
export const MAX_SEARCH_WORDS = 32;

const tokens = (text: string): string[] => text.replace(SEPARATORS_IN_UNICODE_6_1, ' ').match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];

/** A search split into the words rows must hold and the groups of words that leave a row out. */
export interface SearchTerms {
	words: string[];
	/** Each "-chunk"'s words: a row holding all of one group is left out. */
	excluded: string[][];
}

/** The words of a search as the index tokenizes them, "-" chunks apart; at most MAX_SEARCH_WORDS in all. */
export function searchTerms(q: string): SearchTerms {
	const terms: SearchTerms = { words: [], excluded: [] };
	let room = MAX_SEARCH_WORDS;
	for (const chunk of q.split(/\s+/)) {
		if (room === 0) break;
		const found = tokens(chunk.startsWith('-') ? chunk.slice(1) : chunk).slice(0, room);
		if (!found.length) continue;
		room -= found.length;
		if (chunk.startsWith('-')) terms.excluded.push(found);
		else terms.words.push(...found);
	}
	return terms;
}

/** The words a search looks for (not those it leaves out). */
export function searchWords(q: string): string[] {
	return searchTerms(q).words;
}

const quoted = (word: string) => `"${word.replace(/"/g, '""')}"`;

/**
 * An FTS5 MATCH expression that cannot be a syntax error, or null when the text has no word to
 * look for (words only left out give null too: FTS5's NOT needs something to take them from).
 * The last word matches as a prefix: written `"word"*`, or, given `lastWordTerms` (the index's
 * own terms that begin with it, itself included), as those terms ORed, which finds the same rows.
 * FTS5 gathers every row of every term a prefix covers before it yields the first match (0.3 s
 * when the word is in a million rows); ORed terms are walked together as the AND needs them.
 */
export function toFtsQuery(q: string, lastWordTerms?: readonly string[]): string | null {
	const { words, excluded } = searchTerms(q);
	if (!words.length) return null;
	const found = !lastWordTerms?.length
		? words.map((w, i) => `${quoted(w)}${i === words.length - 1 ? '*' : ''}`).join(' ')
		: [...words.slice(0, -1).map(quoted), `(${lastWordTerms.map(quoted).join(' OR ')})`].join(' AND ');
	if (!excluded.length) return found;
	return [`(${found})`, ...excluded.map((group) => `(${group.map(quoted).join(' ')})`)].join(' NOT ');
}
