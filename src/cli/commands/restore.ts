import { CliError, usageError } from '../cli-error';
import { requireReadableFile } from '../files';
import { parseCommandArgs } from '../args';
import { printJson } from '../output';
import { restoreBackup } from '$lib/server/backups';
import { BackupError } from '$lib/server/backups/errors';
import { config } from '$lib/server/config';

const USAGE = `Usage:
  npx instruct-audit restore <backup file> [--json]

Replaces the database (DATABASE_PATH) with a backup. Stop the server first: the restore refuses
while any process has the database open. The backup is checked before anything changes (a
sound SQLite database of this app, from this version or an older one — then migrated); the
current database is kept in BACKUP_DIR as a "pre-restore" backup; the restored file's row
counts are checked against the backup's. Then start the server again.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
	const from = positionals[0];
	if (!from || positionals.length > 1) throw usageError(`Give one backup file.`, USAGE);
	requireReadableFile(from);
	let result;
	try {
		result = await restoreBackup({ from });
	} catch (err) {
		// The one refusal with no code of its own: the database is held by the server (or a CLI run).
		if (err instanceof BackupError && err.status === 409 && err.code === 'invalid') throw new CliError(err.message, 1, { file: config().databasePath }, undefined, 'in_use');
		throw err;
	}
	if (values.json) {
		printJson(result);
		return;
	}
	console.log(`restored ${from} into ${config().databasePath}`);
	console.log(
		`rows: ${Object.values(result.tables).reduce((a, b) => a + b, 0)} in ${Object.keys(result.tables).length} tables (${result.tables.instances ?? 0} instances, ${result.tables.audit_labels ?? 0} labels), equal to the backup's`
	);
	if (result.migrated) console.log(`brought up to date: ${result.migrated} migration(s) applied`);
	if (result.previous) console.log(`the database it replaced is kept as ${result.previous}`);
}
