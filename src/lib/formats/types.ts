/** What the import parsers produce: plain records, one per source row, ready for the database side. */

export type FormatId =
	| 'self-instruct-tasks'
	| 'instances'
	| 'unnatural'
	| 'predictions'
	| 'prompt-completion'
	| 'chat';

export interface FormatInfo {
	id: FormatId;
	label: string;
	description: string;
}

/** For the upload page's override select and the CLI's `--format` help, in detection order of likelihood. */
export const FORMATS: FormatInfo[] = [
	{
		id: 'self-instruct-tasks',
		label: 'Self-Instruct task file',
		description:
			'One task per row: {id, name, instruction, instances: [{input, output}], is_classification} (seed_tasks.jsonl, user_oriented_instructions.jsonl).'
	},
	{
		id: 'instances',
		label: 'Instruction / input / output rows',
		description:
			'One instance per row: {instruction, input, output}; rows with the same instruction join one task (Alpaca, Self-Instruct 82K).'
	},
	{
		id: 'unnatural',
		label: 'Unnatural Instructions (core or full)',
		description:
			'{instruction, instances: [{instruction_with_input, input, constraints, output}]}, optionally with reformulations: [{instruction, instruction_with_input, input, output}].'
	},
	{
		id: 'predictions',
		label: 'Model predictions (Self-Instruct human evaluation)',
		description:
			"{prompt, instruction, input, response, target}, one file per model; matched to the dataset's tasks by instruction and input."
	},
	{
		id: 'prompt-completion',
		label: 'Fine-tuning pairs {prompt, completion}',
		description:
			'Prompts in the Self-Instruct shape (instruction, "Input: …", "Output:") are split into instruction and input; a trailing <|endoftext|> is dropped.'
	},
	{
		id: 'chat',
		label: 'OpenAI chat fine-tuning rows',
		description:
			'{messages: [{role, content}]}: the first user message is the instruction (and input), the first assistant reply after it the output, system messages metadata.'
	}
];

export const FORMAT_IDS: readonly FormatId[] = FORMATS.map((f) => f.id);

export function isFormatId(value: string): value is FormatId {
	return (FORMAT_IDS as readonly string[]).includes(value);
}

/** Where a record came from: 1-based line of its first character; for JSON arrays also the 0-based item index and 1-based column. */
export interface RecordLocation {
	line: number;
	index?: number;
	column?: number;
}

export interface ParsedInstance {
	input: string;
	output: string;
	/** Unnatural Instructions: the output-space constraints used while generating. */
	constraints?: string | null;
	/** Unnatural Instructions: the instruction with the input filled in. */
	instructionWithInput?: string | null;
}

/** Unnatural Instructions template expansion: the same instance under a rephrased instruction. */
export interface ParsedFormulation {
	instruction: string;
	instructionWithInput?: string | null;
	input: string;
	output: string;
}

export interface ParsedTask {
	kind: 'task';
	location: RecordLocation;
	instruction: string;
	sourceId?: string | null;
	name?: string | null;
	/** true / false, or null when the source does not say. */
	isClassification?: boolean | null;
	/** Source fields not modelled as columns (e.g. motivation_app, a chat's system message). */
	metadata?: Record<string, unknown> | null;
	instances: ParsedInstance[];
	formulations?: ParsedFormulation[];
}

/** One model's response to one task (Self-Instruct human-evaluation predictions). */
export interface ParsedResponse {
	kind: 'response';
	location: RecordLocation;
	instruction: string;
	input: string;
	/** Raw model text, kept exactly (it often begins with a space or newlines). */
	response: string;
	target?: string | null;
	prompt?: string | null;
}

export type ParsedRecord = ParsedTask | ParsedResponse;

export interface ParseOptions {
	/** Named in every error message (as given); also the source of a prediction file's model name. */
	fileName: string;
	/** Force a format instead of detecting it from the first record. */
	format?: FormatId | 'auto';
	/** Refuse the file as soon as more than this many bytes have arrived. */
	maxBytes?: number;
	/** Refuse a record (a line, an array item) longer than this many characters; default MAX_RECORD_CHARS. */
	maxRecordChars?: number;
	/** Called after each chunk with the total number of bytes read so far. */
	onProgress?: (bytesRead: number) => void;
	/** Called once, before the first record is returned, with the file's format (forced or detected). */
	onFormat?: (format: FormatId) => void;
}
