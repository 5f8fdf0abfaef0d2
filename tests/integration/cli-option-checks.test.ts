/**
 * Command lines the CLI used to read wrongly: two actions at once (one silently dropped), numbers
 * in forms other than digits, a missing value blamed on negative numbers; and the same failure
 * (a file that exists, a file that is missing) reported with one code and the file by every command.
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

function cli(args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs with --json; expects exit `code` and an error object matching `error`. */
function refused(args: string[], code: number, error: Record<string, unknown>) {
	const r = cli([...args, '--json']);
	expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
	expect(JSON.parse(r.stdout).error, args.join(' ')).toMatchObject(error);
}

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-option-checks-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
	const data = path.join(dir, 'data.jsonl');
	fs.writeFileSync(data, jsonl(Array.from({ length: 12 }, (_, i) => ({ instruction: `Say ${i} in words.`, input: '', output: `number ${i}` }))));
	expect(cli(['import', data, '--dataset', 'alp']).code).toBe(0);
	expect(cli(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '5', '--name', 'myaudit']).code).toBe(0);
}, 60_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('two actions on one command line', () => {
	it.each([
		[['generate', '--list', '--status', '1'], '--list and --status cannot be used together; give one.'],
		[['generate', '--list', '--calls', '1'], '--list and --calls cannot be used together; give one.'],
		[['generate', '--status', '1', '--export-templates', '1'], '--status and --export-templates cannot be used together; give one.'],
		[['generate', '--pipeline', 'alpaca', '--target', '5', '--resume', '1'], '--resume and --pipeline cannot be used together: --pipeline describes a new run.'],
		[['analyze', 'alp', '--run', '1'], 'Give the dataset "alp" or --run 1, not both (--run analyses the run\'s own dataset).']
	])('%j is refused, naming both options', (args, message) => {
		refused(args, 2, { code: 'usage', message });
	});
});

describe('option values', () => {
	it('says a value is missing when the next word is an option', () => {
		refused(['report', '1', '--labels'], 2, { code: 'usage', message: '--labels needs a value (the next word, "--json", is an option).' });
		refused(['import', path.join(dir, 'data.jsonl'), '--dataset'], 2, { code: 'usage', message: '--dataset needs a value (the next word, "--json", is an option).' });
	});

	it('takes integers only in digits, and names the option of an endpoint setting', () => {
		refused(['audit', 'create', '--dataset', 'alp', '--kind', 'quality', '--reviewers', 'a@x.org', '--size', '1e2'], 2, { message: '--size must be an integer, got "1e2".' });
		refused(['endpoints', 'add', 'box', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--rpm', '1.5'], 2, { message: '--rpm must be an integer, got "1.5".' });
		refused(['endpoints', 'add', 'box', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--concurrency', '0'], 1, { field: 'concurrency', message: expect.stringMatching(/^--concurrency: /) });
	});
});

describe('files', () => {
	it('a missing input file: not_found with the file, import as the others', () => {
		refused(['import', '/nonexistent.jsonl', '--dataset', 'x'], 1, { code: 'not_found', file: '/nonexistent.jsonl', message: '/nonexistent.jsonl: does not exist.' });
	});

	it('an output that exists: exists with the file, whatever the command or format', () => {
		const taken = path.join(dir, 'taken.jsonl');
		fs.writeFileSync(taken, '');
		refused(['export', 'alp', '--format', 'jsonl', '--out', taken], 1, { code: 'exists', file: taken });
		refused(['export', 'alp', '--format', 'sharegpt', '--out', taken], 1, { code: 'exists', file: taken, message: `${taken}: already exists; add --force to overwrite it.` });
		refused(['backup', '--out', taken], 1, { code: 'exists', file: taken });
		const card = path.join(dir, 'card');
		expect(cli(['export', 'alp', '--format', 'jsonl', '--dataset-card', '--out', card]).code).toBe(0);
		refused(['export', 'alp', '--format', 'jsonl', '--dataset-card', '--out', card], 1, { code: 'exists', file: path.join(card, 'data', 'train.jsonl') });
	}, 60_000);
});

describe('audits', () => {
	it('audit list gives dates as ISO strings, as audit show does', () => {
		const [listed] = JSON.parse(cli(['audit', 'list', '--json']).stdout);
		expect(listed.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(JSON.parse(cli(['audit', 'show', '1', '--json']).stdout).audit.createdAt).toBe(listed.createdAt);
	});

	it('audit subcommands take an audit name as report does', () => {
		const shown = cli(['audit', 'show', 'myaudit', '--json']);
		expect(shown.code, shown.stderr).toBe(0);
		expect(JSON.parse(shown.stdout).audit.name).toBe('myaudit');
		const closed = cli(['audit', 'close', 'myaudit', '--json']);
		expect(closed.code, closed.stderr).toBe(0);
		refused(['audit', 'show', 'nosuch'], 1, { code: 'not_found', message: 'No audit "nosuch". List them with: npx instruct-audit audit list' });
	});
});
