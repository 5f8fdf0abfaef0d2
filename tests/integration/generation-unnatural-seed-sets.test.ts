/**
 * Unnatural Instructions seed sets as a run records them: the form's untouched defaults are the
 * defaults, an edit is an edit; and the CLI's --seed-sets errors name the file and the line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { CLI_ENTRY } from '../support/cli-bundle';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createRun } from '../../src/lib/server/runs/generation/create';
import { runFormDefaults } from '../../src/lib/server/runs/generation/form';
import type { SeedSource } from '../../src/lib/server/runs/generation/params';

let db: Db;
let cleanup: () => void;
let dir: string;

beforeEach(() => {
	({ db, cleanup } = createTestDb());
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-sets-'));
});
afterEach(() => {
	cleanup();
	fs.rmSync(dir, { recursive: true, force: true });
});

const env = { LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'base-7b' };

async function seedSourceOf(seedSets: string | undefined): Promise<SeedSource> {
	const run = await createRun({ pipeline: 'unnatural', target: 3, endpoint: { kind: 'env' }, seedSets }, db, env);
	return (run.params as { seedSource: SeedSource }).seedSource;
}

describe('Unnatural Instructions seed sets of a run', () => {
	it('are "our defaults" when the form sends its pre-filled sets back unchanged, "edited" when changed', async () => {
		const prefilled = runFormDefaults().seedSets;
		// A browser sends a textarea's line breaks as CRLF.
		expect(await seedSourceOf(prefilled.replace(/\n/g, '\r\n'))).toEqual({ kind: 'default' });
		expect(await seedSourceOf(undefined)).toEqual({ kind: 'default' });
		const edited = JSON.parse(prefilled);
		edited[0][0].input = 'The tea was COLD when it reached the table.';
		expect(await seedSourceOf(JSON.stringify(edited))).toEqual({ kind: 'custom' });
	});

	it('from a --seed-sets file: errors name the file and the line, and exit non-zero', () => {
		const database = path.join(dir, 'cli.db');
		openDatabase(database, path.resolve('migrations')).$client.close();
		const file = path.join(dir, 'sets.json');
		fs.writeFileSync(file, '[\n  [\n    {"instruction": "A.", "input": "a", "constraints": "None.",}\n  ]\n]\n');
		const cli = (args: string[]) =>
			spawnSync(process.execPath, [CLI_ENTRY, 'generate', ...args, '--json'], {
				env: { ...process.env, DATABASE_PATH: database, LLM_PRESET: '', ...env },
				encoding: 'utf8',
				timeout: 60_000
			});
		const bad = cli(['--pipeline', 'unnatural', '--target', '3', '--seed-sets', file]);
		expect(bad.status).not.toBe(0);
		expect(JSON.parse(bad.stdout).error.message).toBe(`${file}: line 3, column 64: malformed JSON: Expected double-quoted property name`);
		fs.writeFileSync(file, JSON.stringify([{ instruction: 'A.', input: 'a', constraints: 'None.' }]));
		const short = cli(['--pipeline', 'unnatural', '--target', '3', '--seed-sets', file]);
		expect(short.status).not.toBe(0);
		expect(JSON.parse(short.stdout).error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: a flat list of 1 demonstration does not split into sets of 3`));
	});
});
