import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, snapshotDb } from '../support/db';
import { buildReviewedWork } from '../support/reviewed-work';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { olderMigrations } from '../support/migrations';
import {
	BackupError,
	createBackup,
	databaseInUse,
	inspectDatabaseFile,
	listBackups,
	pruneScheduled,
	restoreBackup,
	startBackupSchedule,
	stopBackupSchedule
} from '../../src/lib/server/backups';
import { CLI_ENTRY } from '../support/cli-bundle';

const MIGRATIONS = path.resolve('migrations');
let db: Db;
let file: string;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	dir = path.dirname(file);
	await buildReviewedWork(db);
});
afterEach(() => {
	stopBackupSchedule();
	cleanup();
});

async function backupError(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (err) {
		expect(err).toBeInstanceOf(BackupError);
		return (err as Error).message;
	}
	throw new Error('expected a BackupError');
}

describe('backup', () => {
	it('writes a verified copy: integrity checked, the same rows in every table, no temporary file left', async () => {
		const out = path.join(dir, 'copies', 'b.db');
		const live = new Database(file, { readonly: true });
		const counts = Object.fromEntries(
			(live.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'`).pluck().all() as string[]).map(
				(t) => [t, live.prepare(`SELECT count(*) FROM "${t}"`).pluck().get()]
			)
		);
		live.close();
		const backup = await createBackup({ database: db, out, migrationsDir: MIGRATIONS });
		expect(backup.file).toBe(out);
		expect(backup.tables).toEqual(counts);
		expect(backup.tables.audit_labels).toBe(24);
		expect(backup.bytes).toBe(fs.statSync(out).size);
		expect(backup.migrations.status).toBe('current');
		expect(fs.readdirSync(path.dirname(out))).toEqual(['b.db']);
		// A self-contained file (rollback journal), and a database the app opens as it is.
		const copy = new Database(out, { readonly: true });
		expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
		copy.close();
		const snapshot = snapshotDb(db);
		const reopened = openDatabase(out, MIGRATIONS);
		expect(snapshotDb(reopened)).toBe(snapshot);
		reopened.$client.close();
		expect(await backupError(createBackup({ database: db, out, migrationsDir: MIGRATIONS }))).toMatch(/already exists/);
	});

	it('says what is wrong with a backups folder or an --out it cannot write: the folder and why, with a code', async () => {
		const notFolder = path.join(dir, 'a-file');
		fs.writeFileSync(notFolder, 'x');
		const refusal = async (options: Parameters<typeof createBackup>[0]) => {
			try {
				await createBackup({ database: db, migrationsDir: MIGRATIONS, ...options });
			} catch (err) {
				expect(err).toBeInstanceOf(BackupError);
				return { message: (err as BackupError).message, code: (err as BackupError).code };
			}
			throw new Error('expected a BackupError');
		};
		expect(await refusal({ dir: notFolder })).toEqual({ message: `The backup cannot be written: ${notFolder}: is a file, not a folder.`, code: 'not_directory' });
		expect(await refusal({ dir: path.join(notFolder, 'bk') })).toEqual({
			message: `The backup cannot be written: ${path.join(notFolder, 'bk')}: a part of its path is a file, not a folder.`,
			code: 'not_directory'
		});
		expect(listBackups(notFolder)).toEqual([]);
		expect(await refusal({ out: dir })).toEqual({ message: `${dir} is a directory; give a file name.`, code: 'is_directory' });
		expect(await refusal({ out: notFolder })).toEqual({ message: `${notFolder} already exists; choose another name.`, code: 'exists' });
	});

	it('writes backups (and the folder it makes) and the database readable by its own user only, whatever the umask', async () => {
		const mode = (f: string) => fs.statSync(f).mode & 0o777;
		const before = process.umask(0o022);
		try {
			const out = path.join(dir, 'private', 'b.db');
			await createBackup({ database: db, out, migrationsDir: MIGRATIONS });
			expect(mode(out)).toBe(0o600);
			expect(mode(path.dirname(out))).toBe(0o700);
			const scheduled = await createBackup({ database: db, dir: path.join(dir, 'backups'), kind: 'scheduled', migrationsDir: MIGRATIONS });
			expect(mode(scheduled.file)).toBe(0o600);
			expect(mode(file)).toBe(0o600);
			expect(mode(`${file}-wal`)).toBe(0o600);
			// A database file made world-readable before this rule is made private when opened.
			const older = path.join(dir, 'older.db');
			fs.writeFileSync(older, '', { mode: 0o644 });
			fs.chmodSync(older, 0o644);
			openDatabase(older, MIGRATIONS).$client.close();
			expect(mode(older)).toBe(0o600);
		} finally {
			process.umask(before);
		}
	});

	it('names backups by kind and time in the backups folder, lists them, and prunes only scheduled ones', async () => {
		const folder = path.join(dir, 'backups');
		const manual = await createBackup({ database: db, dir: folder, migrationsDir: MIGRATIONS });
		expect(path.basename(manual.file)).toMatch(/^instruct-audit-manual-\d{8}-\d{6}-\d{3}Z\.db$/);
		for (let i = 0; i < 3; i++) await createBackup({ database: db, dir: folder, kind: 'scheduled', migrationsDir: MIGRATIONS });
		fs.writeFileSync(path.join(folder, '.instruct-audit-manual-x.db.partial-1'), 'half');
		expect(listBackups(folder).map((b) => b.kind).sort()).toEqual(['manual', 'scheduled', 'scheduled', 'scheduled']);
		const removed = pruneScheduled(1, folder);
		expect(removed).toHaveLength(2);
		expect(listBackups(folder).map((b) => b.kind).sort()).toEqual(['manual', 'scheduled']);
	});

	it('marks files named like backups that are none: text, a damaged file, another app\'s database', async () => {
		const folder = path.join(dir, 'marked');
		const real = await createBackup({ database: db, dir: folder, migrationsDir: MIGRATIONS });
		fs.writeFileSync(path.join(folder, 'instruct-audit-manual-20250101-000000-000Z.db'), 'hello\n');
		const damaged = Buffer.from(fs.readFileSync(real.file));
		damaged.fill(0x5a, 100, Math.min(damaged.length, 8192));
		fs.writeFileSync(path.join(folder, 'instruct-audit-manual-20250102-000000-000Z.db'), damaged);
		const other = new Database(path.join(folder, 'instruct-audit-manual-20250103-000000-000Z.db'));
		other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
		other.close();
		// A backup of a newer version of the app: one migration more than this version knows.
		const newer = path.join(folder, 'instruct-audit-manual-20250104-000000-000Z.db');
		fs.copyFileSync(real.file, newer);
		const n = new Database(newer);
		n.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 9_999_999_999_999);
		n.close();
		const problems = Object.fromEntries(listBackups(folder).map((b) => [b.name, b.problem]));
		expect(problems).toEqual({
			[path.basename(real.file)]: null,
			'instruct-audit-manual-20250101-000000-000Z.db': 'not a backup: not an SQLite database',
			'instruct-audit-manual-20250102-000000-000Z.db': 'not a backup: damaged, its schema cannot be read',
			'instruct-audit-manual-20250103-000000-000Z.db': 'not a backup: not a database of this app',
			'instruct-audit-manual-20250104-000000-000Z.db': 'cannot be restored here: written by a newer version of Instruct Audit (upgrade the app)'
		});
	});

	it('takes scheduled backups every interval and keeps the newest N', async () => {
		const folder = path.join(dir, 'scheduled');
		const taken: string[] = [];
		await new Promise<void>((resolve, reject) => {
			startBackupSchedule({
				intervalHours: 0.2 / 3600, // every 200 ms
				keep: 2,
				dir: folder,
				database: db,
				firstDelayMs: 0,
				onBackup: (b) => {
					taken.push(b.file);
					if (taken.length === 4) resolve();
				},
				onError: reject
			});
		});
		stopBackupSchedule();
		const left = listBackups(folder);
		expect(left.map((b) => path.join(folder, b.name)).sort()).toEqual(taken.slice(-2).sort());
	}, 20_000);
});

describe('checking a file before it is restored', () => {
	it('refuses what is not a sound database of this app, and one from a newer version', async () => {
		const text = path.join(dir, 'notes.db');
		fs.writeFileSync(text, 'just some text, not a database');
		expect(await backupError(inspectDatabaseFile(text, MIGRATIONS))).toMatch(/is not an SQLite database/);

		const other = path.join(dir, 'other.db');
		const o = new Database(other);
		o.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
		o.close();
		expect(await backupError(inspectDatabaseFile(other, MIGRATIONS))).toMatch(/not a database of this app \(no users, datasets/);

		const newer = path.join(dir, 'newer.db');
		await createBackup({ database: db, out: newer, migrationsDir: MIGRATIONS });
		const n = new Database(newer);
		n.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 9_999_999_999_999);
		n.close();
		expect(await backupError(inspectDatabaseFile(newer, MIGRATIONS))).toMatch(/newer version of Instruct Audit \(\d+ migrations; this version knows \d+\): upgrade the app/);

		const damaged = path.join(dir, 'damaged.db');
		await createBackup({ database: db, out: damaged, migrationsDir: MIGRATIONS });
		const bytes = fs.readFileSync(damaged);
		const pageSize = bytes.readUInt16BE(16);
		// Scribble over the middle of the file: pages of tables and indexes.
		for (let p = 3; p < bytes.length / pageSize - 1; p += 2) bytes.fill(0x5a, p * pageSize + 8, p * pageSize + pageSize / 2);
		fs.writeFileSync(damaged, bytes);
		expect(await backupError(inspectDatabaseFile(damaged, MIGRATIONS))).toMatch(/damaged|cannot be read|malformed/);
	});
});

describe('restore', () => {
	it('brings back exactly the rows the backup counted, keeping the replaced database aside', async () => {
		const backup = await createBackup({ database: db, out: path.join(dir, 'b.db'), migrationsDir: MIGRATIONS });
		const atBackup = snapshotDb(db);
		// Life goes on: labels purged, a user added; then the server is stopped.
		db.$client.pragma('foreign_keys = OFF');
		db.$client.exec(`DELETE FROM audit_label_ratings; DELETE FROM audit_labels; INSERT INTO users (email, role, password_hash, created_at) VALUES ('late@x.org', 'reviewer', 'x', 1)`);
		const changed = snapshotDb(db);
		db.$client.close();

		const result = await restoreBackup({ from: backup.file, databasePath: file, backupDir: path.join(dir, 'kept'), migrationsDir: MIGRATIONS });
		expect(result.tables).toEqual(backup.tables);
		expect(result.migrated).toBe(0);
		expect(fs.existsSync(`${file}-wal`)).toBe(false);
		db = openDatabase(file, MIGRATIONS);
		expect(snapshotDb(db)).toBe(atBackup);
		// The database it replaced is kept, as it was.
		expect(path.basename(result.previous!)).toMatch(/^instruct-audit-pre-restore-/);
		const previous = openDatabase(result.previous!, MIGRATIONS);
		expect(snapshotDb(previous)).toBe(changed);
		previous.$client.close();
	});

	it('refuses while another connection has the database open (a running server)', async () => {
		const backup = await createBackup({ database: db, out: path.join(dir, 'b.db'), migrationsDir: MIGRATIONS });
		expect(databaseInUse(file)).toBe(true);
		expect(await backupError(restoreBackup({ from: backup.file, databasePath: file, backupDir: path.join(dir, 'kept'), migrationsDir: MIGRATIONS }))).toMatch(
			/in use by another process\. Stop the server/
		);
		expect(fs.existsSync(path.join(dir, 'kept'))).toBe(false);
		db.$client.close();
		expect(databaseInUse(file)).toBe(false);
		db = openDatabase(file, MIGRATIONS);
	});

	it('brings an older backup up to this version', async () => {
		// A backup made by a version of the app without the newest migration.
		const known = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')).entries.length;
		const olderApp = openDatabase(path.join(dir, 'older-app.db'), olderMigrations(dir, known - 1));
		olderApp.$client.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES ('old@x.org', 'admin', 'x', 1)`).run();
		const old = path.join(dir, 'old.db');
		await createBackup({ database: olderApp, out: old, migrationsDir: MIGRATIONS });
		olderApp.$client.close();
		expect((await inspectDatabaseFile(old, MIGRATIONS)).migrations).toEqual({ applied: known - 1, known, status: 'older' });
		const target = path.join(dir, 'fresh', 'app.db');
		const result = await restoreBackup({ from: old, databasePath: target, backupDir: path.join(dir, 'kept'), migrationsDir: MIGRATIONS });
		expect(result.previous).toBeNull();
		expect(result.migrated).toBe(1);
		const restored = await inspectDatabaseFile(target, MIGRATIONS);
		expect(restored.migrations.status).toBe('current');
		expect(restored.tables.users).toBe(1);
	});
});

describe('restore: the backup is read and checked before the database is touched', () => {
	it('reads a backup through SQLite, rows only in its -wal included (a data folder copied from a running install)', async () => {
		// A copy of a running install's folder: rows committed to the log, not yet to the main file.
		db.$client.close();
		const live = new Database(path.join(dir, 'running.db'));
		fs.copyFileSync(file, path.join(dir, 'running.db'));
		live.pragma('journal_mode = WAL');
		live.pragma('wal_autocheckpoint = 0');
		live.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES ('late@x.org', 'reviewer', 'x', 1)`).run();
		const copied = path.join(dir, 'copied');
		fs.mkdirSync(copied);
		fs.copyFileSync(path.join(dir, 'running.db'), path.join(copied, 'db.sqlite'));
		fs.copyFileSync(path.join(dir, 'running.db-wal'), path.join(copied, 'db.sqlite-wal'));
		const users = live.prepare('SELECT count(*) FROM users').pluck().get();
		live.close();
		expect(fs.readdirSync(copied).sort()).toEqual(['db.sqlite', 'db.sqlite-wal']);

		const kept = path.join(dir, 'kept');
		const result = await restoreBackup({ from: path.join(copied, 'db.sqlite'), databasePath: file, backupDir: kept, migrationsDir: MIGRATIONS });
		expect(result.tables.users).toBe(users);
		const restored = new Database(file, { readonly: true });
		expect(restored.prepare(`SELECT count(*) FROM users WHERE email = 'late@x.org'`).pluck().get()).toBe(1);
		restored.close();
		// The kept database is one self-contained file, and checking it leaves nothing beside it.
		expect(fs.readdirSync(kept)).toEqual([path.basename(result.previous!)]);
		const previous = new Database(result.previous!, { readonly: true });
		expect(previous.pragma('journal_mode', { simple: true })).toBe('delete');
		previous.close();
		await inspectDatabaseFile(result.previous!, MIGRATIONS);
		expect(fs.readdirSync(kept)).toEqual([path.basename(result.previous!)]);
		expect(fs.readdirSync(dir).filter((f) => f.includes('.restoring-'))).toEqual([]);
		// Reading the backup left nothing beside it (no -shm made for its log).
		expect(fs.readdirSync(copied).sort()).toEqual(['db.sqlite', 'db.sqlite-wal']);
		db = openDatabase(file, MIGRATIONS);
	});

	it('names the backups folder when it cannot be made (BACKUP_DIR a file), and changes nothing', async () => {
		const backup = await createBackup({ database: db, out: path.join(dir, 'b.db'), migrationsDir: MIGRATIONS });
		const before = snapshotDb(db);
		db.$client.close();
		const notFolder = path.join(dir, 'a-file');
		fs.writeFileSync(notFolder, 'x');
		try {
			await restoreBackup({ from: backup.file, databasePath: file, backupDir: notFolder, migrationsDir: MIGRATIONS });
			throw new Error('expected a BackupError');
		} catch (err) {
			expect(err).toBeInstanceOf(BackupError);
			expect({ message: (err as BackupError).message, code: (err as BackupError).code }).toEqual({
				message: `The current database could not be kept aside, so nothing was restored: ${notFolder}: is a file, not a folder.`,
				code: 'not_directory'
			});
		}
		db = openDatabase(file, MIGRATIONS);
		expect(snapshotDb(db)).toBe(before);
		expect(fs.readdirSync(dir).filter((f) => f.includes('.restoring-'))).toEqual([]);
	});

	it('checking a WAL-mode file leaves no -wal or -shm beside it', async () => {
		const walFile = path.join(dir, 'checked', 'w.db');
		await createBackup({ database: db, out: walFile, migrationsDir: MIGRATIONS });
		const w = new Database(walFile);
		w.pragma('journal_mode = WAL');
		w.close();
		await inspectDatabaseFile(walFile, MIGRATIONS);
		expect(fs.readdirSync(path.dirname(walFile))).toEqual(['w.db']);
	});

	it('puts the previous database back when bringing an older backup up to date fails, and says so', async () => {
		const entries = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')).entries as { tag: string }[];
		// An app from before migration 0032, which adds imports.notices (among others): a file that has it already cannot take it.
		const before0032 = entries.findIndex((e) => e.tag.startsWith('0032_'));
		const olderApp = openDatabase(path.join(dir, 'older-app.db'), olderMigrations(dir, before0032));
		olderApp.$client.exec('ALTER TABLE imports ADD notices text');
		const old = path.join(dir, 'old.db');
		await createBackup({ database: olderApp, out: old, migrationsDir: MIGRATIONS });
		olderApp.$client.close();
		const before = snapshotDb(db);
		db.$client.close();
		const kept = path.join(dir, 'kept');
		const message = await backupError(restoreBackup({ from: old, databasePath: file, backupDir: kept, migrationsDir: MIGRATIONS }));
		const aside = path.join(kept, fs.readdirSync(kept)[0]);
		expect(message).toMatch(/^Restore failed \(.*duplicate column.*\); the previous database was put back \(a copy of it is also kept as .*instruct-audit-pre-restore-.*\.db\)\.$/);
		// The migration that failed is named by its file, not only by the SQL it quotes.
		expect(message).toMatch(new RegExp(`^Restore failed \\(migration ${entries[before0032].tag}\\.sql: `));
		db = openDatabase(file, MIGRATIONS);
		expect(snapshotDb(db)).toBe(before);
		expect(aside).toMatch(/pre-restore/);
	});
});

describe('kill -9 during a backup', () => {
	// A bigger database so the copy takes a while, then the CLI's `backup --out` killed at several
	// moments: the file of that name is either absent or complete and valid, never half-written.
	let big: string;
	let bigDir: string;
	beforeEach(() => {
		bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-kill-'));
		big = path.join(bigDir, 'big.db');
		const b = openDatabase(big, MIGRATIONS);
		const c = b.$client;
		const { id } = c.prepare(`INSERT INTO datasets (name, created_at) VALUES ('big', 1) RETURNING id`).get() as { id: number };
		const task = c.prepare(`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'imported', 1, 1) RETURNING id`);
		const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, 1)`);
		const filler = 'lorem ipsum dolor sit amet '.repeat(20);
		c.transaction(() => {
			for (let i = 0; i < 60_000; i++) {
				const t = task.get(id, `Task ${i}`, `Task ${i}`) as { id: number };
				instance.run(t.id, id, `${i} ${filler}`, `${filler} ${i}`);
			}
		})();
		c.pragma('wal_checkpoint(TRUNCATE)');
		c.close();
	});

	it('leaves either a complete valid file or none', async () => {
		const outcomes: string[] = [];
		for (const delay of [0, 150, 600, 60_000]) {
			const out = path.join(bigDir, `copy-${delay}.db`);
			const child = spawn(process.execPath, [CLI_ENTRY, 'backup', '--out', out], {
				env: { ...process.env, DATABASE_PATH: big },
				stdio: 'ignore'
			});
			const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
			// Wait for the copy to start (its temporary file appears), then kill the process (the CLI
			// starts none of its own; the copy runs in one of its threads).
			const started = Date.now();
			let partialSeen = false;
			while (Date.now() - started < 30_000) {
				if (fs.readdirSync(bigDir).some((f) => f.startsWith(`.copy-${delay}.db.partial-`))) {
					partialSeen = true;
					break;
				}
				if (fs.existsSync(out)) break;
				await new Promise((r) => setTimeout(r, 5));
			}
			if (delay < 60_000) {
				await new Promise((r) => setTimeout(r, delay));
				// Only while it runs: the id of a process already reaped may belong to another by now.
				if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			}
			await exited;
			if (fs.existsSync(out)) {
				const inspection = await inspectDatabaseFile(out, MIGRATIONS);
				expect(inspection.tables.instances).toBe(60_000);
				outcomes.push(`${delay}:complete`);
			} else {
				expect(partialSeen, `delay ${delay}: the backup never started`).toBe(true);
				outcomes.push(`${delay}:none`);
			}
		}
		console.log(`kill -9 during backup: ${outcomes.join(', ')}`);
		// Killed early it left nothing; left alone it finished.
		expect(outcomes[0]).toBe('0:none');
		expect(outcomes.at(-1)).toBe('60000:complete');
		// The killed backups' temporary files were cleared away by the one that finished.
		expect(fs.readdirSync(bigDir).filter((f) => f.includes('.partial-'))).toEqual([]);
		fs.rmSync(bigDir, { recursive: true, force: true });
	}, 180_000);
});
