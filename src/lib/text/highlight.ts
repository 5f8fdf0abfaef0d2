/**
 * Search terms marked in a text, as segments to render escaped (`<mark>` around the matches):
 * what the search looks for ($lib/datasets/search: its words, its quoted phrases with anything
 * but letters and digits between their words; not the words it leaves out), any case, longest
 * first so "recipes" wins over "recipe" where both match.
 */
import { escapeRegExp, searchTerms } from '$lib/datasets/search';

export interface Segment {
	text: string;
	mark: boolean;
}

/** The patterns a search's matches are marked by, longest first. */
function markedPatterns(query: string | null | undefined): string[] {
	if (!query) return [];
	const { words, phrases } = searchTerms(query);
	const sorted = [...new Set(words)].sort((a, b) => b.length - a.length).map(escapeRegExp);
	return [...phrases.map((p) => p.map(escapeRegExp).join('[^\\p{L}\\p{N}]+')), ...sorted];
}

export function highlight(text: string, query: string | null | undefined): Segment[] {
	const patterns = markedPatterns(query);
	if (!text || patterns.length === 0) return [{ text, mark: false }];
	const pattern = new RegExp(patterns.join('|'), 'giu');
	const out: Segment[] = [];
	let last = 0;
	for (const m of text.matchAll(pattern)) {
		if (m[0].length === 0) continue;
		if (m.index! > last) out.push({ text: text.slice(last, m.index), mark: false });
		out.push({ text: m[0], mark: true });
		last = m.index! + m[0].length;
	}
	if (last < text.length) out.push({ text: text.slice(last), mark: false });
	return out;
}
