/**
 * The one way the app writes CSV (dataset exports, report, labels, items, comparison): RFC 4180
 * through csv-stringify — comma, double quotes doubled inside quoted fields, CRLF between
 * records, UTF-8 without a byte-order mark — with every text cell that a spreadsheet would run
 * as a formula neutralised.
 *
 * A spreadsheet treats a cell starting with = + - @ (or a tab or carriage return before one) as
 * a formula, and formulas can fetch URLs or run commands (OWASP "CSV injection"). Text cells
 * starting with one of those characters get a leading apostrophe, which spreadsheets show as
 * text and do not display. Numbers are written as they are (a negative number stays a number), and
 * so is text that is exactly a number ("-5", "+3", "-0.25", "-1e-3"): a spreadsheet reads it as
 * that number, not as a formula. Programs that read the file as data can ask for the cells as
 * stored instead.
 */
import { stringify } from 'csv-stringify/sync';

/** The first characters of a text cell that a spreadsheet would run as a formula. */
export const FORMULA_START_CHARACTERS = '=+-@\t\r';
const FORMULA_START = new RegExp(`^[${[...FORMULA_START_CHARACTERS].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`);

export interface CsvOptions {
	/** Prefix text cells that start like a formula with "'" (default true). */
	neutraliseFormulas?: boolean;
}

/**
 * A signed decimal or scientific literal and nothing else: what a spreadsheet reads as a number even
 * though it starts with + or -. Anything more ("-2+3", "-1e5 ", "-0x10", "-Infinity") is a formula or text.
 */
const SIGNED_NUMBER = /^[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a text cell starting with a formula character is a plain number instead (written as it is). */
export function isSignedNumberText(text: string): boolean {
	return SIGNED_NUMBER.test(text);
}

/** A text cell as written: with a leading apostrophe when it would start a formula. */
export function neutraliseFormula(text: string): string {
	return FORMULA_START.test(text) && !isSignedNumberText(text) ? `'${text}` : text;
}

function cell(value: unknown, neutralise: boolean): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number' || typeof value === 'bigint') return String(value);
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	const text = value instanceof Date ? value.toISOString() : String(value);
	return neutralise ? neutraliseFormula(text) : text;
}

// Giving a record delimiter turns off csv-stringify's quoting of lone "\n" and "\r"; readers
// (pandas, Python's csv) end a record at either, so every field holding one must be quoted.
const STRINGIFY_OPTIONS = { record_delimiter: 'windows', quote_record_delimiter: true, quoted_empty: false, header: false } as const;

/**
 * The characters that get a field quoted (its quotes doubled), as csv-stringify decides with
 * STRINGIFY_OPTIONS: the comma, the quote, and either line break. A test holds this to
 * csv-stringify over every code unit; the export's SQL quotes by it (exports/query.ts).
 */
export const CSV_QUOTED_CHARACTERS = ',"\n\r';
/** What ends every row, the last one included. */
export const CSV_ROW_END = '\r\n';

/** Rows as CSV text (each row ends with CRLF). Give the header as the first row. */
export function csvRows(rows: Iterable<ReadonlyArray<unknown>>, options: CsvOptions = {}): string {
	const neutralise = options.neutraliseFormulas ?? true;
	const cells: string[][] = [];
	for (const row of rows) cells.push(row.map((v) => cell(v, neutralise)));
	return cells.length ? stringify(cells, STRINGIFY_OPTIONS) : '';
}

/** A header row and data rows as one CSV text. */
export function csvTable(columns: readonly string[], rows: Iterable<ReadonlyArray<unknown>>, options: CsvOptions = {}): string {
	return csvRows([columns, ...rows], options);
}
