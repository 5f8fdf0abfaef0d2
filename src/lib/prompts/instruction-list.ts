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
	/** The reply was cut by max_tokens and dropped whole, as in the paper. */
	droppedForLength: boolean;
	/** A chat model's lead-in ("Sure! Here are more tasks:"), not an instruction. */
	preamble?: string;
	/** What else did not become an instruction: sign-off, decorations, empty items. */
	notes: ReplyNote[];
}

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

/** Lead-ins chat models open with when they do not end the line with ":". */
const LEAD_IN = /^(?:sure|certainly|of course|okay|ok|absolutely|great|here (?:are|is)|below (?:are|is))\b/i;

interface Item {
	marker: string | null;
	lines: string[];
}

/**
 * Split the reply into instructions. A reply cut by the length limit is dropped whole: the paper
 * keeps no instruction from it, since the last one is likely cut mid-sentence.
 *
 * Completions: the text before the first marker is item 9 itself — whatever it ends with.
 * Chat: that text is a lead-in when it ends with ":", opens like one ("Sure", "Here are"), or is
 * set apart by a blank line; otherwise it is an item written without a number.
 */
export function parseInstructionList(text: string, finishReason: string, style: ReplyStyle = 'completions'): ParsedInstructionList {
	if (finishReason === 'length') return { instructions: [], droppedForLength: true, notes: [] };
	if (text.trim() === '') return { instructions: [], droppedForLength: false, notes: [{ kind: 'empty', raw: text }] };
	const notes: ReplyNote[] = [];
	const { body, signOff } = splitSignOff(text);
	const lines = body.split('\n');
	const numbered = lines.some((l) => NUMBERED.test(l));
	// Bullets are list markers only in a chat reply with no numbers (a numbered item may hold a dash list).
	const marker = (line: string) => NUMBERED.exec(line) ?? (style === 'chat' && !numbered ? BULLET.exec(line) : null);

	const items: Item[] = [{ marker: null, lines: [] }];
	for (const line of lines) {
		const m = marker(line);
		if (m) items.push({ marker: m[1], lines: [line.slice(m[0].length)] });
		else items[items.length - 1].lines.push(line);
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
		const raw = oneLine(item.lines.join('\n'));
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
	return { instructions, droppedForLength: false, ...(preamble !== undefined ? { preamble } : {}), notes };
}
