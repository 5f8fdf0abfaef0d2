/**
 * Reading what a model wrote back, whatever the layout: a base model continuing the prompt, or a
 * chat model that wraps its answer in markdown, adds a lead-in and a sign-off. Whatever is not
 * kept as data (a lead-in, a sign-off, list decorations) is returned as a note with its raw
 * text, so the call can record it: nothing the model wrote is lost silently.
 */

/** Something in a reply that did not become data, and its exact text. */
export interface ReplyNote {
	/** 'empty': the whole reply was empty (nothing written: recorded, so an empty reply is never silent). */
	kind: 'lead_in' | 'sign_off' | 'decoration' | 'empty_item' | 'empty';
	raw: string;
}

/** How a call was made: only a chat reply can open with a lead-in ("Sure! Here are…:"). */
export type ReplyStyle = 'chat' | 'completions';

/** Sign-offs chat models put after the last item or example. */
const SIGN_OFF =
	/^(?:let me know|i hope|hope (?:this|these|that|you)|feel free|these (?:examples|tasks|instructions) (?:cover|should|are|were)|if you(?:'d| would)? (?:like|need|want)|would you like|happy to help|glad (?:to|i could) help|enjoy|good luck)\b/i;

/**
 * A thank-you opening a sign-off: "Thanks,", "Thank you so much!", "Thanks for the fun task!".
 * Group 1 is set when it thanks for the task itself.
 */
const THANKS =
	/^(?:many[ \t]+)?(?:thanks|thank[ \t]+you)(?:[ \t]+(?:so[ \t]+much|a[ \t]+lot))?([ \t]+for[ \t]+(?:the|this|your)[ \t]+(?:[a-z]+[ \t]+)?(?:task|request|prompt|question|challenge)s?)?[ \t]*[,.!]*[ \t]*/i;

/**
 * A paragraph that is a common chat sign-off. A thank-you is one only with another sign-off after
 * it ("Thanks, hope this helps!") or when it thanks for the task: a bare "Thank you." may end a
 * letter the model wrote as data.
 */
export function isSignOff(text: string): boolean {
	const plain = text.trim().replace(/^[*_>\s]+/, '');
	if (SIGN_OFF.test(plain)) return true;
	const thanks = THANKS.exec(plain);
	if (!thanks) return false;
	const rest = plain.slice(thanks[0].length).replace(/[*_\s]+$/, '');
	return thanks[1] !== undefined ? rest === '' || SIGN_OFF.test(rest) : SIGN_OFF.test(rest);
}

/**
 * A trailing sign-off: the last paragraph (after a blank line) of `text` when it reads as one.
 * Returns the text without it and the sign-off's raw text.
 */
export function splitSignOff(text: string): { body: string; signOff?: string } {
	const trimmed = text.replace(/\s+$/, '');
	const at = trimmed.search(/\n[ \t]*\n(?![\s\S]*\n[ \t]*\n)/);
	if (at === -1) return { body: text };
	const last = trimmed.slice(at).trim();
	if (!isSignOff(last)) return { body: text };
	return { body: trimmed.slice(0, at), signOff: last };
}

/**
 * One line with the markdown around a label or header made plain, as chat models write them:
 * "**Input:** x", "**4. Input:**", "### Example 1", "> Output: y" become "Input: x", … . Only
 * for finding labels: a line that is field text ("# a comment", "> a quote") is stored as written.
 */
export function plainLabel(line: string): string {
	return line
		.replace(/^([ \t]*)(?:>[ \t]?)+/, '$1')
		.replace(/^([ \t]*)#{1,6}[ \t]+/, '$1')
		.replace(
			/^([ \t]*)(\*\*|__|\*|_)((?:\d+[ \t]*\.[ \t]*)?[A-Za-z][A-Za-z0-9 ]{0,40}?)[ \t]*(:?)[ \t]*\2[ \t]*(:?)[ \t]*/,
			(_m, lead: string, _e: string, label: string, c1: string, c2: string) => `${lead}${label}${c1 || c2 ? ': ' : ' '}`
		);
}

/**
 * The text with the markup made plain on the lines that are labels by the parser's own reading
 * (`isLabel` sees the plain line); every other line is left byte for byte as the model wrote it.
 * On a label line only the markup before the field's text changes, so text after a label is
 * the model's own too.
 */
export function plainLabels(text: string, isLabel: (plainLine: string) => boolean): string {
	return text
		.split('\n')
		.map((line) => {
			const plain = plainLabel(line);
			return plain !== line && isLabel(plain) ? plain : line;
		})
		.join('\n');
}

/** The "Output:" label the prompts end their examples with ("Output 2:" too), at a line start. */
export const OUTPUT_LABEL = /^[ \t]*Output[ \t]*\d*[ \t]*:/i;

/**
 * A reply to a prompt ending "Output:" without the label a chat model often repeats ("Output:
 * mice", "**Output:** mice"). Only a label opening the reply is removed, as the instance reader
 * removes it from an example's output line; the output's own text is not touched.
 */
export function withoutOutputLabel(text: string): string {
	return withoutLeadingLabel(text, OUTPUT_LABEL);
}

/**
 * A reply without the label its prompt ends with (`label`, matched at a line start), when the
 * model repeats it to open the reply, markup and all. The rest is the model's text as written.
 */
export function withoutLeadingLabel(text: string, label: RegExp): string {
	const lead = /^\s*/.exec(text)![0].length;
	const newline = text.indexOf('\n', lead);
	const firstLine = plainLabel(text.slice(lead, newline === -1 ? text.length : newline));
	if (!label.test(firstLine)) return text;
	return firstLine.replace(label, '') + (newline === -1 ? '' : text.slice(newline));
}

const EMPHASIS_PAIRS: ReadonlyArray<[string, string]> = [
	['**', '**'],
	['__', '__'],
	['*', '*'],
	['_', '_'],
	['`', '`'],
	['"', '"'],
	['“', '”'],
	["'", "'"],
	['‘', '’']
];

/**
 * An item's text without wrapping emphasis or quotes ("**Write a poem.**", "\"Write a poem.\"").
 * Returns the clean text and the decorations removed, outermost first.
 */
export function stripWrapping(text: string): { text: string; removed: string[] } {
	let out = text.trim();
	const removed: string[] = [];
	for (let again = true; again; ) {
		again = false;
		for (const [open, close] of EMPHASIS_PAIRS) {
			if (out.length > open.length + close.length && out.startsWith(open) && out.endsWith(close)) {
				const inner = out.slice(open.length, out.length - close.length);
				// "*a* and *b*" is not wrapped in one pair; nor is "'twas … o'".
				if (inner.includes(open) || inner.includes(close)) continue;
				out = inner.trim();
				removed.push(open === close ? open : `${open}…${close}`);
				again = true;
				break;
			}
		}
	}
	// "**Write a poem**." — emphasis closed before the final punctuation.
	const inner = /^(\*\*|__)([^*_]+)\1([.!?:]?)$/.exec(out);
	if (inner) {
		out = `${inner[2].trim()}${inner[3]}`;
		removed.push(inner[1]);
	}
	return { text: out, removed };
}
