/**
 * A restore puts back the accounts as they were at the backup: a session ended since (a password
 * reset, a disabled account) must not come back with them, and rows the replaced database held
 * that the backup does not are named, not dropped quietly. The real server, the real CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ADMIN, signInOverHttp, startBuiltApp, type BuiltApp } from '../support/built-app';
import { CLI_ENTRY } from '../support/cli-bundle';

let dir: string;
let databasePath: string;
let app: BuiltApp | undefined;

function cli(args: string[], databaseFile = databasePath, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
	const r = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
		env: { ...process.env, DATABASE_PATH: databaseFile, BACKUP_DIR: path.join(dir, 'backups'), ...env },
		encoding: 'utf8'
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function pageStatus(cookie: string): Promise<string> {
	const res = await fetch(`${app!.url}/account`, { headers: { cookie }, redirect: 'manual' });
	return `${res.status} ${res.headers.get('location') ?? ''}`.trim();
}

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-restore-sessions-'));
	databasePath = path.join(dir, 'app.db');
});
afterAll(async () => {
	await app?.stop();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('restore', () => {
	it('ends every session the backup held, says accounts are as of the backup, and names the rows only the replaced database had', async () => {
		app = await startBuiltApp({ DATABASE_PATH: databasePath, BACKUP_DIR: path.join(dir, 'backups') });
		const cookie = await signInOverHttp(app);
		expect(await pageStatus(cookie)).toBe('200');

		const backup = cli(['backup', '--json']);
		expect(backup.code, backup.stderr).toBe(0);
		const backupFile: string = JSON.parse(backup.stdout).file;

		// After the backup: the admin's password is reset (their session ends) and an account is added.
		const reset = cli(['users', 'reset-password', '--email', APP_ADMIN.email], databasePath, { PASSWORD: 'a-new-password-2' });
		expect(reset.code, reset.stderr).toBe(0);
		expect(await pageStatus(cookie)).toMatch(/^303 \/login/);
		const added = cli(['users', 'create', '--email', 'late@x.org', '--role', 'reviewer', '--password', 'late-password-1']);
		expect(added.code, added.stderr).toBe(0);
		await app.stop();
		app = undefined;

		// The same stopped database twice: one restored for the text, one for --json.
		const twin = path.join(dir, 'twin.db');
		expect(fs.existsSync(`${databasePath}-wal`)).toBe(false);
		fs.copyFileSync(databasePath, twin);

		const text = cli(['restore', backupFile]);
		expect(text.code, text.stderr).toBe(0);
		const json = cli(['restore', backupFile, '--json'], twin);
		expect(json.code, json.stderr).toBe(0);

		// The session the reset ended stays ended; the restored database holds none.
		app = await startBuiltApp({ DATABASE_PATH: databasePath, BACKUP_DIR: path.join(dir, 'backups') });
		expect(await pageStatus(cookie)).toMatch(/^303 \/login/);
		await signInOverHttp(app);

		// And the restore said so, and named the account only the replaced database had.
		expect(text.stdout).toMatch(/^the replaced database had 1 account more than the backup; they are only in .*instruct-audit-pre-restore-.*\.db$/m);
		expect(text.stdout).toMatch(/^accounts, passwords and roles are as they were at the backup; every sign-in session was ended \(1\): everyone signs in again$/m);

		const result = JSON.parse(json.stdout);
		expect(result.sessionsEnded).toBe(1);
		expect(result.differences).toContainEqual({ table: 'users', backup: 1, replaced: 2 });
	}, 300_000); // the first start may build the app
});
