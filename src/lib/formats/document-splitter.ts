/**
 * Splitting one top-level JSON object (a SuperNI task file) into its members, chunk by chunk:
 * each member's value is cut out as its own JSON text, except the members named "streamed"
 * (a task's `Instances`), whose array items are cut out one by one. So a task file of any size
 * is read without holding its text whole, and each piece is placed by line and column for
 * error messages. Pieces are handed to JSON.parse by the caller, which reports what is wrong
 * inside them.
 */
import { ImportError, type ErrorPlace } from './import-error';
import { MAX_RECORD_CHARS } from './splitters';

export interface DocumentPiece {
	/** 'member': a whole member value; 'array': a streamed member's array starts; 'item': one item of it. */
	kind: 'member' | 'array' | 'item';
	key: string;
	/** 0-based index of an item in its array. */
	index?: number;
	/** The value's JSON text ('' for 'array'). */
	text: string;
	line: number;
	column: number;
}

// Scanner states.
const BEFORE = 0; // before the object's '{'
const KEY_OR_CLOSE = 1; // after '{': a key or '}'
const KEY = 2; // after ',': a key
const IN_KEY = 3; // inside a key string
const COLON = 4; // after a key
const VALUE_START = 5; // after ':'
const IN_VALUE = 6; // inside a member value
const AFTER_VALUE = 7; // after a value: ',' or '}'
const ITEM_OR_CLOSE = 8; // after a streamed array's '[' or ',': an item or ']'
const IN_ITEM = 9; // inside an item
const AFTER_ITEM = 10; // after an item: ',' or ']'
const DONE = 11; // after the closing '}'

const QUOTE = 34;
const BACKSLASH = 92;

function backslashesBefore(text: string, end: number, from: number): number {
	let k = end;
	while (k > from && text.charCodeAt(k - 1) === BACKSLASH) k--;
	return end - k;
}

function isSpace(c: number): boolean {
	return c === 32 || c === 10 || c === 13 || c === 9;
}

export class JsonObjectSplitter {
	private state = BEFORE;
	private line = 1;
	private lineStart = 0;
	private offset = 0;
	// The value or key being read.
	private depth = 0;
	private inString = false;
	private escape = false;
	private scalar = false;
	private pieces: string[] = [];
	private pieceLength = 0;
	private pieceLine = 0;
	private pieceColumn = 0;
	private key = '';
	private itemIndex = 0;
	private afterComma = false;

	constructor(
		private readonly file: string,
		private readonly streamed: ReadonlySet<string>,
		/** What the object is, for messages ("the task object"). */
		private readonly what = 'the object',
		private readonly maxRecordChars = MAX_RECORD_CHARS
	) {}

	/** Whether the closing '}' has been read. */
	get closed(): boolean {
		return this.state === DONE;
	}

	push(text: string, out: DocumentPiece[]): void {
		const base = this.offset;
		const n = text.length;
		// Where the current piece (key or value) starts in this chunk; 0 when it began in an earlier one.
		let start = this.state === IN_KEY || this.state === IN_VALUE || this.state === IN_ITEM ? 0 : -1;
		const fail = (i: number, detail: string): never => {
			throw ImportError.at(this.file, { line: this.line, column: base + i - this.lineStart + 1 }, detail);
		};
		for (let i = 0; i < n; i++) {
			const state = this.state;
			if (state === IN_KEY || ((state === IN_VALUE || state === IN_ITEM) && this.inString)) {
				if (this.escape) {
					this.escape = false;
					continue;
				}
				let q = text.indexOf('"', i);
				while (q !== -1 && backslashesBefore(text, q, i) % 2 === 1) q = text.indexOf('"', q + 1);
				if (q === -1) {
					this.escape = backslashesBefore(text, n, i) % 2 === 1;
					break;
				}
				i = q;
				if (state === IN_KEY) {
					this.key = this.parseKey(this.take(text, start, q + 1), q);
					start = -1;
					this.state = COLON;
					continue;
				}
				this.inString = false;
				if (this.depth === 0) {
					this.emit(text, start, i + 1, out);
					start = -1;
				}
				continue;
			}
			const c = text.charCodeAt(i);
			if (c === 10) {
				this.line++;
				this.lineStart = base + i + 1;
			}
			switch (state) {
				case IN_VALUE:
				case IN_ITEM:
					if (this.scalar) {
						if (isSpace(c) || c === 44 || c === 125 || c === 93) {
							this.emit(text, start, i, out);
							start = -1;
							i--; // the delimiter belongs to the next state
							if (c === 10) this.line--; // counted again when re-read
						}
						continue;
					}
					if (c === QUOTE) this.inString = true;
					else if (c === 123 || c === 91) this.depth++;
					else if (c === 125 || c === 93) {
						this.depth--;
						if (this.depth === 0) {
							this.emit(text, start, i + 1, out);
							start = -1;
						}
					}
					continue;
				default:
					if (isSpace(c)) continue;
			}
			switch (state) {
				case BEFORE:
					if (c !== 123) fail(i, `expected '{' to open ${this.what}, found ${JSON.stringify(text.slice(i, i + 20))}`);
					this.state = KEY_OR_CLOSE;
					continue;
				case KEY_OR_CLOSE:
				case KEY:
					if (c === 125 && state === KEY_OR_CLOSE) {
						this.state = DONE;
						continue;
					}
					if (c !== QUOTE)
						fail(i, c === 125 ? `a comma before the closing '}' of ${this.what} (trailing comma)` : `expected a field name in quotes, found ${JSON.stringify(text.slice(i, i + 20))}`);
					this.state = IN_KEY;
					this.startPiece(i, base);
					start = i;
					continue;
				case COLON:
					if (c !== 58) fail(i, `expected ':' after the field name "${this.key}"`);
					this.state = VALUE_START;
					continue;
				case VALUE_START:
					if (c === 91 && this.streamed.has(this.key)) {
						out.push({ kind: 'array', key: this.key, text: '', line: this.line, column: base + i - this.lineStart + 1 });
						this.state = ITEM_OR_CLOSE;
						this.itemIndex = 0;
						this.afterComma = false;
						continue;
					}
					this.startValue(c, i, base, IN_VALUE);
					start = i;
					continue;
				case AFTER_VALUE:
					if (c === 44) this.state = KEY;
					else if (c === 125) this.state = DONE;
					else fail(i, `expected ',' or '}' after the value of "${this.key}", found ${JSON.stringify(text.slice(i, i + 20))}`);
					continue;
				case ITEM_OR_CLOSE:
					if (c === 93) {
						if (this.afterComma) fail(i, `a comma before the closing ']' of "${this.key}" (trailing comma)`);
						this.state = AFTER_VALUE;
						continue;
					}
					if (c === 44) fail(i, this.afterComma ? `two commas in a row in "${this.key}" (an item is missing)` : `a comma right after '[' in "${this.key}" (an item is missing)`);
					this.startValue(c, i, base, IN_ITEM);
					start = i;
					continue;
				case AFTER_ITEM:
					if (c === 44) {
						this.state = ITEM_OR_CLOSE;
						this.afterComma = true;
					} else if (c === 93) this.state = AFTER_VALUE;
					else fail(i, `expected ',' or ']' after item ${this.itemIndex - 1} of "${this.key}", found ${JSON.stringify(text.slice(i, i + 20))}`);
					continue;
				case DONE:
					fail(
						i,
						c === 123
							? `a second JSON object after the end of ${this.what}; a SuperNI task file holds one task (use one file per task)`
							: `unexpected ${JSON.stringify(text.slice(i, i + 20))} after the closing '}' of ${this.what} (trailing garbage)`
					);
			}
		}
		if (start !== -1) this.carry(start <= 0 ? text : text.slice(start));
		this.offset = base + n;
	}

	end(out: DocumentPiece[]): void {
		if (this.state === DONE) return;
		const last: ErrorPlace = { line: this.line, column: this.offset - this.lineStart + 1 };
		if ((this.state === IN_VALUE || this.state === IN_ITEM) && this.scalar) {
			this.emit('', -1, 0, out);
			this.state = this.state === IN_VALUE ? AFTER_VALUE : AFTER_ITEM;
		}
		if (this.state === BEFORE) throw ImportError.at(this.file, null, `expected ${this.what} starting with '{'`);
		const inside =
			this.state === IN_ITEM ? ` inside item ${this.itemIndex} of "${this.key}" (line ${this.pieceLine}, column ${this.pieceColumn})` : this.state === IN_VALUE || this.state === ITEM_OR_CLOSE || this.state === AFTER_ITEM ? ` inside the value of "${this.key}"` : '';
		throw ImportError.at(this.file, last, `the file ends before the closing '}' of ${this.what}${inside} (truncated file?)`);
	}

	position(): ErrorPlace {
		return { line: this.line, column: this.offset - this.lineStart + 1 };
	}

	private startPiece(i: number, base: number): void {
		this.pieceLine = this.line;
		this.pieceColumn = base + i - this.lineStart + 1;
		this.pieces = [];
		this.pieceLength = 0;
	}

	private startValue(c: number, i: number, base: number, state: number): void {
		this.startPiece(i, base);
		this.state = state;
		this.depth = 0;
		this.inString = false;
		this.escape = false;
		this.scalar = false;
		if (c === QUOTE) this.inString = true;
		else if (c === 123 || c === 91) this.depth = 1;
		else this.scalar = true;
	}

	private carry(s: string): void {
		this.pieces.push(s);
		this.pieceLength += s.length;
		if (this.pieceLength > this.maxRecordChars) throw this.tooLarge();
	}

	private tooLarge(): ImportError {
		const what = this.state === IN_ITEM ? `item ${this.itemIndex} of "${this.key}"` : this.state === IN_KEY ? 'a field name' : `the value of "${this.key}"`;
		return ImportError.at(
			this.file,
			{ line: this.pieceLine, column: this.pieceColumn },
			`${what} is longer than ${this.maxRecordChars.toLocaleString('en-US')} characters, the most one record may hold (MAX_RECORD_CHARS)`
		);
	}

	/** The text of the piece that ends at `end` in this chunk. */
	private take(text: string, start: number, end: number): string {
		let piece: string;
		if (this.pieces.length) {
			this.pieces.push(text.slice(0, end));
			piece = this.pieces.join('');
			this.pieces = [];
		} else piece = text.slice(start, end);
		this.pieceLength = 0;
		if (piece.length > this.maxRecordChars) throw this.tooLarge();
		return piece;
	}

	private parseKey(raw: string, at: number): string {
		try {
			return JSON.parse(raw) as string;
		} catch {
			throw ImportError.at(this.file, { line: this.pieceLine, column: this.pieceColumn }, `malformed field name ${raw.slice(0, 40)} (near column ${at})`);
		}
	}

	private emit(text: string, start: number, end: number, out: DocumentPiece[]): void {
		const value = this.take(text, start, end);
		if (this.state === IN_ITEM) {
			out.push({ kind: 'item', key: this.key, index: this.itemIndex++, text: value, line: this.pieceLine, column: this.pieceColumn });
			this.state = AFTER_ITEM;
			this.afterComma = false;
		} else {
			out.push({ kind: 'member', key: this.key, text: value, line: this.pieceLine, column: this.pieceColumn });
			this.state = AFTER_VALUE;
		}
	}
}
