/**
 * Self-Instruct's instance-generation replies, read as the reference does and a little wider.
 *
 * Input-first (reference: everything in an example before "Output <n>:" is the input, whatever
 * its fields are called): "Sentence: …", "Dialogue: …", "Question: …", "Input 2: …" all stay in
 * the input, only a leading "Input <n>:" label is removed. Several input/output pairs in one
 * example, or a reply without "Example" headers, are split where the next pair starts.
 * Output-first (reference: split at "Class label:"; the first line is the label, the rest up to
 * the next label is the input), again whatever the input's field is called.
 *
 * A piece that cannot be read is a problem with its raw text; text that is not an instance (a
 * chat lead-in or sign-off) is a note with its raw text. Nothing is dropped unrecorded.
 */
import { OUTPUT_LABEL, plainLabel, plainLabels, splitSignOff, stripWrapping, type ReplyNote } from './reply-layout';

export interface GeneratedInstance {
	input: string;
	output: string;
}

/**
 * 'empty': the model wrote nothing (recorded, so an empty reply is never silent).
 * 'missing_input': an output-first label with no input after it. 'unclear_input': the reply's
 * last output-first input runs on over lines with no field label — a multi-line input and
 * commentary after it cannot be told apart, so neither is guessed.
 * 'input_first_order': an output-first reply written input first ("Input: …" then "Class label: …"):
 * read as asked, every label would be paired with the next example's input, so nothing is read.
 * 'next_task': the model went on to a new "Task:" after a finished example; that text is not read.
 * 'no_class_label': an output-first reply with no "Class label:" line at all ("Label: X", a refusal):
 * no piece reads as label-then-input, so nothing is read.
 */
export type InstanceProblem = 'missing_output' | 'missing_label' | 'missing_input' | 'unclear_input' | 'truncated' | 'empty' | 'input_first_order' | 'next_task' | 'no_class_label';

/** An empty reply: no instance, one problem saying so. */
function emptyReply(text: string): ParsedInstances | null {
	return text.trim() === '' ? { instances: [], problems: [{ problem: 'empty', raw: text }], notes: [] } : null;
}

export interface ParsedInstances {
	instances: GeneratedInstance[];
	/** Pieces of the reply that did not make an instance, and why. */
	problems: Array<{ problem: InstanceProblem; raw: string }>;
	/** Text that is not an instance and was set aside: lead-in, sign-off. */
	notes: ReplyNote[];
}

/** Alpaca's marker of an empty input; models trained on it sometimes write it. */
const NO_INPUT = /^<\s*no\s*input\s*>\.?$/i;

function cleanField(text: string): string {
	const trimmed = text.trim();
	return NO_INPUT.test(trimmed) ? '' : trimmed;
}

const TASK_LINE = /^[ \t]*Task[ \t]*\d*[ \t]*:/;
/** An example's header line ("Example 2", "Example 2: Input: …"), not "Examples of…". */
const EXAMPLE_LINE = /^[ \t]*Example[ \t]*\d*[ \t]*[:.]?(?:[ \t]|$)/i;
const CLASS_LABEL_LINE = /^[ \t]*Class[ \t]*label[ \t]*\d*[ \t]*:/i;

/**
 * The reply up to where the model starts a new task (in case no stop sequence caught it), and
 * the text from there on. In the reference format a task follows a finished example: an
 * input-first one whose output has text, an output-first one whose label has its input. A
 * "Task:" line anywhere else — inside an input ("Input:\nTask: buy milk"), or before an output
 * has any text — is part of the example, not a boundary.
 */
function untilNextTask(text: string, style: 'input-first' | 'output-first'): { body: string; nextTask?: string } {
	const lines = text.split('\n');
	let complete = false;
	let inAnswer = false;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (complete && TASK_LINE.test(line)) {
			const nextTask = lines.slice(i).join('\n').trim();
			return { body: lines.slice(0, i).join('\n'), nextTask };
		}
		if (style === 'input-first') {
			if (OUTPUT_LABEL.test(line)) {
				inAnswer = true;
				complete = line.replace(OUTPUT_LABEL, '').trim() !== '';
			} else if (EXAMPLE_LINE.test(line) || INPUT_LABEL.test(line)) {
				inAnswer = complete = false;
			} else if (inAnswer && line.trim() !== '') complete = true;
		} else if (CLASS_LABEL_LINE.test(line)) {
			inAnswer = true;
			complete = false;
		} else if (inAnswer && line.replace(INPUT_LABEL, '').trim() !== '') complete = true;
	}
	return { body: text };
}

/** "Example 3", "Example 3:", "Example 3." at a line start; the rest of the line belongs to the example. */
const EXAMPLE_HEADER = /(?:^|\n)[ \t]*Example[ \t]*\d*[ \t]*[:.]?[ \t]*(?=\n|$)|(?:^|\n)[ \t]*Example[ \t]*\d+[ \t]*[:.]?[ \t]*/gi;
const INPUT_LABEL = /^[ \t]*Input[ \t]*\d*[ \t]*:[ \t]*/i;
/** A field label at a line start: "Sentence:", "Input 2:", "Class label:". */
const FIELD_LABEL = /^[ \t]*([A-Za-z][A-Za-z ]{0,30}?)[ \t]*\d*[ \t]*:/;

/** A line's field label, markup aside ("**Sentence:** …" is "sentence"). */
function labelOf(line: string): string | null {
	const m = FIELD_LABEL.exec(plainLabel(line));
	return m ? m[1].trim().toLowerCase() : null;
}

/**
 * A line the parsers split at, its markup made plain: only these are rewritten ("**Output:**" is
 * "Output:"); other field labels ("**Sentence:**") are read through labelOf and kept as written.
 */
function isStructureLine(line: string): boolean {
	return [OUTPUT_LABEL, INPUT_LABEL, EXAMPLE_LINE, CLASS_LABEL_LINE, TASK_LINE].some((label) => label.test(line));
}

/**
 * The reply's text with markdown labels made plain and a trailing sign-off set aside, up to a
 * new task (returned apart: the caller records it as a problem).
 */
function prepare(text: string, style: 'input-first' | 'output-first', notes: ReplyNote[]): { body: string; nextTask?: string } {
	const { body: withoutSignOff, signOff } = splitSignOff(plainLabels(text, isStructureLine));
	if (signOff !== undefined) notes.push({ kind: 'sign_off', raw: signOff });
	return untilNextTask(withoutSignOff, style);
}

/**
 * Splits one example (or a reply without headers) into input/output pairs. An output runs until
 * a line starts the next pair: an "Input <n>:" or "Output <n>:" label, or the label the pair's
 * input began with ("Sentence:" again).
 */
function pairsOf(block: string): { pairs: Array<GeneratedInstance & { raw: string }>; missingOutput?: string } {
	const lines = block.split('\n');
	const pairs: Array<GeneratedInstance & { raw: string }> = [];
	let i = 0;
	while (i < lines.length) {
		while (i < lines.length && lines[i].trim() === '') i++;
		if (i >= lines.length) break;
		const start = i;
		while (i < lines.length && !OUTPUT_LABEL.test(lines[i])) i++;
		if (i >= lines.length) return { pairs, missingOutput: lines.slice(start).join('\n').trim() };
		const firstLabel = start < i ? labelOf(lines[start]) : null;
		const input = cleanField(lines.slice(start, i).join('\n').replace(INPUT_LABEL, ''));
		const outputLines = [lines[i].replace(OUTPUT_LABEL, '')];
		i++;
		while (i < lines.length) {
			const label = labelOf(lines[i]);
			if (OUTPUT_LABEL.test(lines[i]) || INPUT_LABEL.test(lines[i]) || (label !== null && label === firstLabel && label !== 'output')) break;
			outputLines.push(lines[i]);
			i++;
		}
		pairs.push({ input, output: cleanField(outputLines.join('\n')), raw: lines.slice(start, i).join('\n').trim() });
	}
	return { pairs };
}

/**
 * Input-first reply: "Example N" blocks, each "…input fields…\nOutput: …" (an example without
 * input fields has an empty input). Text before the first header that holds no output is a
 * lead-in. When the reply was cut by the length limit its last instance may be cut
 * mid-sentence, so it is dropped (reported as 'truncated'), as the reference does.
 */
export function parseInputFirstInstances(text: string, finishReason = 'stop'): ParsedInstances {
	const empty = emptyReply(text);
	if (empty) return empty;
	const notes: ReplyNote[] = [];
	const problems: ParsedInstances['problems'] = [];
	const { body, nextTask } = prepare(text, 'input-first', notes);
	// A reply cut by the limit inside the new task left this task's examples whole.
	const cutHere = finishReason === 'length' && nextTask === undefined;
	const headers = [...body.matchAll(EXAMPLE_HEADER)];
	const blocks: string[] = [];
	if (headers.length === 0) blocks.push(body);
	else {
		const before = body.slice(0, headers[0].index);
		if (before.split('\n').some((l) => OUTPUT_LABEL.test(l))) blocks.push(before);
		else if (before.trim() !== '') notes.push({ kind: 'lead_in', raw: before.trim() });
		headers.forEach((h, k) => blocks.push(body.slice(h.index + h[0].length, k + 1 < headers.length ? headers[k + 1].index : body.length)));
	}
	const readable = blocks.filter((b) => b.trim() !== '');
	const instances: GeneratedInstance[] = [];
	readable.forEach((block, k) => {
		const { pairs: raw, missingOutput } = pairsOf(block);
		const pairs = raw.map((p) => ({ input: p.input, output: p.output, raw: p.raw }));
		const isLast = k === readable.length - 1;
		if (isLast && cutHere) {
			// The model was cut off while writing this: whatever it was writing is incomplete.
			if (missingOutput !== undefined) {
				instances.push(...pairs.map(({ input, output }) => ({ input, output })));
				problems.push({ problem: 'truncated', raw: missingOutput });
			} else {
				const cut = pairs.pop();
				instances.push(...pairs.map(({ input, output }) => ({ input, output })));
				if (cut) problems.push({ problem: 'truncated', raw: cut.raw });
			}
			return;
		}
		instances.push(...pairs.map(({ input, output }) => ({ input, output })));
		if (missingOutput !== undefined) problems.push({ problem: 'missing_output', raw: missingOutput });
	});
	if (nextTask !== undefined) problems.push({ problem: 'next_task', raw: nextTask });
	return { instances, problems, notes };
}

/**
 * Output-first reply: "Class label: X" then the input for that label — whatever its field is
 * called ("Review: …", "Sentence: …"); a leading "Input:" label is removed. Text before the
 * first label is a lead-in.
 *
 * Two places where the reference guesses are problems here instead. A label with no input after
 * it: the reference keeps it with an empty input, but the output-first prompt asks for an input
 * written for each label (every demonstration has one), so a bare label is a missing input, as
 * a missing output is in input-first replies. The reply's last input, when it runs on over
 * unlabelled lines: the reference keeps everything up to the next label, so text the model
 * wrote after its last example ("Some trailing commentary…") would become part of the input.
 * Earlier inputs end at the next label and may span lines; the last one has no such end.
 */
export function parseOutputFirstInstances(text: string, finishReason = 'stop'): ParsedInstances {
	const empty = emptyReply(text);
	if (empty) return empty;
	const notes: ReplyNote[] = [];
	const problems: ParsedInstances['problems'] = [];
	const { body, nextTask } = prepare(text, 'output-first', notes);
	const cutHere = finishReason === 'length' && nextTask === undefined;
	// The labels are kept as written (odd pairs), so a problem's raw text is the model's own.
	const pieces = body.split(/((?:^|\n)[ \t]*Class[ \t]*label[ \t]*\d*[ \t]*:)/i);
	const lead = pieces.shift()!.trim();
	// An "Input: …" before the first label means the model wrote each input before its label.
	// Read label-first, each label would get the next example's input: the pairs would be
	// mispaired, and reading them as written would keep examples made the way output-first
	// generation avoids (input first, label fitted after). So the whole reply is a problem.
	const writtenInputFirst = lead.split('\n').some((line) => INPUT_LABEL.test(line) && line.replace(INPUT_LABEL, '').trim() !== '');
	if (pieces.length > 0 && writtenInputFirst) {
		return { instances: [], problems: [{ problem: 'input_first_order', raw: text.trim() }], notes: [] };
	}
	// Without any "Class label:" line the reply is no lead-in: nothing in it was read, so it is a
	// problem (counted as not read) — input first ("Input: …\nOutput: …") or with no label at all.
	if (pieces.length === 0) {
		const inputFirst = writtenInputFirst || lead.split('\n').some((line) => OUTPUT_LABEL.test(line));
		return { instances: [], problems: [{ problem: inputFirst ? 'input_first_order' : 'no_class_label', raw: text.trim() }], notes: [] };
	}
	if (lead !== '') notes.push({ kind: 'lead_in', raw: lead });
	const parts: string[] = [];
	const labels: string[] = [];
	for (let i = 0; i + 1 < pieces.length; i += 2) {
		labels.push(pieces[i]);
		parts.push(pieces[i + 1]);
	}
	if (cutHere && parts.length) problems.push({ problem: 'truncated', raw: `${labels.pop()!}${parts.pop()!}`.trim() });
	const instances: GeneratedInstance[] = [];
	// The last part ends the reply (a cut one was set aside above): only it can have text after its input.
	const lastEndsReply = !cutHere;
	parts.forEach((part, k) => {
		const raw = `${labels[k]}${part}`.trim();
		const newline = part.indexOf('\n');
		const labelLine = newline === -1 ? part : part.slice(0, newline);
		const rest = newline === -1 ? '' : part.slice(newline + 1);
		const label = stripWrapping(labelLine.trim()).text;
		if (label === '') {
			problems.push({ problem: 'missing_label', raw });
			return;
		}
		const written = rest.trim();
		// "Input:" with nothing after it is no input either; "<noinput>" is one the model wrote.
		if (written.replace(INPUT_LABEL, '').trim() === '') {
			problems.push({ problem: 'missing_input', raw });
			return;
		}
		// The input's first line of text (after a label on a line of its own), then what follows it.
		const lines = written.split('\n');
		const after = lines.slice(/^[^:]*:[ \t]*$/.test(plainLabel(lines[0])) && labelOf(lines[0]) !== null ? 2 : 1);
		if (lastEndsReply && k === parts.length - 1 && after.some((l) => l.trim() !== '' && labelOf(l) === null)) {
			problems.push({ problem: 'unclear_input', raw });
			return;
		}
		instances.push({ input: cleanField(written.replace(INPUT_LABEL, '')), output: label });
	});
	if (nextTask !== undefined) problems.push({ problem: 'next_task', raw: nextTask });
	return { instances, problems, notes };
}
