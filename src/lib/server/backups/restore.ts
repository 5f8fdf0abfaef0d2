/**
 * Restore: replace the database file with a backup, with the server stopped. The backup is read
 * through SQLite (so a -wal beside it counts) into a self-contained copy in the database's folder,
 * and that copy is checked (a sound SQLite file of this app, at this app's migration level or an
 * older one, with the rows the backup holds) before anything changes. The database it replaces
 * is kept as a pre-restore backup (one self-contained file), the swap is a rename, and if
 * anything fails after it (migrating an older backup) the previous database is put back.
 */
import { ensurePrivateFile, mkdirPrivate, PRIVATE_FILE_MODE, syncDir } from '../files';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../db';
import { config } from '../config';
import { BackupError, fileSystemError } from './errors';
import { judgeCheck, requireSqliteFile, type DatabaseInspection } from './inspect';
import { backupFileName } from './backup';
import { checkpointCompletely } from '../db/checkpoints';
import { copyInWorker, type CopyResult, type TableCounts } from './worker';
import { rowDifferences, type TableDifference } from '$lib/backups/row-differences';

/** Pages copied per step, as for a backup. */
const PAGES_PER_STEP = 2048;

/**
 * True when another process has the database open (a running server, a CLI run): every
 * connection to a WAL database holds a shared lock for as long as it is open, so an exclusive
 * lock cannot be had.
 */
export function databaseInUse(file: string): boolean {
	if (!fs.existsSync(file)) return false;
	let probe: Database.Database | undefined;
	try {
		probe = new Database(file, { fileMustExist: true });
		probe.pragma('busy_timeout = 0');
		probe.pragma('locking_mode = EXCLUSIVE');
		probe.exec('BEGIN EXCLUSIVE');
		probe.exec('COMMIT');
		return false;
	} catch (err) {
		if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
		// Not a database we can open (damaged, not SQLite): nobody can be using it as one.
		return false;
	} finally {
		probe?.close();
	}
}

function copyDurably(from: string, to: string): void {
	fs.copyFileSync(from, to);
	fs.chmodSync(to, PRIVATE_FILE_MODE);
	const fd = fs.openSync(to, 'r+');
	try {
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}
}

function removeWithLog(file: string): void {
	for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

/** The tables whose row counts differ between the snapshot a copy was taken from and the copy. */
function differingTables(result: CopyResult): string[] {
	return Object.keys({ ...result.snapshot, ...result.copy.tables }).filter((t) => result.snapshot[t] !== result.copy.tables[t]);
}

/**
 * Copies `source` through SQLite (its -wal included) into `partial`: one self-contained file,
 * synced and checked (see CopyResult); throws when SQLite cannot read the source or write the copy.
 */
async function copyThroughSqlite(source: string, partial: string): Promise<CopyResult> {
	ensurePrivateFile(partial);
	return copyInWorker(source, partial, PAGES_PER_STEP);
}

/**
 * Keeps the current database in the backups folder before it is replaced, as one self-contained
 * file read through SQLite. A file SQLite cannot copy (damaged, not SQLite) is folded into one
 * file where a checkpoint can, and copied as it is; only if its log still holds pages is that
 * kept beside it (`<file>-wal`), as nothing else could read them.
 */
async function keepCurrent(databasePath: string, backupDir: string): Promise<{ file: string; tables: TableCounts | null }> {
	const aside = path.join(backupDir, backupFileName('pre-restore', new Date()));
	const partial = path.join(backupDir, `.${path.basename(aside)}.partial-${process.pid}`);
	try {
		mkdirPrivate(backupDir);
		let tables: TableCounts | null = null;
		try {
			const result = await copyThroughSqlite(databasePath, partial);
			if (result.copy.problems.length === 0 && differingTables(result).length === 0) tables = result.copy.tables;
		} catch {
			// Damaged or not SQLite: copied as it is below.
		}
		if (!tables) {
			removeWithLog(partial);
			try {
				const current = new Database(databasePath, { fileMustExist: true });
				try {
					checkpointCompletely(current);
				} finally {
					current.close();
				}
			} catch {
				// Not even SQLite can open it.
			}
			copyDurably(databasePath, partial);
			if ((fs.statSync(`${databasePath}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0) copyDurably(`${databasePath}-wal`, `${aside}-wal`);
		}
		fs.renameSync(partial, aside);
		syncDir(backupDir);
		return { file: aside, tables };
	} catch (err) {
		try {
			removeWithLog(partial);
		} catch {
			// Nothing to remove where the folder cannot be (BACKUP_DIR a file): the error below says why.
		}
		throw fileSystemError(backupDir, err, 'The current database could not be kept aside, so nothing was restored');
	}
}

/**
 * Ends every sign-in session in the copy about to be swapped in (one self-contained file, not yet
 * anyone's database); returns how many there were.
 */
function endSessions(incoming: string, tables: TableCounts): number {
	if (!tables.sessions) return 0;
	const copy = new Database(incoming, { fileMustExist: true });
	try {
		return copy.prepare<[]>('DELETE FROM sessions').run().changes;
	} finally {
		copy.close();
	}
}

/**
 * The migration file (after the `applied` first ones) holding the statement a failed migration's
 * error quotes, so the message names the file and not only its SQL; null when none does.
 */
function failedMigrationFile(reason: string, migrationsDir: string, applied: number): string | null {
	const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();
	try {
		const { entries } = JSON.parse(fs.readFileSync(path.join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
		for (const { tag } of entries.slice(applied)) {
			const statements = fs.readFileSync(path.join(migrationsDir, `${tag}.sql`), 'utf8').split('--> statement-breakpoint').map(squeeze).filter(Boolean);
			if (statements.some((statement) => reason.includes(statement))) return `${tag}.sql`;
		}
	} catch {
		// No journal to read: the message quotes the SQL alone.
	}
	return null;
}

/** Puts the kept copy back in place of the database (after a failure past the swap). */
function putBack(aside: string | null, databasePath: string): void {
	const returning = path.join(path.dirname(databasePath), `.${path.basename(databasePath)}.returning-${process.pid}`);
	fs.rmSync(`${databasePath}-wal`, { force: true });
	fs.rmSync(`${databasePath}-shm`, { force: true });
	if (!aside) {
		fs.rmSync(databasePath, { force: true });
		return;
	}
	copyDurably(aside, returning);
	if (fs.existsSync(`${aside}-wal`)) copyDurably(`${aside}-wal`, `${databasePath}-wal`);
	fs.renameSync(returning, databasePath);
	syncDir(path.dirname(databasePath));
}

export interface RestoreResult extends DatabaseInspection {
	/** The database that was replaced, kept in the backups folder (null when there was none). */
	previous: string | null;
	/** Migrations applied to bring an older backup up to this version. */
	migrated: number;
	/**
	 * Tables whose row counts differ between the database that was replaced and the backup (`tables`):
	 * rows only in the replaced one are now only in `previous`. Null when there was no database, or
	 * it could not be read through SQLite to count them.
	 */
	differences: TableDifference[] | null;
	/**
	 * Sign-in sessions the backup held, all ended: a session (or a password, role or disabled
	 * account) ended after the backup was taken would otherwise be valid again. Everyone signs in
	 * again, with their account as it was at the backup.
	 */
	sessionsEnded: number;
}

export async function restoreBackup(options: { from: string; databasePath?: string; backupDir?: string; migrationsDir?: string }): Promise<RestoreResult> {
	const cfg = config();
	const from = path.resolve(options.from);
	const databasePath = path.resolve(options.databasePath ?? cfg.databasePath);
	const databaseDir = path.dirname(databasePath);
	const backupDir = options.backupDir ?? cfg.backupDir;
	const migrationsDir = options.migrationsDir ?? cfg.migrationsDir;
	if (from === databasePath) throw new BackupError('The backup is the database itself.');
	requireSqliteFile(from);
	if (databaseInUse(databasePath)) {
		throw new BackupError(`${databasePath} is in use by another process. Stop the server (and any CLI run) first, then restore.`, 409);
	}

	// 1. The backup, read through SQLite, into a checked self-contained file beside the database.
	const incoming = path.join(databaseDir, `.${path.basename(databasePath)}.restoring-${process.pid}`);
	let inspection: Omit<DatabaseInspection, 'bytes'>;
	let sessionsEnded = 0;
	try {
		try {
			fs.mkdirSync(databaseDir, { recursive: true });
			removeWithLog(incoming);
		} catch (err) {
			throw fileSystemError(databaseDir, err, 'The backup cannot be copied beside the database');
		}
		let copied: CopyResult;
		try {
			copied = await copyThroughSqlite(from, incoming);
		} catch (err) {
			const written = fileSystemError(databaseDir, err, 'The backup cannot be copied beside the database');
			throw written.code === 'failed' ? new BackupError(`${from} cannot be read as a database: ${(err as Error).message}`) : written;
		}
		inspection = judgeCheck(from, copied.copy, migrationsDir);
		const differing = differingTables(copied);
		if (differing.length) throw new BackupError(`The copy of ${from} does not hold what the backup holds (${differing.join(', ')}); nothing was changed.`, 500, 'failed');
		sessionsEnded = endSessions(incoming, inspection.tables);
	} catch (err) {
		removeWithLog(incoming);
		throw err;
	}

	// 2. The current database, kept aside; 3. the swap.
	let previous: string | null = null;
	let replacedTables: TableCounts | null = null;
	try {
		if (fs.existsSync(databasePath)) ({ file: previous, tables: replacedTables } = await keepCurrent(databasePath, backupDir));
		// The old log belongs to the old file: left beside the new one, SQLite would replay it there.
		fs.rmSync(`${databasePath}-wal`, { force: true });
		fs.rmSync(`${databasePath}-shm`, { force: true });
		fs.renameSync(incoming, databasePath);
		syncDir(databaseDir);
	} catch (err) {
		removeWithLog(incoming);
		throw fileSystemError(databaseDir, err, 'The restore could not put the backup in place');
	}

	// 4. Bring an older backup up to date; on failure the previous database goes back.
	try {
		let migrated = 0;
		if (inspection.migrations.status === 'older') {
			openDatabase(databasePath, migrationsDir).$client.close();
			migrated = inspection.migrations.known - inspection.migrations.applied;
		}
		const differences = replacedTables ? rowDifferences(inspection.tables, replacedTables) : null;
		return { ...inspection, file: databasePath, bytes: fs.statSync(databasePath).size, previous, migrated, differences, sessionsEnded };
	} catch (err) {
		// Drizzle's "Failed to run the query …" carries SQLite's reason as its cause.
		const cause = (err as { cause?: unknown } | null)?.cause;
		// One line: the failed query's SQL is quoted with the migration file's line breaks.
		const reason = `${err instanceof Error ? err.message : String(err)}${cause instanceof Error ? `: ${cause.message}` : ''}`.replace(/\s+/g, ' ');
		const file = failedMigrationFile(reason, migrationsDir, inspection.migrations.applied);
		const why = file ? `migration ${file}: ${reason}` : reason;
		try {
			putBack(previous, databasePath);
		} catch {
			throw new BackupError(
				`Restore failed after the backup was put in place (${why}), and the previous database could not be put back: ${databasePath} now holds the backup${previous ? `; the previous database is kept as ${previous} — restore it with: npx instruct-audit restore ${previous}` : ''}.`,
				500,
				'failed'
			);
		}
		throw new BackupError(
			`Restore failed (${why}); the previous database was put back${previous ? ` (a copy of it is also kept as ${previous})` : ''}.`,
			500,
			'failed'
		);
	}
}
