import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { DomainError } from '../../errors';

/** A database file this version of the app must not open or restore: written by a newer version, or not this app's. */
export class DatabaseVersionError extends DomainError {
	constructor(message: string, code: 'newer_version' | 'not_this_app') {
		super(message, 400, code);
	}
}

export interface MigrationLevel {
	/** Migrations recorded in the file. */
	applied: number;
	/** Migrations this version of the app has. */
	known: number;
	/** current: the same as the app; older: the app brings it up to date when it opens it. */
	status: 'current' | 'older';
}

/**
 * Compares the migrations recorded in a database with the app's. A file from a newer version is
 * always refused: drizzle's migrator only compares the last migration's date, so it would open it
 * and this version would write rows that miss the newer columns' rules. With `sameSql` (a backup
 * about to be restored) they must also be the app's first N migrations, by hash; opening the live
 * database skips that, since a few early migration files were edited after databases had applied them.
 */
export function migrationLevel(recorded: string[], migrationsDir: string, file: string, { sameSql = true, lastRecordedAt }: { sameSql?: boolean; lastRecordedAt?: number } = {}): MigrationLevel {
	const known = readMigrationFiles({ migrationsFolder: migrationsDir });
	// A newer version may have as many migrations as this one (an older file plus one we do not
	// know): its last one is dated after ours, and drizzle would then skip ours without a word.
	const newestKnown = Math.max(...known.map((m) => m.folderMillis));
	if (recorded.length > known.length || (lastRecordedAt !== undefined && lastRecordedAt > newestKnown)) {
		const detail =
			recorded.length > known.length
				? `${recorded.length} migrations; this version knows ${known.length}`
				: `its newest migration is dated after this version's newest, of ${known.length}`;
		throw new DatabaseVersionError(`${file} was written by a newer version of Instruct Audit (${detail}): upgrade the app.`, 'newer_version');
	}
	if (sameSql) {
		recorded.forEach((hash, i) => {
			if (hash !== known[i].hash) throw new DatabaseVersionError(`${file}: migration ${i + 1} is not this app's (its SQL differs), so it is not a database of this app.`, 'not_this_app');
		});
	}
	return { applied: recorded.length, known: known.length, status: recorded.length === known.length ? 'current' : 'older' };
}

/**
 * migrationLevel of an open file (it has __drizzle_migrations), by count and by the newest
 * migration's date, not by SQL: for the live database and the backups list alike.
 */
export function recordedMigrationLevel(sqlite: Database.Database, migrationsDir: string, file: string): MigrationLevel {
	const recorded = sqlite.prepare<[], string>('SELECT hash FROM __drizzle_migrations ORDER BY created_at, rowid').pluck().all();
	const lastRecordedAt = sqlite.prepare<[], number | null>('SELECT max(created_at) FROM __drizzle_migrations').pluck().get();
	return migrationLevel(recorded, migrationsDir, file, { sameSql: false, lastRecordedAt: lastRecordedAt == null ? undefined : Number(lastRecordedAt) });
}
