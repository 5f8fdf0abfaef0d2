/**
 * The server started with settings it cannot use (`npm start` → scripts/start.js → serve.js)
 * prints one line per bad setting — the variable, its value, what is allowed — and exits 1,
 * never a stack trace; the CLI says the same.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/lib/server/db';
import { ensureBuild } from '../support/built-app';

let dir: string;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-settings-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>, script = 'scripts/start.js'): Promise<{ code: number | null; stderr: string; stdout: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [script], {
			env: { ...process.env, DATABASE_PATH: path.join(dir, 'app.db'), PORT: '1', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		// A server that started after all would not exit: stop it so the test fails rather than hangs.
		const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stderr, stdout });
		});
	});
}

describe('the server refuses settings it cannot use', () => {
	beforeAll(() => ensureBuild(), 600_000);

	it('one line per bad setting, exit 1, no stack trace', async () => {
		const folder = path.join(dir, 'a-folder.db');
		fs.mkdirSync(folder);
		const text = path.join(dir, 'notes.db');
		fs.writeFileSync(text, 'some notes, not a database\n');
		const cases: [Record<string, string>, string[]][] = [
			[{ PORT: 'abc' }, ['error: PORT="abc": must be a whole number from 1 to 65535.']],
			[{ PORT: ' ' }, ['error: PORT=" ": must be a whole number from 1 to 65535.']],
			[{ PORT: '3000', MAX_IMPORT_MB: 'abc' }, ['error: MAX_IMPORT_MB="abc": must be a whole number from 1 to 1048576.']],
			[
				{ PORT: '3000', SESSION_DAYS: 'abc', BACKUP_KEEP: '0' },
				['error: SESSION_DAYS="abc": must be a whole number from 1 to 3650.', 'error: BACKUP_KEEP="0": must be a whole number of at least 1.']
			],
			[{ PORT: '3000', LOGIN_MAX_ATTEMPTS: '0' }, ['error: LOGIN_MAX_ATTEMPTS="0": must be a whole number of at least 1.']],
			[{ PORT: '3000', DATABASE_PATH: folder }, [`error: The database ${folder} (DATABASE_PATH) is a directory. Set DATABASE_PATH to the app's database file.`]],
			[{ PORT: '3000', DATABASE_PATH: text }, [`error: The database ${text} (DATABASE_PATH) is not a SQLite database. Set DATABASE_PATH to the app's database file.`]]
		];
		for (const [env, lines] of cases) {
			const result = await start(env);
			expect({ env, code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({ env, code: 1, stderr: lines });
			expect(result.stdout).not.toMatch(/Listening on/);
		}
	}, 300_000);

	it('start-up mistakes are one line naming the variable, exit 1, and leave no new database file behind', async () => {
		const notAFolder = path.join(dir, 'a-file');
		fs.writeFileSync(notAFolder, 'a file, not a folder\n');
		const fresh = path.join(dir, 'fresh', 'app.db');
		const admin = { PORT: '3000', DATABASE_PATH: fresh };
		const both = 'set both to create the first administrator at start-up (or neither, and create it on the first visit).';
		const cases: [Record<string, string>, string][] = [
			[{ ...admin, ADMIN_EMAIL: 'admin@x.org', ADMIN_PASSWORD: 'short' }, 'error: ADMIN_PASSWORD: Password must be at least 10 characters long.'],
			[{ ...admin, ADMIN_EMAIL: 'not an address', ADMIN_PASSWORD: 'a long enough password' }, 'error: ADMIN_EMAIL: "not an address" is not an email address.'],
			[{ ...admin, ADMIN_EMAIL: 'admin@x.org' }, `error: ADMIN_EMAIL is set but ADMIN_PASSWORD is not: ${both}`],
			[{ ...admin, ADMIN_PASSWORD: 'a long enough password' }, `error: ADMIN_PASSWORD is set but ADMIN_EMAIL is not: ${both}`],
			[
				{ PORT: '3000', DATABASE_PATH: path.join(notAFolder, 'app.db') },
				`error: The database ${path.join(notAFolder, 'app.db')} (DATABASE_PATH) cannot be created: a part of its path is a file, not a folder. Set DATABASE_PATH to the app's database file.`
			],
			[
				{ PORT: '3000', DATABASE_PATH: path.join(notAFolder, 'deeper', 'app.db') },
				`error: The database ${path.join(notAFolder, 'deeper', 'app.db')} (DATABASE_PATH) cannot be created: a part of its path is a file, not a folder. Set DATABASE_PATH to the app's database file.`
			],
			[{ ...admin, ORIGIN: 'audit.example.org' }, 'error: ORIGIN="audit.example.org": must be the address people use, with its scheme, such as https://audit.example.org or http://localhost:3000.']
		];
		for (const [env, line] of cases) {
			const result = await start(env);
			expect({ env, code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({ env, code: 1, stderr: [line] });
			expect(result.stdout).not.toMatch(/Listening on/);
			expect(fs.existsSync(path.dirname(fresh)), JSON.stringify(env)).toBe(false);
		}
		expect(fs.readFileSync(notAFolder, 'utf8')).toBe('a file, not a folder\n');
	}, 300_000);

	it('a database written by a newer version of the app: one line, exit 1, the file untouched', async () => {
		const newer = path.join(dir, 'newer.db');
		openDatabase(newer, path.resolve('migrations')).$client.close();
		const n = new Database(newer);
		n.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 9_999_999_999_999);
		n.close();
		const before = fs.readFileSync(newer);
		const known = fs.readdirSync('migrations').filter((f) => f.endsWith('.sql')).length;
		const result = await start({ PORT: '3000', DATABASE_PATH: newer, ADMIN_EMAIL: 'admin@x.org', ADMIN_PASSWORD: 'a long enough password' });
		expect({ code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({
			code: 1,
			stderr: [`error: ${newer} was written by a newer version of Instruct Audit (${known + 1} migrations; this version knows ${known}): upgrade the app.`]
		});
		expect(result.stdout).not.toMatch(/Listening on/);
		expect(fs.readFileSync(newer).equals(before)).toBe(true);
		expect(fs.existsSync(`${newer}-wal`)).toBe(false);
	}, 60_000);
});

describe('npm start checks the numeric settings before anything else', () => {
	it('names every bad one, PORT with the others, before building', async () => {
		// A copy of the start scripts with no build beside them: start.js would build first.
		const copy = path.join(dir, 'unbuilt');
		fs.mkdirSync(path.join(copy, 'scripts'), { recursive: true });
		for (const file of fs.readdirSync('scripts')) if (file.endsWith('.js')) fs.copyFileSync(path.join('scripts', file), path.join(copy, 'scripts', file));
		fs.symlinkSync(path.resolve('node_modules'), path.join(copy, 'node_modules'));
		const result = await start({ PORT: 'abc', SESSION_DAYS: '0', BACKUP_KEEP: 'x', LOGIN_MAX_ATTEMPTS: '1e1' }, path.join(copy, 'scripts/start.js'));
		expect({ code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({
			code: 1,
			stderr: [
				'error: PORT="abc": must be a whole number from 1 to 65535.',
				'error: SESSION_DAYS="0": must be a whole number from 1 to 3650.',
				'error: LOGIN_MAX_ATTEMPTS="1e1": must be a whole number of at least 1.',
				'error: BACKUP_KEEP="x": must be a whole number of at least 1.'
			]
		});
		expect(result.stdout).not.toMatch(/building/);
	}, 60_000);
});
