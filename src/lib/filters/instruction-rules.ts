/**
 * The per-instruction rules of Self-Instruct / Alpaca (everything but ROUGE-L, which needs the
 * pool): each returns a verdict naming the rule and why.
 */
import { countWords, formatCount } from '../text/words';
import type { FilterConfig, InstructionRule } from './config';
import { ASCII_PUNCTUATION, collapseWhitespace, pyCapitalize, pyStrip } from './python-text';

export interface Verdict<R extends string = string> {
	keep: boolean;
	rule?: R;
	detail?: string;
}

export const KEEP: Verdict<never> = Object.freeze({ keep: true });

/** The instruction as the reference's rules see it: stripped, and for Self-Instruct collapsed and capitalized. */
export function normalizeInstruction(text: string, normalize: FilterConfig['normalize']): string {
	let s = normalize.collapseWhitespace ? pyStrip(collapseWhitespace(text)) : pyStrip(text);
	if (normalize.capitalize) s = pyCapitalize(s);
	return s;
}

/**
 * How an instruction's casing is stored, in words, for the run page and the new-run form. The
 * Self-Instruct preset reproduces the reference's `inst.capitalize()`, which lower-cases every
 * letter after the first; only each call's raw reply keeps the model's own casing.
 */
export function instructionCasing(normalize: FilterConfig['normalize']): string {
	return normalize.capitalize
		? 'lower-cased after the first letter, as Python\'s str.capitalize() in Self-Instruct\'s code ("Plan a trip to New Orleans using SQL" → "Plan a trip to new orleans using sql"); each call\'s raw reply keeps the model\'s casing'
		: 'as the model wrote it';
}

/**
 * Python's `\b` in a str pattern: a boundary between a word character (str.isalnum() or "_",
 * i.e. Unicode letters and numbers) and a non-word one. JavaScript's `\b` is ASCII-only.
 */
const WORD = '[\\p{L}\\p{N}_]';
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;

/**
 * Characters Python's re.IGNORECASE matches for an ASCII letter beyond its two cases (found by
 * testing every code point): İ and ı for i, the Kelvin sign for k, the long s for s.
 */
const EXTRA_CASE_MATCHES: Record<string, string> = { i: '\u0130\u0131', k: '\u212a', s: '\u017f' };

function escapeClassChar(ch: string): string {
	return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

function caseInsensitiveChar(ch: string): string {
	const lower = ch.toLowerCase();
	const upper = ch.toUpperCase();
	const variants = new Set([ch]);
	// Only single-character case partners, as a regex engine compares characters one by one.
	if ([...lower].length === 1) variants.add(lower);
	if ([...upper].length === 1) variants.add(upper);
	for (const extra of EXTRA_CASE_MATCHES[lower] ?? '') variants.add(extra);
	if (variants.size === 1) return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
	return `[${[...variants].map(escapeClassChar).join('')}]`;
}

/**
 * A matcher for Self-Instruct's `re.compile(r'\b({0})\b'.format(w), flags=re.IGNORECASE)`,
 * for all blacklisted words at once. Returns the word found, or null.
 */
export function blacklistMatcher(words: readonly string[]): (text: string) => string | null {
	if (words.length === 0) return () => null;
	const alternatives = words.map((w) => [...w].map(caseInsensitiveChar).join(''));
	const re = new RegExp(`${BOUNDARY}(?:${alternatives.join('|')})${BOUNDARY}`, 'u');
	return (text) => {
		const m = re.exec(text);
		return m ? m[0] : null;
	};
}

/** Quote a text for a verdict's detail, shortened. */
export function quote(text: string, max = 40): string {
	const chars = [...text];
	return JSON.stringify(chars.length > max ? chars.slice(0, max).join('') + '…' : text);
}

/** The rules that look at one instruction alone, in the reference's order. */
/**
 * Scripts written without spaces between words. The length rule counts whitespace-separated
 * words, as Self-Instruct's filter does, so such a sentence is one "word": the detail says so.
 */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const UNSPACED_NOTE = ' (whitespace-separated words, as Self-Instruct counts them: text without spaces, as in Chinese or Japanese, counts as one word)';

export class InstructionRules {
	private readonly findBlacklisted: (text: string) => string | null;

	constructor(private readonly config: FilterConfig) {
		this.findBlacklisted = config.instruction.blacklist.enabled
			? blacklistMatcher(config.instruction.blacklist.words)
			: () => null;
	}

	/** Verdict on an already normalised instruction. */
	check(text: string): Verdict<InstructionRule> {
		const rules = this.config.instruction;
		if (text === '') return { keep: false, rule: 'emptyInstruction', detail: 'nothing left after stripping whitespace' };
		if (rules.wordCount.enabled) {
			const words = countWords(text);
			if (words < rules.wordCount.min || words > rules.wordCount.max) {
				const bound = words < rules.wordCount.min ? `< ${rules.wordCount.min}` : `> ${rules.wordCount.max}`;
				return { keep: false, rule: 'wordCount', detail: `${formatCount(words, 'word')} ${bound}${UNSPACED_SCRIPT.test(text) ? UNSPACED_NOTE : ''}` };
			}
		}
		if (rules.blacklist.enabled) {
			const found = this.findBlacklisted(text);
			if (found !== null) return { keep: false, rule: 'blacklist', detail: `contains ${JSON.stringify(found)}` };
		}
		if (rules.forbiddenPrefix.enabled) {
			const prefix = rules.forbiddenPrefix.prefixes.find((p) => text.startsWith(p));
			if (prefix !== undefined) return { keep: false, rule: 'forbiddenPrefix', detail: `starts with ${JSON.stringify(prefix)}` };
		}
		const first = String.fromCodePoint(text.codePointAt(0)!);
		if (rules.leadingPunctuation.enabled && ASCII_PUNCTUATION.includes(first)) {
			return { keep: false, rule: 'leadingPunctuation', detail: `starts with ${JSON.stringify(first)}` };
		}
		if (rules.leadingNonAscii.enabled && first.codePointAt(0)! > 0x7f) {
			const cp = first.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
			return { keep: false, rule: 'leadingNonAscii', detail: `starts with ${JSON.stringify(first)} (U+${cp})` };
		}
		return KEEP;
	}
}
