/**
 * The password prompt of `users create` / `users reset-password`, on a real terminal (util-linux
 * `script` gives the CLI a pseudo-terminal): asked on standard error, unseen, twice.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { makeUser } from './audit-fixtures';
import { CLI_ENTRY } from '../support/cli-bundle';

const hasScript = spawnSync('script', ['--version']).status === 0;
let dir: string;
let file: string;
let db: Db;

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-password-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
});
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `users <args> --json` on a terminal, typing each answer once its prompt is shown; stdout goes to a file. */
async function onTerminal(args: string[], answers: string[]) {
	const out = path.join(dir, `out-${Date.now()}.json`);
	const quoted = [process.execPath, CLI_ENTRY, 'users', ...args, '--json'].map((a) => `'${a}'`).join(' ');
	const child = spawn('script', ['-qec', `${quoted} > '${out}'`, '/dev/null'], { env: { ...process.env, DATABASE_PATH: file }, stdio: ['pipe', 'pipe', 'pipe'] });
	let terminal = '';
	let asked = 0;
	child.stdout.on('data', (d) => {
		terminal += d;
		// Each prompt ends with ": "; answer it once.
		while (asked < answers.length && terminal.split(': ').length - 1 > asked) child.stdin.write(`${answers[asked++]}\r`);
	});
	// A prompt that never comes (or a third one) would leave the terminal waiting: end it.
	const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
	const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
	clearTimeout(timer);
	return { code, terminal, stdout: fs.readFileSync(out, 'utf8') };
}

describe.skipIf(!hasScript)('the password prompt', () => {
	it('asks twice on the terminal without showing the password, and prints only JSON on stdout', async () => {
		const r = await onTerminal(['reset-password', '--email', 'a@x.org'], ['correct horse 1', 'correct horse 1']);
		expect(r.code, r.terminal).toBe(0);
		expect(r.terminal).toContain('Password (at least 10 characters): ');
		expect(r.terminal).toContain('The same password again: ');
		expect(r.terminal).not.toContain('correct horse');
		expect(JSON.parse(r.stdout)).toEqual({ passwordReset: 'a@x.org' });
		expect(db.$client.prepare(`SELECT password_hash FROM users WHERE email = 'a@x.org'`).pluck().get()).not.toBe('not-a-hash');
	}, 30_000);

	it('changes nothing when the two differ', async () => {
		const before = db.$client.prepare(`SELECT password_hash FROM users WHERE email = 'a@x.org'`).pluck().get();
		const r = await onTerminal(['reset-password', '--email', 'a@x.org'], ['correct horse 2', 'correct horze 2']);
		expect(r.code, r.terminal).toBe(1);
		expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'invalid', message: 'The two passwords differ; nothing was changed. Run the command again.' });
		expect(db.$client.prepare(`SELECT password_hash FROM users WHERE email = 'a@x.org'`).pluck().get()).toBe(before);
	}, 30_000);
});
