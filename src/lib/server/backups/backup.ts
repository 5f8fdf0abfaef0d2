/**
 * Online backups: a consistent copy of the live database, taken with SQLite's backup API while
 * the app keeps serving reviewers, verified before it is given its name.
 *
 * Consistency: the copy is read through its own read-only connection holding one read
 * transaction for the whole copy, so it is the database as of one instant (WAL lets writers go
 * on meanwhile, and the copy never restarts because of them). The row counts taken inside that
 * same transaction must equal the copy's.
 *
 * Durability: the copy is written under a temporary name in the same folder, synced, checked
 * (integrity_check, row counts, migrations) and only then renamed, so a kill -9 at any moment
 * leaves either the complete, verified file or no file of that name.
 */
import { ensurePrivateFile, mkdirPrivate, syncDir } from '../files';
import fs from 'node:fs';
import path from 'node:path';
import { db as appDb, type Db } from '../db';
import { config } from '../config';
import { BackupError, fileSystemError } from './errors';
import { judgeCheck, type DatabaseInspection } from './inspect';
import { copyInWorker } from './worker';
import { processIsAlive } from '../process-alive';

export const BACKUP_KINDS = ['manual', 'scheduled', 'pre-purge', 'pre-restore'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

/** Pages copied per step (4 KiB each): small enough that a server's event loop is never held long. */
const PAGES_PER_STEP = 2048;

export interface BackupResult extends DatabaseInspection {
	kind: BackupKind;
	/** When the snapshot was taken (every label acknowledged before this is in the file). */
	snapshotAt: string;
	ms: number;
}

/** backup file names: instruct-audit-<kind>-<UTC time>.db, so a listing sorts by time within a kind. */
export function backupFileName(kind: BackupKind, at: Date): string {
	const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\.(\d{3})Z$/, '-$1Z');
	return `instruct-audit-${kind}-${stamp}.db`;
}

const FILE_PATTERN = /^instruct-audit-(manual|scheduled|pre-purge|pre-restore)-(\d{8})-(\d{6})-(\d{3})Z\.db$/;

export function parseBackupFileName(name: string): { kind: BackupKind; at: Date } | null {
	const m = FILE_PATTERN.exec(name);
	if (!m) return null;
	const [, kind, d, t, ms] = m;
	const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}.${ms}Z`);
	return Number.isNaN(at.getTime()) ? null : { kind: kind as BackupKind, at };
}

/** Whether `file` is a folder (false when it, or a part of its path, is missing or a file). */
export function isDirectory(file: string): boolean {
	try {
		return fs.statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/** Temporary files of backups whose process died (kill -9, power loss) are removed. */
function removeStalePartials(folder: string): void {
	if (!fs.existsSync(folder)) return;
	for (const name of fs.readdirSync(folder)) {
		const m = /^\..+\.partial-(\d+)(?:-journal)?$/.exec(name);
		if (!m || Number(m[1]) === process.pid) continue;
		if (processIsAlive(Number(m[1]))) continue;
		fs.rmSync(path.join(folder, name), { force: true });
	}
}

export interface CreateBackupOptions {
	/** Where to write; default: a new file named by kind and time in `dir`. */
	out?: string;
	/** Folder for a named-by-time backup (default: the configured backups folder). */
	dir?: string;
	kind?: BackupKind;
	database?: Db;
	migrationsDir?: string;
	/** Refuse to overwrite an existing file (default true). */
	noClobber?: boolean;
}

/** The file the connection has open (the live database). */
export function databaseFile(database: Db = appDb()): string {
	const name = database.$client.name;
	if (!name || name === ':memory:') throw new BackupError('An in-memory database cannot be backed up.');
	return path.resolve(name);
}

/**
 * Copies the live database to `out` (or the backups folder), verifies the copy and returns what
 * it holds. Safe while the app serves: writers are not blocked and the copy is one snapshot.
 */
export async function createBackup(options: CreateBackupOptions = {}): Promise<BackupResult> {
	const database = options.database ?? appDb();
	const migrationsDir = options.migrationsDir ?? config().migrationsDir;
	const kind = options.kind ?? 'manual';
	const source = databaseFile(database);
	const started = performance.now();
	const snapshotAt = new Date();
	const out = path.resolve(options.out ?? path.join(options.dir ?? config().backupDir, backupFileName(kind, snapshotAt)));
	if (out === source) throw new BackupError('The backup cannot be written over the live database.');
	const folder = path.dirname(out);
	if (isDirectory(out)) throw new BackupError(`${out} is a directory; give a file name.`, 409, 'is_directory');
	if ((options.noClobber ?? true) && fs.existsSync(out)) throw new BackupError(`${out} already exists; choose another name.`, 409, 'exists');
	// Same folder, so the final rename is atomic; the pid keeps two backups from sharing it.
	const partial = path.join(folder, `.${path.basename(out)}.partial-${process.pid}`);
	try {
		mkdirPrivate(folder);
		removeStalePartials(folder);
		fs.rmSync(partial, { force: true });
		fs.rmSync(`${partial}-journal`, { force: true });
		// Made private before SQLite writes into it (its journal takes the same mode); the rename keeps it.
		ensurePrivateFile(partial);
	} catch (err) {
		throw fileSystemError(folder, err, 'The backup cannot be written');
	}

	try {
		const { snapshot, copy } = await copyInWorker(source, partial, PAGES_PER_STEP);
		const inspection = judgeCheck(out, copy, migrationsDir);
		const differing = Object.keys({ ...snapshot, ...copy.tables }).filter((t) => snapshot[t] !== copy.tables[t]);
		if (differing.length) {
			throw new BackupError(
				`The copy does not hold what the database held: ${differing.map((t) => `${t} ${copy.tables[t] ?? 'missing'} ≠ ${snapshot[t] ?? 'missing'}`).join(', ')}.`,
				500
			);
		}
		fs.renameSync(partial, out);
		syncDir(path.dirname(out));
		return { ...inspection, bytes: fs.statSync(out).size, kind, snapshotAt: snapshotAt.toISOString(), ms: Math.round(performance.now() - started) };
	} catch (err) {
		fs.rmSync(partial, { force: true });
		fs.rmSync(`${partial}-journal`, { force: true });
		throw fileSystemError(folder, err, 'Backup failed');
	}
}
