/**
 * Strict reading of a judge's reply: one JSON object and nothing else. Judges answer in JSON
 * rather than a line format because their reasons are free text (JSON says how to write a
 * newline or a quote inside one), because the whole reply has one grammar a real parser checks
 * with a position for every error, and because servers can enforce it (OpenAI JSON mode,
 * structured outputs; vLLM guided decoding). A reply is never searched for something that looks
 * like an answer: what does not read exactly is a typed failure that keeps the raw text, and the
 * run retries once and then counts the row unparsed.
 *
 * Accepted around the object: surrounding whitespace, and one Markdown code fence (```json …
 * ```) wrapping the whole reply — a wrapper, not content, and unambiguous. Refused: anything
 * else before or after, several objects, duplicate keys (JSON.parse would silently keep the
 * last), keys the format does not have, values of the wrong type.
 */

/** Why a reply could not be read. */
export type JudgeReplyProblem =
	/** Nothing but whitespace. */
	| 'empty'
	/** Cut by the token limit before the object was complete. */
	| 'truncated'
	/** Not one JSON object (prose, several objects, bad syntax, an array…). */
	| 'not_json'
	/** Valid JSON of the wrong shape: a key missing or extra, a value of the wrong type. */
	| 'wrong_shape';

export interface JudgeParseFailure {
	ok: false;
	problem: JudgeReplyProblem;
	/** Says what and where, e.g. `"output.valid" must be true or false, got "yes"`. */
	message: string;
	/** The reply exactly as received, for the record and the retry. */
	raw: string;
}

export interface JudgeParseSuccess<T> {
	ok: true;
	value: T;
	raw: string;
}

export type JudgeParseResult<T> = JudgeParseSuccess<T> | JudgeParseFailure;

/** Thrown by the shape readers; turned into a 'wrong_shape' failure by `readJudgeReply`. */
export class ReplyShapeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ReplyShapeError';
	}
}

const FENCE = /^```[ \t]*(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*```$/i;

/** Line and column (1-based) of a character offset, for error messages. */
function position(text: string, offset: number): string {
	const before = text.slice(0, offset);
	const line = before.split('\n').length;
	const column = offset - before.lastIndexOf('\n');
	return `line ${line}, column ${column}`;
}

/**
 * The first key that appears twice in one object of an already valid JSON text, with its
 * offset; null when there is none. Walks the text once, tracking strings and nesting.
 */
export function duplicateJsonKey(text: string): { key: string; offset: number } | null {
	// Each open container: a Set of keys for an object, null for an array.
	const stack: Array<Set<string> | null> = [];
	let i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (ch === '"') {
			const start = i;
			i += 1;
			while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
			const literal = text.slice(start, i + 1);
			i += 1;
			let j = i;
			while (j < text.length && /\s/.test(text[j])) j += 1;
			const keys = stack[stack.length - 1];
			if (text[j] === ':' && keys) {
				const key = JSON.parse(literal) as string;
				if (keys.has(key)) return { key, offset: start };
				keys.add(key);
			}
			continue;
		}
		if (ch === '{') stack.push(new Set());
		else if (ch === '[') stack.push(null);
		else if (ch === '}' || ch === ']') stack.pop();
		i += 1;
	}
	return null;
}

function failure(problem: JudgeReplyProblem, message: string, raw: string): JudgeParseFailure {
	return { ok: false, problem, message, raw };
}

/**
 * Reads a reply as one JSON object and hands it to `shape`, which returns the typed value or
 * throws ReplyShapeError. `finishReason` 'length' turns a syntax failure into 'truncated'.
 */
export function readJudgeReply<T>(raw: string, shape: (value: Record<string, unknown>) => T, finishReason?: string | null): JudgeParseResult<T> {
	let text = raw.trim();
	if (text === '') {
		return failure(finishReason === 'length' ? 'truncated' : 'empty', 'The reply is empty.', raw);
	}
	const fenced = FENCE.exec(text);
	if (fenced) text = fenced[1].trim();
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		if (finishReason === 'length') {
			return failure('truncated', 'The reply was cut by the token limit before its JSON object was complete.', raw);
		}
		const detail = (error as Error).message.replace(/^JSON\.parse: /, '');
		const hint = text.startsWith('{') ? '' : ' (it must start with "{" — no text before the object)';
		return failure('not_json', `The reply is not one JSON object: ${detail}${hint}.`, raw);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
		return failure('not_json', `The reply is ${kind}, not a JSON object.`, raw);
	}
	const duplicate = duplicateJsonKey(text);
	if (duplicate) {
		return failure('wrong_shape', `The key "${duplicate.key}" appears twice in one object (${position(text, duplicate.offset)}).`, raw);
	}
	try {
		return { ok: true, value: shape(value as Record<string, unknown>), raw };
	} catch (error) {
		if (error instanceof ReplyShapeError) return failure('wrong_shape', error.message, raw);
		throw error;
	}
}

/** Describes a JSON value for a message: strings quoted and clipped, others by kind. */
function shown(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
	if (Array.isArray(value)) return 'an array';
	if (value === null) return 'null';
	if (typeof value === 'object') return 'an object';
	return String(value);
}

/** Checks an object has exactly `keys` (no other, none missing); `path` names it in messages. */
export function exactKeys(value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
	const where = path === '' ? 'The reply' : `"${path}"`;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new ReplyShapeError(`${where} must be an object with ${keys.map((k) => `"${k}"`).join(', ')}, got ${shown(value)}.`);
	}
	const record = value as Record<string, unknown>;
	const extra = Object.keys(record).filter((k) => !keys.includes(k));
	if (extra.length) {
		throw new ReplyShapeError(`${where} has ${extra.length === 1 ? 'a key' : 'keys'} the format does not have: ${extra.map((k) => `"${k}"`).join(', ')} (expected ${keys.map((k) => `"${k}"`).join(', ')}).`);
	}
	const missing = keys.filter((k) => !(k in record));
	if (missing.length) throw new ReplyShapeError(`${where} lacks ${missing.map((k) => `"${k}"`).join(', ')}.`);
	return record;
}

function child(path: string, key: string): string {
	return path === '' ? key : `${path}.${key}`;
}

export function booleanAt(record: Record<string, unknown>, key: string, path = ''): boolean {
	const value = record[key];
	if (typeof value !== 'boolean') throw new ReplyShapeError(`"${child(path, key)}" must be true or false, got ${shown(value)}.`);
	return value;
}

export function stringAt(record: Record<string, unknown>, key: string, path = ''): string {
	const value = record[key];
	if (typeof value !== 'string') throw new ReplyShapeError(`"${child(path, key)}" must be a string, got ${shown(value)}.`);
	return value.trim();
}

/** One of `allowed`, compared without regard to case ("tie" = "Tie"), returned as listed. */
export function choiceAt<T extends string>(record: Record<string, unknown>, key: string, allowed: readonly T[], path = ''): T {
	const value = record[key];
	const match = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase()) : undefined;
	if (match === undefined) {
		throw new ReplyShapeError(`"${child(path, key)}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${shown(value)}.`);
	}
	return match;
}
