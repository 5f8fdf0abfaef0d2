/**
 * CSV export through the app's one CSV writer (csv.ts): RFC 4180 with a header row, UTF-8
 * without a byte-order mark, which pandas.read_csv and datasets.load_dataset("csv") read as is.
 * Fields holding a comma, a quote or a line break are quoted; line breaks inside fields are kept.
 * Text starting like a spreadsheet formula gets a leading "'" unless `csvKeepFormulas` is set.
 */
import { csvRows } from './csv';
import type { ExportRecord, RecordSerializer, SerializeOptions } from './serialize';

export const CSV_COLUMNS = ['instruction', 'input', 'output'] as const;

export function csvSerializer(options: Pick<SerializeOptions, 'csvKeepFormulas'> = {}): RecordSerializer {
	const csv = { neutraliseFormulas: !options.csvKeepFormulas };
	return {
		begin: () => csvRows([CSV_COLUMNS], csv),
		write: (r: ExportRecord) => csvRows([[r.instruction, r.input, r.output]], csv),
		end: () => ''
	};
}
