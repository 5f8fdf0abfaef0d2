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

// The answer label closing the prompt: "\nOutput:", "\n\nOutput:" or " Output:".
const TRAILING_OUTPUT_LABEL = /\s+Output:\s*$/;
// The first "Input:" label starting a line separates instruction from input.
const INPUT_LABEL = /\r?\n[ \t]*(?:\r?\n[ \t]*)*Input:[ \t]*/;
const TASK_PREFIX = /^Task:[ \t]*/;

/**
 * Split a prompt into instruction and input (both trimmed, as the reference strips them before
 * encoding). A prompt with neither an "Input:" line nor a closing "Output:" label is returned
 * whole (trimmed) as the instruction with an empty input.
 */
export function splitInstructionPrompt(prompt: string): SplitPrompt {
	let body = prompt;
	const label = TRAILING_OUTPUT_LABEL.exec(body);
	const labelled = label !== null;
	if (label) body = body.slice(0, label.index);
	const inputLabel = INPUT_LABEL.exec(body);
	if (inputLabel) {
		return {
			instruction: body.slice(0, inputLabel.index).replace(TASK_PREFIX, '').trim(),
			input: body.slice(inputLabel.index + inputLabel[0].length).trim(),
			labelled
		};
	}
	if (labelled) return { instruction: body.replace(TASK_PREFIX, '').trim(), input: '', labelled };
	return { instruction: prompt.trim(), input: '', labelled: false };
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

// The section markers of the Stanford Alpaca training prompt (serialize.ts writes the whole
// template): "### Instruction:\n…", optionally "\n\n### Input:\n…", then "\n\n### Response:".
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

/** The task a pair's prompt asks: the Alpaca template, else the Self-Instruct shape, else the prompt whole. */
export function splitPairPrompt(prompt: string): { instruction: string; input: string } {
	const alpaca = splitAlpacaPrompt(prompt);
	if (alpaca) return alpaca;
	const { instruction, input } = splitInstructionPrompt(prompt);
	return { instruction, input };
}
