/**
 * What a database file holds: whether SQLite finds it sound, how many rows each table has, and
 * which of this app's migrations it carries. Used to verify a fresh backup and to check a file
 * before it replaces the live database. The reading itself happens in a worker (worker.ts).
 */
import fs from 'node:fs';
import { DatabaseVersionError, migrationLevel, type MigrationLevel } from '../db/migration-level';
import { BackupError } from './errors';
import { checkInWorker, type FileCheck, type TableCounts } from './worker';

export type { TableCounts };

/** Tables every database of this app has; a file without them is something else. */
const APP_TABLES = ['users', 'datasets', 'tasks', 'instances', 'audits', 'audit_items', 'audit_labels', '__drizzle_migrations'];

export interface DatabaseInspection {
	file: string;
	bytes: number;
	tables: TableCounts;
	migrations: MigrationLevel;
}

/** Turns what the worker read into a verdict: a BackupError naming the first thing wrong. */
export function judgeCheck(file: string, check: FileCheck, migrationsDir: string): Omit<DatabaseInspection, 'bytes'> {
	const { problems, tables, orphans } = check;
	if (problems.length) throw new BackupError(`${file} is damaged: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`);
	const missing = APP_TABLES.filter((t) => !(t in tables));
	if (missing.length || !check.migrations) throw new BackupError(`${file} is not a database of this app (no ${missing.join(', ')} table).`);
	if (orphans.length) throw new BackupError(`${file}: ${orphans.length} row(s) of ${orphans[0].table} point at missing ${orphans[0].parent} rows.`);
	return { file, tables, migrations: backupMigrationLevel(check.migrations, migrationsDir, file) };
}

/** migrationLevel, refusing as the rest of this module does (a BackupError, with its code). */
function backupMigrationLevel(recorded: string[], migrationsDir: string, file: string): MigrationLevel {
	try {
		return migrationLevel(recorded, migrationsDir, file);
	} catch (err) {
		throw err instanceof DatabaseVersionError ? new BackupError(err.message, 400, err.code) : err;
	}
}

/**
 * Checks that `file` is a sound SQLite database of this app: integrity_check says "ok", no row
 * points at a missing row, the app's tables are there and its migrations are a prefix of ours.
 * Throws a BackupError saying what is wrong otherwise.
 */
export async function inspectDatabaseFile(file: string, migrationsDir: string): Promise<DatabaseInspection> {
	requireSqliteFile(file);
	let check: FileCheck;
	try {
		check = await checkInWorker(file);
	} catch (err) {
		throw new BackupError(`${file} cannot be read as a database: ${(err as Error).message}`);
	}
	return { ...judgeCheck(file, check, migrationsDir), bytes: fs.statSync(file).size };
}

/** Refuses a file that does not exist or does not start with SQLite's header. */
export function requireSqliteFile(file: string): void {
	if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`, 404);
	if (fs.statSync(file).isDirectory()) throw new BackupError(`${file} is a directory.`, 400, 'is_directory');
	const header = Buffer.alloc(16);
	const fd = fs.openSync(file, 'r');
	try {
		fs.readSync(fd, header, 0, 16, 0);
	} finally {
		fs.closeSync(fd);
	}
	if (header.toString('latin1') !== 'SQLite format 3\0') throw new BackupError(`${file} is not an SQLite database.`);
}
