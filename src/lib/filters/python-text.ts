/**
 * The few Python string operations the reference filters rely on, reproduced for JavaScript
 * strings: whitespace is Python's str.isspace() set (it includes \x1c–\x1f and \x85 and
 * excludes U+FEFF, unlike JavaScript's \s and trim()).
 */

/** Python's whitespace (str.isspace, str.split(), str.strip(), and `\s` in str patterns). */
export const PYTHON_WHITESPACE_CLASS =
	'[\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

const LEADING = new RegExp(`^${PYTHON_WHITESPACE_CLASS}+`);
const TRAILING = new RegExp(`${PYTHON_WHITESPACE_CLASS}+$`);
const RUNS = new RegExp(`${PYTHON_WHITESPACE_CLASS}+`, 'g');

/** Python's str.strip() with no argument. */
export function pyStrip(text: string): string {
	return text.replace(LEADING, '').replace(TRAILING, '');
}

/** Python's re.sub(r"\s+", " ", text). */
export function collapseWhitespace(text: string): string {
	return text.replace(RUNS, ' ');
}

/**
 * Python's str.capitalize(): first character in title case, the rest lower-cased. The first
 * character is upper-cased here; title case differs from upper case only for a few digraphs
 * and ligatures (ǆ, ß → "Ss" vs "SS"…), which are non-ASCII or lower-cased back either way.
 */
export function pyCapitalize(text: string): string {
	if (text === '') return text;
	const first = String.fromCodePoint(text.codePointAt(0)!);
	const upper = first.toUpperCase();
	// ß → "SS" upper-cased but "Ss" title-cased: keep only the first letter capital.
	const title = upper.length > first.length ? upper[0] + upper.slice(1).toLowerCase() : upper;
	return title + text.slice(first.length).toLowerCase();
}

/** Python's string.punctuation. */
export const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
