/**
 * A Parquet row group from a column block (query.ts selectColumnBlocks): each column's UTF-8
 * bytes cut into its values, which the writer copies into its pages as they are.
 */
import { isUtf8 } from 'node:buffer';
// Relative: the export encoder's worker thread loads this module.
import { splitByLengths, type ParquetGroup, type ParquetText } from '../../formats/serialize-parquet';

/** One column of a block: the values' UTF-8 bytes end to end, and their byte lengths comma-separated. */
export interface ColumnBytes {
	bytes: Uint8Array;
	lengths: string | null;
}

const utf8 = new TextDecoder();

export function columnGroup(columns: readonly [ColumnBytes, ColumnBytes, ColumnBytes], rows: number): ParquetGroup {
	const values = (c: ColumnBytes): ParquetText[] => {
		const views = splitByLengths(c.bytes, c.lengths, rows);
		// Text stored as invalid UTF-8 (a lone surrogate, or bytes another tool wrote) goes out as the
		// rows path reads it, with U+FFFD, never as raw bytes a strict reader would refuse.
		return isUtf8(c.bytes) ? views : views.map((v) => utf8.decode(v));
	};
	return [values(columns[0]), values(columns[1]), values(columns[2])];
}
