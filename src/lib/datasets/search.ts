/**
 * What a user types in a dataset's search box → an FTS5 query for the `task_search` index
 * (tokenizer unicode61, detail=none), plus the phrases the index cannot check itself.
 * Words are cut where the tokenizer cuts — at anything but a letter, digit or private-use
 * character ("snake_case" → snake, case) — and each is quoted (quotes doubled).
 * - Words are ANDed, the last one also as a prefix.
 * - A chunk written with a leading "-" ("-recipe", "-snake_case") leaves out the rows holding
 *   all of its words: FTS5's NOT needs no positions.
 * - A quoted run of two or more words ("chocolate cake") is a phrase. The index holds no
 *   positions, so its words are ANDed in the query and the rows it finds are then checked for
 *   the words side by side in one field (`holdsPhrases`, run by the database per candidate row).
 */

// unicode61 follows Unicode 6.1, where these were spacing marks (token separators); later
// Unicode made them letters, so JavaScript's \p{L} would keep them inside a word.
const SEPARATORS_IN_UNICODE_6_1 = /[\u19B0-\u19C0\u19C8\u19C9\u1CF2\u1CF3]/gu;

/** Longest query sent to the index, in words; more would only slow the search down. */
export const MAX_SEARCH_WORDS = 32;

const tokens = (text: string): string[] => text.replace(SEPARATORS_IN_UNICODE_6_1, ' ').match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];

/** A search split into what rows must hold and what leaves a row out. */
export interface SearchTerms {
	/** Words rows must hold, in the order typed; the last matches as a prefix. */
	words: string[];
	/** Quoted runs of two or more words: each must stand side by side, in this order, in one field. */
	phrases: string[][];
	/** Each "-chunk"'s words: a row holding all of one group is left out. */
	excluded: string[][];
}

/** The words of a search as the index tokenizes them; at most MAX_SEARCH_WORDS in all. */
export function searchTerms(q: string): SearchTerms {
	const terms: SearchTerms = { words: [], phrases: [], excluded: [] };
	let room = MAX_SEARCH_WORDS;
	// A quote opens a run up to the next quote (or the end); anything else is cut at spaces.
	for (const [, dash, quotedRun, chunk] of q.matchAll(/(-?)"([^"]*)"?|([^\s"]+)/g)) {
		if (room === 0) break;
		const leftOut = dash === '-' || (chunk?.startsWith('-') ?? false);
		const found = tokens(quotedRun ?? (chunk.startsWith('-') ? chunk.slice(1) : chunk)).slice(0, room);
		if (!found.length) continue;
		room -= found.length;
		if (leftOut) terms.excluded.push(found);
		else if (quotedRun !== undefined && found.length > 1) terms.phrases.push(found);
		else terms.words.push(...found);
	}
	return terms;
}

/** The words a search looks for outside its phrases (the last one is the prefix). */
export function searchWords(q: string): string[] {
	return searchTerms(q).words;
}

/** Characters a search may hold that its reading needs no mention of: spaces, quotes, a leading "-", sentence punctuation. */
const PLAIN_SEARCH = /^(?:[\p{L}\p{N}\p{Co}\s"]|(?<![^\s"])-|[.,;:!?](?=[\s"]|$))*$/u;

/**
 * How the index reads a search that held characters it does not search for ("C++" → `c*`,
 * ".NET" → `net*`, "snake_case" → `snake case*`), or null when it was read as typed. The page
 * says it, so "C++" matching every word starting with "c" is not a surprise.
 */
export function searchReading(q: string): string | null {
	if (PLAIN_SEARCH.test(q)) return null;
	const { words, phrases, excluded } = searchTerms(q);
	if (!words.length && !phrases.length) return null;
	const lower = (w: string) => w.toLowerCase();
	return [
		...phrases.map((p) => `"${p.map(lower).join(' ')}"`),
		...words.map((w, i) => `${lower(w)}${i === words.length - 1 ? '*' : ''}`),
		...excluded.map((group) => `-${group.length > 1 ? `"${group.map(lower).join(' ')}"` : lower(group[0])}`)
	].join(' ');
}

const quoted = (word: string) => `"${word.replace(/"/g, '""')}"`;

/**
 * An FTS5 MATCH expression that cannot be a syntax error, or null when the text has no word to
 * look for (words only left out give null too: FTS5's NOT needs something to take them from).
 * A phrase's words are ANDed (the caller checks their order with `holdsPhrases`).
 * The last word matches as a prefix: written `"word"*`, or, given `lastWordTerms` (the index's
 * own terms that begin with it, itself included), as those terms ORed, which finds the same rows.
 * FTS5 gathers every row of every term a prefix covers before it yields the first match (0.3 s
 * when the word is in a million rows); ORed terms are walked together as the AND needs them.
 */
export function toFtsQuery(q: string, lastWordTerms?: readonly string[]): string | null {
	const { words, phrases, excluded } = searchTerms(q);
	const exact = [...new Set(phrases.flat())];
	if (!words.length && !exact.length) return null;
	const found = !words.length
		? exact.map(quoted).join(' ')
		: !lastWordTerms?.length
			? [...exact, ...words].map((w, i, all) => `${quoted(w)}${i === all.length - 1 ? '*' : ''}`).join(' ')
			: [...exact, ...words.slice(0, -1)].map(quoted).concat(`(${lastWordTerms.map(quoted).join(' OR ')})`).join(' AND ');
	if (!excluded.length) return found;
	return [`(${found})`, ...excluded.map((group) => `(${group.map(quoted).join(' ')})`)].join(' NOT ');
}

/**
 * A word as the index compares it: lower case, accents removed (unicode61 remove_diacritics 2).
 * Applied to both sides of a phrase check, so a phrase is compared with text folded alike.
 */
export function foldWord(word: string): string {
	return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Fields are joined with this character when handed over as one value (one field per piece). */
export const PHRASE_FIELD_SEPARATOR = '\u001f';

const WORD_CHAR = '[\\p{L}\\p{N}\\p{Co}]';
/** Text matched literally inside a regular expression. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A test of folded text for a phrase (its words folded with foldWord): the words as whole words,
 * in order, with only separators between them (never PHRASE_FIELD_SEPARATOR, so within one field).
 */
export function phrasePattern(phrase: readonly string[]): RegExp {
	return new RegExp(`(?<!${WORD_CHAR})${phrase.map(escapeRegExp).join(`[^\\p{L}\\p{N}\\p{Co}${PHRASE_FIELD_SEPARATOR}]+`)}(?!${WORD_CHAR})`, 'u');
}

/** Text folded as the index folds its words (separators of Unicode 6.1 made spaces), for phrasePattern. */
export function foldText(text: string): string {
	// eslint-disable-next-line no-control-regex
	return /^[\x00-\x7f]*$/.test(text) ? text.toLowerCase() : foldWord(text.replace(SEPARATORS_IN_UNICODE_6_1, ' '));
}

/**
 * `text` folded as foldText folds it, one character at a time, with the place in `text` each
 * folded character came from (`from`, one longer than `folded`: its last entry is text.length) —
 * so a match found in the folded text is marked in the text as written. A combining mark folds to
 * nothing and goes with the letter before it.
 */
export function foldTextWithOffsets(text: string): { folded: string; from: number[] } {
	let folded = '';
	const from: number[] = [];
	let at = 0;
	for (const ch of text) {
		const f = ch.charCodeAt(0) < 0x80 ? ch.toLowerCase() : foldWord(ch.replace(SEPARATORS_IN_UNICODE_6_1, ' '));
		for (let k = 0; k < f.length; k++) from.push(at);
		folded += f;
		at += ch.length;
	}
	from.push(text.length);
	return { folded, from };
}

/**
 * Whether every phrase (its words folded with foldWord) stands side by side, in order, within
 * one field of `texts`; each text may hold several fields joined by PHRASE_FIELD_SEPARATOR.
 * (Text written with combining marks is folded whole, so "e\u0301" joins the letters the index
 * splits there; the index's own AND has already required each word.)
 */
export function holdsPhrases(phrases: readonly (readonly string[])[] | readonly RegExp[], texts: readonly (string | null)[]): boolean {
	const patterns = phrases.map((p) => (p instanceof RegExp ? p : phrasePattern(p)));
	const folded = texts.filter((t): t is string => !!t).map(foldText);
	return patterns.every((pattern) => folded.some((text) => pattern.test(text)));
}
