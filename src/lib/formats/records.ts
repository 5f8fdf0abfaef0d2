/**
 * Reading one parsed JSON record of a known format into a ParsedRecord, with a RecordError
 * naming the field (e.g. `instances[2].output`) when the record does not fit. No knowledge of
 * where the record sits in the file: parseImport adds that.
 */
import { RecordError } from './import-error';
import { outputFromCompletion, splitInstructionPrompt } from './prompt-shape';
import type {
	FormatId,
	ParsedFormulation,
	ParsedInstance,
	ParsedRecord,
	ParsedResponse,
	ParsedTask
} from './types';

export type JsonObject = Record<string, unknown>;

/** A record without its place in the file. */
export type RecordContent = Omit<ParsedTask, 'location'> | Omit<ParsedResponse, 'location'>;

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON type of a value, in the words of the JSON spec, for error messages. */
export function jsonType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}

/**
 * Which format a record is in, from the fields it has (the first record decides for the file).
 * Checks the most specific fields first; a record with a required field missing still maps to
 * its format so the reader can say which field is missing.
 */
export function detectFormat(record: unknown): FormatId | null {
	if (!isJsonObject(record)) return null;
	if (hasOwn(record, 'messages')) return 'chat';
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

function requiredString(o: JsonObject, key: string, prefix: string): string {
	const v = o[key];
	if (typeof v === 'string') return v;
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
	if (typeof v === 'string') return v;
	if (v === undefined || v === null) return '';
	throw fieldError(prefix, key, 'a string', v);
}

function nullableString(o: JsonObject, key: string, prefix: string): string | null {
	const v = o[key];
	if (typeof v === 'string') return v;
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

/** Self-Instruct task file row: seed_tasks.jsonl, user_oriented_instructions.jsonl. */
function readSelfInstructTask(o: JsonObject): Omit<ParsedTask, 'location'> {
	const instruction = requiredText(o, 'instruction', '');
	const list = requiredArray(o, 'instances', '');
	const instances: ParsedInstance[] = new Array(list.length);
	for (let i = 0; i < list.length; i++) {
		const inst = objectAt(list, i, 'instances');
		const prefix = `instances[${i}].`;
		instances[i] = { input: optionalString(inst, 'input', prefix), output: requiredString(inst, 'output', prefix) };
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

/** One instance per row: Alpaca, Self-Instruct 82K. */
function readInstanceRow(o: JsonObject): Omit<ParsedTask, 'location'> {
	return {
		kind: 'task',
		instruction: requiredText(o, 'instruction', ''),
		isClassification: nullableBoolean(o, 'is_classification', ''),
		instances: [{ input: optionalString(o, 'input', ''), output: requiredString(o, 'output', '') }]
	};
}

/** Unnatural Instructions core (instances) and full (plus reformulations) rows. */
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
	}
	const task: Omit<ParsedTask, 'location'> = { kind: 'task', instruction, isClassification: null, instances };
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
		}
		task.formulations = formulations;
	}
	return task;
}

/** Self-Instruct human-evaluation prediction row: one model's response to one task. */
function readPrediction(o: JsonObject): Omit<ParsedResponse, 'location'> {
	const instruction = requiredText(o, 'instruction', '');
	const response = requiredString(o, 'response', '');
	const prompt = nullableString(o, 'prompt', '');
	// The input is needed to match the task; a row without one may still carry it in its prompt.
	const input =
		o.input === undefined && prompt !== null ? splitInstructionPrompt(prompt).input : optionalString(o, 'input', '');
	return { kind: 'response', instruction, input, response, target: nullableString(o, 'target', ''), prompt };
}

/** Fine-tuning pair; the prompt is split when it has the Self-Instruct shape. */
function readPromptCompletion(o: JsonObject): Omit<ParsedTask, 'location'> {
	const prompt = requiredString(o, 'prompt', '');
	const completion = requiredString(o, 'completion', '');
	const split = splitInstructionPrompt(prompt);
	if (split.instruction === '') throw new RecordError('field "prompt" is empty (no instruction in it)', 'prompt');
	return {
		kind: 'task',
		instruction: split.instruction,
		isClassification: null,
		instances: [{ input: split.input, output: outputFromCompletion(completion, split.labelled) }]
	};
}

/** Message text: a string, or (newer chat rows) an array of `{type: "text", text}` parts. */
function messageText(m: JsonObject, i: number): string {
	const content = m.content;
	if (typeof content === 'string') return content;
	const path = `messages[${i}].content`;
	if (Array.isArray(content)) {
		let text = '';
		for (let k = 0; k < content.length; k++) {
			const part = content[k];
			if (!isJsonObject(part) || typeof part.text !== 'string')
				throw new RecordError(`field "${path}[${k}]" must be a text part {type: "text", text: "…"}`, `${path}[${k}]`);
			text += part.text;
		}
		return text;
	}
	throw new RecordError(
		content === undefined
			? `missing required field "${path}"`
			: `field "${path}" must be a string or an array of text parts, got ${jsonType(content)}`,
		path
	);
}

/** OpenAI chat fine-tuning row: first user turn → instruction (+ input), first assistant reply after it → output. */
function readChat(o: JsonObject): Omit<ParsedTask, 'location'> {
	const messages = requiredArray(o, 'messages', '');
	const system: string[] = [];
	let user = -1;
	let userText = '';
	let output: string | null = null;
	for (let i = 0; i < messages.length; i++) {
		const m = objectAt(messages, i, 'messages');
		const role = requiredString(m, 'role', `messages[${i}].`);
		const text = messageText(m, i);
		if (role === 'system' || role === 'developer') system.push(text);
		else if (role === 'user' && user === -1) {
			user = i;
			userText = text;
		} else if (role === 'assistant' && user !== -1 && output === null) output = text;
	}
	if (user === -1) throw new RecordError('field "messages" has no message with role "user"', 'messages');
	if (output === null)
		throw new RecordError(
			`field "messages" has no assistant message after the first user message (messages[${user}])`,
			'messages'
		);
	const split = splitInstructionPrompt(userText);
	if (split.instruction === '') throw new RecordError(`field "messages[${user}].content" is empty`, `messages[${user}].content`);
	return {
		kind: 'task',
		instruction: split.instruction,
		isClassification: null,
		metadata: system.length ? { system: system.join('\n\n') } : null,
		instances: [{ input: split.input, output }]
	};
}

const READERS: Record<FormatId, (o: JsonObject) => RecordContent> = {
	'self-instruct-tasks': readSelfInstructTask,
	instances: readInstanceRow,
	unnatural: readUnnatural,
	predictions: readPrediction,
	'prompt-completion': readPromptCompletion,
	chat: readChat
};

/** Read one JSON object as a record of `format`; throws RecordError naming the field. */
export function readRecord(format: FormatId, o: JsonObject): RecordContent {
	return READERS[format](o);
}

export type { ParsedRecord };
