/**
 * What a restore changes, in rows: per table, how many the database it replaced held against the
 * backup it put in place. Rows only in the replaced database are gone from the live one (they
 * survive only in the pre-restore file), so a restore names them rather than letting a count
 * drop quietly.
 */

export type RowCounts = Record<string, number>;

export interface TableDifference {
	table: string;
	/** Rows in the backup (now the live database). */
	backup: number;
	/** Rows in the database the restore replaced. */
	replaced: number;
}

/** The tables whose row counts differ, in table-name order; a table missing on one side counts 0 there. */
export function rowDifferences(backup: RowCounts, replaced: RowCounts): TableDifference[] {
	return [...new Set([...Object.keys(backup), ...Object.keys(replaced)])]
		.sort()
		.map((table) => ({ table, backup: backup[table] ?? 0, replaced: replaced[table] ?? 0 }))
		.filter((d) => d.backup !== d.replaced);
}

/**
 * The tables people know by name, as the app calls their rows. Others (ratings per question,
 * turns, the search index's own tables, caches, the migrations journal) follow from these and
 * are left to the --json output.
 */
const ROW_NAMES: Record<string, [one: string, many: string]> = {
	users: ['account', 'accounts'],
	datasets: ['dataset', 'datasets'],
	imports: ['import', 'imports'],
	tasks: ['task', 'tasks'],
	instances: ['instance', 'instances'],
	audits: ['audit', 'audits'],
	audit_items: ['audit item', 'audit items'],
	audit_labels: ['label', 'labels'],
	audit_archived_labels: ['set-aside label', 'set-aside labels'],
	audit_adjudications: ['adjudication', 'adjudications'],
	generation_runs: ['generation run', 'generation runs'],
	generation_candidates: ['candidate', 'candidates'],
	judge_labels: ['judge label', 'judge labels'],
	endpoints: ['endpoint', 'endpoints']
};

export function countRows(n: number, table: string): string {
	const [one, many] = ROW_NAMES[table] ?? [`${table} row`, `${table} rows`];
	return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "1 label, 2 accounts": the named tables where `side` holds more rows than the other, or null. */
function more(differences: TableDifference[], side: 'backup' | 'replaced'): string | null {
	const other = side === 'backup' ? 'replaced' : 'backup';
	const parts = differences.filter((d) => d.table in ROW_NAMES && d[side] > d[other]).map((d) => countRows(d[side] - d[other], d.table));
	return parts.length ? parts.join(', ') : null;
}

/**
 * Sentences for a person: what the replaced database had that the restored one has not (and
 * where it is kept), and what the backup brought back. Empty when the named tables agree.
 */
export function describeRowDifferences(differences: TableDifference[], keptAs: string | null): string[] {
	const lines: string[] = [];
	const lost = more(differences, 'replaced');
	if (lost) lines.push(`the replaced database had ${lost} more than the backup; ${keptAs ? `they are only in ${keptAs}` : 'they are gone'}`);
	const back = more(differences, 'backup');
	if (back) lines.push(`the backup has ${back} more than the replaced database (removed since the backup, now back)`);
	return lines;
}
