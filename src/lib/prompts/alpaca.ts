/**
 * The Alpaca pipeline's prompt (Taori et al., 2023, generate_instruction.py): one request asks
 * for a list of 20 tasks, given a header of numbered requirements and 3 seed tasks shown in full
 * ("N. Instruction: …", "N. Input:", "N. Output:", separated by "###"); the model continues with
 * task 4. The default wording is ours, written to that structure; a team can load the paper's
 * exact prompt as the step's template.
 */
import { plainLabels, splitSignOff, type ReplyNote } from './reply-layout';
import { renderTemplate, type PlaceholderSpec } from './template';

/** Alpaca shows 3 seed tasks per prompt, drawn from the seed pool only. */
export const ALPACA_SEED_TASKS_PER_PROMPT = 3;
/** The list the model is asked to complete has 20 tasks. */
export const ALPACA_TASKS_PER_LIST = 20;
/** Alpaca's marker of an empty input. */
export const NO_INPUT_MARKER = '<noinput>';

export const ALPACA_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'seed_tasks', required: true, description: 'the seed tasks, each "N. Instruction / N. Input / N. Output", separated by "###"' },
	{ name: 'next_number', required: true, description: 'the number of the first task the model writes, e.g. 4' }
];

/** Header of nine numbered requirements, then the seed tasks, ending where task 4 begins. */
export const ALPACA_TEMPLATE = `Make a list of 20 different tasks that a person could hand to a text-only AI assistant. Each task is given as an instruction, an input and an output. Keep to these rules:
1. Do not start two instructions with the same verb; spread the wording.
2. Mix the ways of asking: some instructions are questions, some are direct commands.
3. Mix the kinds of task as well: writing, rewriting, classification, brainstorming, open questions, reasoning, editing, and so on.
4. The assistant only reads and writes text, so every task must be doable that way: nothing that needs it to see, hear or produce pictures or sound, or to act in the world.
5. All instructions are in English.
6. An instruction is one or two sentences long, a question or a command.
7. Give each task a concrete input with realistic content, not a placeholder; keep it under about 100 words.
8. Some tasks need no input at all; write ${NO_INPUT_MARKER} as their input.
9. The output is a fitting answer to the instruction and input, under about 100 words.

List of 20 tasks:
{{seed_tasks}}
{{next_number}}. Instruction:`;

export interface AlpacaTask {
	instruction: string;
	input: string;
	output: string;
}

/**
 * The seed tasks as the reference writes them: the instruction on one line without a trailing
 * colon, "<noinput>" for an empty input, each task opened by "###" and the list closed by one.
 */
export function formatAlpacaSeedTasks(tasks: readonly AlpacaTask[]): string {
	const blocks = tasks.map((t, i) => {
		const n = i + 1;
		const instruction = t.instruction.replace(/\s+/g, ' ').trim().replace(/:+$/, '');
		const input = t.input.trim() === '' ? NO_INPUT_MARKER : t.input;
		return `###\n${n}. Instruction: ${instruction}\n${n}. Input:\n${input}\n${n}. Output:\n${t.output}`;
	});
	return `${blocks.join('\n')}\n###`;
}

export function buildAlpacaPrompt(seedTasks: readonly AlpacaTask[], template: string = ALPACA_TEMPLATE): string {
	return renderTemplate(
		template,
		{ seed_tasks: formatAlpacaSeedTasks(seedTasks), next_number: String(seedTasks.length + 1) },
		ALPACA_PLACEHOLDERS
	);
}

/** 'empty': the model wrote nothing (as Self-Instruct records an empty reply). */
export type AlpacaProblem = 'unsplittable' | 'truncated' | 'empty';

export interface ParsedAlpacaList {
	tasks: AlpacaTask[];
	/** Items that did not split into instruction / input / output, or were cut off, with their raw text. */
	problems: Array<{ problem: AlpacaProblem; raw: string }>;
	notes: ReplyNote[];
}

const FIELD = /(?:^|\n)[ \t]*(?:\d+[ \t]*\.[ \t]*)?(Instruction|Input|Output)[ \t]*:/gi;
/** A line that opens with a field label. */
const LABEL_LINE = /^[ \t]*(?:\d+[ \t]*\.[ \t]*)?(?:Instruction|Input|Output)[ \t]*:/i;
/** The first field label of a reply, with its number when it has one. */
const FIRST_FIELD = /(?:^|\n)[ \t]*(?:(\d+)[ \t]*\.[ \t]*)?(Instruction|Input|Output)[ \t]*:/i;

/**
 * A chat lead-in ("Sure! Here are the remaining tasks:") before the model writes the first task
 * with its own "4. Instruction:" label: set aside as a note, as Self-Instruct does. A base model's
 * continuation writes task 4's instruction with no label, so its first label is "4. Input:".
 */
function splitLeadIn(body: string, firstNumber: number): { leadIn?: string; rest: string } {
	const first = FIRST_FIELD.exec(body);
	if (!first || first[2].toLowerCase() !== 'instruction' || (first[1] !== undefined && Number(first[1]) !== firstNumber)) return { rest: body };
	const before = body.slice(0, first.index);
	if (before.trim() === '' || before.includes('###')) return { rest: body };
	return { leadIn: before.trim(), rest: body.slice(first.index).replace(/^\n/, '') };
}

/**
 * The reply, read as the reference reads it: the prompt's last line ("4. Instruction:") is put
 * back in front, the text is split at "###", and each item must split into instruction, input
 * and output, in that order (an item that does not is a recorded problem). When the reply
 * stopped on the length limit its last item is dropped (recorded as 'truncated').
 * `<noinput>` becomes an empty input. Chat replies (which repeat "4. Instruction:", bold the
 * labels, or add a lead-in or a sign-off, set aside as notes) are read too; an empty reply is
 * one 'empty' problem.
 */
export function parseAlpacaList(text: string, finishReason: string, firstNumber = ALPACA_SEED_TASKS_PER_PROMPT + 1): ParsedAlpacaList {
	if (text.trim() === '') return { tasks: [], problems: [{ problem: 'empty', raw: text }], notes: [] };
	const notes: ReplyNote[] = [];
	const problems: ParsedAlpacaList['problems'] = [];
	// Markup is made plain on label lines only ("**4. Input:**", "### Output:"): field text is kept as written.
	const labelled = plainLabels(text, (line) => LABEL_LINE.test(line));
	const { body: withLeadIn, signOff } = splitSignOff(labelled);
	const { leadIn, rest: body } = splitLeadIn(withLeadIn, firstNumber);
	if (leadIn !== undefined) notes.push({ kind: 'lead_in', raw: leadIn });
	if (signOff !== undefined) notes.push({ kind: 'sign_off', raw: signOff });
	const repeatsLabel = /^\s*(?:\d+[ \t]*\.[ \t]*)?Instruction[ \t]*:/i.test(body);
	const prefix = repeatsLabel ? '' : `${firstNumber}. Instruction:`;
	const full = `${prefix}${body}`;
	const items = full.split(/\n?[ \t]*###[ \t]*\n?/).filter((item) => item.trim() !== '');
	const last = items.length - 1;
	const tasks: AlpacaTask[] = [];
	// A problem's text is what the model wrote: the label put back in front of the first item is not.
	const written = (item: string, k: number) => (k === 0 && prefix !== '' ? item.slice(prefix.length) : item).trim();
	items.forEach((item, k) => {
		if (k === last && finishReason === 'length') {
			problems.push({ problem: 'truncated', raw: written(item, k) });
			return;
		}
		const marks = [...item.matchAll(FIELD)];
		const names = marks.map((m) => m[1].toLowerCase());
		if (names.join(',') !== 'instruction,input,output' || item.slice(0, marks[0].index).trim() !== '') {
			problems.push({ problem: 'unsplittable', raw: written(item, k) });
			return;
		}
		const value = (i: number) => item.slice(marks[i].index + marks[i][0].length, i + 1 < marks.length ? marks[i + 1].index : item.length).trim();
		const input = value(1);
		tasks.push({
			instruction: value(0),
			input: input.toLowerCase() === NO_INPUT_MARKER ? '' : input,
			output: value(2)
		});
	});
	return { tasks, problems, notes };
}
