/**
 * A table as a paper prints it: caption, column headings with alignment, rows of already
 * formatted cells, optional group rules and notes. The report's tables are mapped to this
 * shape once and written out as LaTeX (booktabs) or Markdown from it, so the two never differ.
 */
export type Align = 'left' | 'right' | 'center';

export interface PaperColumn {
	heading: string;
	align: Align;
}

export interface PaperTable {
	caption: string;
	/** LaTeX \label{…}; letters, digits and :-_. only. */
	label?: string;
	columns: PaperColumn[];
	/** Each row has exactly one cell per column. */
	rows: string[][];
	/** Row indexes before which a rule (\midrule) separates groups of rows. */
	ruleBefore?: number[];
	/** Sentences printed under the table (n, interval method, sources). */
	notes?: string[];
}

/** Throws when a row's length differs from the columns', naming the row (a programming error). */
export function checkShape(table: PaperTable): void {
	table.rows.forEach((row, i) => {
		if (row.length !== table.columns.length)
			throw new Error(`table "${table.caption}": row ${i + 1} has ${row.length} cells for ${table.columns.length} columns`);
	});
	if (table.label !== undefined && !/^[A-Za-z0-9:_.-]+$/.test(table.label))
		throw new Error(`table "${table.caption}": label "${table.label}" may hold only letters, digits and : _ . -`);
}
