/**
 * Splitting decoded text into one JSON text per record, chunk by chunk, so a file of any size
 * is never held in memory whole: JSON Lines by newline, a top-level JSON array by a small
 * scanner that tracks nesting depth, strings and escapes and cuts at the array's own commas.
 * Each record's text is handed to JSON.parse on its own.
 */
import { NUMBER_SETTINGS } from '../../../scripts/settings.js';
import { ImportError, type ErrorPlace } from './import-error';

/** The JSON text of one record and where it starts. */
export interface RawRecord {
	text: string;
	/** 1-based line of the record's first character. */
	line: number;
	/** 1-based column (UTF-16 code units) of the record's first character; array items only. */
	column?: number;
	/** 0-based position in the top-level array; array items only. */
	index?: number;
}

export interface RecordSplitter {
	/** Feed the next piece of text; complete records are appended to `out`. */
	push(text: string, out: RawRecord[]): void;
	/** The text is over: flush the last record or report what is missing. */
	end(out: RawRecord[]): void;
	/** Where the next character would land, to place errors found outside the splitter. */
	position(): ErrorPlace;
}

/**
 * Default for the largest single record accepted (MAX_RECORD_CHARS). Real rows are kilobytes;
 * the cap keeps one huge field from making every page that shows it megabytes long, and a file
 * that is not line- or item-delimited (one giant object, a wrong format) from being pulled into
 * memory whole.
 */
export const MAX_RECORD_CHARS: number = NUMBER_SETTINGS.MAX_RECORD_CHARS.default;

function tooLarge(file: string, place: ErrorPlace, what: string, limit: number): ImportError {
	return ImportError.at(
		file,
		place,
		`${what} is longer than ${limit.toLocaleString('en-US')} characters, the most one record may hold (MAX_RECORD_CHARS); ` +
			'expected one JSON object per line (JSON Lines) or a JSON array of objects'
	);
}

function isBlank(s: string): boolean {
	// Fast path: nearly every line starts with '{'.
	return s.length === 0 || (s.charCodeAt(0) !== 123 && s.trim().length === 0);
}

export class JsonLinesSplitter implements RecordSplitter {
	private pieces: string[] = [];
	private pendingLength = 0;
	/** Lines completed so far. */
	private line = 0;

	constructor(
		private readonly file: string,
		private readonly maxRecordChars = MAX_RECORD_CHARS
	) {}

	push(text: string, out: RawRecord[]): void {
		let nl = text.indexOf('\n');
		if (nl === -1) {
			this.carry(text);
			return;
		}
		if (this.pieces.length) {
			const head = this.pieces.join('') + text.slice(0, nl);
			this.pieces = [];
			this.pendingLength = 0;
			this.emit(head, out);
		} else {
			this.emit(text.slice(0, nl), out);
		}
		let start = nl + 1;
		while ((nl = text.indexOf('\n', start)) !== -1) {
			this.emit(text.slice(start, nl), out);
			start = nl + 1;
		}
		if (start < text.length) this.carry(text.slice(start));
	}

	end(out: RawRecord[]): void {
		if (this.pieces.length) {
			const last = this.pieces.join('');
			this.pieces = [];
			this.pendingLength = 0;
			this.emit(last, out);
		}
	}

	position(): ErrorPlace {
		return { line: this.line + 1, column: this.pendingLength + 1 };
	}

	private carry(s: string): void {
		this.pieces.push(s);
		this.pendingLength += s.length;
		if (this.pendingLength > this.maxRecordChars)
			throw tooLarge(this.file, { line: this.line + 1 }, 'the line', this.maxRecordChars);
	}

	private emit(s: string, out: RawRecord[]): void {
		this.line++;
		if (s.length > this.maxRecordChars) throw tooLarge(this.file, { line: this.line }, 'the line', this.maxRecordChars);
		if (!isBlank(s)) out.push({ text: s, line: this.line });
	}
}

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

/** Number of consecutive backslashes right before `end`, not looking before `from`. */
function backslashesBefore(text: string, end: number, from: number): number {
	let k = end;
	while (k > from && text.charCodeAt(k - 1) === BACKSLASH) k--;
	return end - k;
}

/** Splits `[ item, item, … ]` into item texts. The caller guarantees the text starts (after whitespace) with '['. */
export class JsonArraySplitter implements RecordSplitter {
	/** 0 before '[' and after ']'; 1 between items; more inside an item. */
	private depth = 0;
	private opened = false;
	private closed = false;
	private inString = false;
	private escape = false;
	private inItem = false;
	/** After a ',' at depth 1, with no item since (to tell "[1,]" from "[1]"). */
	private afterComma = false;
	private itemPieces: string[] = [];
	private itemLength = 0;
	private itemLine = 0;
	private itemColumn = 0;
	private nextIndex = 0;
	private line = 1;
	/** Absolute offset (UTF-16 units from the start of the text) of the current line's first character. */
	private lineStart = 0;
	/** Absolute offset of the next push's first character. */
	private offset = 0;

	constructor(
		private readonly file: string,
		private readonly maxRecordChars = MAX_RECORD_CHARS
	) {}

	push(text: string, out: RawRecord[]): void {
		const base = this.offset;
		// The scan state lives in locals while scanning (hot loop) and is stored back at the end.
		let { depth, inString, escape, inItem, line, lineStart, afterComma } = this;
		let itemStart = inItem ? 0 : -1;
		const fail = (i: number, detail: string, withIndex = true): never => {
			throw ImportError.at(
				this.file,
				{
					line,
					column: base + i - lineStart + 1,
					...(withIndex && this.opened && !this.closed ? { index: this.nextIndex } : {})
				},
				detail
			);
		};
		const n = text.length;
		for (let i = 0; i < n; i++) {
			if (inString) {
				// Jump from quote to quote (most of a file is string content): a quote ends the
				// string unless an odd run of backslashes precedes it. Positions from `i` on are
				// never the escaped character of an earlier backslash, so runs are counted from `i`.
				if (escape) {
					escape = false;
					continue;
				}
				let q = text.indexOf('"', i);
				while (q !== -1 && backslashesBefore(text, q, i) % 2 === 1) q = text.indexOf('"', q + 1);
				if (q === -1) {
					escape = backslashesBefore(text, n, i) % 2 === 1;
					i = n;
					break;
				}
				inString = false;
				i = q;
				continue;
			}
			const c = text.charCodeAt(i);
			switch (c) {
				case 32:
				case 9:
				case 13:
					continue;
				case NEWLINE:
					line++;
					lineStart = base + i + 1;
					continue;
				case 44: // ,
					if (depth === 1) {
						if (!inItem) fail(i, afterComma ? 'two commas in a row (an item is missing)' : "a comma right after '[' (an item is missing)");
						this.finishItem(text, itemStart, i, out);
						inItem = false;
						itemStart = -1;
						afterComma = true;
					} else if (depth === 0) this.outside(fail, i, text);
					continue;
				case 93: // ]
					if (depth === 1) {
						if (inItem) {
							this.finishItem(text, itemStart, i, out);
							inItem = false;
							itemStart = -1;
						} else if (afterComma) fail(i, "a comma before the closing ']' (trailing comma)", false);
						depth = 0;
						this.closed = true;
					} else if (depth === 0) this.outside(fail, i, text);
					else depth--;
					continue;
				case 125: // }
					if (depth <= 1) {
						if (depth === 0) this.outside(fail, i, text);
						fail(i, "unexpected '}' (more closing braces than opening ones)");
					}
					depth--;
					continue;
				case 91: // [
				case 123: // {
					if (depth === 0) {
						if (!this.opened && c === 91) {
							this.opened = true;
							depth = 1;
							continue;
						}
						this.outside(fail, i, text);
					}
					if (depth === 1 && !inItem) {
						inItem = true;
						itemStart = i;
						this.startItem(line, base + i - lineStart + 1);
						afterComma = false;
					}
					depth++;
					continue;
				default:
					if (depth === 0) this.outside(fail, i, text);
					if (depth === 1 && !inItem) {
						inItem = true;
						itemStart = i;
						this.startItem(line, base + i - lineStart + 1);
						afterComma = false;
					}
					if (c === QUOTE) inString = true;
					continue;
			}
		}
		if (inItem) {
			const rest = itemStart <= 0 ? text : text.slice(itemStart);
			this.itemPieces.push(rest);
			this.itemLength += rest.length;
			if (this.itemLength > this.maxRecordChars)
				throw tooLarge(
					this.file,
					{ line: this.itemLine, column: this.itemColumn, index: this.nextIndex },
					'the item',
					this.maxRecordChars
				);
		}
		this.depth = depth;
		this.inString = inString;
		this.escape = escape;
		this.inItem = inItem;
		this.line = line;
		this.lineStart = lineStart;
		this.afterComma = afterComma;
		this.offset = base + n;
	}

	end(out: RawRecord[]): void {
		if (!this.opened) throw ImportError.at(this.file, null, "expected a JSON array starting with '['");
		if (this.closed) return;
		// The end of the file, not the item's start, is where the problem shows.
		const last = { line: this.line, column: this.offset - this.lineStart + 1 };
		if (this.inString) {
			throw ImportError.at(
				this.file,
				last,
				`the file ends inside a string of item ${this.nextIndex} (line ${this.itemLine}, column ${this.itemColumn}) (truncated file?)`
			);
		}
		if (this.inItem) {
			// The scanner cannot tell an unfinished item from one with mismatched brackets
			// (`[{"a": 1]`); JSON.parse can, so hand it a broken item for the precise complaint.
			const text = this.itemPieces.join('');
			let parses = true;
			try {
				JSON.parse(text);
			} catch {
				parses = false;
			}
			if (!parses) {
				out.push({ text, line: this.itemLine, column: this.itemColumn, index: this.nextIndex });
				return;
			}
		}
		throw ImportError.at(this.file, last, "the file ends before the JSON array's closing ']' (truncated file?)");
	}

	position(): ErrorPlace {
		return {
			line: this.line,
			column: this.offset - this.lineStart + 1,
			...(this.opened && !this.closed && this.inItem ? { index: this.nextIndex } : {})
		};
	}

	private startItem(line: number, column: number): void {
		this.itemLine = line;
		this.itemColumn = column;
	}

	private finishItem(text: string, itemStart: number, end: number, out: RawRecord[]): void {
		let itemText: string;
		if (this.itemPieces.length) {
			this.itemPieces.push(text.slice(0, end));
			itemText = this.itemPieces.join('');
			this.itemPieces = [];
			this.itemLength = 0;
		} else itemText = text.slice(itemStart, end);
		if (itemText.length > this.maxRecordChars)
			throw tooLarge(this.file, { line: this.itemLine, column: this.itemColumn, index: this.nextIndex }, 'the item', this.maxRecordChars);
		out.push({ text: itemText, line: this.itemLine, column: this.itemColumn, index: this.nextIndex++ });
	}

	/** A non-space character where none may be: before '[' or after the closing ']'. */
	private outside(fail: (i: number, detail: string, withIndex?: boolean) => never, i: number, text: string): never {
		const snippet = JSON.stringify(text.slice(i, i + 20));
		return fail(
			i,
			this.closed
				? `unexpected ${snippet} after the JSON array's closing ']' (trailing garbage)`
				: `expected a JSON array starting with '[', found ${snippet}`,
			false
		);
	}
}
