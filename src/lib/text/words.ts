/**
 * Number of words as the papers count them for Table 1: whitespace-separated tokens
 * (Python's str.split() with no argument).
 */
export function countWords(text: string): number {
	let count = 0;
	let inWord = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		// Python's str.split() separators: ASCII whitespace, \x1c-\x1f, and Unicode spaces.
		const space =
			c === 32 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
			(c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
		if (space) inWord = false;
		else if (!inWord) {
			inWord = true;
			count++;
		}
	}
	return count;
}

/** "1,234" style integers and fixed decimals for tables. */
export function formatNumber(n: number, digits = 0): string {
	return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 1,002nd. */
export function formatOrdinal(n: number): string {
	const tens = n % 100;
	const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
	return `${formatNumber(n)}${suffix}`;
}

/** "1 result", "1,234 results": a count with its noun in the right number. */
export function formatCount(n: number, one: string, many = `${one}s`): string {
	return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export function formatPercent(fraction: number, digits = 1): string {
	return `${(fraction * 100).toFixed(digits)}%`;
}

/** A name that starts a label, inside a sentence: "Latent truth (Dawid–Skene)" → "latent truth (Dawid–Skene)", proper names kept. */
export function inSentence(name: string): string {
	return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Words that keep their capital inside a sentence: the names the app's reasons can open with. */
const PROPER_NAMES = new Set(['Dawid', 'Skene', 'Wilson', 'Fleiss', 'Cohen', 'Krippendorff', 'Wilcoxon', 'Efron', 'Alpaca', 'Self', 'Unnatural', 'ShareGPT', 'OpenAI', 'SuperNI', 'Parquet', 'English']);

/**
 * A sentence as a clause after a colon, as papers write it: "Each item has one reviewer." →
 * "each item has one reviewer." The first letter is lowered only when the first word is an
 * ordinary capitalised word — not an acronym ("EM", "PPI") or a proper name ("Dawid–Skene").
 */
export function asClause(sentence: string): string {
	const first = /^[A-Z][a-z]*(?![A-Za-z0-9])/.exec(sentence)?.[0];
	if (!first || PROPER_NAMES.has(first)) return sentence;
	// One capital alone is a word only as the article ("A model…"; "A–D ratings" is a scale).
	if (first.length === 1 && !sentence.startsWith('A ')) return sentence;
	return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}
