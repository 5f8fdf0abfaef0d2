import { formatByteSize } from '$lib/formats/file-size';
import path from 'node:path';
import { CliError, usageError } from '../cli-error';
import { parseCommandArgs } from '../args';
import { printJson, printTable } from '../output';
import { BackupError, createBackup, listBackups } from '$lib/server/backups';
import { config } from '$lib/server/config';
import { countRows } from '$lib/backups/row-differences';

const USAGE = `Usage:
  npx instruct-audit backup [--out <file>] [--json]
  npx instruct-audit backup list [--json]

Copies the live database (SQLite's online backup: safe while the server runs and reviewers
work) to --out, or to a new file in BACKUP_DIR (default: backups/ beside the database — data/backups,
or beside DATABASE_PATH's file when that is set), verifies the copy
(integrity_check, row counts equal to the database's at that instant) and reports its size.
The file is written under a temporary name and renamed when verified: it either exists whole
or not at all. It holds password hashes and API keys: keep it safe.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
	if (positionals[0] === 'list') {
		const rows = listBackups();
		if (values.json) printJson(rows.map((b) => ({ ...b, file: path.join(config().backupDir, b.name) })));
		else printTable(rows.map((b) => ({ file: b.name, kind: b.kind, taken: b.at, size: formatByteSize(b.bytes), note: b.problem ?? '' })));
		return;
	}
	if (positionals.length) throw usageError(`Unknown action "${positionals[0]}".`, USAGE);
	const backup = await createBackup({ out: values.out, kind: 'manual' }).catch((err) => {
		// An --out that exists: named as every command names an existing file (code exists, with the file).
		throw err instanceof BackupError && err.code === 'exists' && values.out ? new CliError(err.message, 1, { file: path.resolve(values.out) }, undefined, 'exists') : err;
	});
	if (values.json) {
		printJson(backup);
		return;
	}
	console.log(`${backup.file}`);
	console.log(
		`${formatByteSize(backup.bytes)} in ${(backup.ms / 1000).toFixed(2)} s; verified: integrity_check ok, ${Object.keys(backup.tables).length} tables with the database's row counts ` +
			`(${countRows(backup.tables.instances ?? 0, 'instances')}, ${countRows(backup.tables.audit_labels ?? 0, 'audit_labels')}), ${backup.migrations.applied} migrations`
	);
}
