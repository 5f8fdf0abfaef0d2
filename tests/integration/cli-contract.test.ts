/**
 * The command line's contract with scripts, command by command: with --json every action prints
 * one JSON document on standard output (so `| jq` works), conflicting output options are refused,
 * and failures are one line with a code saying what went wrong.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { jsonl } from '../support/db';
import { makeUser } from './audit-fixtures';
import { CLI_ENTRY } from '../support/cli-bundle';

let dir: string;
let file: string;
let db: Db;

function cli(args: string[], env: Record<string, string> = {}) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file, ...env }, encoding: 'utf8', timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command with --json and reads its one JSON document. */
function json(args: string[]) {
	const r = cli([...args, '--json']);
	expect(r.stderr, args.join(' ')).not.toMatch(/^\s+at /m);
	let value: unknown;
	expect(() => (value = JSON.parse(r.stdout)), `${args.join(' ')} --json printed: ${r.stdout}`).not.toThrow();
	return { code: r.code, value: value as Record<string, unknown> & { error?: Record<string, unknown> } };
}

let auditId: number;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-contract-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
	makeUser(db, 'reviewer', 'b@x.org');
	makeUser(db, 'researcher', 'r@x.org');
	const data = path.join(dir, 'data.jsonl');
	fs.writeFileSync(data, jsonl(Array.from({ length: 12 }, (_, i) => ({ instruction: `Say ${i} in words.`, input: '', output: `number ${i}` }))));
	expect(cli(['import', '--dataset', 'alp', data]).code).toBe(0);
	const created = json(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '5', '--seed', '1']);
	auditId = created.value.id as number;
}, 120_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('--json: every action prints one JSON document', () => {
	it.each([
		[['audit', 'close', '{audit}'], { audit: '{audit}', status: 'closed' }],
		[['audit', 'reopen', '{audit}'], { audit: '{audit}', status: 'open' }],
		[['audit', 'add-reviewers', '{audit}', '--reviewers', 'b@x.org'], { audit: '{audit}', added: 1 }],
		[['audit', 'remove-reviewer', '{audit}', '--reviewer', 'b@x.org'], { audit: '{audit}', removed: 'b@x.org', released: 0, setAside: 0 }],
		[['audit', 'archive', '{audit}'], { archived: '{audit}' }],
		[['audit', 'restore', '{audit}'], { restored: '{audit}' }],
		[['datasets', 'archive', 'alp'], { archived: { name: 'alp' }, audits: 1 }],
		[['datasets', 'restore', 'alp'], { restored: { name: 'alp' }, audits: 1 }],
		[['users', 'disable', '--email', 'b@x.org'], { disabled: 'b@x.org' }],
		[['users', 'enable', '--email', 'b@x.org'], { enabled: 'b@x.org' }],
		[['users', 'set-role', '--email', 'b@x.org', '--role', 'researcher'], { email: 'b@x.org', role: 'researcher' }],
		[['users', 'reset-password', '--email', 'b@x.org', '--password', 'a long enough password'], { passwordReset: 'b@x.org' }],
		[['users', 'unlock', '--email', 'b@x.org'], { unlocked: 'b@x.org' }]
	])('%j', (args, expected) => {
		const fill = (v: unknown): unknown => (v === '{audit}' ? auditId : typeof v === 'string' ? v.replace('{audit}', String(auditId)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)])) : v);
		const r = json((args as string[]).map((a) => fill(a) as string));
		expect(r.code).toBe(0);
		expect(r.value).toMatchObject(fill(expected) as object);
	});
});

describe('users disable / enable on an account already so', () => {
	it('leaves the stamp of when it was disabled and says nothing changed', () => {
		const stamp = () => db.$client.prepare(`SELECT disabled_at FROM users WHERE email = 'b@x.org'`).pluck().get();
		expect(json(['users', 'disable', '--email', 'b@x.org']).value).toMatchObject({ disabled: 'b@x.org' });
		const first = stamp();
		expect(first).not.toBeNull();
		const again = json(['users', 'disable', '--email', 'b@x.org']);
		expect(again.code).toBe(0);
		expect(again.value).toMatchObject({ disabled: 'b@x.org', alreadyDisabled: true });
		expect(stamp()).toBe(first);
		expect(cli(['users', 'disable', '--email', 'b@x.org']).stdout).toContain('b@x.org was already disabled; nothing changed.');
		expect(json(['users', 'enable', '--email', 'b@x.org']).value.alreadyEnabled).toBeUndefined();
		expect(json(['users', 'enable', '--email', 'b@x.org']).value).toMatchObject({ enabled: 'b@x.org', alreadyEnabled: true });
	});
});

describe('output options that ask for different documents', () => {
	it.each([
		[['--json', '--labels', 'csv'], '--json and --labels'],
		[['--csv', '--json'], '--json and --csv'],
		[['--latex', '--markdown'], '--latex and --markdown'],
		[['--csv', '--items', 'jsonl'], '--csv and --items']
	])('report %j is refused', (flags, message) => {
		const r = cli(['report', String(auditId), ...flags]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`${message} ask for different outputs`);
		// Nothing but the refusal: as JSON when --json was given.
		if (flags.includes('--json')) expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'usage' });
		else expect(r.stdout).toBe('');
	});

	it.each([['--latex'], ['--markdown'], ['--methods'], ['--table', 'quality'], ['--labels', 'csv'], ['--items', 'jsonl'], ['--filters'], ['--estimator', 'label'], ['--judge', '1']])(
		'report --compare with %j is refused, not dropped',
		(...flags) => {
			const r = cli(['report', String(auditId), '--compare', String(auditId), ...flags]);
			expect(r.code).toBe(2);
			expect(r.stderr).toContain(`--compare and ${flags[0]} cannot go together`);
			expect(r.stdout).toBe('');
			const asJson = cli(['report', String(auditId), '--compare', String(auditId), ...flags, '--json']);
			expect(asJson.code).toBe(2);
			expect(JSON.parse(asJson.stdout).error).toMatchObject({ code: 'usage' });
		}
	);

	it.each([['--csv'], ['--latex'], ['--markdown'], ['--methods'], ['--table', 'quality'], ['--figures', 'figs'], ['--labels', 'csv'], ['--items', 'jsonl'], ['--estimator', 'label'], ['--judge', '1']])(
		'report --filters with %j is refused, not dropped',
		(...flags) => {
			const r = cli(['report', String(auditId), '--filters', ...flags]);
			expect(r.code).toBe(2);
			expect(r.stderr).toContain(`--filters and ${flags[0]} cannot go together`);
			expect(r.stdout).toBe('');
			const asJson = cli(['report', String(auditId), '--filters', ...flags, '--json']);
			expect(asJson.code).toBe(2);
			expect(JSON.parse(asJson.stdout).error).toMatchObject({ code: 'usage' });
		}
	);

	it.each([['--csv'], ['--figures', 'figs'], ['--labels', 'csv'], ['--items', 'jsonl']])('report --judge with %j is refused, not dropped', (...flags) => {
		// Before: the plain text report, exit 0 (and no figures written).
		const r = cli(['report', String(auditId), '--judge', '1', ...flags]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`--judge and ${flags[0]} cannot go together`);
		expect(r.stdout).toBe('');
	});

	it('still takes --json with --methods and --figures', () => {
		expect(cli(['report', String(auditId), '--methods', '--json']).code).toBe(0);
	});
});

describe('file errors name the file, without a stack trace', () => {
	/** A refusal: exit 1, one line on stderr, and under --json the message and code. */
	function refused(args: string[], message: string, code: string, env: Record<string, string> = {}) {
		// rouge and dedup print JSON lines and take no --json.
		const asJson = !['rouge', 'dedup'].includes(args[0]);
		const r = cli(asJson ? [...args, '--json'] : args, env);
		expect(r.code, r.stderr).toBe(1);
		expect(r.stderr).not.toMatch(/^\s+at /m);
		expect(r.stderr.trim()).toBe(`error: ${message}`);
		if (asJson) expect(JSON.parse(r.stdout).error).toMatchObject({ message, code });
	}

	it('refuses to write over a directory, an existing bundle (without --force) or into a missing folder', () => {
		const folder = path.join(dir, 'adir');
		fs.mkdirSync(folder, { recursive: true });
		refused(['export', 'alp', '--format', 'jsonl', '--out', folder, '--force'], `${folder}: is a directory.`, 'is_directory');
		const bundle = path.join(dir, 'b.jsonl');
		fs.writeFileSync(bundle, 'old');
		refused(['audit', 'export', String(auditId), '--out', bundle], `${bundle}: already exists; add --force to overwrite it.`, 'exists');
		expect(fs.readFileSync(bundle, 'utf8')).toBe('old');
		expect(json(['audit', 'export', String(auditId), '--out', bundle, '--force']).value).toEqual({ wrote: bundle });
		expect(fs.readFileSync(bundle, 'utf8')).toContain('"audit"');
		expect(fs.existsSync(`${bundle}.partial`)).toBe(false);
		const missing = path.join(dir, 'missing', 'dir', 'b.jsonl');
		refused(['audit', 'export', String(auditId), '--out', missing], `${path.dirname(missing)}: does not exist (the folder of ${missing}).`, 'not_found');
	});

	it('audit import --as records who imported the audit; an unknown --as is refused before anything is imported', () => {
		const bundle = path.join(dir, 'as.bundle.jsonl');
		expect(json(['audit', 'export', String(auditId), '--out', bundle]).code).toBe(0);
		// Into the database it came from the bundle is that audit (refused as a copy): another audit drawn a moment later.
		const [header, ...rest] = fs.readFileSync(bundle, 'utf8').split('\n');
		const h = JSON.parse(header);
		h.audit.createdAt = new Date(Date.parse(h.audit.createdAt) + 1).toISOString();
		fs.writeFileSync(bundle, [JSON.stringify(h), ...rest].join('\n'));
		refused(['audit', 'import', bundle, '--dataset', 'alp', '--as', 'nobody@x.org'], 'No active account for nobody@x.org.', 'not_found');
		// A reviewer cannot be recorded as the importer: the import page asks for a researcher too.
		refused(['audit', 'import', bundle, '--dataset', 'alp', '--as', 'a@x.org'], 'a@x.org is a reviewer; only a researcher or administrator can import an audit.', 'failed');
		const imported = json(['audit', 'import', bundle, '--dataset', 'alp', '--as', 'r@x.org']);
		expect(imported.code).toBe(0);
		const row = db.$client.prepare('SELECT a.imported_by AS by, u.email FROM audits a JOIN users u ON u.id = a.imported_by WHERE a.id = ?').get(imported.value.auditId);
		expect(row).toMatchObject({ email: 'r@x.org' });
	});

	it('audit guidelines saves a new version as the audit page does, records --as, and says when the text is the same', () => {
		const md = path.join(dir, 'guidelines.md');
		fs.writeFileSync(md, 'Judge the output against the instruction, not against your own answer.\n');
		refused(['audit', 'guidelines', String(auditId), '--guidelines', md, '--as', 'a@x.org'], 'a@x.org is a reviewer; only a researcher or administrator can change guidelines.', 'failed');
		expect(json(['audit', 'guidelines', String(auditId), '--guidelines', md, '--as', 'r@x.org']).value).toEqual({ audit: auditId, changed: true });
		const c = db.$client;
		expect(c.prepare('SELECT guidelines FROM audits WHERE id = ?').pluck().get(auditId)).toBe('Judge the output against the instruction, not against your own answer.');
		const versions = c.prepare('SELECT v.version, u.email FROM audit_guidelines_versions v LEFT JOIN users u ON u.id = v.saved_by WHERE v.audit_id = ? ORDER BY v.version').all(auditId);
		expect(versions).toEqual([{ version: 1, email: null }, { version: 2, email: 'r@x.org' }]);
		expect(json(['audit', 'guidelines', String(auditId), '--guidelines', md]).value).toEqual({ audit: auditId, changed: false });
		expect(cli(['audit', 'guidelines', String(auditId), '--guidelines', md]).stdout).toContain('guidelines unchanged (the same text)');
		expect(c.prepare('SELECT count(*) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(auditId)).toBe(2);
	});

	it('a preference pair without its rejected side names the missing field, not a field of another format', () => {
		const pair = path.join(dir, 'half-pair.jsonl');
		fs.writeFileSync(pair, '{"prompt":"p1","chosen":"a"}\n');
		refused(['import', pair, '--dataset', 'half'], 'half-pair.jsonl: line 1: missing required field "rejected"\nNothing was imported.', 'failed');
		expect(json(['import', pair, '--dataset', 'half']).value.error).toMatchObject({ file: 'half-pair.jsonl', line: 1, field: 'rejected' });
	});

	it('refuses to read a directory or a missing file as input', () => {
		const folder = path.join(dir, 'adir');
		fs.mkdirSync(folder, { recursive: true });
		refused(['audit', 'import', folder, '--dataset', 'alp'], `${folder}: is a directory.`, 'is_directory');
		refused(['rouge', '--pairs', folder], `${folder}: is a directory.`, 'is_directory');
		refused(['dedup', folder], `${folder}: is a directory.`, 'is_directory');
		refused(['restore', folder], `${folder}: is a directory.`, 'is_directory');
		refused(['restore', path.join(dir, 'nope.db')], `${path.join(dir, 'nope.db')}: does not exist.`, 'not_found');
	});

	it('says DATABASE_PATH and the path when the database is not one', () => {
		const notDb = path.join(dir, 'notdb.sqlite');
		fs.writeFileSync(notDb, 'this is not a database, just some text that is long enough to have a header');
		refused(['datasets'], `The database ${notDb} (DATABASE_PATH) is not a SQLite database. Set DATABASE_PATH to the app's database file.`, 'database', { DATABASE_PATH: notDb });
		const folder = path.join(dir, 'adir');
		fs.mkdirSync(folder, { recursive: true });
		refused(['datasets'], `The database ${folder} (DATABASE_PATH) is a directory. Set DATABASE_PATH to the app's database file.`, 'database', { DATABASE_PATH: folder });
	});
});

describe('error codes', () => {
	it.each([
		[['stats', '999'], 'No dataset with id or name "999".'],
		[['stats', 'nosuch'], 'No dataset named "nosuch".'],
		[['audit', 'show', '999'], 'No such audit.'],
		[['audit', 'close', '999'], 'No such audit.'],
		[['report', 'nosuch'], 'No audit "nosuch". List them with: npx instruct-audit report --list'],
		[['report', '999'], null],
		[['generate', '--status', '999'], 'There is no run 999.'],
		[['users', 'disable', '--email', 'nobody@x.org'], 'No account for nobody@x.org.'],
		[['endpoints', 'remove', 'nosuch'], 'No stored endpoint "nosuch".'],
		[['analyze', '--run', '999'], 'No generation run with id 999.']
	])('%j: a missing thing is not_found', (args, message) => {
		const r = cli([...args, '--json']);
		expect(r.code, r.stderr).toBe(1);
		const error = JSON.parse(r.stdout).error;
		expect(error.code).toBe('not_found');
		if (message) expect(error.message).toBe(message);
	});

	it('a usage error has a one-line message, and the usage apart', () => {
		const r = cli(['audit', 'show', '--json']);
		expect(r.code).toBe(2);
		const error = JSON.parse(r.stdout).error;
		expect(error).toMatchObject({ code: 'usage', message: 'Give the audit id or name.', usage: expect.stringContaining('npx instruct-audit audit show <id>') });
		// People still read the usage under the line.
		expect(r.stderr).toMatch(/^error: Give the audit id or name\.\n\nUsage:/);
		const option = JSON.parse(cli(['datasets', '--bogus', '--json']).stdout).error;
		expect(option.message).not.toContain('\n');
		expect(option.usage).toContain('npx instruct-audit datasets');
	});
});

describe('settings that cannot be used', () => {
	it('are one line per variable and exit 1 for every command, with --json the usual error document; no stack trace', () => {
		const env = { SESSION_DAYS: '0', BACKUP_KEEP: '0', MAX_IMPORT_MB: 'abc', LOGIN_MAX_ATTEMPTS: '0' };
		const lines = [
			'error: MAX_IMPORT_MB="abc": must be a whole number from 1 to 1048576.',
			'error: SESSION_DAYS="0": must be a whole number from 1 to 3650.',
			'error: LOGIN_MAX_ATTEMPTS="0": must be a whole number of at least 1.',
			'error: BACKUP_KEEP="0": must be a whole number of at least 1.'
		];
		for (const args of [['users', 'list'], ['datasets'], ['backup']]) {
			const r = cli(args, env);
			expect({ args, code: r.code, stderr: r.stderr.trim().split('\n') }).toEqual({ args, code: 1, stderr: lines });
		}
		const r = cli(['users', 'list', '--json'], { SESSION_DAYS: '0' });
		expect(r.code).toBe(1);
		expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'config', message: 'SESSION_DAYS="0": must be a whole number from 1 to 3650.' });
		expect(r.stderr.trim()).toBe('error: SESSION_DAYS="0": must be a whole number from 1 to 3650.');
	});
});

describe('options are checked with --json as without', () => {
	it('analyze --top must be an integer in both modes', () => {
		for (const extra of [[], ['--json']]) {
			const r = cli(['analyze', 'alp', '--top', 'abc', ...extra]);
			expect(r.code).toBe(2);
			expect(r.stderr).toContain('--top must be an integer, got "abc"');
		}
	});

	it('generate --calls --page past the end is refused in both modes, not answered with page 1', () => {
		const datasetId = db.$client.prepare<[], { id: number }>("SELECT id FROM datasets WHERE name = 'alp'").get()!.id;
		const runId = Number(
			db.$client
				.prepare(
					`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
					 VALUES ('alpaca', 'run', 'completed', ?, 'env', '{}', 'm', 3, '{}', '[]', '{}', 1, 1)`
				)
				.run(datasetId).lastInsertRowid
		);
		expect(JSON.parse(cli(['generate', '--calls', String(runId), '--json']).stdout)).toMatchObject({ runId, page: 1 });
		for (const extra of [[], ['--json']]) {
			const r = cli(['generate', '--calls', String(runId), '--page', '99', ...extra]);
			expect(r.code).toBe(2);
			expect(r.stderr).toContain(`--page 99 is past the end: run ${runId} has`);
		}
	});
});

describe('no silent fallbacks', () => {
	it('audit create --size beyond the dataset records and says what was drawn', () => {
		const r = cli(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '100000', '--seed', '2', '--json']);
		expect(r.code, r.stderr).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ sampleSize: 12, itemCount: 12 });
		expect(r.stderr).toContain('note: --size 100000, but only 12 instructions to draw from: drew all 12.');
	});

	it('judge start refuses an empty --template file, and names the file of an invalid one', () => {
		const empty = path.join(dir, 'empty.json');
		fs.writeFileSync(empty, '');
		const env = { LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'judge-model' };
		const r = cli(['judge', 'start', '--dataset', 'alp', '--template', empty, '--json'], env);
		expect(r.code).toBe(2);
		expect(JSON.parse(r.stdout).error.message).toBe(`--template ${empty}: the file is empty; leave --template out to use the default template.`);
		const invalid = path.join(dir, 'tpl.txt');
		fs.writeFileSync(invalid, 'Judge this: {{instruction}}');
		const bad = cli(['judge', 'start', '--dataset', 'alp', '--template', invalid, '--json'], env);
		expect(bad.code).toBe(1);
		const message = JSON.parse(bad.stdout).error.message as string;
		expect(message).toMatch(new RegExp(`^--template ${invalid.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: The judge template: `));
		expect(message).not.toContain('..');
		expect(JSON.parse(cli(['judge', 'list', '--json']).stdout)).toEqual([]);
	});
});

describe('an interrupted export', () => {
	let spawnCli: typeof import('../support/cli-process').spawnCli;
	let waitFor: typeof import('../support/cli-process').waitFor;
	beforeAll(async () => {
		const { importFile } = await import('../../src/lib/server/datasets/import');
		const { streamOf } = await import('../support/db');
		({ spawnCli, waitFor } = await import('../support/cli-process'));
		const rows = Array.from({ length: 60_000 }, (_, i) => ({ instruction: `Write sentence ${i} about the sea.`, input: '', output: `Sentence ${i}: ${'the waves roll in and out '.repeat(12)}` }));
		await importFile(streamOf(jsonl(rows)), { datasetName: 'big', fileName: 'big.jsonl' }, db);
		const chats = Array.from({ length: 12_000 }, (_, i) => ({
			id: `chat-${i}`,
			conversations: [
				{ from: 'human', value: `Tell me about harbour ${i}.` },
				{ from: 'gpt', value: `Harbour ${i}: ${'boats come in and go out with the tide '.repeat(60)}` }
			]
		}));
		await importFile(streamOf(jsonl(chats)), { datasetName: 'chats', fileName: 'chats.jsonl' }, db);
	}, 120_000);

	/** Starts the CLI, waits until `partial` exists, sends SIGINT and checks the exit. */
	async function interrupt(args: string[], partial: string, out: string) {
		const run = spawnCli(args, { DATABASE_PATH: file });
		await waitFor(() => fs.existsSync(partial) || run.child.exitCode !== null, 'the export to start writing', 60_000);
		expect(fs.existsSync(partial), run.output()).toBe(true);
		run.child.kill('SIGINT');
		expect(await run.exit, run.output()).toBe(130);
		expect(run.output()).toContain(`Interrupted (SIGINT): nothing was written to ${out}.`);
		expect(fs.existsSync(partial)).toBe(false);
	}

	it('removes its .partial file on SIGINT and writes nothing under the requested name', async () => {
		const out = path.join(dir, 'big.jsonl');
		await interrupt(['export', 'big', '--format', 'jsonl', '--out', out], `${out}.partial`, out);
		expect(fs.existsSync(out)).toBe(false);
		expect(fs.existsSync(`${out}.manifest.json`)).toBe(false);
	}, 120_000);

	it('stops a whole-conversation export the same way', async () => {
		const out = path.join(dir, 'chats.sharegpt.jsonl');
		await interrupt(['export', 'chats', '--format', 'sharegpt', '--out', out], `${out}.partial`, out);
		expect(fs.existsSync(out)).toBe(false);
		expect(fs.existsSync(`${out}.manifest.json`)).toBe(false);
	}, 120_000);

	it('stops a dataset-card export the same way, leaving no data file', async () => {
		const out = path.join(dir, 'card');
		const data = path.join(out, 'data', 'train.jsonl');
		await interrupt(['export', 'big', '--format', 'jsonl', '--dataset-card', '--out', out], `${data}.partial`, out);
		expect(fs.existsSync(data)).toBe(false);
		expect(fs.existsSync(path.join(out, 'README.md'))).toBe(false);
		expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(false);
	}, 120_000);
});
