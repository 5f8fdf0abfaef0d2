import { FORMATS, isImportable, type FormatId, type RecordLocation } from './types';

/** Where in the file something went wrong; `index` is set only for items of a top-level JSON array. */
export interface ErrorPlace {
	line?: number;
	column?: number;
	index?: number;
}

export interface ImportErrorDetails extends ErrorPlace {
	file: string;
	/** Dotted path of the offending field, e.g. `instances[2].output`. */
	field?: string;
}

/**
 * A file the importer refuses. The message names the file, the place (line, or array item with
 * its line and column) and the field, so a user can find the problem without a stack trace:
 * `alpaca.json: item 12 (line 1, column 5031): field "output" must be a string, got number`.
 * Build one with `ImportError.at(file, place, detail, field)` to get that message composed.
 */
export class ImportError extends Error {
	readonly file: string;
	readonly line?: number;
	readonly column?: number;
	readonly index?: number;
	readonly field?: string;
	/** The message without the file and place prefix. */
	readonly detail: string;

	constructor(message: string, details: ImportErrorDetails, detail: string = message) {
		super(message);
		this.name = 'ImportError';
		this.file = details.file;
		this.line = details.line;
		this.column = details.column;
		this.index = details.index;
		this.field = details.field;
		this.detail = detail;
	}

	/** `file: place: detail`, with the place left out when there is none (e.g. the file is too large). */
	static at(file: string, place: ErrorPlace | null, detail: string, field?: string): ImportError {
		const where = place ? describePlace(place) : '';
		return new ImportError(`${file}: ${where ? where + ': ' : ''}${detail}`, { file, ...place, field }, detail);
	}
}

export function describePlace(place: ErrorPlace | RecordLocation): string {
	const pos =
		place.line === undefined
			? ''
			: place.column === undefined
				? `line ${place.line}`
				: `line ${place.line}, column ${place.column}`;
	if (place.index !== undefined) return pos ? `item ${place.index} (${pos})` : `item ${place.index}`;
	return pos;
}

/**
 * A problem with one record's content, thrown by the record readers without knowing where the
 * record sits in the file; parseImport adds the file and place.
 */
export class RecordError extends Error {
	readonly field?: string;
	constructor(detail: string, field?: string) {
		super(detail);
		this.name = 'RecordError';
		this.field = field;
	}
}

/**
 * Refuses a file whose format the dataset import cannot store whole yet, rather than keep part
 * of each record (a conversation's later turns, SuperNI's examples, the two sides of a pair).
 */
export function assertImportable(format: FormatId, file: string): void {
	if (isImportable(format)) return;
	const label = FORMATS.find((f) => f.id === format)?.label ?? format;
	throw new ImportError(
		`${file}: this is a ${label} file; the dataset import cannot store this format yet (its turns, examples or pairs would be lost), so nothing was imported.`,
		{ file },
		`the dataset import cannot store ${label} files yet`
	);
}
