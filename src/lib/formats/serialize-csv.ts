/**
 * CSV export through the app's one CSV writer (csv.ts): RFC 4180 with a header row, UTF-8
 * without a byte-order mark, which pandas.read_csv and datasets.load_dataset("csv") parse.
 * Fields holding a comma, a quote or a line break are quoted; line breaks inside fields are kept.
 * Text starting like a spreadsheet formula (= + - @, a tab or CR: also every "- " bullet list, but
 * not a plain number such as "-5") gets a leading "'" unless `csvKeepFormulas` is set, so by default those cells are not read
 * back as stored; the export manifest's options.csvFormulas says which was written.
 */
import { csvRows, CSV_ROW_END } from './csv';
import type { ExportRecord, RecordLayout, RecordSerializer, SerializeOptions } from './serialize';

export const CSV_COLUMNS = ['instruction', 'input', 'output'] as const;

/** The header row, then one row per record: how the export glues the rows SQLite writes by block. */
export const CSV_LAYOUT: RecordLayout = { begin: csvRows([CSV_COLUMNS]), first: '', between: '', after: CSV_ROW_END, end: '', emptyEnd: '' };

export function csvSerializer(options: Pick<SerializeOptions, 'csvKeepFormulas'> = {}): RecordSerializer {
	const csv = { neutraliseFormulas: !options.csvKeepFormulas };
	return {
		begin: () => CSV_LAYOUT.begin,
		write: (r: ExportRecord) => csvRows([[r.instruction, r.input, r.output]], csv),
		end: () => ''
	};
}
