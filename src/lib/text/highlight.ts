/**
 * Search terms marked in a text, as segments to render escaped (`<mark>` around the matches):
 * the query's words (quotes keep a phrase together), case-insensitive, longest first so
 * "recipes" wins over "recipe" where both match.
 */
export interface Segment {
	text: string;
	mark: boolean;
}

export function searchTerms(query: string | null | undefined): string[] {
	if (!query) return [];
	const terms: string[] = [];
	for (const m of query.matchAll(/"([^"]+)"|(\S+)/g)) {
		const term = (m[1] ?? m[2]).replace(/^[-+]|[*]$/g, '').trim();
		if (term && !/^(AND|OR|NOT)$/.test(term)) terms.push(term);
	}
	return [...new Set(terms)].sort((a, b) => b.length - a.length);
}

export function highlight(text: string, query: string | null | undefined): Segment[] {
	const terms = searchTerms(query);
	if (!text || terms.length === 0) return [{ text, mark: false }];
	const pattern = new RegExp(terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
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
