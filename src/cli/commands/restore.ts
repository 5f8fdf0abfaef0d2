import fs from 'node:fs';
import { CliError, usageError } from '../cli-error';
import { requireReadableFile } from '../files';
import { parseCommandArgs } from '../args';
import { printJson } from '../output';
import { restoreBackup } from '$lib/server/backups';
import { BackupError } from '$lib/server/backups/errors';
import { config } from '$lib/server/config';
import { countRows, describeRowDifferences } from '$lib/backups/row-differences';

const USAGE = `Usage:
  DATABASE_PATH=<the server's database file> npx instruct-audit restore <backup file> [--create] [--json]

Replaces the database (DATABASE_PATH) with a backup; a database file that does not exist is
refused (a mistyped path, or the default one from the wrong folder), unless --create asks for a
new database made from the backup at that path. Stop the server first: the restore refuses
while any process has the database open. The backup is checked before anything changes (a
sound SQLite database of this app, from this version or an older one — then migrated); the
current database is kept in BACKUP_DIR as a "pre-restore" backup; the restored file's row
counts are checked against the backup's, and the tables where the replaced database held more
(or fewer) rows are named: rows only in the replaced database are then only in the pre-restore
file. Accounts, passwords and roles are as they were at the backup, and every sign-in session is
ended: everyone signs in again. Then start the server again.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, create: { type: 'boolean' } }, USAGE);
	const from = positionals[0];
	if (!from || positionals.length > 1) throw usageError(`Give one backup file.`, USAGE);
	requireReadableFile(from);
	const target = config().databasePath;
	const creating = !fs.existsSync(target);
	if (creating && !values.create) {
		throw new CliError(
			`There is no database at ${target} (DATABASE_PATH), so there is nothing to replace. Set DATABASE_PATH to the server's database file (Admin → Backups shows the command), or add --create to make a new database there from the backup.`,
			1,
			{ file: target },
			undefined,
			'not_found'
		);
	}
	let result;
	try {
		result = await restoreBackup({ from });
	} catch (err) {
		// The one refusal with no code of its own: the database is held by the server (or a CLI run).
		if (err instanceof BackupError && err.status === 409 && err.code === 'invalid') throw new CliError(err.message, 1, { file: config().databasePath }, undefined, 'in_use');
		throw err;
	}
	if (values.json) {
		printJson({ ...result, created: creating });
		return;
	}
	console.log(creating ? `created a new database at ${target} from ${from}` : `restored ${from} into ${target}`);
	console.log(
		`rows: ${Object.values(result.tables).reduce((a, b) => a + b, 0)} in ${Object.keys(result.tables).length} tables (${countRows(result.tables.instances ?? 0, 'instances')}, ${countRows(result.tables.audit_labels ?? 0, 'audit_labels')}), equal to the backup's`
	);
	if (result.migrated) console.log(`brought up to date: ${result.migrated} migration(s) applied`);
	if (result.previous) console.log(`the database it replaced is kept as ${result.previous}`);
	if (result.differences) for (const line of describeRowDifferences(result.differences, result.previous)) console.log(line);
	else if (result.previous) console.log(`the replaced database could not be read to count its rows: compare it with the backup before removing it`);
	console.log(
		`accounts, passwords and roles are as they were at the backup; every sign-in session was ended${result.sessionsEnded ? ` (${result.sessionsEnded})` : ''}: everyone signs in again`
	);
}
