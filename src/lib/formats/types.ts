/** What the import parsers produce: plain records, one per source row, ready for the database side. */

export type FormatId =
	| 'self-instruct-tasks'
	| 'instances'
	| 'unnatural'
	| 'predictions'
	| 'prompt-completion'
	| 'chat'
	| 'superni'
	| 'sharegpt'
	| 'comparison';

export interface FormatInfo {
	id: FormatId;
	label: string;
	description: string;
	/**
	 * Whether the dataset import stores everything this format carries. The parsers read every
	 * format; the import refuses the others (rather than keep part of each record) until it
	 * writes their rows (conversation turns, SuperNI examples, preference pairs).
	 */
	importable: boolean;
}

/** For the upload page's override select and the CLI's `--format` help, in detection order of likelihood. */
export const FORMATS: FormatInfo[] = [
	{
		id: 'self-instruct-tasks',
		label: 'Self-Instruct task file',
		description:
			'One task per row: {id, name, instruction, instances: [{input, output}], is_classification} (seed_tasks.jsonl, user_oriented_instructions.jsonl).',
		importable: true
	},
	{
		id: 'instances',
		label: 'Instruction / input / output rows',
		description:
			'One instance per row: {instruction, input, output}; rows with the same instruction join one task (Alpaca, Self-Instruct 82K). A row\'s id and any other field are kept with its instance (the JSON Lines and Alpaca JSON exports write them back when asked).',
		importable: true
	},
	{
		id: 'unnatural',
		label: 'Unnatural Instructions (core or full)',
		description:
			'{instruction, instances: [{instruction_with_input, input, constraints, output}]}, optionally with reformulations: [{instruction, instruction_with_input, input, output}].',
		importable: true
	},
	{
		id: 'predictions',
		label: 'Model predictions (Self-Instruct human evaluation)',
		description:
			"{prompt, instruction, input, response, target}, one file per model; matched to the dataset's tasks by instruction and input.",
		importable: true
	},
	{
		id: 'prompt-completion',
		label: 'Fine-tuning pairs {prompt, completion}',
		description:
			'Prompts in the Self-Instruct shape (instruction, "Input: …", "Output:") are split into instruction and input; a trailing <|endoftext|> is dropped.',
		importable: true
	},
	{
		id: 'chat',
		label: 'OpenAI chat fine-tuning rows',
		description:
			'{messages: [{role, content}]}: every turn is kept as a conversation; the first user message is also the instruction (and input), the first assistant reply after it the output.',
		importable: true
	},
	{
		id: 'superni',
		label: 'SuperNI / Natural Instructions v2 task file',
		description:
			'One task per file (or a folder of them): {Definition, Positive Examples, Negative Examples, Instances: [{id, input, output: [...]}], Categories, Domains, Source, …}; the definition is the instruction, every instance and reference output is kept.',
		importable: true
	},
	{
		id: 'sharegpt',
		label: 'ShareGPT / FastChat conversations',
		description:
			'{id, conversations: [{from: human | gpt | system, value}]}: every turn kept; the first human turn is the instruction, the first reply after it the output.',
		importable: true
	},
	{
		id: 'comparison',
		label: 'Preference pairs (GPT-4-LLM comparison data)',
		description:
			'{user_input, completion_a, completion_b} with completion_a ranked higher (GPT-4-LLM), or {prompt, chosen, rejected}, or HH-RLHF transcripts {chosen, rejected}: one prompt with two responses and the source\'s preference. An HH-RLHF response is stored without the space after "Assistant:"; the preference-pairs export writes it back, so prompt + chosen is the transcript again.',
		importable: true
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
	/** The reference output; with several (SuperNI), the first of `outputs`. */
	output: string;
	/** SuperNI: every reference output, in order (`output` is the first). Absent when the source has one. */
	outputs?: string[];
	/** The instance's own id in its source: SuperNI's ("task001-0a1b2c…"), an instruction / input / output row's `id`. */
	sourceId?: string | null;
	/** An instruction / input / output row's other fields. Absent when it has none. */
	metadata?: Record<string, unknown>;
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

/** SuperNI's demonstrations shown with the definition: a correct (positive) or a wrong (negative) answer, with why. */
export interface ParsedExample {
	kind: 'positive' | 'negative';
	input: string;
	output: string;
	explanation: string;
	/** Fields of the example beyond input, output and explanation (e.g. a "suggestion"), kept as they were. */
	extra?: Record<string, unknown> | null;
}

/** Who speaks a turn. The sources' own names (human, gpt, developer, …) map onto these. */
export type TurnRole = 'system' | 'user' | 'assistant' | 'tool';
export const TURN_ROLES: readonly TurnRole[] = ['system', 'user', 'assistant', 'tool'];

export interface ParsedTurn {
	role: TurnRole;
	content: string;
	/** The source's name for the speaker when it is not the format's usual one ("chatgpt", "bing", "developer"). */
	sourceRole?: string | null;
	/** OpenAI chat: the participant's name, when given. */
	name?: string | null;
	/** OpenAI chat fine-tuning: 0 or 1, whether an assistant turn is trained on. */
	weight?: number | null;
	/** Any other field of the turn, kept as it was. */
	extra?: Record<string, unknown> | null;
}

/**
 * A whole multi-turn dialogue, every turn in order. `warnings` record what is unusual about it
 * (turns that do not alternate, a system turn after the start, a last user turn without a
 * reply); nothing is dropped because of them.
 */
export interface ParsedConversation {
	turns: ParsedTurn[];
	warnings: string[];
	/** The row's fields besides its id and turns (e.g. a ShareGPT row's "model"), kept as they were; and the id when it is a number (the source id is text). */
	metadata?: Record<string, unknown> | null;
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
	/** SuperNI: the positive and negative examples, in file order (positives first). */
	examples?: ParsedExample[];
	/**
	 * Chat and ShareGPT rows: the whole conversation. The task (first user turn) and its instance
	 * (the first reply to it) are how it joins the flat datasets; these turns are the record.
	 */
	conversation?: ParsedConversation;
	/** Fields of the record with no place to be kept (paths such as "reformulations[0].note"); the import summary names them. */
	unkeptFields?: string[];
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
	/** Fields of the row other than these (a response has no metadata column); the import summary names them. */
	unkeptFields?: string[];
}

/** Which of a pair's two responses is better, or neither. */
export type PairPreference = 'a' | 'b' | 'tie';

/**
 * One prompt with two responses (GPT-4-LLM comparison data, {prompt, chosen, rejected} files).
 * The prompt is kept exactly; instruction and input are read out of it when it has a known
 * template (Alpaca, Self-Instruct) so the pair can join the dataset's tasks.
 */
export interface ParsedPair {
	kind: 'pair';
	location: RecordLocation;
	prompt: string;
	instruction: string;
	input: string;
	responseA: string;
	responseB: string;
	modelA?: string | null;
	modelB?: string | null;
	/** The source's own verdict (GPT-4-LLM ranks completion_a above completion_b); null when it gives none. */
	preferred: PairPreference | null;
	/** Scores the source gave each response (GPT-4 rated 1–10 in GPT-4-LLM), when present. */
	scoreA?: number | null;
	scoreB?: number | null;
	sourceId?: string | null;
	/** Fields not modelled above, kept as they were. */
	metadata?: Record<string, unknown> | null;
}

export type ParsedRecord = ParsedTask | ParsedResponse | ParsedPair;

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
	/**
	 * Conversations whose turns do not alternate user / assistant (or have a system turn after the
	 * start, or end on an unanswered user turn) fail the file instead of carrying a warning.
	 */
	strictTurns?: boolean;
}

/** The formats the dataset import stores whole today (see FormatInfo.importable). */
export function isImportable(format: FormatId): boolean {
	return FORMATS.find((f) => f.id === format)?.importable ?? false;
}
