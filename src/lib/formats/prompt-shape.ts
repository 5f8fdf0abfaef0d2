/**
 * Recovering instruction and input from a prompt written in the Self-Instruct encoding.
 *
 * Self-Instruct's fine-tuning data (prepare_for_finetuning.py) and its human-evaluation
 * prompts encode a task as `instruction + "\n\nInput: " + input + "\nOutput:"` (with
 * variants: one or two newlines, a leading "Task: ", " Output:" on the same line), or
 * `instruction + "\nOutput:"` when the input is empty; the completion is
 * `" " + output + "<|endoftext|>"`. Only labelled shapes are split: the unlabelled variants
 * (`instruction + "\n\n" + input + "\n\n"`) cannot be told apart from a multi-paragraph
 * instruction, so such a prompt is kept whole as the instruction.
 */

export const END_OF_TEXT = '<|endoftext|>';

export interface SplitPrompt {
	instruction: string;
	input: string;
	/** True when the prompt ended with an answer label ("Output:"), after which completions start with a space. */
	labelled: boolean;
}

const TASK_PREFIX = 'Task: ';
const OUTPUT_LABEL = 'Output:';
const INPUT_LABEL = 'Input:';

/** Where the line breaks (at most two: "\n" or "\r\n" each) ending text[0, end) start. */
function lineBreaksBefore(text: string, end: number): number {
	let at = end;
	for (let k = 0; k < 2; k++) {
		if (text[at - 1] !== '\n') break;
		at -= text[at - 2] === '\r' ? 2 : 1;
	}
	return at;
}

const nonBlank = (text: string) => (text.trim() === '' ? '' : text);

/**
 * Split a prompt into instruction and input, taking away only the labels and the line breaks
 * around them — never the text's own white space — so that what the exporter writes (the
 * instruction, "\nInput: " or "\n\nInput: " and the input, "\nOutput:" in a prompt) reads back
 * exactly (readsBackExactly in serialize.ts counts the rows for which it cannot):
 * - a closing "Output:" label after a line break (up to two are taken with it) or a space makes
 *   the prompt labelled; "Task: " before the instruction of a labelled prompt is the reference's;
 * - the input starts after the LAST "Input:" label that begins a line, and one space after it:
 *   an instruction may quote such a label (Alpaca rows do), the exporter's own label comes last;
 * - a prompt with no "Input:" line and no closing label is the instruction, less the line breaks
 *   (up to two) that end it: the reference's unlabelled template ends "\n\n";
 * - an instruction of only white space reads as empty (the importers refuse it).
 */
export function splitInstructionPrompt(prompt: string): SplitPrompt {
	let body = prompt;
	let labelled = false;
	if (body.endsWith(OUTPUT_LABEL)) {
		const at = body.length - OUTPUT_LABEL.length;
		if (body[at - 1] === '\n') {
			body = body.slice(0, lineBreaksBefore(body, at));
			labelled = true;
		} else if (body[at - 1] === ' ') {
			body = body.slice(0, at - 1);
			labelled = true;
		}
	}
	if (labelled && body.startsWith(TASK_PREFIX)) body = body.slice(TASK_PREFIX.length);
	for (let at = body.lastIndexOf(INPUT_LABEL); at > 0; at = body.lastIndexOf(INPUT_LABEL, at - 1)) {
		if (body[at - 1] !== '\n') continue;
		let input = body.slice(at + INPUT_LABEL.length);
		if (input.startsWith(' ')) input = input.slice(1);
		return { instruction: nonBlank(body.slice(0, lineBreaksBefore(body, at))), input, labelled };
	}
	return { instruction: nonBlank(labelled ? body : body.slice(0, lineBreaksBefore(body, body.length))), input: '', labelled };
}

/**
 * The output a completion encodes: without the trailing `<|endoftext|>`, and without the one
 * space the encoding puts after an "Output:" label.
 */
export function outputFromCompletion(completion: string, labelled: boolean): string {
	let out = completion.endsWith(END_OF_TEXT) ? completion.slice(0, -END_OF_TEXT.length) : completion;
	if (labelled && out.startsWith(' ')) out = out.slice(1);
	return out;
}

// The prompt Stanford Alpaca trains with (train.py, PROMPT_DICT); training code built on Alpaca
// expects this exact text. serialize.ts writes it, readCompletionPair reads it back.
export const ALPACA_PROMPT_INPUT =
	'Below is an instruction that describes a task, paired with an input that provides further context. ' +
	'Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:';
export const ALPACA_PROMPT_NO_INPUT =
	'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
	'### Instruction:\n{instruction}\n\n### Response:';

const [ALPACA_INPUT_HEAD, ALPACA_INPUT_MID, ALPACA_INPUT_TAIL] = ALPACA_PROMPT_INPUT.split(/\{instruction\}|\{input\}/);
const [ALPACA_NO_INPUT_HEAD, ALPACA_NO_INPUT_TAIL] = ALPACA_PROMPT_NO_INPUT.split('{instruction}');

/**
 * Instruction and input of a prompt written with the exact Alpaca template, nothing trimmed, or
 * null when the prompt is not that text. The input starts after the LAST "### Input:" section
 * marker, as with the "Input:" label: an input holding the marker itself cannot be split back.
 */
function splitExactAlpacaPrompt(prompt: string): { instruction: string; input: string } | null {
	const between = (head: string, tail: string) =>
		prompt.length >= head.length + tail.length && prompt.startsWith(head) && prompt.endsWith(tail) ? prompt.slice(head.length, prompt.length - tail.length) : null;
	const withInput = between(ALPACA_INPUT_HEAD, ALPACA_INPUT_TAIL);
	if (withInput !== null) {
		const at = withInput.lastIndexOf(ALPACA_INPUT_MID);
		if (at >= 0) return { instruction: nonBlank(withInput.slice(0, at)), input: withInput.slice(at + ALPACA_INPUT_MID.length) };
	}
	const noInput = between(ALPACA_NO_INPUT_HEAD, ALPACA_NO_INPUT_TAIL);
	return noInput === null ? null : { instruction: nonBlank(noInput), input: '' };
}

/**
 * The instruction, input and output a prompt/completion pair encodes, whichever template the
 * export wrote it with: the exact Alpaca prompt (its completion is the output as it is), else a
 * prompt in the Alpaca template's shape written by someone else (trimmed), else the Self-Instruct
 * shape. The one reading of these pairs, for the importer and for readsBackExactly.
 */
export function readCompletionPair(prompt: string, completion: string): { instruction: string; input: string; output: string } {
	const exact = splitExactAlpacaPrompt(prompt);
	if (exact) return { ...exact, output: completion };
	const alpaca = splitAlpacaPrompt(prompt);
	if (alpaca) return { ...alpaca, output: outputFromCompletion(completion, false) };
	const split = splitInstructionPrompt(prompt);
	return { instruction: split.instruction, input: split.input, output: outputFromCompletion(completion, split.labelled) };
}

// The section markers of the Stanford Alpaca training prompt (ALPACA_PROMPT_INPUT):
// "### Instruction:\n…", optionally "\n\n### Input:\n…", then "\n\n### Response:".
const ALPACA_INSTRUCTION = /(?:^|\n)### Instruction:\r?\n/;
const ALPACA_INPUT = /\r?\n\r?\n### Input:\r?\n/;
const ALPACA_RESPONSE = /\r?\n\r?\n### Response:\s*$/;

/**
 * Instruction and input of a prompt in the Alpaca training template (GPT-4-LLM's comparison
 * data asks with it), or null when the prompt does not have that shape.
 */
export function splitAlpacaPrompt(prompt: string): { instruction: string; input: string } | null {
	const head = ALPACA_INSTRUCTION.exec(prompt);
	const tail = ALPACA_RESPONSE.exec(prompt);
	if (!head || !tail || tail.index < head.index + head[0].length) return null;
	const body = prompt.slice(head.index + head[0].length, tail.index);
	const input = ALPACA_INPUT.exec(body);
	if (!input) return { instruction: body.trim(), input: '' };
	return { instruction: body.slice(0, input.index).trim(), input: body.slice(input.index + input[0].length).trim() };
}

/**
 * The task a pair's prompt asks: the Alpaca template, else the Self-Instruct shape, else the
 * prompt whole; trimmed, as the pair is matched to a task by its text.
 */
export function splitPairPrompt(prompt: string): { instruction: string; input: string } {
	const alpaca = splitAlpacaPrompt(prompt);
	if (alpaca) return alpaca;
	const { instruction, input } = splitInstructionPrompt(prompt);
	return { instruction: instruction.trim(), input: input.trim() };
}

// ---- HH-RLHF transcripts ----

export const HUMAN_TURN = '\n\nHuman:';
export const ASSISTANT_TURN = '\n\nAssistant:';

/** An HH-RLHF reply as the text after its speaker tag, without the one space that follows the tag. */
export const hhReplyAfterTag = (text: string) => (text.startsWith(' ') ? text.slice(1) : text);

/**
 * An HH-RLHF reply as it follows its prompt ("…\n\nAssistant:") in the transcript: after the tag's
 * space, so that prompt + reply is the transcript again (TRL's {prompt, chosen, rejected} layout).
 * An empty reply stays empty.
 */
export const hhReplyWithTag = (text: string) => (text === '' ? '' : ' ' + text);

/**
 * The Human turn of a one-exchange HH-RLHF prompt ("\n\nHuman: …\n\nAssistant:"), without the
 * space after its tag; null when the prompt is not in that form or holds earlier turns.
 */
export function hhPromptInstruction(prompt: string): string | null {
	if (prompt.length < HUMAN_TURN.length + ASSISTANT_TURN.length || !prompt.startsWith(HUMAN_TURN) || !prompt.endsWith(ASSISTANT_TURN)) return null;
	const human = prompt.slice(HUMAN_TURN.length, prompt.length - ASSISTANT_TURN.length);
	if (human.includes(HUMAN_TURN) || human.includes(ASSISTANT_TURN)) return null;
	return hhReplyAfterTag(human);
}
