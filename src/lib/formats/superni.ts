/**
 * SuperNI / Natural Instructions v2 task files: one JSON object per task, named
 * `taskNNN_<source>_<type>.json`, with `Definition` (a list of strings), `Positive Examples` and
 * `Negative Examples` ({input, output, explanation}), `Instances` ({id, input, output: [..]}) and
 * descriptive lists (Contributors, Source, URL, Categories, Reasoning, Domains, the three
 * languages, Instance License).
 *
 * A task becomes one ParsedTask: the definition is the instruction, every instance is kept
 * with all its reference outputs, the examples ride along, and every other field is kept in the
 * metadata under its own name so the file can be written back in the same shape. A task file
 * is read as a stream of its members (see document-splitter.ts), each instance on its own, so
 * a file of any size is never one string in memory; only the parsed task is.
 */
import { RecordError } from './import-error';
import type { ParsedExample, ParsedInstance, ParsedTask } from './types';

/** The members the reader models; any other member is metadata. */
export const SUPERNI_DEFINITION = 'Definition';
export const SUPERNI_POSITIVE = 'Positive Examples';
export const SUPERNI_NEGATIVE = 'Negative Examples';
export const SUPERNI_INSTANCES = 'Instances';

/** The released files' member order, which the serialiser writes back. */
export const SUPERNI_FIELD_ORDER = [
	'Contributors',
	'Source',
	'URL',
	'Categories',
	'Reasoning',
	SUPERNI_DEFINITION,
	'Input_language',
	'Output_language',
	'Instruction_language',
	'Domains',
	SUPERNI_POSITIVE,
	SUPERNI_NEGATIVE,
	SUPERNI_INSTANCES,
	'Instance License'
] as const;

/** Members only a SuperNI task has: the first one in a file is enough to recognise the shape. */
export const SUPERNI_KEYS: ReadonlySet<string> = new Set(SUPERNI_FIELD_ORDER);

type Json = Record<string, unknown>;

function typeName(v: unknown): string {
	return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function isObject(v: unknown): v is Json {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Definition: a list of strings (a bare string is accepted); joined by blank lines into the instruction. */
export function readDefinition(value: unknown): string[] {
	const path = SUPERNI_DEFINITION;
	const parts = typeof value === 'string' ? [value] : value;
	if (!Array.isArray(parts)) throw new RecordError(`field "${path}" must be a list of strings, got ${typeName(value)}`, path);
	for (let i = 0; i < parts.length; i++) {
		if (typeof parts[i] !== 'string')
			throw new RecordError(`field "${path}[${i}]" must be a string, got ${typeName(parts[i])}`, `${path}[${i}]`);
	}
	if (parts.length === 0 || parts.every((p) => (p as string).trim() === ''))
		throw new RecordError(`field "${path}" is empty (the definition is the task's instruction)`, path);
	return parts as string[];
}

/** The instruction a definition reads as. */
export function definitionInstruction(parts: readonly string[]): string {
	return parts.join('\n\n');
}

const EXAMPLE_FIELDS = new Set(['input', 'output', 'explanation']);

export function readExamples(value: unknown, kind: 'positive' | 'negative'): ParsedExample[] {
	const path = kind === 'positive' ? SUPERNI_POSITIVE : SUPERNI_NEGATIVE;
	if (value === null || value === undefined) return [];
	if (!Array.isArray(value)) throw new RecordError(`field "${path}" must be a list of examples, got ${typeName(value)}`, path);
	const out: ParsedExample[] = new Array(value.length);
	for (let i = 0; i < value.length; i++) {
		const e = value[i];
		const at = `${path}[${i}]`;
		if (!isObject(e)) throw new RecordError(`field "${at}" must be an object {input, output, explanation}, got ${typeName(e)}`, at);
		const text = (key: string, required: boolean): string => {
			const v = e[key];
			if (typeof v === 'string') return v;
			if (!required && (v === undefined || v === null)) return '';
			throw new RecordError(
				v === undefined ? `missing required field "${at}.${key}"` : `field "${at}.${key}" must be a string, got ${typeName(v)}`,
				`${at}.${key}`
			);
		};
		let extra: Json | null = null;
		for (const key of Object.keys(e)) if (!EXAMPLE_FIELDS.has(key)) (extra ??= {})[key] = e[key];
		out[i] = { kind, input: text('input', true), output: text('output', true), explanation: text('explanation', false) };
		if (extra) out[i].extra = extra;
	}
	return out;
}

const INSTANCE_FIELDS = new Set(['id', 'input', 'output']);

/** One instance, `Instances[index]`: {id, input, output: [strings]} (a bare output string is accepted). */
export function readSuperNiInstance(value: unknown, index: number): ParsedInstance {
	const at = `${SUPERNI_INSTANCES}[${index}]`;
	if (!isObject(value)) throw new RecordError(`field "${at}" must be an object {id, input, output}, got ${typeName(value)}`, at);
	const id = value.id;
	if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number')
		throw new RecordError(`field "${at}.id" must be a string, got ${typeName(id)}`, `${at}.id`);
	const label = id === undefined || id === null ? '' : ` (id "${id}")`;
	for (const key of Object.keys(value)) {
		if (!INSTANCE_FIELDS.has(key))
			throw new RecordError(`field "${at}.${key}"${label}: not a field of a SuperNI instance (id, input, output)`, `${at}.${key}`);
	}
	const input = value.input;
	if (typeof input !== 'string')
		throw new RecordError(
			input === undefined ? `missing required field "${at}.input"${label}` : `field "${at}.input"${label} must be a string, got ${typeName(input)}`,
			`${at}.input`
		);
	const raw = value.output;
	const outputs = typeof raw === 'string' ? [raw] : raw;
	if (!Array.isArray(outputs))
		throw new RecordError(
			raw === undefined ? `missing required field "${at}.output"${label}` : `field "${at}.output"${label} must be a list of strings, got ${typeName(raw)}`,
			`${at}.output`
		);
	if (outputs.length === 0) throw new RecordError(`field "${at}.output"${label} is an empty list (an instance needs a reference output)`, `${at}.output`);
	for (let k = 0; k < outputs.length; k++) {
		if (typeof outputs[k] !== 'string')
			throw new RecordError(`field "${at}.output[${k}]"${label} must be a string, got ${typeName(outputs[k])}`, `${at}.output[${k}]`);
	}
	const instance: ParsedInstance = { input, output: outputs[0] as string };
	if (outputs.length > 1) instance.outputs = outputs as string[];
	if (id !== undefined && id !== null) instance.sourceId = String(id);
	return instance;
}

/** The task name a file carries: "tasks/task001_quoref_question_generation.json" → "task001_quoref_question_generation". */
export function taskNameFromFileName(fileName: string): string {
	const base = fileName.split(/[\\/]/).pop() ?? fileName;
	return base.replace(/\.json$/i, '') || base;
}

/**
 * Builds one task from its members as they stream by. `member` takes a whole member value,
 * `instance` one item of `Instances` (streamed), `finish` checks what must be there.
 */
export class SuperNiTaskBuilder {
	private definition: string[] | null = null;
	private positive: ParsedExample[] = [];
	private negative: ParsedExample[] = [];
	private instances: ParsedInstance[] = [];
	private sawInstances = false;
	private readonly metadata: Json = {};
	private readonly seen = new Set<string>();

	constructor(private readonly sourceId: string | null) {}

	member(key: string, value: unknown): void {
		this.once(key);
		switch (key) {
			case SUPERNI_DEFINITION:
				this.definition = readDefinition(value);
				return;
			case SUPERNI_POSITIVE:
				this.positive = readExamples(value, 'positive');
				return;
			case SUPERNI_NEGATIVE:
				this.negative = readExamples(value, 'negative');
				return;
			case SUPERNI_INSTANCES:
				if (!Array.isArray(value)) throw new RecordError(`field "${key}" must be a list of instances, got ${typeName(value)}`, key);
				this.sawInstances = true;
				for (let i = 0; i < value.length; i++) this.instances.push(readSuperNiInstance(value[i], i));
				return;
			default:
				this.metadata[key] = value;
		}
	}

	/** The streamed `Instances` array starts. */
	startInstances(): void {
		this.once(SUPERNI_INSTANCES);
		this.sawInstances = true;
	}

	/** One streamed item of `Instances`. */
	instance(index: number, value: unknown): void {
		this.instances.push(readSuperNiInstance(value, index));
	}

	finish(): Omit<ParsedTask, 'location'> {
		if (this.definition === null) throw new RecordError(`missing required field "${SUPERNI_DEFINITION}"`, SUPERNI_DEFINITION);
		if (!this.sawInstances) throw new RecordError(`missing required field "${SUPERNI_INSTANCES}"`, SUPERNI_INSTANCES);
		const metadata: Json = { ...this.metadata };
		// One definition string is the instruction; several are kept as the list they were.
		if (this.definition.length !== 1) metadata[SUPERNI_DEFINITION] = this.definition;
		return {
			kind: 'task',
			instruction: definitionInstruction(this.definition),
			sourceId: this.sourceId,
			name: this.sourceId,
			isClassification: null,
			metadata: Object.keys(metadata).length ? metadata : null,
			instances: this.instances,
			examples: [...this.positive, ...this.negative]
		};
	}

	private once(key: string): void {
		if (this.seen.has(key)) throw new RecordError(`field "${key}" appears twice`, key);
		this.seen.add(key);
	}
}

/** A whole task object at once (items of a JSON array or lines of JSON Lines holding tasks). */
export function readSuperNiTask(o: Json, sourceId: string | null): Omit<ParsedTask, 'location'> {
	const builder = new SuperNiTaskBuilder(sourceId);
	for (const key of Object.keys(o)) builder.member(key, o[key]);
	return builder.finish();
}
