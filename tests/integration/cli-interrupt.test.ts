/**
 * Ctrl-C on the long commands that write (import, audit create): the command stops between its
 * batches, takes back what it wrote, and says so (as JSON under --json), exit 130. And what a
 * killed one leaves behind is taken back by the next command, not only by a server start.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { datasetsReceivingImports, receivingImport } from '../../src/lib/server/datasets/datasets';
import { jsonl, streamOf } from '../support/db';
import { makeUser } from './audit-fixtures';
import { CLI_ENTRY } from '../support/cli-bundle';
import { spawnCli, waitFor } from '../support/cli-process';

let dir: string;
let file: string;
let db: Db;
const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ instruction: `Write line ${i} about ${tag}.`, input: '', output: `Line ${i}: ${'words about the sea '.repeat(8)}` }));

function cli(args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const count = (sql: string) => db.$client.prepare<[], number>(sql).pluck().get()!;

/** Starts `args`, sends SIGINT once `ready` holds, and returns the exit code and output. */
async function interrupt(args: string[], ready: () => boolean, what: string) {
	const run = spawnCli(args, { DATABASE_PATH: file });
	await waitFor(() => ready() || run.child.exitCode !== null, what, 60_000);
	expect(run.child.exitCode, run.output()).toBeNull();
	run.child.kill('SIGINT');
	return { code: await run.exit, output: run.output(), stdout: run.stdout() };
}

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-interrupt-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
	makeUser(db, 'reviewer', 'b@x.org');
	await importFile(streamOf(jsonl(rows(2000, 'big'))), { datasetName: 'big', fileName: 'big.jsonl' }, db);
	await importFile(streamOf(jsonl(rows(30_000, 'many'))), { datasetName: 'many', fileName: 'many.jsonl' }, db);
	fs.writeFileSync(path.join(dir, 'more.jsonl'), jsonl(rows(40_000, 'more')));
}, 180_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('Ctrl-C', () => {
	it('on an import into an existing dataset takes its rows back, opens the dataset again and says so as JSON', async () => {
		const before = count('SELECT count(*) FROM tasks');
		const r = await interrupt(['import', path.join(dir, 'more.jsonl'), '--dataset', 'big', '--json'], () => count(`SELECT count(*) FROM datasets WHERE status = 'appending'`) > 0, 'the import to close big');
		expect(r.code, r.output).toBe(130);
		const printed = JSON.parse(r.stdout);
		expect(printed.error).toMatchObject({ code: 'interrupted', message: 'Interrupted (SIGINT): nothing was imported into "big".' });
		expect(db.$client.prepare(`SELECT status FROM datasets WHERE name = 'big'`).pluck().get()).toBe('ready');
		expect(count('SELECT count(*) FROM tasks')).toBe(before);
		expect(cli(['stats', 'big', '--json']).code).toBe(0);
	}, 120_000);

	it('on an import into a new name leaves no hidden dataset', async () => {
		const before = count('SELECT count(*) FROM tasks');
		const r = await interrupt(['import', path.join(dir, 'more.jsonl'), '--dataset', 'fresh'], () => count(`SELECT count(*) FROM datasets WHERE status = 'importing'`) > 0, 'the import to start writing');
		expect(r.code, r.output).toBe(130);
		expect(r.output).toContain('error: Interrupted (SIGINT): nothing was imported into "fresh".');
		expect(count('SELECT count(*) FROM datasets')).toBe(2);
		expect(count('SELECT count(*) FROM tasks')).toBe(before);
	}, 120_000);

	it('on an import into a new name that waits for input keeps nothing once the input ends', async () => {
		// A FIFO whose writer sends every record, then waits: the import has read them all and waits
		// for more (or the end) when Ctrl-C comes; the end of input must not commit it.
		const fifo = path.join(dir, 'slow.jsonl');
		expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
		const before = count('SELECT count(*) FROM tasks');
		const run = spawnCli(['import', fifo, '--dataset', 'slow', '--json'], { DATABASE_PATH: file });
		const writer = fs.createWriteStream(fifo);
		writer.write(jsonl(rows(3000, 'slow')));
		await new Promise((r) => setTimeout(r, 2000));
		expect(run.child.exitCode, run.output()).toBeNull();
		run.child.kill('SIGINT');
		await waitFor(() => run.output().includes('Stopping'), 'the import to see Ctrl-C');
		writer.end();
		const code = await run.exit;
		expect(code, run.output()).toBe(130);
		expect(JSON.parse(run.stdout()).error).toMatchObject({ code: 'interrupted', message: 'Interrupted (SIGINT): nothing was imported into "slow".' });
		expect(count(`SELECT count(*) FROM datasets WHERE name = 'slow'`)).toBe(0);
		expect(count('SELECT count(*) FROM tasks')).toBe(before);
	}, 120_000);

	it('on audit create removes the audit it was writing', async () => {
		const r = await interrupt(
			['audit', 'create', '--dataset', 'many', '--kind', 'quality', '--reviewers', 'a@x.org,b@x.org', '--size', '30000', '--overlap', '2', '--json'],
			() => count(`SELECT count(*) FROM audits WHERE status = 'preparing'`) > 0,
			'the audit to be written'
		);
		expect(r.code, r.output).toBe(130);
		expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'interrupted', message: 'Interrupted (SIGINT): no audit was created.' });
		expect(count('SELECT count(*) FROM audits')).toBe(0);
		expect(count('SELECT count(*) FROM audit_items')).toBe(0);
	}, 120_000);
});

describe('an import whose process is gone', () => {
	it('is named as stopped, and the next command takes it back and opens the dataset', async () => {
		// A process that has exited: its pid is free.
		const gone = spawn(process.execPath, ['-e', '']);
		await new Promise((r) => gone.on('exit', r));
		db.$client.prepare(`UPDATE datasets SET status = 'appending', import_owner = ?, import_heartbeat_at = ? WHERE name = 'big'`).run(`${os.hostname()}:${gone.pid}`, Date.now());
		expect(receivingImport({ name: 'big' }, db)).toBe(
			'Dataset "big" is closed by an import that stopped before it finished; the next instruct-audit command or server start takes its rows back and opens it again.'
		);
		// The Datasets page's list says the same: stopped, not receiving.
		expect(datasetsReceivingImports(db)).toEqual([{ id: expect.any(Number), name: 'big', fileName: null, since: null, stopped: true }]);
		const r = cli(['stats', 'big', '--json']);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toContain('note: removed 1 unfinished import(s) (0 rows) left by a stopped process.');
		expect(db.$client.prepare(`SELECT status FROM datasets WHERE name = 'big'`).pluck().get()).toBe('ready');
	}, 60_000);
});
