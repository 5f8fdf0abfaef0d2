/**
 * Export serialisers: an instance (instruction, input, output) in, a chunk of the output file
 * out. Pure and streaming — `begin()`, then `write(record)` per record, then `end()`; the
 * concatenation of the chunks is the file, so a caller never holds more than one chunk. No
 * dependencies here, so the format list and the prompt templates can be shown in the browser;
 * CSV and Parquet live in serialize-csv.ts and serialize-parquet.ts, and createSerializer() in
 * serialize-formats.ts picks among them all.
 */

import { ALPACA_PROMPT_INPUT, ALPACA_PROMPT_NO_INPUT, END_OF_TEXT, readCompletionPair, splitInstructionPrompt } from './prompt-shape';
import { stringifyKeepingNumbers } from './number-literals';

/** One training example: a task's instruction with one of its instances (or a reformulation of it). */
export interface ExportRecord {
	instruction: string;
	input: string;
	output: string;
	/** The instance's imported fields (its row's `id` and other fields, importedFieldsOf), written with SerializeOptions.importedFields. */
	importedFields?: Record<string, unknown> | null;
}

/**
 * The fields an imported instruction / input / output row carried besides its own three, as the
 * importer kept them: its `id` (the instance's source id, stored as text: a numeric id comes back
 * as a string) and the rest of the row (the instance's metadata); null when it had none.
 */
export function importedFieldsOf(sourceId: string | null, metadata: Record<string, unknown> | null): Record<string, unknown> | null {
	if (sourceId === null && metadata === null) return null;
	return { ...(sourceId !== null ? { id: sourceId } : {}), ...(metadata ?? {}) };
}

/** The export formats that can write a row's imported fields back: one JSON object per row with the row's own field names. */
export const IMPORTED_FIELDS_FORMATS: readonly ExportFormatId[] = ['jsonl', 'alpaca-json'];

/** Whether a format (an export format id, or what a form holds) can write the imported fields back. */
export function canWriteImportedFields(format: string): boolean {
	return (IMPORTED_FIELDS_FORMATS as readonly string[]).includes(format);
}

/** Why a format cannot write the imported fields back, or null when it can. */
export function importedFieldsRefusal(format: ExportFormatId): string | null {
	if (canWriteImportedFields(format)) return null;
	const why =
		format === 'csv' || format === 'parquet'
			? 'its columns are instruction, input and output, and rows carry different fields (nested ones too)'
			: 'its records are not the imported rows (a chat example or a prompt / completion pair)';
	return `The imported fields are written back only by ${IMPORTED_FIELDS_FORMATS.join(' and ')}: ${format} cannot hold them (${why}).`;
}

/** A piece of the output file: text (written as UTF-8) or bytes (Parquet). */
export type Chunk = string | Uint8Array;

export interface RecordSerializer {
	/** What starts the file (a JSON array's "[", a CSV header, Parquet's magic bytes); may be empty. */
	begin(): Chunk;
	/** The chunk for one record; empty while a serialiser batches records (Parquet row groups). */
	write(record: ExportRecord): Chunk;
	/** What closes the file (buffered rows, "]", the Parquet footer); may be empty. */
	end(): Chunk;
}

export type ExportFormatId = 'alpaca-json' | 'jsonl' | 'openai-chat' | 'prompt-completion' | 'csv' | 'parquet';

export interface ExportFormatInfo {
	id: ExportFormatId;
	label: string;
	extension: string;
	mimeType: string;
	/** Binary formats are written as bytes; the others are UTF-8 text. */
	binary: boolean;
	description: string;
}

export const EXPORT_FORMATS: readonly ExportFormatInfo[] = [
	{
		id: 'jsonl',
		label: 'JSON Lines {instruction, input, output}',
		extension: 'jsonl',
		mimeType: 'application/jsonl; charset=utf-8',
		binary: false,
		description: 'One instance per line, as Self-Instruct releases its generated data; loads with datasets.load_dataset("json").'
	},
	{
		id: 'alpaca-json',
		label: 'Alpaca JSON array',
		extension: 'json',
		mimeType: 'application/json; charset=utf-8',
		binary: false,
		description: 'One JSON array of {instruction, input, output} objects, one per line, as Stanford Alpaca releases its data.'
	},
	{
		id: 'openai-chat',
		label: 'OpenAI chat fine-tuning JSON Lines',
		extension: 'jsonl',
		mimeType: 'application/jsonl; charset=utf-8',
		binary: false,
		description: '{messages: [system?, user, assistant]}: the user message is the instruction and the input, the assistant message the output.'
	},
	{
		id: 'prompt-completion',
		label: 'Prompt / completion JSON Lines',
		extension: 'jsonl',
		mimeType: 'application/jsonl; charset=utf-8',
		binary: false,
		description: '{prompt, completion} pairs written with a prompt template (Self-Instruct fine-tuning shape or Alpaca prompt).'
	},
	{
		id: 'csv',
		label: 'CSV (RFC 4180, UTF-8)',
		extension: 'csv',
		mimeType: 'text/csv; charset=utf-8',
		binary: false,
		description:
			'Columns instruction, input, output with a header row; fields with commas, quotes or line breaks are quoted. Cells starting with = + - @ (a "- " bullet list too; not a plain number such as -5) get a leading \' so spreadsheets do not run them, and pandas.read_csv reads them with it; keep formulas to write them as stored. The manifest records which.'
	},
	{
		id: 'parquet',
		label: 'Parquet',
		extension: 'parquet',
		mimeType: 'application/vnd.apache.parquet',
		binary: true,
		description: 'String columns instruction, input, output in row groups, Snappy-compressed; loads with pyarrow, pandas and datasets.load_dataset("parquet").'
	}
];

export const EXPORT_FORMAT_IDS: readonly ExportFormatId[] = EXPORT_FORMATS.map((f) => f.id);

export function isExportFormatId(value: string): value is ExportFormatId {
	return (EXPORT_FORMAT_IDS as readonly string[]).includes(value);
}

export function exportFormat(id: ExportFormatId): ExportFormatInfo {
	return EXPORT_FORMATS.find((f) => f.id === id)!;
}

// ---- prompt templates (prompt/completion) ----
// (prompt-shape.ts is the importer's reading of these shapes: pure and dependency-free too.)

export type PromptTemplateId = 'self-instruct' | 'alpaca';

export interface PromptTemplateInfo {
	id: PromptTemplateId;
	label: string;
	description: string;
}

export const PROMPT_TEMPLATES: readonly PromptTemplateInfo[] = [
	{
		id: 'self-instruct',
		label: 'Self-Instruct fine-tuning shape',
		description:
			'prompt "instruction\\nInput: input\\nOutput:" (or "instruction\\nOutput:" without input), completion " output<|endoftext|>"; the importer splits it back into instruction and input (the manifest counts the rows it cannot split back exactly).'
	},
	{
		id: 'alpaca',
		label: 'Alpaca prompt',
		description:
			'The Stanford Alpaca training prompt ("Below is an instruction… ### Instruction: … ### Input: … ### Response:"), completion = the output; the importer splits it back into instruction and input (the manifest counts the rows it cannot split back exactly).'
	}
];

export const PROMPT_TEMPLATE_IDS: readonly PromptTemplateId[] = PROMPT_TEMPLATES.map((t) => t.id);

export function isPromptTemplateId(value: string): value is PromptTemplateId {
	return (PROMPT_TEMPLATE_IDS as readonly string[]).includes(value);
}

export { END_OF_TEXT };

/**
 * A prompt template as the text around the record's fields, so that a writer without JavaScript
 * (the export's SQLite) fills it exactly as promptCompletion does: the no-input prompt when the
 * input is empty, else the one with the input; instruction and input as they are (the importer
 * reads them back only if nothing was taken away); the completion is the output between its two pieces.
 */
export interface PromptPieces {
	/** Before and after the instruction. */
	noInput: readonly [string, string];
	/** Before the instruction, between it and the input, after the input. */
	withInput: readonly [string, string, string];
	/** Before and after the output. */
	completion: readonly [string, string];
}

/** The text of `template` around each placeholder, in order (each must be there once). */
function piecesAround(template: string, placeholders: readonly string[]): string[] {
	const pieces: string[] = [];
	let rest = template;
	for (const placeholder of placeholders) {
		const at = rest.indexOf(placeholder);
		if (at < 0 || rest.indexOf(placeholder, at + 1) >= 0) throw new Error(`prompt template: ${placeholder} must appear once`);
		pieces.push(rest.slice(0, at));
		rest = rest.slice(at + placeholder.length);
	}
	return [...pieces, rest];
}

export const PROMPT_PIECES: Readonly<Record<PromptTemplateId, PromptPieces>> = {
	/**
	 * Self-Instruct's prepare_for_finetuning.py encodes an instance with one of several templates
	 * (chosen at random); we always use its labelled ones — "{instruction}\nInput: {input}\nOutput:"
	 * and "{instruction}\nOutput:" — with " {output}<|endoftext|>" as completion. Unlike the
	 * reference, which strips instruction and input, every field is kept exactly (training data
	 * should not be edited, and the file should read back as it was).
	 */
	'self-instruct': { noInput: ['', '\nOutput:'], withInput: ['', '\nInput: ', '\nOutput:'], completion: [' ', END_OF_TEXT] },
	alpaca: {
		noInput: piecesAround(ALPACA_PROMPT_NO_INPUT, ['{instruction}']) as [string, string],
		withInput: piecesAround(ALPACA_PROMPT_INPUT, ['{instruction}', '{input}']) as [string, string, string],
		completion: ['', '']
	}
};

/** The prompt/completion pair a template makes of a record. */
export function promptCompletion(template: PromptTemplateId, record: ExportRecord): { prompt: string; completion: string } {
	const p = PROMPT_PIECES[template];
	const { instruction, input } = record;
	const prompt = input === '' ? p.noInput[0] + instruction + p.noInput[1] : p.withInput[0] + instruction + p.withInput[1] + input + p.withInput[2];
	return { prompt, completion: p.completion[0] + record.output + p.completion[1] };
}

// ---- chat ----

/**
 * How the user message holds the input. "labelled" puts "Input:" before it (after a blank
 * line), which the importer's chat reader splits back into instruction and input; "plain" is
 * only the blank line, which reads naturally but cannot be split back.
 */
export type ChatInputLayout = 'labelled' | 'plain';
export const CHAT_INPUT_LAYOUTS: readonly ChatInputLayout[] = ['labelled', 'plain'];

/** What the user message puts between the instruction and a non-empty input. */
export const CHAT_INPUT_SEPARATORS: Readonly<Record<ChatInputLayout, string>> = { labelled: '\n\nInput: ', plain: '\n\n' };

/** The user message: the instruction, then the separator and the input when there is one; nothing trimmed. */
export function chatUserMessage(record: ExportRecord, layout: ChatInputLayout = 'labelled'): string {
	return record.input === '' ? record.instruction : record.instruction + CHAT_INPUT_SEPARATORS[layout] + record.input;
}

/**
 * Whether the importer reads a record's instruction and input back exactly from the file a
 * format writes; null when the format does not lay them out to be read back (the plain chat
 * layout), true for the formats that keep them as fields. A row fails when its text looks like
 * the layout's own labels — an input with an "Input:" line (or, in the Alpaca prompt, a
 * "### Input:" section), an input ending in a line break before "Output:", an instruction
 * starting "Task: " — and the manifest counts those.
 */
export function readsBackExactly(format: ExportFormatId, options: Pick<SerializeOptions, 'template' | 'chatInput'>, record: Pick<ExportRecord, 'instruction' | 'input'>): boolean | null {
	let split: { instruction: string; input: string };
	if (format === 'openai-chat') {
		if ((options.chatInput ?? 'labelled') !== 'labelled') return null;
		split = splitInstructionPrompt(chatUserMessage({ ...record, output: '' }, 'labelled'));
	} else if (format === 'prompt-completion') {
		split = readCompletionPair(promptCompletion(options.template ?? 'self-instruct', { ...record, output: '' }).prompt, '');
	} else return true;
	return split.instruction === record.instruction && split.input === record.input;
}

/** Whether a format (with its options) writes records the importer splits back, so that readsBackExactly counts. */
export function splitsBack(format: ExportFormatId, options: Pick<SerializeOptions, 'template' | 'chatInput'>): boolean {
	return (format === 'openai-chat' && (options.chatInput ?? 'labelled') === 'labelled') || format === 'prompt-completion';
}

/** The system message an openai-chat export puts first in every example, or null for none. */
export function chatSystemMessage(options: Pick<SerializeOptions, 'system'>): string | null {
	return options.system?.trim() ? options.system : null;
}

// ---- the JSON family ----

export interface SerializeOptions {
	/** prompt-completion: which template writes the prompt; default self-instruct. */
	template?: PromptTemplateId;
	/** openai-chat: a system message put first in every example; none when empty. */
	system?: string | null;
	/** openai-chat: how the input sits in the user message; default labelled. */
	chatInput?: ChatInputLayout;
	/** parquet: rows per row group (memory stays bounded by one group). */
	rowGroupRows?: number;
	/** parquet: the writer named in the file's metadata. */
	createdBy?: string;
	/**
	 * csv: write text cells exactly as stored, even those a spreadsheet would run as a formula
	 * (= + - @ first). Off by default: such cells get a leading "'" (see csv.ts).
	 */
	csvKeepFormulas?: boolean;
	/**
	 * jsonl, alpaca-json: write each instance's imported fields (ExportRecord.importedFields) after
	 * instruction, input and output, as the imported row had them. Off by default (the manifest
	 * counts the rows whose fields are not written).
	 */
	importedFields?: boolean;
}

/**
 * How the formats SQLite can write a block of records at a time (the JSON ones and CSV) lay
 * their records out: `begin`, then each record with `first` (before the first one) or `between`
 * before it and `after` after it, then `end` (`emptyEnd` when there is no record). One
 * definition for their serialisers and for the export, where SQLite writes the records of
 * instance rows itself (recordLayout in serialize-formats.ts).
 */
export interface RecordLayout {
	begin: string;
	first: string;
	between: string;
	after: string;
	end: string;
	emptyEnd: string;
}

const ONE_PER_LINE: RecordLayout = { begin: '', first: '', between: '', after: '\n', end: '', emptyEnd: '' };

/** The layouts of the formats of one JSON object per record. */
export const JSON_RECORD_LAYOUTS = {
	jsonl: ONE_PER_LINE,
	// A JSON array with one record per line, so it stays readable and greppable.
	'alpaca-json': { begin: '[', first: '\n', between: ',\n', after: '', end: '\n]\n', emptyEnd: ']\n' },
	'openai-chat': ONE_PER_LINE,
	'prompt-completion': ONE_PER_LINE
} satisfies Partial<Record<ExportFormatId, RecordLayout>>;

function jsonRecordSerializer(layout: RecordLayout, object: (r: ExportRecord) => unknown): RecordSerializer {
	let first = true;
	return {
		begin: () => layout.begin,
		write: (r) => {
			// Imported fields may hold numbers a double cannot (kept as literals by the importer): written as they were.
			const text = (first ? layout.first : layout.between) + stringifyKeepingNumbers(object(r)) + layout.after;
			first = false;
			return text;
		},
		end: () => (first ? layout.emptyEnd : layout.end)
	};
}

const instructionObject = (r: ExportRecord) => ({ instruction: r.instruction, input: r.input, output: r.output });

/** The record's own three fields, then its imported ones (never one of the three: the row's own text wins). */
function withImportedFields(r: ExportRecord): Record<string, unknown> {
	const o: Record<string, unknown> = instructionObject(r);
	for (const [key, value] of Object.entries(r.importedFields ?? {})) if (!(key in o)) o[key] = value;
	return o;
}

export function jsonLinesSerializer(options: Pick<SerializeOptions, 'importedFields'> = {}): RecordSerializer {
	return jsonRecordSerializer(JSON_RECORD_LAYOUTS.jsonl, options.importedFields ? withImportedFields : instructionObject);
}

export function alpacaJsonSerializer(options: Pick<SerializeOptions, 'importedFields'> = {}): RecordSerializer {
	return jsonRecordSerializer(JSON_RECORD_LAYOUTS['alpaca-json'], options.importedFields ? withImportedFields : instructionObject);
}

export function openAiChatSerializer(options: Pick<SerializeOptions, 'system' | 'chatInput'> = {}): RecordSerializer {
	const system = chatSystemMessage(options);
	const layout = options.chatInput ?? 'labelled';
	return jsonRecordSerializer(JSON_RECORD_LAYOUTS['openai-chat'], (r) => ({
		messages: [
			...(system ? [{ role: 'system', content: system }] : []),
			{ role: 'user', content: chatUserMessage(r, layout) },
			{ role: 'assistant', content: r.output }
		]
	}));
}

export function promptCompletionSerializer(options: Pick<SerializeOptions, 'template'> = {}): RecordSerializer {
	const template = options.template ?? 'self-instruct';
	return jsonRecordSerializer(JSON_RECORD_LAYOUTS['prompt-completion'], (r) => promptCompletion(template, r));
}
