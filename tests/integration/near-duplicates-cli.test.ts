/**
 * `near-duplicates` on the command line: every group of a dataset's near-duplicates, not the
 * page's 25 a page, each with all its listed pairs, from the same grouping as the page.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { CLI_ENTRY } from '../support/cli-bundle';

let file: string;
let cleanup: () => void;

beforeAll(async () => {
	let db;
	({ db, file, cleanup } = createTestDb());
	// A chain of 40 (each shares five of six words with the next: 77 pairs above 0.6), and 30
	// pairs of instructions that share no word with any other pair: 31 groups, more than a page.
	const chain = Array.from({ length: 40 }, (_, k) => Array.from({ length: 6 }, (_, j) => `w${k + j}`).join(' '));
	const twins = Array.from({ length: 30 }, (_, k) => {
		const words = ['a', 'b', 'c', 'd', 'e'].map((l) => `u${k}${l}`);
		return [words.join(' '), [...words, `u${k}f`].join(' ')];
	}).flat();
	const rows = jsonl([...chain, ...twins].map((instruction) => ({ instruction, input: '', output: 'x' })));
	await importFile(streamOf(rows), { datasetName: 'dups', fileName: 'dups.jsonl' }, db);
	db.$client.close();
}, 60_000);
afterAll(() => cleanup?.());

function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 120_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('near-duplicates', () => {
	it('lists every group with its members and listed pairs under --json', () => {
		const r = cli('near-duplicates', 'dups', '--threshold', '0.6', '--json');
		expect(r.code, r.stderr).toBe(0);
		const out = JSON.parse(r.stdout);
		expect(out).toMatchObject({ dataset: 'dups', threshold: 0.6, linkage: 'components', instructions: 100, instructionsInGroups: 100, groupCount: 31, stoppedAt: null });
		expect(out.groups).toHaveLength(31);
		expect(out.groups.map((g: { number: number }) => g.number)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
		expect(out.groups[0]).toMatchObject({ number: 1, size: 40, pairCount: 77, listedPairs: 77 });
		expect(out.groups[0].pairs).toHaveLength(77);
		expect(out.groups[0].members).toHaveLength(40);
		for (const g of out.groups.slice(1)) {
			expect(g).toMatchObject({ size: 2, pairCount: 1, listedPairs: 1, centre: null });
			expect(g.pairs[0].score).toBeCloseTo(10 / 11, 6);
		}
	});

	it('groups around a centre, and prints a line per group and member for a person', () => {
		const centre = JSON.parse(cli('near-duplicates', 'dups', '--threshold', '0.6', '--linkage', 'centre', '--json').stdout);
		expect(centre.linkage).toBe('centre');
		expect(centre.groups.every((g: { centre: number | null }) => g.centre !== null)).toBe(true);
		const text = cli('near-duplicates', 'dups', '--threshold', '0.6');
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toContain('"dups": 31 groups hold 100 of 100 instructions');
		expect(text.stdout).toContain('Group 31: 2 instructions, 1 pair, highest ROUGE-L 0.91');
	});

	it('refuses a threshold or grouping it cannot use, and a dataset that does not exist', () => {
		const bad = cli('near-duplicates', 'dups', '--threshold', '0.1', '--json');
		expect(bad.code).toBe(2);
		expect(JSON.parse(bad.stdout).error.message).toMatch(/--threshold: The threshold 0.1 is out of range/);
		// An empty value typed on purpose is not "no threshold" (it used to run at 0.7 and exit 0).
		const blank = cli('near-duplicates', 'dups', '--threshold', '', '--json');
		expect(blank.code).toBe(2);
		expect(JSON.parse(blank.stdout).error.message).toBe('--threshold: The threshold is empty; give a ROUGE-L F from 0.3 up to (not including) 1, e.g. 0.7.');
		expect(cli('near-duplicates', 'dups', '--linkage', 'average').stderr).toContain('--linkage: unknown grouping "average": use components or centre.');
		const missing = cli('near-duplicates', 'nosuch');
		expect(missing.code).not.toBe(0);
		expect(missing.stderr).toContain('No dataset named "nosuch".');
	});
});
