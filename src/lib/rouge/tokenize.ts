/**
 * The tokenizer of Google's rouge_score (rougeL, no stemmer), reproduced exactly:
 *
 *   text = text.lower()                       # Python's full Unicode lower-casing
 *   text = re.sub(r"[^a-z0-9]+", " ", text)
 *   tokens = re.split(r"\s+", text)
 *   tokens = [x for x in tokens if re.match(r"^[a-z0-9]+$", x)]
 *
 * Only characters that are ASCII [a-z0-9] after lower-casing can be part of a token; every
 * other character separates tokens. Scanning all of Unicode with Python's str.lower() finds
 * exactly two non-ASCII code points that lower-case into ASCII:
 *   U+0130 "İ" → "i" + U+0307 (the combining dot then separates: "İstanbul" → "i", "stanbul"),
 *   U+212A "K" (Kelvin sign) → "k".
 * So A–Z and those two are mapped and every other UTF-16 code unit is a separator (accents,
 * CJK, emoji, full-width digits, lone surrogates), without lower-casing the whole text first.
 */

/**
 * What that means for a reader, where ROUGE-L scores are shown: words in other scripts count for
 * nothing (the papers' behaviour, kept on purpose).
 */
export const ROUGE_TOKENS_NOTE =
	'ROUGE-L counts only lower-case a–z and 0–9 words, as the papers\' scorer (rouge_score) does: words in other scripts are dropped, so "Explain 你好 世界 please" and "Explain 再见 朋友 please" score 1.0.';

const LATIN_CAPITAL_I_WITH_DOT = 0x130;
const KELVIN_SIGN = 0x212a;

/** rouge_score's tokens of `text`. */
export function tokenize(text: string): string[] {
	const tokens: string[] = [];
	let start = -1; // start of the current run of token characters
	let needsLowering = false; // the run holds A–Z or the Kelvin sign
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
			if (start < 0) start = i;
		} else if ((c >= 65 && c <= 90) || c === KELVIN_SIGN) {
			if (start < 0) start = i;
			needsLowering = true;
		} else if (c === LATIN_CAPITAL_I_WITH_DOT) {
			// "i" ends the token: the combining dot that follows it in the lower-cased text separates.
			const head = start < 0 ? '' : run(start, i);
			tokens.push(head + 'i');
			start = -1;
			needsLowering = false;
		} else if (start >= 0) {
			tokens.push(run(start, i));
			start = -1;
			needsLowering = false;
		}
	}
	if (start >= 0) tokens.push(run(start, text.length));
	return tokens;

	function run(from: number, to: number): string {
		const s = text.slice(from, to);
		// JS toLowerCase agrees with Python's lower() on A–Z and on the Kelvin sign (→ "k").
		return needsLowering ? s.toLowerCase() : s;
	}
}
