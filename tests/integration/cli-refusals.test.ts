/**
 * The command line refuses what it cannot do right, in one line, instead of answering something
 * else: a database file that does not exist (a mistyped DATABASE_PATH), a locked database, a full
 * disk, arguments it would ignore, options it would drop, names it would misread.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { jsonl } from '../support/db';
import { makeUser } from './audit-fixtures';
import { CLI_ENTRY } from '../support/cli-bundle';

let dir: string;
let file: string;
let db: Db;
let auditId: number;

interface Ran {
	code: number | null;
	stdout: string;
	stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, options: { cwd?: string; stdout?: number } = {}): Promise<Ran> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
			cwd: options.cwd,
			env: { ...process.env, DATABASE_PATH: file, MIGRATIONS_DIR: path.resolve('migrations'), LLM_BASE_URL: '', LLM_PRESET: '', ...env },
			stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
			// A command that hangs (mkdir under /proc used to spin) must not outlive the test.
			timeout: 20_000
		});
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (d) => (stdout += d));
		child.stderr!.on('data', (d) => (stderr += d));
		child.on('exit', (code) => resolve({ code, stdout, stderr }));
	});
}

/** A refusal: the exit code, the one error document under --json, one line on stderr and no stack. */
function refused(r: Ran, exitCode: number, error: Record<string, unknown>) {
	expect(r.code, r.stderr).toBe(exitCode);
	expect(JSON.parse(r.stdout), r.stdout).toEqual({ error: expect.objectContaining(error) });
	expect(r.stderr).not.toMatch(/^\s+at /m);
	expect(r.stderr.split('\n\nUsage')[0].trim().split('\n')).toHaveLength(1);
}

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-refusals-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
	const data = path.join(dir, 'data.jsonl');
	fs.writeFileSync(data, jsonl(Array.from({ length: 6 }, (_, i) => ({ instruction: `Say ${i} in words.`, input: '', output: `number ${i}` }))));
	expect((await cli(['import', '--dataset', 'alp', data])).code).toBe(0);
	const created = await cli(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '3', '--seed', '1', '--json']);
	auditId = JSON.parse(created.stdout).id;
}, 120_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('a database file that does not exist', () => {
	it('is refused by every command that reads, naming the path, creating neither file nor folder; users create and import start a fresh one', async () => {
		const missing = path.join(dir, 'nope', 'typo.sqlite');
		const env = { DATABASE_PATH: missing };
		const reads = await Promise.all([
			cli(['datasets', '--json'], env),
			cli(['report', '--list', '--json'], env),
			cli(['backup', '--out', path.join(dir, 'bk.db'), '--json'], env),
			cli(['stats', 'alp', '--json'], env)
		]);
		for (const r of reads) {
			refused(r, 1, { code: 'not_found', file: missing, message: expect.stringContaining(`There is no database at ${missing}. Set DATABASE_PATH to the app's database file`) });
			expect(r.stderr).toMatch(/^error: There is no database at /);
		}
		expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
		expect(fs.existsSync(path.join(dir, 'bk.db'))).toBe(false);

		// The default path is looked for in the current folder: say so, and create no data/ there.
		const elsewhere = fs.mkdtempSync(path.join(dir, 'cwd-'));
		const fromDefault = await cli(['users', 'list', '--json'], { DATABASE_PATH: '' }, { cwd: elsewhere });
		refused(fromDefault, 1, { code: 'not_found', message: expect.stringContaining('(the default data/instruct-audit.db, from the current folder)') });
		expect(fs.readdirSync(elsewhere)).toEqual([]);

		// A fresh installation's first account: created, with the note, once.
		const fresh = path.join(dir, 'fresh.db');
		const first = await cli(['users', 'create', '--email', 'admin@x.org', '--role', 'admin', '--password', 'a long enough password', '--json'], { DATABASE_PATH: fresh });
		expect(first.code, first.stderr).toBe(0);
		expect(first.stderr).toContain(`note: there was no database at ${fresh}; this command created a new, empty one.`);
		const then = await cli(['users', 'list', '--json'], { DATABASE_PATH: fresh });
		expect(then.code, then.stderr).toBe(0);
		expect(JSON.parse(then.stdout)).toMatchObject([{ email: 'admin@x.org' }]);
		expect(then.stderr).not.toContain('note:');
	}, 60_000);
});

describe('a database written by a newer version of the app', () => {
	it('is refused by every command, in one line, and left exactly as it was', async () => {
		const newer = path.join(dir, 'newer.db');
		openDatabase(newer, path.resolve('migrations')).$client.close();
		const n = new Database(newer);
		n.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 9_999_999_999_999);
		n.exec('ALTER TABLE users ADD COLUMN from_the_future TEXT');
		n.close();
		const known = fs.readdirSync('migrations').filter((f) => f.endsWith('.sql')).length;
		const before = fs.readFileSync(newer);
		const env = { DATABASE_PATH: newer };
		const runs = await Promise.all([
			cli(['users', 'create', '--email', 'late@x.org', '--role', 'reviewer', '--password', 'a long enough password', '--json'], env),
			cli(['users', 'list', '--json'], env),
			cli(['datasets', '--json'], env),
			cli(['import', '--dataset', 'more', path.join(dir, 'data.jsonl'), '--json'], env)
		]);
		for (const r of runs) {
			refused(r, 1, { code: 'newer_version', message: `${newer} was written by a newer version of Instruct Audit (${known + 1} migrations; this version knows ${known}): upgrade the app.` });
		}
		expect(fs.readFileSync(newer).equals(before)).toBe(true);
		expect(fs.existsSync(`${newer}-wal`)).toBe(false);
		// restore says the same of a newer backup
		const restore = await cli(['restore', newer, '--create', '--json'], { DATABASE_PATH: path.join(dir, 'restored.db') });
		refused(restore, 1, { code: 'newer_version' });
	}, 60_000);

	it('is refused with as many migrations as this version when its newest one is not ours (drizzle would skip ours)', async () => {
		const same = path.join(dir, 'same-count.db');
		openDatabase(same, path.resolve('migrations')).$client.close();
		const n = new Database(same);
		// An older file plus one migration of a newer version: as many as ours, the last unknown.
		n.exec('DELETE FROM __drizzle_migrations WHERE rowid = (SELECT max(rowid) FROM __drizzle_migrations)');
		n.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('a'.repeat(64), 9_999_999_999_999);
		n.close();
		const known = fs.readdirSync('migrations').filter((f) => f.endsWith('.sql')).length;
		const before = fs.readFileSync(same);
		const r = await cli(['datasets', '--json'], { DATABASE_PATH: same });
		refused(r, 1, { code: 'newer_version', message: `${same} was written by a newer version of Instruct Audit (its newest migration is dated after this version's newest, of ${known}): upgrade the app.` });
		expect(fs.readFileSync(same).equals(before)).toBe(true);
		expect(fs.existsSync(`${same}-wal`)).toBe(false);
	}, 60_000);
});

describe('the machine refuses', () => {
	it('a locked database is one line naming the file and the cause, code busy', async () => {
		const holder = new Database(file);
		holder.exec('BEGIN EXCLUSIVE');
		try {
			const r = await cli(['users', 'create', '--email', 'c@x.org', '--role', 'reviewer', '--password', 'a long enough password', '--json']);
			refused(r, 1, { code: 'busy', file, message: expect.stringContaining(`The database ${file} is locked: another process holds its write lock`) });
		} finally {
			holder.exec('ROLLBACK');
			holder.close();
		}
	}, 30_000);

	it('a full disk on standard output is one line, exit 1', async () => {
		const full = fs.openSync('/dev/full', 'w');
		try {
			const r = await cli(['report', String(auditId), '--json'], {}, { stdout: full });
			expect(r.code).toBe(1);
			expect(r.stderr).toBe('error: Could not write the output: no space left on device (ENOSPC)\n');
		} finally {
			fs.closeSync(full);
		}
	});

	it('a --figures folder that cannot be made fails fast, in one line', async () => {
		const aFile = path.join(dir, 'a-file');
		fs.writeFileSync(aFile, 'x');
		const [underFile, proc] = await Promise.all([
			cli(['report', String(auditId), '--figures', path.join(aFile, 'figs'), '--json']),
			cli(['report', String(auditId), '--figures', '/proc/nope/figs', '--json'])
		]);
		refused(underFile, 1, { code: 'not_directory', message: `Cannot create the folder ${path.join(aFile, 'figs')}: ${aFile} is a file.` });
		refused(proc, 1, { message: expect.stringContaining('Cannot create the folder /proc/nope/figs: /proc/nope') });
	}, 30_000);
});

describe('a command line the command would misread', () => {
	it('extra arguments and repeated options are refused; repeatable options still repeat', async () => {
		const [twice, twoAudits, twoDatasets, showTwo, where] = await Promise.all([
			cli(['audit', 'create', '--dataset', 'alp', '--dataset', 'other', '--kind', 'quality', '--reviewers', 'a@x.org', '--json']),
			cli(['report', String(auditId), '2', '--json']),
			cli(['stats', 'alp', 'alp', '--json']),
			cli(['audit', 'show', String(auditId), '2', '--json']),
			cli(['export', 'alp', '--where', 'kept', '--where', 'all-yes', '--count', '--json'])
		]);
		refused(twice, 2, { code: 'usage', message: '--dataset was given more than once; give it once.' });
		refused(twoAudits, 2, { code: 'usage', message: 'Unexpected argument "2".' });
		refused(twoDatasets, 2, { code: 'usage', message: 'Unexpected argument "alp".' });
		refused(showTwo, 2, { code: 'usage', message: 'Unexpected argument "2".' });
		expect(where.code, where.stderr).toBe(0);
	}, 30_000);

	it('stats refuses outputs that ask for different documents; audit export --json needs --out', async () => {
		const [jsonLatex, markdownLatex, bundle] = await Promise.all([
			cli(['stats', 'alp', '--json', '--latex']),
			cli(['stats', 'alp', '--markdown', '--latex', '--json']),
			cli(['audit', 'export', String(auditId), '--json'])
		]);
		refused(jsonLatex, 2, { message: '--json and --latex ask for different outputs; give one.' });
		refused(markdownLatex, 2, { message: '--latex and --markdown ask for different outputs; give one.' });
		refused(bundle, 2, { code: 'usage', message: expect.stringContaining('audit export --json needs --out') });
	}, 30_000);

	it('an unknown command or none at all is a usage error (exit 2), as JSON under --json', async () => {
		const [bogus, none] = await Promise.all([cli(['bogus', '--json']), cli([])]);
		refused(bogus, 2, { code: 'usage', message: 'Unknown command "bogus".', usage: expect.stringContaining('Commands:') });
		expect(none.code).toBe(2);
		expect(none.stdout).toBe('');
		expect(none.stderr).toMatch(/^error: Give a command\.\n\nUsage: /);
	}, 30_000);

	it('export: every format in the message, --ties and --out - checked always', async () => {
		const cwd = fs.mkdtempSync(path.join(dir, 'export-'));
		const [format, ties, dash] = await Promise.all([
			cli(['export', 'alp', '--format', 'sharegptt', '--out', 'x.jsonl', '--json'], {}, { cwd }),
			cli(['export', 'alp', '--format', 'csv', '--ties', 'maybe', '--out', 'x.csv', '--json'], {}, { cwd }),
			cli(['export', 'alp', '--format', 'jsonl', '--out', '-', '--json'], {}, { cwd })
		]);
		refused(format, 2, { message: expect.stringMatching(/Choose one of: .*jsonl.*csv.*sharegpt.*chat-conversations.*preference-pairs.*superni/) });
		refused(ties, 2, { message: '--ties must be omit or flag.' });
		refused(dash, 2, { message: expect.stringContaining('--out must name a file') });
		expect(fs.readdirSync(cwd)).toEqual([]);
	}, 30_000);

	it('export --force writes plain files only: a symbolic link (or a device such as /dev/null) is not replaced', async () => {
		const cwd = fs.mkdtempSync(path.join(dir, 'export-link-'));
		fs.writeFileSync(path.join(cwd, 'target.jsonl'), 'old\n');
		fs.symlinkSync('target.jsonl', path.join(cwd, 'link.jsonl'));
		const [link, device] = await Promise.all([
			cli(['export', 'alp', '--format', 'jsonl', '--out', 'link.jsonl', '--force', '--json'], {}, { cwd }),
			cli(['export', 'alp', '--format', 'jsonl', '--out', '/dev/null', '--force', '--json'], {}, { cwd })
		]);
		refused(link, 1, { code: 'not_regular_file', message: expect.stringContaining('link.jsonl: is not a regular file (a symbolic link)') });
		refused(device, 1, { code: 'not_regular_file', message: expect.stringContaining('/dev/null: is not a regular file (a device, pipe or socket)') });
		expect(fs.lstatSync(path.join(cwd, 'link.jsonl')).isSymbolicLink()).toBe(true);
		expect(fs.readFileSync(path.join(cwd, 'target.jsonl'), 'utf8')).toBe('old\n');
		expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
	}, 30_000);

	it('generate --calls --step refuses a step the run does not have, naming its steps', async () => {
		const datasetId = db.$client.prepare<[], { id: number }>("SELECT id FROM datasets WHERE name = 'alp'").get()!.id;
		const runId = Number(
			db.$client
				.prepare(
					`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
					 VALUES ('alpaca', 'run', 'completed', ?, 'env', '{}', 'm', 3, '{}', '[]', '{}', 1, 1)`
				)
				.run(datasetId).lastInsertRowid
		);
		const [bogus, known, help] = await Promise.all([
			cli(['generate', '--calls', String(runId), '--step', 'bogus', '--json']),
			cli(['generate', '--calls', String(runId), '--step', 'alpaca/generation', '--json']),
			cli(['generate', '--help'])
		]);
		// The help names the step ids too.
		expect(help.stdout).toMatch(/--step <step> .*self-instruct\/instruction-generation.*alpaca\/generation/);
		refused(bogus, 2, { message: `Run ${runId} has no step "bogus". Its steps: alpaca/generation.` });
		expect(known.code, known.stderr).toBe(0);
	}, 30_000);

	it('says what is wrong with a value: a dashed value, a word for an id, a dataset name; specific codes', async () => {
		const bad = path.join(dir, 'bad.jsonl');
		fs.writeFileSync(bad, '{"instruction": "Say hi.", "input": "", "output": "hi"}\n');
		const [size, show, digits, endpoint] = await Promise.all([
			cli(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '-3', '--json']),
			cli(['audit', 'show', 'abc', '--json']),
			cli(['import', bad, '--dataset', '123', '--json']),
			cli(['endpoints', 'add', 'box', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--json'])
		]);
		refused(size, 2, { code: 'usage', message: '--size is followed by a value that begins with a dash; write it --size=<value> (e.g. --size=-3).' });
		refused(show, 1, { code: 'not_found', message: 'No audit "abc". List them with: npx instruct-audit audit list' });
		refused(digits, 2, { code: 'invalid', field: 'dataset', message: expect.stringMatching(/^--dataset: A dataset name cannot be only digits/) });
		expect(JSON.parse(digits.stdout).error.file).toBeUndefined();
		expect(endpoint.code, endpoint.stderr).toBe(0);
		const again = await cli(['endpoints', 'add', 'box', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--json']);
		refused(again, 1, { code: 'exists', field: 'name' });
		// This test's process holds the database open, as a running server would.
		const backup = path.join(dir, 'restore-me.db');
		expect((await cli(['backup', '--out', backup, '--json'])).code).toBe(0);
		refused(await cli(['restore', backup, '--json']), 1, { code: 'in_use', file });
	}, 60_000);
});
