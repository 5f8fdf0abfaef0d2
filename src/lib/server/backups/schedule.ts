/**
 * The backups folder (listing, pruning) and scheduled backups: with BACKUP_INTERVAL_HOURS set,
 * the server takes a backup every interval and keeps the newest BACKUP_KEEP scheduled ones.
 * The next one is due an interval after the newest scheduled file, so restarting the server
 * neither skips nor doubles one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { config } from '../config';
import Database from 'better-sqlite3';
import { createBackup, isDirectory, parseBackupFileName, type BackupKind, type BackupResult } from './backup';
import { requireSqliteFile } from './inspect';
import { DatabaseVersionError, recordedMigrationLevel } from '../db/migration-level';

export interface BackupFile {
	name: string;
	kind: BackupKind;
	/** When it was taken (from its name). */
	at: string;
	bytes: number;
	/** Why the file is no backup this app can restore (not SQLite, unreadable, another app's), or null; see backupFileProblem. */
	problem: string | null;
}

/** Backups in the folder, newest first; temporary files of backups in progress are not listed. */
export function listBackups(dir = config().backupDir): BackupFile[] {
	// Missing, or not a folder (a mistaken BACKUP_DIR): nothing listed; taking a backup says what is wrong.
	if (!isDirectory(dir)) return [];
	const files: BackupFile[] = [];
	for (const name of fs.readdirSync(dir)) {
		const parsed = parseBackupFileName(name);
		if (!parsed) continue;
		const stat = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
		if (stat?.isFile()) files.push({ name, kind: parsed.kind, at: parsed.at.toISOString(), bytes: stat.size, problem: backupFileProblem(path.join(dir, name)) });
	}
	return files.sort((a, b) => b.at.localeCompare(a.at) || b.name.localeCompare(a.name));
}

/**
 * A file named like a backup may be none (copied there by hand, cut short, damaged): a cheap look —
 * SQLite's header and the app's migrations table in its schema, not the full check a restore makes
 * (inspectDatabaseFile) — so the list does not show it as a normal backup. Null when it looks like one;
 * otherwise what to show beside it, as a whole phrase.
 */
export function backupFileProblem(file: string, migrationsDir = config().migrationsDir): string | null {
	try {
		requireSqliteFile(file);
	} catch {
		return 'not a backup: not an SQLite database';
	}
	let c: Database.Database | undefined;
	try {
		c = new Database(file, { readonly: true, fileMustExist: true });
		const tables = c.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('__drizzle_migrations', 'users')`).pluck().all();
		if (tables.length !== 2) return 'not a backup: not a database of this app';
		// A backup of a newer version: restore refuses it, so the list says so beforehand.
		try {
			recordedMigrationLevel(c, migrationsDir, file);
		} catch (err) {
			if (err instanceof DatabaseVersionError) return 'cannot be restored here: written by a newer version of Instruct Audit (upgrade the app)';
			throw err;
		}
		return null;
	} catch {
		return 'not a backup: damaged, its schema cannot be read';
	} finally {
		c?.close();
	}
}

/** The path of a listed backup, or undefined: names from a request never reach the file system otherwise. */
export function backupPath(name: string, dir = config().backupDir): string | undefined {
	return listBackups(dir).some((b) => b.name === name) ? path.join(dir, name) : undefined;
}

/** Removes the oldest scheduled backups beyond `keep`; other kinds are never removed. */
export function pruneScheduled(keep: number, dir = config().backupDir): string[] {
	const removed = listBackups(dir)
		.filter((b) => b.kind === 'scheduled')
		.slice(keep)
		.map((b) => b.name);
	for (const name of removed) fs.rmSync(path.join(dir, name), { force: true });
	return removed;
}

export interface ScheduleOptions {
	intervalHours: number;
	keep: number;
	dir: string;
	database?: Db;
	/** Delay before the first backup when none was scheduled yet (default one minute). */
	firstDelayMs?: number;
	onBackup?: (result: BackupResult, removed: string[]) => void;
	onError?: (err: Error) => void;
}

export interface ScheduleStatus {
	intervalHours: number;
	keep: number;
	nextAt: string | null;
	lastError: string | null;
}

let timer: NodeJS.Timeout | undefined;
let status: ScheduleStatus | null = null;

export function backupSchedule(): ScheduleStatus | null {
	return status;
}

export function stopBackupSchedule(): void {
	clearTimeout(timer);
	timer = undefined;
	status = null;
}

/** Starts taking scheduled backups (replacing any schedule already running). */
export function startBackupSchedule(options: ScheduleOptions): ScheduleStatus {
	stopBackupSchedule();
	const intervalMs = options.intervalHours * 3_600_000;
	const current: ScheduleStatus = { intervalHours: options.intervalHours, keep: options.keep, nextAt: null, lastError: null };
	status = current;
	const plan = (at: number) => {
		current.nextAt = new Date(at).toISOString();
		// setTimeout takes at most 2^31-1 ms; a longer wait is re-planned when it fires.
		timer = setTimeout(() => (Date.now() >= at ? void fire() : plan(at)), Math.min(Math.max(at - Date.now(), 0), 2 ** 31 - 1));
		timer.unref();
	};
	const fire = async () => {
		try {
			const result = await createBackup({ kind: 'scheduled', dir: options.dir, database: options.database });
			const removed = pruneScheduled(options.keep, options.dir);
			current.lastError = null;
			options.onBackup?.(result, removed);
		} catch (err) {
			current.lastError = (err as Error).message;
			options.onError?.(err as Error);
		}
		if (status === current) plan(Date.now() + intervalMs);
	};
	const newest = listBackups(options.dir).find((b) => b.kind === 'scheduled');
	plan(newest ? Date.parse(newest.at) + intervalMs : Date.now() + (options.firstDelayMs ?? 60_000));
	return current;
}

