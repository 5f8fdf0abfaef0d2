/**
 * Streaming import: bytes in, ParsedRecords out, chunk by chunk, so a file of any size is never
 * held in memory whole. The container (JSON Lines or one top-level JSON array) is chosen by the
 * first non-space character; the format by the first record's fields unless the caller forces
 * one. Every problem is an ImportError naming the file, the line (or array item) and the field.
 */
import { formatByteSize } from './file-size';
import { ImportError, RecordError, type ErrorPlace } from './import-error';
import { JsonObjectSplitter, type DocumentPiece } from './document-splitter';
import { detectFormat, isJsonObject, jsonType, readRecord, type JsonObject } from './records';
import { repeatedKeyOf } from './repeated-keys';
import { JsonArraySplitter, JsonLinesSplitter, MAX_RECORD_CHARS, type RawRecord, type RecordSplitter } from './splitters';
import { SUPERNI_INSTANCES, SUPERNI_KEYS, SuperNiTaskBuilder, taskNameFromFileName } from './superni';
import { FORMATS, type FormatId, type ParseOptions, type ParsedRecord, type RecordLocation } from './types';
import { completeUtf8Length, hexBytes, invalidUtf8Offset } from './utf8';
import { isNumberLiteral, mayHoldInexactNumber, memberNumberText, NUMBER_LITERAL_KEY, parseKeepingNumbers } from './number-literals';

const BOM = '\uFEFF';

function formatLabel(id: FormatId): string {
	return FORMATS.find((f) => f.id === id)?.label ?? id;
}

/** Task files with nested instances (Self-Instruct, Unnatural) may sit together; other shapes may not. */
function shapeFamily(id: FormatId): string {
	return id === 'self-instruct-tasks' || id === 'unnatural' ? 'nested-tasks' : id;
}

const STREAMED_MEMBERS: ReadonlySet<string> = new Set([SUPERNI_INSTANCES]);
// How far into a file the first field name is looked for when telling a task file from JSON Lines.
const FIRST_KEY_WINDOW = 4096;
const FIRST_KEY = /^\{\s*"((?:[^"\\\n]|\\.)*)"/;
const FIRST_KEY_PREFIX = /^\{\s*(?:"(?:[^"\\\n]|\\.)*\\?)?$/;

/**
 * Whether a file opening with '{' is one task object (a SuperNI task file, often pretty-printed)
 * rather than JSON Lines: its first field name is one only SuperNI tasks have. null while the
 * text seen so far ends before the first field name does.
 */
function isTaskDocument(text: string): boolean | null {
	const head = text.slice(0, FIRST_KEY_WINDOW);
	const m = FIRST_KEY.exec(head);
	if (m) {
		try {
			return SUPERNI_KEYS.has(JSON.parse(`"${m[1]}"`) as string);
		} catch {
			return false;
		}
	}
	return text.length < FIRST_KEY_WINDOW && FIRST_KEY_PREFIX.test(text) ? null : false;
}

/**
 * Whether a text opening with a SuperNI task is JSON Lines of tasks (one per line) rather than one
 * task file: its first line is a whole object and another object follows. The first field's name
 * does not tell them apart ({"Definition": …} and {"id": …, "Definition": …} lines are both task
 * lines), the layout does. null while unknown; a first line longer than a record may be is a task file.
 */
function tasksPerLine(text: string, maxChars: number, final: boolean): boolean | null {
	const nl = text.indexOf('\n');
	if (nl === -1) return final || text.length > maxChars ? false : null;
	if (nl > maxChars) return false;
	const next = text.slice(nl + 1).search(/[^ \t\r\n]/);
	if (next === -1) return final ? false : null;
	if (text[nl + 1 + next] !== '{') return false;
	try {
		return isJsonObject(JSON.parse(text.slice(0, nl)));
	} catch {
		return false;
	}
}

function placeOf(raw: RawRecord): ErrorPlace {
	return raw.index === undefined ? { line: raw.line } : { line: raw.line, column: raw.column, index: raw.index };
}

function locationOf(raw: RawRecord): RecordLocation {
	return raw.index === undefined ? { line: raw.line } : { line: raw.line, index: raw.index, column: raw.column };
}

const JSON_POSITION = /(?: in JSON)? at position (\d+)/;
// V8 quotes the offending text ("…" is not valid JSON, with "..." on a side where it cut a long
// record); the place says where, the quote only adds noise.
const JSON_SNIPPET = /, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/;

/** The place of the character at offset `at` of a record's text. */
function placeAt(raw: RawRecord, at: number): ErrorPlace {
	const before = raw.text.slice(0, at);
	const lastNl = before.lastIndexOf('\n');
	const linesBefore = lastNl === -1 ? 0 : before.split('\n').length - 1;
	const column = lastNl === -1 ? (raw.column ?? 1) + at : at - lastNl;
	return { ...placeOf(raw), line: raw.line + linesBefore, column };
}

/** A record naming a field twice: JSON.parse would keep only the last value, so it is refused. */
function repeatedKey(file: string, raw: RawRecord, value: unknown, prefix = ''): ImportError | null {
	const repeated = repeatedKeyOf(raw.text, value);
	if (repeated === null) return null;
	const field = prefix + repeated.path;
	return ImportError.at(
		file,
		placeAt(raw, repeated.offset),
		`field "${field}" appears twice in one object; a JSON reader keeps only the last value, so the first would be lost. Keep one of them (or rename it)`,
		field
	);
}

/**
 * A numeric `id` as the file writes it: JSON.parse turns 9007199254740993 into …992 (past 2^53 a
 * double cannot hold every integer) and 1e2 into 100, and String() of the number is then another
 * record's id. The digits are the record's own member's, read from its text (Node 20's JSON.parse
 * gives a reviver no source text); null when they cannot be found, which the caller refuses.
 */
export function numericIdAsWritten(text: string, parsed: number): string | null {
	const written = memberNumberText(text, 'id');
	return written !== null && Number(written) === parsed ? written : null;
}

/**
 * Files the app writes but cannot read back, said by name (rather than "expected '{' or '['
 * first, found "PAR1…""): Parquet by its magic bytes, CSV / TSV by the file name.
 */
function unreadableKind(file: string, start: string): string | null {
	const export_ = 'import the JSON Lines export (or another JSON Lines / JSON array file) instead';
	if (start === 'PAR1') return `Parquet files cannot be imported; ${export_}`;
	if (/\.(csv|tsv)$/i.test(file)) return `CSV and TSV files cannot be imported (the CSV exports are for spreadsheets); ${export_}`;
	return null;
}

/**
 * UTF-16 text without a byte-order mark: ASCII characters leave every other byte 0 (at even
 * offsets big-endian, odd little-endian), which UTF-8 text never has. Read as UTF-8 it fails
 * with a JSON complaint about NUL characters that says nothing of why.
 */
function looksLikeUtf16(bytes: Uint8Array): boolean {
	const n = Math.min(bytes.length, 64) & ~1;
	if (n < 4) return false;
	let even = 0;
	let odd = 0;
	for (let i = 0; i < n; i += 2) {
		if (bytes[i] === 0) even++;
		if (bytes[i + 1] === 0) odd++;
	}
	const pairs = n / 2;
	return (even === pairs && odd === 0) || (odd === pairs && even === 0);
}

/** A control character in V8's message shown as its escape ("\u0000"): printed raw it is invisible or garbles the line. */
const CONTROL_IN_MESSAGE = /'([\u0000-\u001f])'/g;
const CONTROL_HINT = ' (a raw control character, such as a NUL byte, cannot stand in JSON text; inside a string write it as an escape)';

function controlEscape(c: string): string {
	return `'\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}'`;
}

/**
 * Where JSON.parse found the fault when its message gives no position (Node 20's "Unexpected
 * token '}', ...\"output\":}\" is not valid JSON" quotes text but no offset): the shortest
 * prefix of the text that already fails for a reason other than ending too early ends with the
 * offending character. The parser reads left to right, so that holds for every longer prefix too
 * and the prefix length can be searched by halving (about 20 parses of a 1 MB record, on the
 * error path only). Null when no prefix fails that way.
 */
function faultOffset(text: string): number | null {
	const failsWithin = (k: number): boolean => {
		try {
			JSON.parse(text.slice(0, k));
			return false;
		} catch (err) {
			const message = err instanceof Error ? err.message : String(err);
			if (message === 'Unexpected end of JSON input') return false;
			const pos = JSON_POSITION.exec(message);
			// A complaint at the very end of the prefix is about the prefix ending there.
			return !pos || Number(pos[1]) < k;
		}
	};
	if (!failsWithin(text.length)) return null;
	let low = 1;
	let high = text.length;
	while (low < high) {
		const mid = (low + high) >> 1;
		if (failsWithin(mid)) high = mid;
		else low = mid + 1;
	}
	return low - 1;
}

/**
 * A JSON document that JSON.parse refused, as the importer says it: `file: line L, column C:
 * malformed JSON: …` (V8 gives a character position; a person needs the line).
 */
export function malformedJson(file: string, text: string, error: unknown): ImportError {
	return malformed(file, { text, line: 1 }, error);
}

/** Turn a JSON.parse failure into a message placed at the offending character. */
function malformed(file: string, raw: RawRecord, error: unknown): ImportError {
	let message = error instanceof Error ? error.message : String(error);
	// A byte-order mark inside the file (files joined together each carry theirs): V8 shows it as an
	// invisible quoted character, so it is named.
	const bom = raw.text.indexOf(BOM);
	if (bom !== -1 && message.includes(`'${BOM}'`)) {
		return ImportError.at(
			file,
			placeAt(raw, bom),
			'a byte-order mark (U+FEFF), which is allowed only at the very start of a file (files joined together often carry one each); remove it'
		);
	}
	let place = placeOf(raw);
	const pos = JSON_POSITION.exec(message);
	let at: number | null = null;
	if (pos) {
		at = Number(pos[1]);
		message = message.replace(JSON_POSITION, '');
		// A complaint about the very end of the text means the record was cut off.
		if (at >= raw.text.trimEnd().length) message = 'Unexpected end of JSON input';
	} else if (message !== 'Unexpected end of JSON input') {
		// V8 names no position for some faults (a bare word such as None, a missing value): found in the text.
		at = faultOffset(raw.text);
	}
	if (at !== null) place = placeAt(raw, at);
	message = message.replace(JSON_SNIPPET, '');
	const control = message.match(/'([\u0000-\u001f])'/);
	if (control) {
		message = message.replace(CONTROL_IN_MESSAGE, (_, c: string) => controlEscape(c)) + CONTROL_HINT;
	} else if (at !== null && /^[\u0000-\u001f]$/.test(raw.text.charAt(at))) {
		// "Bad control character in string literal" does not say which: a NUL byte, a raw tab or line break.
		message = `${message}: ${controlEscape(raw.text.charAt(at))}${CONTROL_HINT}`;
	}
	if (message === 'Unexpected end of JSON input') message = 'the JSON ends too early (truncated record?)';
	let hint = '';
	if (raw.index === undefined && raw.text.trim() === '{')
		hint =
			' (JSON Lines needs one whole object per line; a pretty-printed object spread over several lines is not supported, use a JSON array or JSON Lines)';
	return ImportError.at(file, place, `malformed JSON: ${message}${hint}`);
}

function fieldList(o: JsonObject): string {
	const keys = Object.keys(o);
	if (keys.length === 0) return 'none (an empty object)';
	const shown = keys.slice(0, 20).join(', ');
	return keys.length > 20 ? `${shown}, … (${keys.length} in all)` : shown;
}

/**
 * The synchronous core of parseImport: push byte chunks, get the records they complete.
 * Usable inside a synchronous database transaction; parseImport wraps it for async sources.
 */
export class ImportParser {
	readonly file: string;
	private readonly forced: FormatId | null;
	private readonly maxBytes: number | undefined;
	private readonly maxRecordChars: number | undefined;
	private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
	private carry: Uint8Array | null = null;
	private splitter: RecordSplitter | null = null;
	/** A SuperNI task file: one object read member by member (instead of `splitter`). */
	private document: JsonObjectSplitter | null = null;
	private task: SuperNiTaskBuilder | null = null;
	private pieces: DocumentPiece[] = [];
	private documentLine = 1;
	private readonly strictTurns: boolean;
	/** Text seen before the first non-space character (needed to count lines). */
	private lead = '';
	private started = false;
	private raws: RawRecord[] = [];
	private firstLocation: RawRecord | null = null;
	private format: FormatId | null;
	/** Bytes received so far. */
	bytesRead = 0;
	/** Records produced so far. */
	records = 0;

	private readonly onFormat: ((format: FormatId) => void) | undefined;

	constructor(options: Pick<ParseOptions, 'fileName' | 'format' | 'maxBytes' | 'maxRecordChars' | 'onFormat' | 'strictTurns'>) {
		this.file = options.fileName;
		this.strictTurns = options.strictTurns ?? false;
		this.onFormat = options.onFormat;
		this.forced = options.format && options.format !== 'auto' ? options.format : null;
		this.format = this.forced;
		this.maxBytes = options.maxBytes;
		this.maxRecordChars = options.maxRecordChars;
	}

	/** The file's format: the forced one, or the one detected from the first record (null before it). */
	get detectedFormat(): FormatId | null {
		return this.format;
	}

	/** 'jsonl', 'array' or 'object' (one task object, SuperNI) once the container is known. */
	get container(): 'jsonl' | 'array' | 'object' | null {
		if (this.document) return 'object';
		return this.splitter === null ? null : this.splitter instanceof JsonArraySplitter ? 'array' : 'jsonl';
	}

	push(chunk: Uint8Array): ParsedRecord[] {
		if (chunk.length === 0) return [];
		if (this.bytesRead === 0 && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)))
			throw ImportError.at(this.file, { line: 1 }, `the file looks like UTF-16 (it starts with ${hexBytes(chunk, 0, 2)}); save it as UTF-8`);
		if (this.bytesRead === 0 && looksLikeUtf16(chunk))
			throw ImportError.at(this.file, { line: 1 }, 'the file looks like UTF-16 without a byte-order mark (every other byte is 0); save it as UTF-8');
		this.bytesRead += chunk.length;
		if (this.maxBytes !== undefined && this.bytesRead > this.maxBytes)
			throw ImportError.at(
				this.file,
				null,
				`the file is larger than the import limit of ${formatByteSize(this.maxBytes)}` +
					(this.maxBytes >= 1024 ? ` (${this.maxBytes.toLocaleString('en-US')} bytes)` : '')
			);
		let bytes = chunk;
		if (this.carry) {
			bytes = new Uint8Array(this.carry.length + chunk.length);
			bytes.set(this.carry);
			bytes.set(chunk, this.carry.length);
		}
		const complete = completeUtf8Length(bytes);
		this.carry = complete < bytes.length ? bytes.slice(complete) : null;
		return this.decodeAndRead(complete < bytes.length ? bytes.subarray(0, complete) : bytes);
	}

	/** The input is over: flush the last record and check the file was not empty or cut short. */
	end(): ParsedRecord[] {
		const out: ParsedRecord[] = [];
		if (this.carry) {
			// An incomplete multi-byte sequence at the very end of the file.
			const bytes = this.carry;
			this.carry = null;
			out.push(...this.decodeAndRead(bytes));
		}
		// A file too short to show its first field name in full: decide now.
		if (!this.splitter && !this.document && this.lead.trim() !== '') {
			const first = this.lead.search(/[^ \t\r\n]/);
			this.open(this.lead, first, this.lead[first] === '{' && (this.forced === null || this.forced === 'superni') && this.isOneTask(this.lead.slice(first), true) === true);
		}
		if (this.document) {
			this.document.end(this.pieces);
			out.push(...this.readPieces());
			out.push(this.finishTask());
			return out;
		}
		if (!this.splitter) {
			throw ImportError.at(this.file, null, this.bytesRead === 0 ? 'the file is empty' : 'the file contains only whitespace, no records');
		}
		this.splitter.end(this.raws);
		out.push(...this.readRaws());
		if (this.records === 0) {
			throw ImportError.at(
				this.file,
				null,
				this.splitter instanceof JsonArraySplitter ? 'the JSON array is empty, no records' : 'the file contains only blank lines, no records'
			);
		}
		return out;
	}

	private decodeAndRead(bytes: Uint8Array): ParsedRecord[] {
		let text: string;
		let bad = -1;
		try {
			text = this.decoder.decode(bytes);
		} catch {
			bad = invalidUtf8Offset(bytes);
			if (bad < 0) bad = 0; // the decoder and our validator disagree: place the error at the chunk start
			text = this.decoder.decode(bytes.subarray(0, bad));
		}
		// Read everything before a bad byte first, so the first problem in the file is the one reported.
		this.feed(text);
		const records = this.document ? this.readPieces() : this.readRaws();
		if (bad >= 0) {
			throw ImportError.at(
				this.file,
				this.position(),
				`invalid UTF-8 (byte ${hexBytes(bytes, bad, 1)}); the file must be saved as UTF-8`
			);
		}
		return records;
	}

	private position(): ErrorPlace {
		if (this.document) return this.document.position();
		if (this.splitter) return this.splitter.position();
		const lines = this.lead.split('\n');
		return { line: lines.length, column: lines[lines.length - 1].length + 1 };
	}

	private feed(text: string): void {
		if (text.length === 0) return;
		if (this.document) {
			this.document.push(text, this.pieces);
			return;
		}
		if (this.splitter) {
			this.splitter.push(text, this.raws);
			return;
		}
		// A UTF-8 byte order mark is allowed at the very start (decoded as U+FEFF, kept by ignoreBOM).
		if (!this.started) {
			this.started = true;
			if (text.startsWith(BOM)) text = text.slice(1);
		}
		const all = this.lead + text;
		const first = all.search(/[^ \t\r\n]/);
		if (first === -1) {
			this.lead = all;
			return;
		}
		const c = all[first];
		if (c === '{' && (this.forced === null || this.forced === 'superni')) {
			const document = this.isOneTask(all.slice(first), false);
			if (document === null) {
				this.lead = all;
				return;
			}
			this.open(all, first, document);
			return;
		}
		this.open(all, first, false);
	}

	/** Whether a file opening with '{' is one task object (SuperNI) rather than JSON Lines; null while unknown. */
	private isOneTask(text: string, final: boolean): boolean | null {
		const document = this.forced === 'superni' ? true : isTaskDocument(text);
		if (document !== true) return final ? false : document;
		const perLine = tasksPerLine(text, this.maxRecordChars ?? MAX_RECORD_CHARS, final);
		return perLine === null ? null : !perLine;
	}

	/** Starts reading the container that opens at `all[first]`. */
	private open(all: string, first: number, document: boolean): void {
		const c = all[first];
		if (c === '{' && document) {
			this.document = new JsonObjectSplitter(this.file, STREAMED_MEMBERS, 'the task object', this.maxRecordChars);
			this.task = new SuperNiTaskBuilder(taskNameFromFileName(this.file));
			this.documentLine = all.slice(0, first).split('\n').length;
			this.format = 'superni';
			this.lead = '';
			this.document.push(all, this.pieces);
			return;
		}
		if (c === '[') this.splitter = new JsonArraySplitter(this.file, this.maxRecordChars);
		else if (c === '{') this.splitter = new JsonLinesSplitter(this.file, this.maxRecordChars);
		else {
			const before = all.slice(0, first).split('\n');
			const unreadable = unreadableKind(this.file, all.slice(first, first + 4));
			if (unreadable) throw ImportError.at(this.file, { line: before.length, column: before[before.length - 1].length + 1 }, unreadable);
			throw ImportError.at(
				this.file,
				{ line: before.length, column: before[before.length - 1].length + 1 },
				`not a JSON Lines file or a JSON array: expected '{' or '[' first, found ${JSON.stringify(all.slice(first, first + 20))}`
			);
		}
		this.lead = '';
		this.splitter.push(all, this.raws);
	}

	private readRaws(): ParsedRecord[] {
		const raws = this.raws;
		if (raws.length === 0) return [];
		const out: ParsedRecord[] = new Array(raws.length);
		for (let i = 0; i < raws.length; i++) out[i] = this.readRaw(raws[i]);
		raws.length = 0;
		return out;
	}

	private readRaw(raw: RawRecord): ParsedRecord {
		let parsed: unknown;
		try {
			parsed = JSON.parse(raw.text);
		} catch (e) {
			throw malformed(this.file, raw, e);
		}
		const repeated = repeatedKey(this.file, raw, parsed);
		if (repeated) throw repeated;
		if (!isJsonObject(parsed))
			throw ImportError.at(this.file, placeOf(raw), `expected a JSON object, got ${jsonType(parsed)}`);
		let value: JsonObject = parsed;
		// Numbers a double changes (a 19-digit tweet id, 1e400) are kept as written; only a line
		// the cheap check flags is scanned (see number-literals.ts).
		if (mayHoldInexactNumber(raw.text)) {
			const kept = parseKeepingNumbers(raw.text);
			if (isJsonObject(kept)) value = kept;
		}
		let idWasNumber = typeof value.id === 'number';
		if (isNumberLiteral(value.id)) {
			value.id = value.id[NUMBER_LITERAL_KEY];
			idWasNumber = true;
		} else if (typeof value.id === 'number') {
			const id = numericIdAsWritten(raw.text, value.id);
			if (id === null)
				throw ImportError.at(
					this.file,
					placeOf(raw),
					`field "id": the number ${value.id} could not be found as written in the record, so it might be stored as a different id; quote it ("id": "…")`,
					'id'
				);
			value.id = id;
		}
		let format = this.format;
		if (format === null) {
			format = detectFormat(value);
			if (format === null)
				throw ImportError.at(
					this.file,
					placeOf(raw),
					`unknown format: the first record has the fields ${fieldList(value)}, which match none of the known formats ` +
						`(e.g. {instruction, input, output}, {instruction, instances}, {prompt, completion}, {messages}, {instruction, response}); choose the format explicitly if it is one of them`
				);
			this.format = format;
		}
		if (this.firstLocation === null) {
			this.firstLocation = raw;
			this.onFormat?.(format);
		}
		let record: ParsedRecord;
		try {
			record = readRecord(format, value, { strictTurns: this.strictTurns, idWasNumber }) as ParsedRecord;
		} catch (e) {
			if (!(e instanceof RecordError)) throw e;
			const looksLike = detectFormat(value);
			if (looksLike && shapeFamily(looksLike) !== shapeFamily(format)) {
				if (this.forced) {
					throw ImportError.at(
						this.file,
						placeOf(raw),
						`${e.message} (the record looks like ${formatLabel(looksLike)}, but the format was set to ${formatLabel(format)})`,
						e.field
					);
				}
				throw this.mixed(raw, value, looksLike, format);
			}
			throw ImportError.at(this.file, placeOf(raw), e.message, e.field);
		}
		if (!this.forced && this.records > 0) {
			const looksLike = detectFormat(value);
			if (looksLike !== null && shapeFamily(looksLike) !== shapeFamily(format)) throw this.mixed(raw, value, looksLike, format);
		}
		record.location = locationOf(raw);
		this.records++;
		return record;
	}

	/** Feeds the pieces of a task file read so far into its task; records come only at the end. */
	private readPieces(): ParsedRecord[] {
		const pieces = this.pieces;
		if (pieces.length === 0) return [];
		if (this.firstLocation === null) {
			this.firstLocation = { text: '', line: this.documentLine };
			this.onFormat?.('superni');
		}
		const task = this.task!;
		for (let i = 0; i < pieces.length; i++) {
			const piece = pieces[i];
			const field = piece.kind === 'item' ? `${piece.key}[${piece.index}]` : piece.key;
			if (piece.kind === 'array') {
				this.atPiece(piece, field, () => task.startInstances());
				continue;
			}
			let value: unknown;
			try {
				value = JSON.parse(piece.text);
			} catch (e) {
				const bad = malformed(this.file, { text: piece.text, line: piece.line, column: piece.column }, e);
				const column = bad.column ?? piece.column;
				throw ImportError.at(this.file, { line: bad.line, column }, `field "${field}": ${bad.detail}`, field);
			}
			const repeated = repeatedKey(this.file, { text: piece.text, line: piece.line, column: piece.column }, value, field + (isJsonObject(value) ? '.' : ''));
			if (repeated) throw repeated;
			// A descriptive member keeps its numbers as written too (instances hold only text and ids).
			if (piece.kind !== 'item' && mayHoldInexactNumber(piece.text)) value = parseKeepingNumbers(piece.text) ?? value;
			if (piece.kind === 'item') this.atPiece(piece, field, () => task.instance(piece.index!, value));
			else this.atPiece(piece, field, () => task.member(piece.key, value));
		}
		pieces.length = 0;
		return [];
	}

	private atPiece(piece: DocumentPiece, field: string, read: () => void): void {
		try {
			read();
		} catch (e) {
			if (!(e instanceof RecordError)) throw e;
			throw ImportError.at(this.file, { line: piece.line, column: piece.column }, e.message, e.field ?? field);
		}
	}

	private finishTask(): ParsedRecord {
		let content;
		try {
			content = this.task!.finish();
		} catch (e) {
			if (!(e instanceof RecordError)) throw e;
			throw ImportError.at(this.file, { line: this.documentLine }, e.message, e.field);
		}
		this.records++;
		return { ...content, location: { line: this.documentLine } } as ParsedRecord;
	}

	private mixed(raw: RawRecord, value: JsonObject, looksLike: FormatId, format: FormatId): ImportError {
		const first = this.firstLocation;
		const firstPlace = first ? (first.index === undefined ? `line ${first.line}` : `item ${first.index}`) : 'the first record';
		return ImportError.at(
			this.file,
			placeOf(raw),
			`mixed formats: this record (fields ${fieldList(value)}) looks like ${formatLabel(looksLike)}, but the file's first record (${firstPlace}) is ${formatLabel(format)}; one file must hold one format`
		);
	}
}

/**
 * Parse an import file streamed as byte chunks (e.g. `fs.createReadStream(path)` or an upload's
 * body). Yields records in file order; throws ImportError (file, line or array item, field) at the
 * first problem. A consumer that stores records as they come must roll back on that error.
 */
export async function* parseImport(source: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncGenerator<ParsedRecord> {
	const parser = new ImportParser(options);
	for await (const chunk of source) {
		const records = parser.push(chunk);
		for (let i = 0; i < records.length; i++) yield records[i];
		options.onProgress?.(parser.bytesRead);
	}
	const last = parser.end();
	for (let i = 0; i < last.length; i++) yield last[i];
}

/**
 * Several files in turn, e.g. a folder of SuperNI task files (one task per file, named after
 * it). Each file is parsed on its own, as SuperNI unless `options.format` says otherwise; the
 * first problem stops everything with an ImportError naming its file.
 */
export async function* parseTaskFiles(
	files: Iterable<{ fileName: string; source: AsyncIterable<Uint8Array> }> | AsyncIterable<{ fileName: string; source: AsyncIterable<Uint8Array> }>,
	options: Omit<ParseOptions, 'fileName'> = {}
): AsyncGenerator<{ fileName: string; record: ParsedRecord }> {
	for await (const file of files) {
		for await (const record of parseImport(file.source, { format: 'superni', ...options, fileName: file.fileName })) yield { fileName: file.fileName, record };
	}
}

/** Feed an in-memory file as chunks of `size` bytes (tests, benchmarks, small uploads). */
export async function* chunksOf(data: Uint8Array | string, size = 64 * 1024): AsyncGenerator<Uint8Array> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}
