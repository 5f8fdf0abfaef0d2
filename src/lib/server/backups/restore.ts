/**
 * Restore: replace the database file with a backup, with the server stopped. The backup is
 * checked first (a sound SQLite file of this app, at this app's migration level or an older
 * one), the database it replaces is kept as a pre-restore copy, and the swap is a rename, so an
 * interrupted restore leaves either the old database or the restored one.
 */
import { mkdirPrivate, PRIVATE_FILE_MODE } from '../files';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../db';
import { config } from '../config';
import { BackupError } from './errors';
import { inspectDatabaseFile, type DatabaseInspection } from './inspect';
import { backupFileName } from './backup';
import { checkpointCompletely } from '../db/checkpoints';

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

/**
 * Copies the current database aside before it is replaced. It is folded into one file first
 * (WAL checkpoint) when SQLite can open it; a damaged file is copied as it is, with its WAL.
 */
function keepCurrent(databasePath: string, backupDir: string): string {
	mkdirPrivate(backupDir);
	const aside = path.join(backupDir, backupFileName('pre-restore', new Date()));
	try {
		const current = new Database(databasePath, { fileMustExist: true });
		try {
			checkpointCompletely(current);
		} finally {
			current.close();
		}
	} catch {
		// Damaged or not SQLite: copy the files as they are.
	}
	copyDurably(databasePath, aside);
	if (fs.existsSync(`${databasePath}-wal`) && fs.statSync(`${databasePath}-wal`).size > 0) copyDurably(`${databasePath}-wal`, `${aside}-wal`);
	return aside;
}

export interface RestoreResult extends DatabaseInspection {
	/** The database that was replaced, kept in the backups folder (null when there was none). */
	previous: string | null;
	/** Migrations applied to bring an older backup up to this version. */
	migrated: number;
}

export async function restoreBackup(options: { from: string; databasePath?: string; backupDir?: string; migrationsDir?: string }): Promise<RestoreResult> {
	const cfg = config();
	const from = path.resolve(options.from);
	const databasePath = path.resolve(options.databasePath ?? cfg.databasePath);
	const backupDir = options.backupDir ?? cfg.backupDir;
	const migrationsDir = options.migrationsDir ?? cfg.migrationsDir;
	if (from === databasePath) throw new BackupError('The backup is the database itself.');
	const backup = await inspectDatabaseFile(from, migrationsDir);
	if (databaseInUse(databasePath)) {
		throw new BackupError(`${databasePath} is in use by another process. Stop the server (and any CLI run) first, then restore.`, 409);
	}
	const previous = fs.existsSync(databasePath) ? keepCurrent(databasePath, backupDir) : null;
	fs.mkdirSync(path.dirname(databasePath), { recursive: true });
	const incoming = path.join(path.dirname(databasePath), `.${path.basename(databasePath)}.restoring-${process.pid}`);
	copyDurably(from, incoming);
	// The old WAL belongs to the old file: left beside the new one, SQLite would replay it there.
	fs.rmSync(`${databasePath}-wal`, { force: true });
	fs.rmSync(`${databasePath}-shm`, { force: true });
	fs.renameSync(incoming, databasePath);
	try {
		const dirFd = fs.openSync(path.dirname(databasePath), 'r');
		try {
			fs.fsyncSync(dirFd);
		} finally {
			fs.closeSync(dirFd);
		}
	} catch {
		// directory sync unsupported here; the rename is still atomic
	}

	const restored = await inspectDatabaseFile(databasePath, migrationsDir);
	const differing = Object.keys(backup.tables).filter((t) => backup.tables[t] !== restored.tables[t]);
	if (differing.length) throw new BackupError(`The restored database differs from the backup in ${differing.join(', ')}.`, 500);
	let migrated = 0;
	if (restored.migrations.status === 'older') {
		openDatabase(databasePath, migrationsDir).$client.close();
		migrated = restored.migrations.known - restored.migrations.applied;
	}
	return { ...restored, previous, migrated };
}
