/**
 * Search terms marked in a text, as segments to render escaped (`<mark>` around the matches):
 * what the search finds ($lib/datasets/search), no more — its words as whole words, the last one
 * as the start of a word; its quoted phrases, anything but letters and digits between their
 * words; not the words it leaves out. Text and words are folded as the index folds them (any
 * case, accents aside: "naive" marks "naïve"), so a row is marked where it was found.
 */
import { foldTextWithOffsets, foldWord, phrasePattern, escapeRegExp, searchTerms } from '$lib/datasets/search';

export interface Segment {
	text: string;
	mark: boolean;
}

const NOT_AFTER_WORD = '(?<![\\p{L}\\p{N}\\p{Co}])';
const NOT_BEFORE_WORD = '(?![\\p{L}\\p{N}\\p{Co}])';

/** A pattern over folded text matching what a search finds, or null when it finds nothing to mark. */
function markedPattern(query: string | null | undefined): RegExp | null {
	if (!query) return null;
	const { words, phrases } = searchTerms(query);
	const folded = words.map(foldWord);
	const last = folded.at(-1);
	const whole = [...new Set(folded.slice(0, -1))].filter((w) => w !== last);
	// Longest first, so "recipes" wins over "recipe" where both would match.
	const alternatives = [
		...phrases.map((p) => phrasePattern(p.map(foldWord)).source),
		...whole.sort((a, b) => b.length - a.length).map((w) => `${NOT_AFTER_WORD}${escapeRegExp(w)}${NOT_BEFORE_WORD}`),
		...(last ? [`${NOT_AFTER_WORD}${escapeRegExp(last)}`] : [])
	];
	return alternatives.length ? new RegExp(alternatives.join('|'), 'gu') : null;
}

export function highlight(text: string, query: string | null | undefined): Segment[] {
	const pattern = markedPattern(query);
	if (!text || !pattern) return [{ text, mark: false }];
	const { folded, from } = foldTextWithOffsets(text);
	const out: Segment[] = [];
	let last = 0;
	for (const m of folded.matchAll(pattern)) {
		if (m[0].length === 0) continue;
		const start = from[m.index!];
		const end = from[m.index! + m[0].length];
		if (start > last) out.push({ text: text.slice(last, start), mark: false });
		out.push({ text: text.slice(start, end), mark: true });
		last = end;
	}
	if (last < text.length) out.push({ text: text.slice(last), mark: false });
	return out;
}
