/**
 * CSV export through csv-stringify: RFC 4180 (comma, double quotes doubled inside quoted
 * fields, CRLF between records, a header row), UTF-8 without a byte-order mark, which
 * pandas.read_csv and datasets.load_dataset("csv") read as is. Fields holding a comma, a quote
 * or a line break are quoted; line breaks inside fields are kept as they are.
 */
import { stringify } from 'csv-stringify/sync';
import type { ExportRecord, RecordSerializer } from './serialize';

export const CSV_COLUMNS = ['instruction', 'input', 'output'] as const;

// Giving a record delimiter turns off csv-stringify's quoting of lone "\n" and "\r"; readers
// (pandas, Python's csv) end a record at either, so every field holding one must be quoted.
const OPTIONS = { record_delimiter: 'windows', quote_record_delimiter: true, quoted_empty: false } as const;

export function csvSerializer(): RecordSerializer {
	return {
		begin: () => stringify([CSV_COLUMNS as unknown as string[]], OPTIONS),
		write: (r: ExportRecord) => stringify([[r.instruction, r.input, r.output]], OPTIONS),
		end: () => ''
	};
}
