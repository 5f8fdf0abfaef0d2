/**
 * Self-Instruct's instruction-generation reply, split into instructions. The reference splits a
 * base model's continuation of "9." at each "N. "; chat models write the list afresh, in
 * markdown ("**10.**", "10)", "- "), with bold or quoted items, a lead-in and a sign-off, and may
 * number from 1 again. Both layouts are read; what is not an instruction is returned as a note.
 */
import { splitSignOff, stripWrapping, type ReplyNote, type ReplyStyle } from './reply-layout';

export interface ParsedInstructionList {
	/** New instructions in the order written, cleaned (one line, trimmed, decorations removed). */
	instructions: string[];
	/** The reply was cut by max_tokens and dropped whole, as in the paper (its text is a 'truncated' problem). */
	droppedForLength: boolean;
	/** A chat model's lead-in ("Sure! Here are more tasks:"), not an instruction. */
	preamble?: string;
	/** What else did not become an instruction: sign-off, decorations, empty items. */
	notes: ReplyNote[];
	/** Pieces of the reply not read as instructions, each with the model's exact text. */
	problems: Array<{ problem: InstructionListProblem; raw: string }>;
}

/**
 * 'truncated': the reply was cut by max_tokens and dropped whole; 'lone_lead_in': the reply is
 * only a line announcing a list ("Here are some more tasks:"), the list itself never came (a
 * chat reply stops at the blank line after it); 'broken_numbering': a line that starts a list
 * item with a number written wrongly ("10 Compose…" or "10 compose…" where 10 was next, "Eleven. List…") or out of
 * turn ("14.Write…", "13)explain…" after item 11), not glued into the instruction before it.
 */
export type InstructionListProblem = 'truncated' | 'lone_lead_in' | 'broken_numbering';

/** One line: whitespace runs (newlines too) become one space. */
function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

/**
 * A list marker at a line start: "10. ", "10 . ", "10) ", "**10.**", "> 10.", "Task 10:"; a chat
 * reply may also use bullets ("- ", "* ", "• "). Group 1 is the marker as written.
 */
const NUMBERED = /^[ \t]*((?:>[ \t]*)?(?:\*\*|__)?(?:(?:task|instruction)[ \t]*)?\d{1,3}[ \t]?[.):](?:\*\*|__)?)(?=[ \t]|$)/i;
const BULLET = /^[ \t]*((?:>[ \t]*)?[-*•])(?=[ \t])/;

/**
 * A line announcing a list rather than being an item: it ends with ":" and says "here are/is …
 * tasks/instructions/examples" ("Sure! Here are seven more diverse tasks for you to try:").
 */
const LIST_INTRO = /\b(?:here|below)[ \t]+(?:are|is)\b[^\n]*\b(?:tasks?|instructions?|examples?|ideas?)\b[^\n]*:$/i;

/** Numbers written as words, either case of the first letter ("Eleven.", "eleven)"). */
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty'
	.split('|')
	.map((w) => `[${w[0].toUpperCase()}${w[0]}]${w.slice(1)}`)
	.join('|');
/**
 * A line that starts like a list item with its number written as a word ("Eleven. List reasons"),
 * then a capitalised word. (A digit with no mark is LOOSE_NUMBER's bare form.)
 */
const BROKEN_NUMBER = new RegExp(`^[ \\t]*(?:${NUMBER_WORDS})[ \\t]*[.):][ \\t]*(?=[A-Z])`);

/**
 * A line opening with a list number written loosely. Marked: no space after the mark
 * ("10.Compose", "11)Explain"), a space before it ("10 ) Give"), a dash with a space on either
 * side ("10- Compose", "11 -Explain", "12 - Give"), two marks ("12.- Suggest", "11.) Create"),
 * or the number in brackets ("(10) Compose", "[10] Compose"): group 1, 2 or 3 is set. Bare: just
 * a space ("10 Compose"), no group set. A number run on into digits ("3.5 litres", "2020 was",
 * "3:30") or a word ("5-year", "10am") is not one.
 */
const LOOSE_NUMBER =
	/^[ \t]*(?:\*\*|__)?(?:([(\[])\d{1,3}[)\]]|\d{1,3}(?!\d)(?:[ \t]*([.):\]](?:[ \t]*[-–—.)\]])?)|([ \t]*[-–—](?=[ \t])|[ \t]+[-–—])|(?=[ \t])))(?:\*\*|__)?[ \t]*(?=[A-Za-z])/;

/** Lead-ins chat models open with when they do not end the line with ":". */
const LEAD_IN = /^(?:sure|certainly|of course|okay|ok|absolutely|great|here (?:are|is)|below (?:are|is))\b/i;

/** An item whose last line ends with ":" announces the text on the lines after it. */
function introducesText(item: Item): boolean {
	return /:[ \t]*$/.test(item.lines.filter((l) => l.trim() !== '').at(-1) ?? '');
}

interface Item {
	marker: string | null;
	lines: string[];
	/** Started by a line with broken numbering (BROKEN_NUMBER): not read. */
	broken?: boolean;
}

/**
 * Split the reply into instructions. A reply cut by the length limit is dropped whole, as the
 * paper and its reference code do (post_process_gpt3_response returns nothing on "length"): its
 * text is returned as a 'truncated' problem, so the call is listed with the pieces not read.
 * A lone list announcement and lines with broken numbering are problems too, never instructions.
 *
 * Completions: the text before the first marker is item 9 itself — whatever it ends with.
 * Chat: that text is a lead-in when it ends with ":", opens like one ("Sure", "Here are"), or is
 * set apart by a blank line; otherwise it is an item written without a number.
 */
export function parseInstructionList(
	text: string,
	finishReason: string,
	style: ReplyStyle = 'completions',
	/** The number the prompt ends with ("9."), which the reply's first line continues. */
	promptNumber = 9
): ParsedInstructionList {
	if (finishReason === 'length') return { instructions: [], droppedForLength: true, notes: [], problems: [{ problem: 'truncated', raw: text }] };
	if (text.trim() === '') return { instructions: [], droppedForLength: false, notes: [{ kind: 'empty', raw: text }], problems: [] };
	const notes: ReplyNote[] = [];
	const problems: ParsedInstructionList['problems'] = [];
	const { body, signOff } = splitSignOff(text);
	const lines = body.split('\n');
	const numbered = lines.some((l) => NUMBERED.test(l));
	// Bullets are list markers only in a chat reply with no numbers (a numbered item may hold a dash list).
	const marker = (line: string) => NUMBERED.exec(line) ?? (style === 'chat' && !numbered ? BULLET.exec(line) : null);

	// A loosely written number is read as a marker only when it is the next one expected: a
	// completion's first is the one after the prompt's, a chat list may also start again at 1.
	let expected: number[] = style === 'chat' ? [1, promptNumber + 1] : [promptNumber + 1];
	const items: Item[] = [{ marker: null, lines: [] }];
	for (const line of lines) {
		const m = marker(line);
		const current = items[items.length - 1];
		const started = current.lines.some((l) => l.trim() !== '');
		const loose = m ? null : LOOSE_NUMBER.exec(line);
		const looseNumber = loose ? Number(/\d+/.exec(loose[0])![0]) : null;
		const marked = loose !== null && (loose[1] ?? loose[2] ?? loose[3]) !== undefined;
		const isNext = looseNumber !== null && expected.includes(looseNumber);
		if (m) {
			items.push({ marker: m[1], lines: [line.slice(m[0].length)] });
			const n = /\d+/.exec(m[1]);
			if (n) expected = [Number(n[0]) + 1];
		} else if (loose && marked && isNext) {
			items.push({ marker: loose[0].trim(), lines: [line.slice(loose[0].length)] });
			expected = [looseNumber! + 1];
		} else if (started && ((loose && (marked || (isNext && !introducesText(current)))) || BROKEN_NUMBER.test(line))) {
			// Never glued to the item before: a marked number out of turn (whatever follows it), the
			// next number with no mark ("10 Compose…" or "10 compose…": the case of a word tells
			// nothing), or a number written as a word. Only after an item ending with ":" is the next
			// number its text ("Scale this recipe:\n10 cups of flour").
			// A bare number that is not the next one ("12 Apples and 5 Pears…", "7 PM is…") is text.
			items.push({ marker: null, lines: [line], broken: true });
			if (looseNumber !== null) expected = [looseNumber + 1];
		} else current.lines.push(line);
	}

	let preamble: string | undefined;
	const head = items[0];
	const headText = head.lines.join('\n').trim();
	if (headText !== '' && style === 'chat' && items.length > 1) {
		const setApart = head.lines.slice(1).some((l) => l.trim() === '');
		if (/:$/.test(headText) || LEAD_IN.test(headText) || setApart) {
			preamble = oneLine(headText);
			notes.push({ kind: 'lead_in', raw: headText });
			items.shift();
		}
	}

	// After the last item, a paragraph set apart by a blank line is not part of the list.
	const last = items[items.length - 1];
	{
		const joined = last.lines.join('\n');
		const gap = joined.search(/\n[ \t]*\n/);
		if (gap !== -1 && joined.slice(gap).trim() !== '') {
			const rest = joined.slice(gap).trim();
			notes.push({ kind: 'sign_off', raw: rest });
			last.lines = joined.slice(0, gap).split('\n');
		}
	}
	if (signOff !== undefined) notes.push({ kind: 'sign_off', raw: signOff });

	const instructions: string[] = [];
	for (const item of items) {
		const written = item.lines.join('\n').trim();
		if (item.broken) {
			problems.push({ problem: 'broken_numbering', raw: written });
			continue;
		}
		const raw = oneLine(written);
		if (LIST_INTRO.test(raw)) {
			problems.push({ problem: 'lone_lead_in', raw: written });
			continue;
		}
		if (item.marker && /[*_>]|^(?:task|instruction)/i.test(item.marker.trim())) notes.push({ kind: 'decoration', raw: item.marker.trim() });
		if (item.marker && /^[-*•]$/.test(item.marker.trim())) notes.push({ kind: 'decoration', raw: item.marker.trim() });
		if (raw === '') {
			if (item.marker) notes.push({ kind: 'empty_item', raw: item.marker.trim() });
			continue;
		}
		const clean = stripWrapping(raw);
		for (const d of clean.removed) notes.push({ kind: 'decoration', raw: d });
		if (clean.text === '') {
			notes.push({ kind: 'empty_item', raw });
			continue;
		}
		instructions.push(clean.text);
	}
	return { instructions, droppedForLength: false, ...(preamble !== undefined ? { preamble } : {}), notes, problems };
}
