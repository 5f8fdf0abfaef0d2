import fs from 'node:fs';
import { db } from './db';
import { config, ConfigError } from './config';
import { databaseFileProblem } from './db/file-problem';
import { DatabaseVersionError } from './db/migration-level';
import { SERVER_BUSY_TIMEOUT_MS } from './db/busy';
import { adminFromEnvProblem, countUsers, ensureAdminFromEnv } from './auth/users';
import { deleteExpiredSessions } from './auth/session';
import { startServerRuns, stopServerRuns } from './runs/engine/lifecycle';
import { startScheduledBackups, stopScheduledBackups } from './backups/lifecycle';
import { removeLeftoverImports } from './datasets/importing';
import { removeLeftoverAudits } from './audits/preparing';

/** Opens and migrates the database, creates the env-configured admin, removes killed imports and half-made audits, resumes runs, schedules backups. */
export async function startApp(): Promise<void> {
	const cfg = config();
	// ADMIN_EMAIL / ADMIN_PASSWORD that cannot make the first admin stop the start — before a new
	// database file is created, or once it shows no account yet; with accounts they are not used.
	const adminProblem = adminFromEnvProblem(cfg.adminEmail, cfg.adminPassword);
	if (adminProblem && !fs.existsSync(cfg.databasePath)) throw new ConfigError([adminProblem]);
	const database = openAppDatabase();
	// The server never waits long synchronously for the write lock (it would freeze every
	// request); busy writes are retried asynchronously instead (src/lib/server/db/busy.ts).
	database.$client.pragma(`busy_timeout = ${SERVER_BUSY_TIMEOUT_MS}`);
	if (adminProblem && countUsers(database) === 0) throw new ConfigError([adminProblem]);
	const admin = adminProblem ? null : await ensureAdminFromEnv(cfg.adminEmail, cfg.adminPassword, database);
	if (admin) console.log(`Created administrator ${admin.email} from ADMIN_EMAIL.`);
	deleteExpiredSessions(database);
	// Datasets left 'importing' by a killed import, and datasets left 'appending' by a killed import
	// into them: invisible already; the import's rows go in short batches while the server serves
	// (a million rows take a few seconds), and an appended-to dataset opens again as it was.
	void removeLeftoverImports(database).then(
		(removed) => {
			if (removed.datasets + removed.appends) {
				console.log(`Removed ${removed.datasets + removed.appends} unfinished import(s) (${removed.rows} rows) left by a stopped process.`);
			}
		},
		(err) => console.error('Removing unfinished imports failed (tried again at the next start):', err)
	);
	// Audits left 'preparing' by a process killed while writing their items: the same.
	void removeLeftoverAudits(database).then(
		(removed) => {
			if (removed.audits) console.log(`Removed ${removed.audits} unfinished audit(s) (${removed.items} items) left by a stopped process.`);
		},
		(err) => console.error('Removing unfinished audits failed (tried again at the next start):', err)
	);
	startServerRuns();
	startScheduledBackups();
}

/** The app's database, or a ConfigError line naming DATABASE_PATH when it is a folder, not SQLite, cannot be created, or from a newer version. */
function openAppDatabase(): ReturnType<typeof db> {
	try {
		return db();
	} catch (err) {
		if (err instanceof DatabaseVersionError) throw new ConfigError([err.message]);
		const problem = databaseFileProblem(err, config().databasePath);
		throw problem ? new ConfigError([problem]) : err;
	}
}

/** Stops this process's runs cleanly (they resume at the next start) and the backup schedule. */
export async function stopApp(): Promise<void> {
	stopScheduledBackups();
	try {
		await stopServerRuns();
	} catch (err) {
		console.error('Stopping runs failed:', err);
	}
}
