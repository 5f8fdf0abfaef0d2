/**
 * Reading one parsed JSON record of a known format into a ParsedRecord, with a RecordError
 * naming the field (e.g. `instances[2].output`) when the record does not fit. No knowledge of
 * where the record sits in the file: parseImport adds that.
 */
import { conversationTask, OPENAI_CHAT_SHAPE, readSpeaker, SHAREGPT_SHAPE } from './conversation';
import { RecordError } from './import-error';
import { ASSISTANT_TURN, HUMAN_TURN, hhPromptInstruction, hhReplyAfterTag, readCompletionPair, splitInstructionPrompt, splitPairPrompt } from './prompt-shape';
import { readSuperNiTask, SUPERNI_KEYS } from './superni';
import { isNumberLiteral, numberAsWritten, NUMBER_LITERAL_KEY } from './number-literals';
import type {
	FormatId,
	ParsedFormulation,
	ParsedInstance,
	ParsedPair,
	ParsedRecord,
	ParsedResponse,
	ParsedTask,
	ParsedTurn
} from './types';

export type JsonObject = Record<string, unknown>;

/** A record without its place in the file. */
export type RecordContent = Omit<ParsedTask, 'location'> | Omit<ParsedResponse, 'location'> | Omit<ParsedPair, 'location'>;

export interface ReadOptions {
	/** Conversations whose turns do not alternate fail instead of carrying a warning. */
	strictTurns?: boolean;
	/** The row's `id` was a JSON number (the reader sees it as the text it was written as). */
	idWasNumber?: boolean;
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON type of a value, in the words of the JSON spec, for error messages. */
export function jsonType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (isNumberLiteral(value)) return 'number';
	return typeof value;
}

/** Fields that make a row with `chosen` or `rejected` (but not both) another format's row. */
const OTHER_ROW_FIELDS = ['instruction', 'output', 'response', 'target', 'completion'];

/**
 * Which format a record is in, from the fields it has (the first record decides for the file).
 * Checks the most specific fields first; a record with a required field missing still maps to
 * its format so the reader can say which field is missing.
 */
export function detectFormat(record: unknown): FormatId | null {
	if (!isJsonObject(record)) return null;
	for (const key of Object.keys(record)) if (SUPERNI_KEYS.has(key)) return 'superni';
	if (hasOwn(record, 'conversations')) return 'sharegpt';
	if (hasOwn(record, 'messages')) return 'chat';
	if (hasOwn(record, 'completion_a') || hasOwn(record, 'completion_b') || hasOwn(record, 'user_input')) return 'comparison';
	if (hasOwn(record, 'chosen') && hasOwn(record, 'rejected')) return 'comparison';
	// One side of a pair without the other is still a pair (the reader names the missing side),
	// unless the row has a field another format needs (a prediction's response, an instance's output).
	if ((hasOwn(record, 'chosen') || hasOwn(record, 'rejected')) && !OTHER_ROW_FIELDS.some((key) => hasOwn(record, key))) return 'comparison';
	if (hasOwn(record, 'completion')) return 'prompt-completion';
	if (hasOwn(record, 'response') || hasOwn(record, 'target') || hasOwn(record, 'prompt'))
		return 'predictions';
	if (hasOwn(record, 'reformulations')) return 'unnatural';
	if (hasOwn(record, 'instances')) {
		const instances = record.instances;
		const first = Array.isArray(instances) ? instances[0] : undefined;
		return isJsonObject(first) && (hasOwn(first, 'instruction_with_input') || hasOwn(first, 'constraints'))
			? 'unnatural'
			: 'self-instruct-tasks';
	}
	if (hasOwn(record, 'instruction') || hasOwn(record, 'output')) return 'instances';
	return null;
}

// ---- field readers: `prefix` is the path of the enclosing object ("" or "instances[2].") ----

function fieldError(prefix: string, key: string, expected: string, value: unknown): RecordError {
	const path = prefix + key;
	if (value === undefined) return new RecordError(`missing required field "${path}"`, path);
	return new RecordError(`field "${path}" must be ${expected}, got ${jsonType(value)}`, path);
}

/**
 * A string is stored as UTF-8: a lone surrogate escape ("\ud800") has no UTF-8 form and would come
 * back as "���". Refused with its place, like any other field that cannot be stored as written.
 */
export function wellFormed(v: string, path: string): string {
	if ((v as string & { isWellFormed(): boolean }).isWellFormed()) return v;
	throw new RecordError(`field "${path}" holds an unpaired surrogate escape (\\ud800–\\udfff without its pair), which is not text that can be stored`, path);
}

function requiredString(o: JsonObject, key: string, prefix: string): string {
	const v = o[key];
	if (typeof v === 'string') return wellFormed(v, prefix + key);
	throw fieldError(prefix, key, 'a string', v);
}

/** A string that must have some non-space text (instructions). */
function requiredText(o: JsonObject, key: string, prefix: string): string {
	const v = requiredString(o, key, prefix);
	if (v.trim() === '') throw new RecordError(`field "${prefix + key}" is empty`, prefix + key);
	return v;
}

/** Missing or null reads as the empty string (an instance without input). */
function optionalString(o: JsonObject, key: string, prefix: string): string {
	const v = o[key];
	if (typeof v === 'string') return wellFormed(v, prefix + key);
	if (v === undefined || v === null) return '';
	throw fieldError(prefix, key, 'a string', v);
}

function nullableString(o: JsonObject, key: string, prefix: string): string | null {
	const v = o[key];
	if (typeof v === 'string') return wellFormed(v, prefix + key);
	if (v === undefined || v === null) return null;
	throw fieldError(prefix, key, 'a string or null', v);
}

function nullableBoolean(o: JsonObject, key: string, prefix: string): boolean | null {
	const v = o[key];
	if (typeof v === 'boolean') return v;
	if (v === undefined || v === null) return null;
	throw fieldError(prefix, key, 'true or false', v);
}

function requiredArray(o: JsonObject, key: string, prefix: string): unknown[] {
	const v = o[key];
	if (Array.isArray(v)) return v;
	throw fieldError(prefix, key, 'an array', v);
}

function objectAt(list: unknown[], i: number, path: string): JsonObject {
	const v = list[i];
	if (isJsonObject(v)) return v;
	throw new RecordError(`field "${path}[${i}]" must be an object, got ${jsonType(v)}`, `${path}[${i}]`);
}

// ---- the formats ----

const SELF_INSTRUCT_TASK_FIELDS = new Set(['id', 'name', 'instruction', 'instances', 'is_classification']);
const SELF_INSTRUCT_INSTANCE_FIELDS = new Set(['input', 'output']);

/** Self-Instruct task file row: seed_tasks.jsonl, user_oriented_instructions.jsonl. */
function readSelfInstructTask(o: JsonObject): Omit<ParsedTask, 'location'> {
	const instruction = requiredText(o, 'instruction', '');
	const list = requiredArray(o, 'instances', '');
	const instances: ParsedInstance[] = new Array(list.length);
	for (let i = 0; i < list.length; i++) {
		const inst = objectAt(list, i, 'instances');
		const prefix = `instances[${i}].`;
		instances[i] = { input: optionalString(inst, 'input', prefix), output: requiredString(inst, 'output', prefix) };
		// An instance's other fields (e.g. an explanation) are its metadata.
		const extra = otherFields(inst, SELF_INSTRUCT_INSTANCE_FIELDS);
		if (extra) instances[i].metadata = extra;
	}
	const id = o.id;
	if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number')
		throw fieldError('', 'id', 'a string or a number', id);
	// Anything else the file carries (e.g. user_oriented_instructions' motivation_app) is kept as metadata.
	let metadata: JsonObject | null = null;
	for (const key of Object.keys(o)) {
		if (SELF_INSTRUCT_TASK_FIELDS.has(key)) continue;
		(metadata ??= {})[key] = o[key];
	}
	return {
		kind: 'task',
		instruction,
		sourceId: id === undefined || id === null ? null : String(id),
		name: nullableString(o, 'name', ''),
		isClassification: nullableBoolean(o, 'is_classification', ''),
		metadata,
		instances
	};
}

const INSTANCE_ROW_FIELDS = new Set(['id', 'instruction', 'input', 'output', 'is_classification']);

/**
 * One instance per row: Alpaca, Self-Instruct 82K. Rows with the same instruction join one task;
 * a row's `id` and any other field belong to its instance (its source id and metadata), so
 * nothing the row holds is lost. The common row has only the three fields: for…in finds that
 * without allocating (a 1M-row import reads this per row).
 */
function readInstanceRow(o: JsonObject): Omit<ParsedTask, 'location'> {
	// Fields read in the order a person checks them (the instruction's problem is named first).
	const instruction = requiredText(o, 'instruction', '');
	const isClassification = nullableBoolean(o, 'is_classification', '');
	const instance: ParsedInstance = { input: optionalString(o, 'input', ''), output: requiredString(o, 'output', '') };
	for (const key in o) {
		if (key === 'instruction' || key === 'input' || key === 'output' || key === 'is_classification') continue;
		const id = o.id;
		if (id !== undefined && id !== null) {
			if (typeof id !== 'string' && typeof id !== 'number') throw fieldError('', 'id', 'a string or a number', id);
			instance.sourceId = String(id);
		}
		const metadata = otherFields(o, INSTANCE_ROW_FIELDS);
		if (metadata) instance.metadata = metadata;
		break;
	}
	return { kind: 'task', instruction, isClassification, instances: [instance] };
}

const UNNATURAL_FIELDS = new Set(['instruction', 'instances', 'reformulations']);
const UNNATURAL_INSTANCE_FIELDS = new Set(['input', 'output', 'constraints', 'instruction_with_input']);
const UNNATURAL_FORMULATION_FIELDS = new Set(['instruction', 'instruction_with_input', 'input', 'output']);

/** Unnatural Instructions core (instances) and full (plus reformulations) rows; other fields are the task's or instance's metadata. */
function readUnnatural(o: JsonObject): Omit<ParsedTask, 'location'> {
	const instruction = requiredText(o, 'instruction', '');
	const list = requiredArray(o, 'instances', '');
	const instances: ParsedInstance[] = new Array(list.length);
	for (let i = 0; i < list.length; i++) {
		const inst = objectAt(list, i, 'instances');
		const prefix = `instances[${i}].`;
		instances[i] = {
			input: optionalString(inst, 'input', prefix),
			output: requiredString(inst, 'output', prefix),
			constraints: nullableString(inst, 'constraints', prefix),
			instructionWithInput: nullableString(inst, 'instruction_with_input', prefix)
		};
		const extra = otherFields(inst, UNNATURAL_INSTANCE_FIELDS);
		if (extra) instances[i].metadata = extra;
	}
	const task: Omit<ParsedTask, 'location'> = { kind: 'task', instruction, isClassification: null, metadata: otherFields(o, UNNATURAL_FIELDS), instances };
	if (o.reformulations !== undefined && o.reformulations !== null) {
		const refs = requiredArray(o, 'reformulations', '');
		const formulations: ParsedFormulation[] = new Array(refs.length);
		for (let i = 0; i < refs.length; i++) {
			const ref = objectAt(refs, i, 'reformulations');
			const prefix = `reformulations[${i}].`;
			formulations[i] = {
				instruction: requiredText(ref, 'instruction', prefix),
				instructionWithInput: nullableString(ref, 'instruction_with_input', prefix),
				input: optionalString(ref, 'input', prefix),
				output: requiredString(ref, 'output', prefix)
			};
			// A reformulation has no metadata of its own.
			for (const key of Object.keys(ref)) if (!UNNATURAL_FORMULATION_FIELDS.has(key)) (task.unkeptFields ??= []).push(prefix + key);
		}
		task.formulations = formulations;
	}
	return task;
}

const PREDICTION_FIELDS = new Set(['instruction', 'input', 'response', 'target', 'prompt']);

/** Self-Instruct human-evaluation prediction row: one model's response to one task. */
function readPrediction(o: JsonObject): Omit<ParsedResponse, 'location'> {
	const instruction = requiredText(o, 'instruction', '');
	const response = requiredString(o, 'response', '');
	const prompt = nullableString(o, 'prompt', '');
	// The input is needed to match the task; a row without one may still carry it in its prompt.
	const input =
		o.input === undefined && prompt !== null ? splitInstructionPrompt(prompt).input : optionalString(o, 'input', '');
	const prediction: Omit<ParsedResponse, 'location'> = { kind: 'response', instruction, input, response, target: nullableString(o, 'target', ''), prompt };
	// A response row has no metadata column: its other fields (a rating, an id) are named in the summary.
	const unkept = otherFields(o, PREDICTION_FIELDS);
	if (unkept) prediction.unkeptFields = Object.keys(unkept);
	return prediction;
}

const PROMPT_COMPLETION_FIELDS = new Set(['id', 'prompt', 'completion']);

/** Fine-tuning pair; the prompt is split when it has the Alpaca or Self-Instruct shape. Its id and other fields are the instance's. */
function readPromptCompletion(o: JsonObject): Omit<ParsedTask, 'location'> {
	const prompt = requiredString(o, 'prompt', '');
	const completion = requiredString(o, 'completion', '');
	const split = readCompletionPair(prompt, completion);
	if (split.instruction === '') throw new RecordError('field "prompt" is empty (no instruction in it)', 'prompt');
	const instance: ParsedInstance = { input: split.input, output: split.output };
	const id = o.id;
	if (id !== undefined && id !== null) {
		if (typeof id !== 'string' && typeof id !== 'number') throw fieldError('', 'id', 'a string or a number', id);
		instance.sourceId = String(id);
	}
	const metadata = otherFields(o, PROMPT_COMPLETION_FIELDS);
	if (metadata) instance.metadata = metadata;
	return { kind: 'task', instruction: split.instruction, isClassification: null, instances: [instance] };
}

/** Between the text parts of one message: they are separate pieces of text, not one run-on line. */
export const CONTENT_PART_SEPARATOR = '\n';

/**
 * Message text: a string, or (newer chat rows) an array of `{type: "text", text}` parts, joined
 * with CONTENT_PART_SEPARATOR. Any other part (image_url, input_audio, file) cannot be kept as
 * text and is refused by name rather than left out.
 */
function messageText(m: JsonObject, i: number, unkept: string[]): string {
	const content = m.content;
	const path = `messages[${i}].content`;
	if (typeof content === 'string') return wellFormed(content, path);
	if (Array.isArray(content)) {
		const texts: string[] = new Array(content.length);
		for (let k = 0; k < content.length; k++) {
			const part = content[k];
			const partPath = `${path}[${k}]`;
			if (isJsonObject(part) && typeof part.type === 'string' && part.type !== 'text')
				throw new RecordError(`field "${partPath}" is a "${part.type}" part; only text parts {type: "text", text: "…"} can be imported`, partPath);
			if (!isJsonObject(part) || typeof part.text !== 'string')
				throw new RecordError(`field "${partPath}" must be a text part {type: "text", text: "…"}`, partPath);
			texts[k] = part.text;
			// A part's other fields (cache_control, …) have no place once the parts are one text: named in the summary.
			for (const key in part) if (key !== 'type' && key !== 'text') unkept.push(`${partPath}.${key}`);
		}
		return wellFormed(texts.join(CONTENT_PART_SEPARATOR), path);
	}
	// An assistant turn that only calls tools has no text.
	if (content === null && (m.tool_calls !== undefined || m.function_call !== undefined)) return '';
	throw new RecordError(
		content === undefined
			? `missing required field "${path}"`
			: `field "${path}" must be a string or an array of text parts, got ${jsonType(content)}`,
		path
	);
}

/** Fields of a row other than `keep`, or null when there are none. */
function otherFields(o: JsonObject, keep: ReadonlySet<string>): JsonObject | null {
	let extra: JsonObject | null = null;
	for (const key of Object.keys(o)) if (!keep.has(key)) (extra ??= {})[key] = o[key];
	return extra;
}

/**
 * A turn's speaker `name` and training `weight` (0 or 1), which OpenAI chat rows carry and the
 * conversation exports write back in either shape: kept as the turn's own fields, so that a
 * weight-0 reply stays one whichever shape it comes back in.
 */
function readNameAndWeight(o: JsonObject, prefix: string, turn: ParsedTurn): void {
	const name = nullableString(o, 'name', prefix);
	if (name !== null) turn.name = name;
	if (o.weight !== undefined && o.weight !== null) {
		if (o.weight !== 0 && o.weight !== 1) throw new RecordError(`field "${prefix}weight" must be 0 or 1, got ${JSON.stringify(o.weight)}`, `${prefix}weight`);
		turn.weight = o.weight;
	}
}

/** A row's `id`, its source id (ShareGPT's conversation id; the id a chat-conversations export writes). */
function rowId(o: JsonObject): string | null {
	const id = o.id;
	if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') throw fieldError('', 'id', 'a string or a number', id);
	return id === undefined || id === null ? null : String(id);
}

/**
 * The conversation of a row whose `id` was a JSON number keeps it, as written, in its metadata:
 * the source id is stored as text, and the conversation exports write the id back with its JSON
 * type and spelling (`"id": 11`, `"id": 1e2`, not `"id": "11"`): a number that writes back as
 * the same text is kept as that number, any other (1.0, 1e2, past 2^53) as its literal.
 * Only the conversation's metadata: the task's stays the row's other fields.
 */
function withNumericId(task: Omit<ParsedTask, 'location'>, options: ReadOptions): Omit<ParsedTask, 'location'> {
	const text = task.sourceId;
	if (!options.idWasNumber || text == null || !task.conversation) return task;
	task.conversation.metadata = { ...(task.conversation.metadata ?? {}), id: numberAsWritten(text) };
	return task;
}

const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'weight']);
const CHAT_FIELDS = new Set(['id', 'messages']);

/**
 * OpenAI chat row: every message is a turn of the conversation; the first user turn is the
 * task's instruction (+ input), the first assistant reply after it the instance's output.
 */
function readChat(o: JsonObject, options: ReadOptions): Omit<ParsedTask, 'location'> {
	const messages = requiredArray(o, 'messages', '');
	const turns: ParsedTurn[] = new Array(messages.length);
	const unkept: string[] = [];
	for (let i = 0; i < messages.length; i++) {
		const m = objectAt(messages, i, 'messages');
		const { role, sourceRole } = readSpeaker(m.role, `messages[${i}].role`, OPENAI_CHAT_SHAPE);
		const turn: ParsedTurn = { role, content: messageText(m, i, unkept) };
		if (sourceRole) turn.sourceRole = sourceRole;
		readNameAndWeight(m, `messages[${i}].`, turn);
		const extra = otherFields(m, MESSAGE_FIELDS);
		if (extra) turn.extra = extra;
		turns[i] = turn;
	}
	const task = withNumericId(
		conversationTask(
			turns,
			OPENAI_CHAT_SHAPE,
			{ noUser: 'message with role "user"', reply: 'assistant message', firstUser: 'first user message' },
			{ strictTurns: options.strictTurns, sourceId: rowId(o), extraMetadata: otherFields(o, CHAT_FIELDS) }
		),
		options
	);
	if (unkept.length) task.unkeptFields = unkept;
	return task;
}

const SHAREGPT_TURN_FIELDS = new Set(['from', 'value', 'name', 'weight']);
const SHAREGPT_FIELDS = new Set(['id', 'conversations']);

/** ShareGPT / FastChat row: {id, conversations: [{from, value}]}, every turn kept. */
function readShareGpt(o: JsonObject, options: ReadOptions): Omit<ParsedTask, 'location'> {
	const list = requiredArray(o, 'conversations', '');
	if (list.length === 0) throw new RecordError('field "conversations" is empty (a conversation needs turns)', 'conversations');
	const turns: ParsedTurn[] = new Array(list.length);
	for (let i = 0; i < list.length; i++) {
		const t = objectAt(list, i, 'conversations');
		const { role, sourceRole } = readSpeaker(t.from, `conversations[${i}].from`, SHAREGPT_SHAPE);
		const turn: ParsedTurn = { role, content: requiredString(t, 'value', `conversations[${i}].`) };
		if (sourceRole) turn.sourceRole = sourceRole;
		readNameAndWeight(t, `conversations[${i}].`, turn);
		const extra = otherFields(t, SHAREGPT_TURN_FIELDS);
		if (extra) turn.extra = extra;
		turns[i] = turn;
	}
	return withNumericId(
		conversationTask(
			turns,
			SHAREGPT_SHAPE,
			{ noUser: 'turn from "human"', reply: 'reply from "gpt"', firstUser: 'first human turn' },
			{
				strictTurns: options.strictTurns,
				sourceId: rowId(o),
				extraMetadata: otherFields(o, SHAREGPT_FIELDS)
			}
		),
		options
	);
}

function optionalScore(o: JsonObject, key: string): number | null {
	const v = o[key];
	if (v === undefined || v === null) return null;
	if (typeof v === 'number' && Number.isFinite(v)) return v;
	// A score is a measurement: one written with more digits than a double holds is read by value.
	if (isNumberLiteral(v) && Number.isFinite(Number(v[NUMBER_LITERAL_KEY]))) return Number(v[NUMBER_LITERAL_KEY]);
	throw fieldError('', key, 'a number', v);
}

const GPT4LLM_FIELDS = new Set(['id', 'user_input', 'completion_a', 'completion_b', 'score_a', 'score_b', 'model_a', 'model_b']);
const PREFERENCE_FIELDS = new Set(['id', 'prompt', 'chosen', 'rejected', 'tie', 'chosen_model', 'rejected_model', 'chosen_score', 'rejected_score']);

/**
 * A preference pair. GPT-4-LLM's comparison data ({user_input, completion_a, completion_b}) ranks
 * completion_a above completion_b (its README); the released file has no scores ("for now we
 * only release the rank"), so score_a / score_b and model_a / model_b are read when present and
 * every other field is kept. The {prompt, chosen, rejected} shape the preference export writes
 * (and DPO trainers read) is read back the same way, a `tie: true` row as a tie.
 */
function readComparison(o: JsonObject, options: ReadOptions): Omit<ParsedPair, 'location'> {
	const gpt4llm = !(hasOwn(o, 'chosen') || hasOwn(o, 'rejected') || hasOwn(o, 'prompt'));
	const promptKey = gpt4llm ? 'user_input' : 'prompt';
	const transcript = gpt4llm || hasOwn(o, 'prompt') ? null : readHhTranscript(o);
	if (!gpt4llm && !transcript && o.prompt === undefined)
		throw new RecordError(
			'missing required field "prompt" ({chosen, rejected} without a prompt is read only as HH-RLHF transcripts, "\\n\\nHuman: …\\n\\nAssistant: …")',
			'prompt'
		);
	const prompt = transcript ? transcript.prompt : requiredText(o, promptKey, '');
	// The preference export writes an HH-RLHF pair's prompt as its transcript: read back, its Human
	// turn is the instruction, as it was when the transcripts were imported.
	const hhInstruction = transcript ? transcript.instruction : gpt4llm ? null : hhPromptInstruction(prompt);
	const split = hhInstruction !== null ? { instruction: hhInstruction, input: '' } : splitPairPrompt(prompt);
	if (split.instruction.trim() === '') throw new RecordError(`field "${promptKey}" is empty (no instruction in it)`, promptKey);
	const id = o.id;
	if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') throw fieldError('', 'id', 'a string or a number', id);
	// After an HH-RLHF prompt ("…\n\nAssistant:") a response starts with the tag's space (the preference
	// export writes it so, TRL's layout): read without it, as from the transcripts.
	const pairResponse = (key: string) => {
		const text = requiredString(o, key, '');
		return hhInstruction !== null && !gpt4llm ? hhReplyAfterTag(text) : text;
	};
	const pair: Omit<ParsedPair, 'location'> = {
		kind: 'pair',
		prompt,
		instruction: split.instruction,
		input: split.input,
		responseA: transcript ? transcript.chosen : pairResponse(gpt4llm ? 'completion_a' : 'chosen'),
		responseB: transcript ? transcript.rejected : pairResponse(gpt4llm ? 'completion_b' : 'rejected'),
		modelA: nullableString(o, gpt4llm ? 'model_a' : 'chosen_model', ''),
		modelB: nullableString(o, gpt4llm ? 'model_b' : 'rejected_model', ''),
		preferred: gpt4llm ? 'a' : nullableBoolean(o, 'tie', '') ? 'tie' : 'a',
		scoreA: optionalScore(o, gpt4llm ? 'score_a' : 'chosen_score'),
		scoreB: optionalScore(o, gpt4llm ? 'score_b' : 'rejected_score'),
		sourceId: id === undefined || id === null ? null : String(id),
		metadata: otherFields(o, gpt4llm ? GPT4LLM_FIELDS : PREFERENCE_FIELDS)
	};
	// As a conversation's (withNumericId): a numeric id is written back as the number it was.
	if (options.idWasNumber && pair.sourceId != null) pair.metadata = { ...(pair.metadata ?? {}), id: numberAsWritten(pair.sourceId) };
	return pair;
}

/**
 * Anthropic HH-RLHF rows: {chosen, rejected}, each a whole transcript ("\n\nHuman: …\n\nAssistant: …")
 * that differ only in the last Assistant turn. The shared transcript up to that turn is the
 * prompt (kept as written), its Human turn the instruction, the two last turns the responses.
 * A pair holds one prompt, so a transcript with earlier turns is refused rather than flattened.
 * Null when the row is not in this form.
 */
function readHhTranscript(o: JsonObject): { prompt: string; instruction: string; chosen: string; rejected: string } | null {
	const chosen = o.chosen;
	const rejected = o.rejected;
	if (typeof chosen !== 'string' || typeof rejected !== 'string') return null;
	if (!chosen.startsWith(HUMAN_TURN) || !rejected.startsWith(HUMAN_TURN)) return null;
	wellFormed(chosen, 'chosen');
	wellFormed(rejected, 'rejected');
	const lastC = chosen.lastIndexOf(ASSISTANT_TURN);
	const lastR = rejected.lastIndexOf(ASSISTANT_TURN);
	if (lastC === -1) throw new RecordError('field "chosen" is an HH-RLHF transcript without an "Assistant:" turn', 'chosen');
	if (lastR === -1) throw new RecordError('field "rejected" is an HH-RLHF transcript without an "Assistant:" turn', 'rejected');
	const prompt = chosen.slice(0, lastC + ASSISTANT_TURN.length);
	if (rejected.slice(0, lastR + ASSISTANT_TURN.length) !== prompt)
		throw new RecordError('field "rejected": the HH-RLHF transcripts differ before their last Assistant turn, so they share no prompt', 'rejected');
	const instruction = hhPromptInstruction(prompt);
	if (instruction === null)
		throw new RecordError(
			'field "chosen": a multi-turn HH-RLHF transcript (earlier turns before the last exchange) cannot be a preference pair, which holds one prompt; import it as a conversation file or keep single-turn rows',
			'chosen'
		);
	if (instruction.trim() === '') throw new RecordError('field "chosen": the Human turn of the HH-RLHF transcript is empty', 'chosen');
	return { prompt, instruction, chosen: hhReplyAfterTag(chosen.slice(lastC + ASSISTANT_TURN.length)), rejected: hhReplyAfterTag(rejected.slice(lastR + ASSISTANT_TURN.length)) };
}

/** SuperNI task objects as items of an array or lines (one task per file is read by SuperNiTaskBuilder). */
function readSuperNi(o: JsonObject): Omit<ParsedTask, 'location'> {
	const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
	// Either names the task when it has only one; with both, each is kept as what it is (the name was lost).
	const id = text(o.id) ?? text(o.name);
	const task = readSuperNiTask(otherFields(o, new Set(['id', 'name'])) ?? {}, id);
	task.name = text(o.name) ?? id;
	return task;
}

const READERS: Record<FormatId, (o: JsonObject, options: ReadOptions) => RecordContent> = {
	'self-instruct-tasks': readSelfInstructTask,
	instances: readInstanceRow,
	unnatural: readUnnatural,
	predictions: readPrediction,
	'prompt-completion': readPromptCompletion,
	chat: readChat,
	superni: readSuperNi,
	sharegpt: readShareGpt,
	comparison: readComparison
};

/** Read one JSON object as a record of `format`; throws RecordError naming the field. */
export function readRecord(format: FormatId, o: JsonObject, options: ReadOptions = {}): RecordContent {
	return READERS[format](o, options);
}

export type { ParsedRecord };
