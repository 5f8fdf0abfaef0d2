/**
 * Unnatural Instructions prompts (Honovich et al., 2022): default templates in our own words,
 * built to the structure the paper describes, and parsers for the replies.
 *
 * Steps: core generation (3 demonstrations → a 4th example) → output generation (instruction,
 * input and constraints → output) → template expansion (rephrase the instruction).
 */
import { plainLabel, splitSignOff, withoutLeadingLabel, withoutOutputLabel, type ReplyNote } from './reply-layout';
import { oneLine } from './self-instruct';
import { renderTemplate, type PlaceholderSpec } from './template';
import type { UnnaturalDemonstration } from './unnatural-seeds';

// ─────────────────────────────── Core generation ───────────────────────────────

export const CORE_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'demonstrations', required: true, description: 'the seed set as "Example 1" … "Example 3" blocks' },
	{ name: 'next_number', required: true, description: 'the number of the example the model writes, e.g. 4' }
];

export const CORE_TEMPLATE = `Below are example tasks. Each has an instruction, an input for it, and constraints that describe what a valid output looks like ("None." when any answer will do). Write one more task, different from the ones shown.

{{demonstrations}}

Example {{next_number}}`;

export function formatDemonstrations(demonstrations: readonly UnnaturalDemonstration[]): string {
	return demonstrations
		.map(
			(d, i) => `Example ${i + 1}\nInstruction: ${d.instruction.trim()}\nInput: ${d.input.trim()}\nConstraints: ${d.constraints.trim()}`
		)
		.join('\n\n');
}

export function buildCorePrompt(demonstrations: readonly UnnaturalDemonstration[], template: string = CORE_TEMPLATE): string {
	return renderTemplate(
		template,
		{ demonstrations: formatDemonstrations(demonstrations), next_number: String(demonstrations.length + 1) },
		CORE_PLACEHOLDERS
	);
}

export const UNNATURAL_FIELDS = ['instruction', 'input', 'constraints'] as const;
export type UnnaturalField = (typeof UNNATURAL_FIELDS)[number];

export interface ParsedCoreExample {
	/** Fields found, trimmed (multi-line values kept). */
	fields: Partial<Record<UnnaturalField, string>>;
	/** Fields absent or empty: the paper drops such generations. */
	missingFields: UnnaturalField[];
	/** Cut by the length limit: the last field may be incomplete. */
	truncated: boolean;
	/** Set only when all three fields are present and the reply was not truncated. */
	example?: UnnaturalDemonstration;
	/** What was set aside around the example: a chat lead-in, an "Example 4" header, a sign-off. */
	notes: ReplyNote[];
	/** Pieces the model wrote that are not read as the example, each with its exact text. */
	problems: Array<{ problem: CoreExampleProblem; raw: string }>;
}

/**
 * 'extra_example': the model went on to write another example — a new "Example N" block or a
 * second complete field set — which is not read (one call, one example, as in the paper);
 * 'repeated_field': a label written again before the example was complete, its value not read
 * (the first value is kept); 'no_fields': a reply with no field label at all;
 * 'commentary': text about the example after it ("Explanation: …"), not read;
 * 'unclear_end': the last field runs on past a blank line into unlabelled text — its own next
 * paragraph or commentary, which cannot be told apart: read as the field's text, recorded.
 */
export type CoreExampleProblem = 'extra_example' | 'repeated_field' | 'no_fields' | 'commentary' | 'unclear_end';

/** A field label at a line start, as the prompt writes it ("Input:"), read on the line made plain. */
const FIELD_LINE = /^[ \t]*(instruction|input|constraints)[ \t]*:/i;

/** A list marker a chat model puts before a label: "- Input:", "* Input:", "4. Input:", "4) Input:". */
const LIST_MARKER = /^([ \t]*)(?:[-*+•][ \t]+|\d+[ \t]*[.)][ \t]*)/;

/**
 * A line with the markup around its label made plain, as the Alpaca and Self-Instruct parsers
 * read labels: markdown (plainLabel: "**Input:**", "### Input:") and a list marker, in either
 * order ("- **Input:**", "**4. Input:**"). Only for finding labels: text is sliced from the reply as written.
 */
function plainFieldLine(line: string): string {
	const unlisted = (l: string) => l.replace(LIST_MARKER, '$1');
	return unlisted(plainLabel(unlisted(line)));
}

interface FieldMark {
	field: UnnaturalField;
	/** Where the label's line starts. */
	start: number;
	/** Where the field's text starts, in the text as written. */
	valueStart: number;
}

/**
 * The field labels of a reply, whatever their markup. Offsets are in the text as written, so a
 * field's text is the model's own byte for byte: only the markup before it is passed over.
 */
function fieldMarks(text: string): FieldMark[] {
	const marks: FieldMark[] = [];
	let lineStart = 0;
	for (const line of text.split('\n')) {
		const plain = plainFieldLine(line);
		const m = FIELD_LINE.exec(plain);
		// plainLabel changes only what comes before the text after the label: that text ends the line as written.
		const value = m ? plain.slice(m[0].length).replace(/^[ \t]+/, '') : '';
		if (m && line.endsWith(value)) {
			marks.push({ field: m[1].toLowerCase() as UnnaturalField, start: lineStart, valueStart: lineStart + line.length - value.length });
		}
		lineStart += line.length + 1;
	}
	return marks;
}

/**
 * A line opening a comment on the example ("Explanation: …", "**Note:** …"). The format has
 * three labels; once all three have text, a line with one of these is talk about the example,
 * never its data: it and what follows are not read (a 'commentary' problem with the raw text).
 */
const COMMENTARY_LINE = /^[ \t]*(?:explanation|notes?|rationale|reasoning|justification|comments?|commentary|remarks?)[ \t]*:/i;

/**
 * A model that goes on past its example starts the next header: "Example 5", or a bare
 * "Example" at the very end when a stop sequence or the token limit cut it there. Only a
 * candidate: see nextExampleAt.
 */
const NEXT_EXAMPLE = /\n[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?Example[ \t]*(?:\d+|:?[ \t]*(?:\*\*|__)?[ \t]*$)/gi;

/** The header as the prompt writes it, alone on its line ("Example 5", "### Example 5"; no colon, no text after it). */
const PROMPT_HEADER_LINE = /^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?Example[ \t]*\d*[ \t]*(?:\*\*|__)?[ \t]*$/i;

/** A header a chat model repeats before its example ("### Example 4", "**Example 4:**"). */
const EXAMPLE_HEADER = /^(?:#{1,6}[ \t]*)?(?:\*\*|__)?Example[ \t]*\d*[ \t]*:?[ \t]*(?:\*\*|__)?$/i;

/** Each field's first value, trimmed; an empty value counts as absent. */
function firstValues(body: string): Partial<Record<UnnaturalField, string>> {
	const marks = fieldMarks(body);
	const fields: Partial<Record<UnnaturalField, string>> = {};
	marks.forEach((m, i) => {
		const value = body.slice(m.valueStart, i + 1 < marks.length ? marks[i + 1].start : body.length).trim();
		if (fields[m.field] === undefined && value !== '') fields[m.field] = value;
	});
	return fields;
}

function isComplete(fields: Partial<Record<UnnaturalField, string>>): boolean {
	return UNNATURAL_FIELDS.every((f) => fields[f] !== undefined);
}

/** Where commentary on a complete example starts (COMMENTARY_LINE), or -1. */
function commentaryAt(body: string): number {
	let lineStart = 0;
	for (const line of body.split('\n')) {
		if (COMMENTARY_LINE.test(plainFieldLine(line)) && isComplete(firstValues(body.slice(0, lineStart)))) return lineStart;
		lineStart += line.length + 1;
	}
	return -1;
}

/**
 * Where the next example starts, or -1. An "Example N" line is its header only once the example
 * before it has all three fields, or when it is the prompt's header form alone on its line
 * ("Example 5"), or a bare "Example" ending the reply (a stop sequence cut there). Otherwise —
 * "Example 1: I loved the food." inside an Input — it is the field's text. Looked for after the
 * first label: a chat reply may open by repeating "Example 4".
 */
function nextExampleAt(body: string): number {
	const firstLabel = fieldMarks(body)[0]?.start ?? 0;
	for (const m of body.slice(firstLabel).matchAll(NEXT_EXAMPLE)) {
		const at = firstLabel + m.index;
		const line = body.slice(at + 1).split('\n')[0];
		const atEnd = body.slice(at).trim() === line.trim();
		const complete = isComplete(firstValues(body.slice(0, at)));
		if (complete || PROMPT_HEADER_LINE.test(line) || (atEnd && EXAMPLE_HEADER.test(line.trim()))) return at;
	}
	return -1;
}

/**
 * The model's continuation of "Example 4": "Instruction: …\nInput: …\nConstraints: …". Each
 * field runs to the next label; labels are found through chat markup and list markers
 * ("**Input:**", "- Input:", "4. Input:"), field text is kept as written. Nothing else is dropped
 * silently: text before the first label is a lead-in (or the example's header) note, a sign-off
 * a note, and what comes after the example — a next "Example N" with its text (nextExampleAt),
 * commentary (COMMENTARY_LINE), a second complete field set, a label repeated before the example
 * was complete — a problem with its raw text; a last field running on past a blank line is read
 * but recorded ('unclear_end').
 */
export function parseCoreExample(text: string, finishReason = 'stop'): ParsedCoreExample {
	const notes: ReplyNote[] = [];
	const problems: ParsedCoreExample['problems'] = [];
	let body = text;
	// Looked for after the first label: a chat reply may open by repeating "Example 4".
	const next = nextExampleAt(body);
	if (next !== -1) {
		const tail = body.slice(next).trim();
		body = body.slice(0, next);
		// A bare header the stop sequence cut is no piece of data; a header with text after it is.
		if (EXAMPLE_HEADER.test(tail)) notes.push({ kind: 'decoration', raw: tail });
		else problems.push({ problem: 'extra_example', raw: tail });
	}
	const { body: withoutSignOff, signOff } = splitSignOff(body);
	body = withoutSignOff;
	const commentary = commentaryAt(body);
	if (commentary !== -1) {
		problems.push({ problem: 'commentary', raw: body.slice(commentary).trim() });
		body = body.slice(0, commentary);
	}
	const marks = fieldMarks(body);
	const head = (marks.length ? body.slice(0, marks[0].start) : body).trim();
	if (head !== '') {
		if (!marks.length) problems.push({ problem: 'no_fields', raw: head });
		else if (EXAMPLE_HEADER.test(head) || /^[:.]$/.test(head)) notes.push({ kind: 'decoration', raw: head });
		else notes.push({ kind: 'lead_in', raw: head });
	}
	const fields: Partial<Record<UnnaturalField, string>> = {};
	/** The field read from the reply's last label, whose text runs to the end. */
	let lastRead: UnnaturalField | undefined;
	for (let i = 0; i < marks.length; i++) {
		const mark = marks[i];
		const end = i + 1 < marks.length ? marks[i + 1].start : body.length;
		const value = body.slice(mark.valueStart, end).trim();
		lastRead = undefined;
		if (fields[mark.field] === undefined) {
			if (value !== '') {
				fields[mark.field] = value;
				lastRead = mark.field;
			}
			continue;
		}
		// A complete example, then its labels again: a second example, read no further.
		if (isComplete(fields)) {
			problems.push({ problem: 'extra_example', raw: body.slice(mark.start).trim() });
			break;
		}
		problems.push({ problem: 'repeated_field', raw: body.slice(mark.start, end).trim() });
	}
	// A blank line, then unlabelled text, ending the last field: read as its text (an input may have
	// paragraphs), but recorded with that text, since it may be commentary.
	const blank = lastRead === undefined || !isComplete(fields) ? -1 : fields[lastRead]!.search(/\n[ \t]*\n/);
	if (blank !== -1) problems.push({ problem: 'unclear_end', raw: fields[lastRead!]!.slice(blank).trim() });
	if (signOff !== undefined) notes.push({ kind: 'sign_off', raw: signOff });
	// The tail after the example was cut first: list everything in the reply's order.
	problems.sort((a, b) => text.indexOf(a.raw) - text.indexOf(b.raw));
	notes.sort((a, b) => text.lastIndexOf(a.raw) - text.lastIndexOf(b.raw));
	const missingFields = UNNATURAL_FIELDS.filter((f) => fields[f] === undefined);
	const truncated = finishReason === 'length';
	return {
		fields,
		missingFields,
		truncated,
		...(missingFields.length === 0 && !truncated
			? { example: { instruction: fields.instruction!, input: fields.input!, constraints: fields.constraints! } }
			: {}),
		notes,
		problems
	};
}

/** Text compared for duplicate checks: case and spacing ignored. */
export function comparableText(text: string): string {
	return oneLine(text).toLowerCase();
}

/**
 * "The same instruction" for the copy filter (a demonstration copied) and the rephrasing filter
 * (a rephrasing that only repeats its instruction): case, spacing and final punctuation ignored,
 * so "Name the colour" copies "Name the colour.".
 */
export function instructionKey(instruction: string): string {
	return comparableText(instruction).replace(/\s*[.!?]+$/, '');
}

// ─────────────────────────────── Output generation ───────────────────────────────

export const OUTPUT_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instruction', required: true, description: 'the generated instruction' },
	{ name: 'input', required: true, description: 'its input' },
	{ name: 'constraints', required: false, description: 'the output-space constraints (dropped from the final example)' }
];

export const OUTPUT_TEMPLATE = `Carry out the task below. The constraints say what a valid output looks like.

Instruction: {{instruction}}
Input: {{input}}
Constraints: {{constraints}}
Output:`;

export function buildOutputPrompt(
	example: UnnaturalDemonstration,
	template: string = OUTPUT_TEMPLATE
): string {
	return renderTemplate(
		template,
		{ instruction: example.instruction.trim(), input: example.input.trim(), constraints: example.constraints.trim() },
		OUTPUT_PLACEHOLDERS
	);
}

export interface ParsedOutput {
	output: string;
	/** Nothing usable came back. */
	empty: boolean;
	/** Cut by the length limit. */
	truncated: boolean;
	/** What the model wrote after the output — a new instruction or example — with its exact text; not read. */
	problems: Array<{ problem: 'extra_example'; raw: string }>;
}

/**
 * The text after what separates it from the prompt's "Output:" label: the spaces after the label
 * when the text starts on its line, or the line break and blank lines before its first line,
 * whose indentation is the text's own (a code block keeps it).
 */
function withoutSeparator(text: string): string {
	const lead = /^\s*/.exec(text)![0];
	const newline = lead.lastIndexOf('\n');
	return text.slice(newline === -1 ? lead.length : newline + 1);
}

/**
 * The output, up to where the model starts a new instruction or example (that rest kept as a
 * problem). The prompt ends with "Output:"; a model that writes the label again has it removed.
 * The output is kept as written but for its separator from the label and trailing whitespace.
 */
export function parseOutput(reply: string, finishReason = 'stop'): ParsedOutput {
	const text = withoutOutputLabel(reply);
	const stopAt = text.search(/\n[ \t]*\n[ \t]*(?:Instruction|Example)\b|\n[ \t]*Example[ \t]*\d+/i);
	const written = withoutSeparator(stopAt === -1 ? text : text.slice(0, stopAt)).trimEnd();
	const output = written.trim() === '' ? '' : written;
	const rest = stopAt === -1 ? '' : text.slice(stopAt).trim();
	return { output, empty: output === '', truncated: finishReason === 'length', problems: rest ? [{ problem: 'extra_example', raw: rest }] : [] };
}

/**
 * Where a rephrased instruction puts the task's input, as in the released data's
 * reformulations (e.g. 'My roommate asked what "{INPUT}" means. …').
 */
export const INPUT_PLACEHOLDER = '{INPUT}';

/**
 * The released data's `instruction_with_input`. A reformulation carries the {INPUT}
 * placeholder and is filled in; a core instruction has none and is joined to its input with a
 * newline, which keeps the two readable in a single prompt.
 */
export function instructionWithInput(instruction: string, input: string): string {
	if (instruction.includes(INPUT_PLACEHOLDER)) return instruction.split(INPUT_PLACEHOLDER).join(input.trim()).trim();
	return input.trim() === '' ? instruction.trim() : `${instruction.trim()}\n${input.trim()}`;
}

// ─────────────────────────────── Template expansion ───────────────────────────────

export const EXPANSION_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instruction', required: true, description: 'the instruction to rephrase' }
];

/**
 * Two demonstrations of an instruction and another way to say it, then the task's instruction.
 * As in the paper, the input is not shown: the rephrasing says where it goes with {INPUT}.
 */
export const EXPANSION_TEMPLATE = `Rewrite each task instruction in different words. The new wording must ask for exactly the same thing, so the same input still gets the same output. Write {INPUT} exactly where the task's input belongs.

Instruction: Count the vowels in the given word.
Input: {INPUT}
Alternative formulation: How many vowels does the word "{INPUT}" contain? Answer with a number.

Instruction: Decide whether the review is positive or negative.
Input: {INPUT}
Alternative formulation: Here is a customer review: {INPUT} Tell me whether its writer liked the product (positive) or not (negative).

Instruction: {{instruction}}
Input: {INPUT}
Alternative formulation:`;

export function buildExpansionPrompt(instruction: string, template: string = EXPANSION_TEMPLATE): string {
	return renderTemplate(template, { instruction: oneLine(instruction) }, EXPANSION_PLACEHOLDERS);
}

export type RephrasingProblem = 'empty' | 'same_as_original' | 'truncated' | 'no_input_placeholder';

export interface ParsedRephrasing {
	rephrasing: string | null;
	problem?: RephrasingProblem;
	/** The reply's text after its first paragraph (another formulation, the next demonstration…), as written: not read, never dropped unrecorded. */
	unread?: string;
}

const CLOSING_QUOTE: Record<string, string> = { '"': '"', '“': '”', "'": "'", '‘': '’' };

function stripWrappingQuotes(text: string): string {
	const close = CLOSING_QUOTE[text[0]];
	return close && text.length >= 2 && text.endsWith(close) ? text.slice(1, -1).trim() : text;
}

/** Where a rephrasing ends: a blank line, or the model starting the next demonstration. */
const REPHRASING_END = /\n[ \t]*\n|\n[ \t]*(?:Instruction|Input|Alternative formulation)[ \t]*:/i;

/** The label the expansion prompt ends with, which a chat model may write again. */
const REPHRASING_LABEL = /^[ \t]*Alternative[ \t]+formulation[ \t]*\d*[ \t]*:/i;

/**
 * One rephrasing: the first paragraph of the reply as written (its line breaks kept: the paper
 * gives no reason to join them), without wrapping quotes or the prompt's "Alternative
 * formulation:" label repeated in front. Rejected
 * when empty, cut by the length limit, or the same instruction as the original (instructionKey).
 * Text after the first paragraph is returned as `unread`.
 */
export function parseRephrasing(
	text: string,
	original: string,
	finishReason = 'stop',
	options: { requirePlaceholder?: boolean } = {}
): ParsedRephrasing {
	if (finishReason === 'length') return { rephrasing: null, problem: 'truncated' };
	const trimmed = withoutLeadingLabel(text, REPHRASING_LABEL).trim();
	const end = trimmed.search(REPHRASING_END);
	const firstParagraph = end === -1 ? trimmed : trimmed.slice(0, end);
	const rest = end === -1 ? '' : trimmed.slice(end).trim();
	const unread = rest === '' ? {} : { unread: rest };
	const rephrasing = stripWrappingQuotes(firstParagraph.trim());
	if (rephrasing === '') return { rephrasing: null, problem: 'empty', ...unread };
	if (instructionKey(rephrasing) === instructionKey(original)) return { rephrasing: null, problem: 'same_as_original', ...unread };
	// A rephrasing that does not say where the input goes cannot be filled in (released data: every one has it).
	if (options.requirePlaceholder && !rephrasing.includes(INPUT_PLACEHOLDER)) return { rephrasing: null, problem: 'no_input_placeholder', ...unread };
	return { rephrasing, ...unread };
}
