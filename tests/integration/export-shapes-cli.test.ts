/**
 * `export` of the whole shapes on the command line: --count counts what would be written (pairs,
 * not instances), the output says whose pair verdicts were used, options a format does not use
 * are refused by name, and counts of one are said in the singular.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import type { Db } from '../../src/lib/server/db';
import { CLI_ENTRY } from '../support/cli-bundle';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { responseOrder } from '../../src/lib/audits/order';
import { makeUsers, submissionId } from './audit-fixtures';
import { validate } from '../support/json-schema';

let db: Db;
let file: string;
let cleanup: () => void;
let dir: string;
const pairRows = [
	{ prompt: 'Which is bigger, 2 or 3?', chosen: '3', rejected: '2' },
	{ prompt: 'Say hi in French', chosen: 'Bonjour', rejected: 'Hello' },
	{ prompt: 'Tie case', chosen: 'A', rejected: 'B', tie: true },
	{ prompt: "=cmd|' /C calc'!A0", chosen: '+evil', rejected: 'line' }
];
beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	dir = path.dirname(file);
	await importFile(streamOf(jsonl(pairRows)), { datasetName: 'pairs', fileName: 'pairs.jsonl' }, db);
	await importFile(streamOf(jsonl([pairRows[0]])), { datasetName: 'one pair', fileName: 'pairs.jsonl' }, db);
	await importFile(streamOf(jsonl([{ instruction: 'Say yes.', input: '', output: 'yes' }])), { datasetName: 'one row', fileName: 'rows.jsonl' }, db);
});
afterEach(() => cleanup());

function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One reviewer judges every pair: the =cmd pair's sides swapped, the source tie given B, the others as the source. */
function judgeEveryPair() {
	const datasetId = db.$client.prepare("SELECT id FROM datasets WHERE name = 'pairs'").pluck().get() as number;
	const [r] = makeUsers(db, 1);
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], seed: 2, sampleSize: 4 }, db);
	for (;;) {
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') break;
		const item = db.$client.prepare('SELECT i.id, p.prompt FROM audit_items i JOIN preference_pairs p ON p.id = i.pair_id WHERE i.ref = ?').get(next.ref) as { id: number; prompt: string };
		const side = item.prompt === 'Tie case' || item.prompt.startsWith('=cmd') ? 'b' : 'a';
		const order = responseOrder(2, r.id, item.id, true);
		const choice = side === 'a' ? (order[0] === 0 ? 'A' : 'B') : order[0] === 1 ? 'A' : 'B';
		submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
	}
	return audit.id;
}

describe('export of preference pairs on the command line', () => {
	it('--count counts the pairs that would be written, ties as --ties says, not instances', () => {
		const omit = cli('export', 'pairs', '--format', 'preference-pairs', '--count');
		expect(omit.code).toBe(0);
		expect(omit.stdout).toContain('3 pairs would be written of "pairs"; 1 tie left out.');
		expect(cli('export', 'pairs', '--format', 'preference-pairs', '--ties', 'flag', '--count').stdout).toContain('4 pairs would be written');
		const json = JSON.parse(cli('export', 'pairs', '--format', 'preference-pairs', '--count', '--json').stdout);
		expect(json.counts).toMatchObject({ records: 3, tiesLeftOut: 1 });
		// A pair's prompt is a task without an instance: it has no input, so input=empty keeps it (the tie is still counted as left out, not lost).
		const empty = JSON.parse(cli('export', 'pairs', '--format', 'preference-pairs', '--where', 'input=empty', '--count', '--json').stdout);
		expect(empty.counts).toMatchObject({ records: 3, tiesLeftOut: 1 });
		expect(JSON.parse(cli('export', 'pairs', '--format', 'preference-pairs', '--where', 'input=nonempty', '--count', '--json').stdout).counts).toMatchObject({ records: 0, tiesLeftOut: 0 });
		expect(cli('export', 'one pair', '--format', 'preference-pairs', '--count').stdout).toContain('1 pair would be written');
		// A SuperNI folder: its task files (every pair's prompt is a task).
		expect(cli('export', 'pairs', '--format', 'superni', '--count').stdout).toContain('4 task files would be written of "pairs".');
		expect(fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
	});

	it('says whose verdicts replaced the source’s preference, in the output and the manifest', () => {
		const auditId = judgeEveryPair();
		const out = path.join(dir, 'p.jsonl');
		const r = cli('export', 'pairs', '--format', 'preference-pairs', '--ties', 'flag', '--out', out);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`Wrote 4 pairs of "pairs" to ${out}.`);
		expect(r.stdout).toContain(`The reviewers' verdict (pairwise audit ${auditId}) is used for 4 pairs instead of the source's preference; 2 of them differ from it`);
		const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'));
		expect(manifest).toMatchObject({ reviewersVerdictsFrom: { audits: [auditId] }, counts: { records: 4, reviewersVerdicts: 4, sourceVerdictsReplaced: 2 } });
		expect(validate(JSON.parse(fs.readFileSync('docs/schemas/shape-export-manifest.schema.json', 'utf8')), manifest)).toEqual([]);
		const one = cli('export', 'one pair', '--format', 'preference-pairs', '--out', path.join(dir, 'one.jsonl'));
		expect(one.stdout).toContain('Wrote 1 pair of "one pair"');
	});

	it('refuses the audits, runs and judge runs that are not the dataset’s, with exit 1', () => {
		const out = path.join(dir, 'x.jsonl');
		for (const [clause, message] of [
			['audit=999', 'There is no audit 999.'],
			['run=99', 'There is no generation run 99.'],
			['judge-run=77', 'There is no judge run 77.']
		]) {
			const r = cli('export', 'pairs', '--format', 'preference-pairs', '--where', clause, '--out', out);
			expect(r.code, clause).toBe(1);
			expect(r.stderr).toContain(message);
		}
		const rows = cli('export', 'one row', '--format', 'jsonl', '--where', 'run=99', '--out', out);
		expect(rows.code).toBe(1);
		expect(rows.stderr).toContain('There is no generation run 99.');
		expect(fs.existsSync(out)).toBe(false);
	});
});

describe('options a format does not use', () => {
	it('are refused by name (exit 2), writing nothing', () => {
		const cases: [string[], string][] = [
			[['--format', 'sharegpt', '--dataset-card', '--out', path.join(dir, 'sgcard')], '--dataset-card goes with the single-row formats'],
			[['--format', 'csv', '--template', 'alpaca', '--out', path.join(dir, 'x.csv')], '--template goes with --format prompt-completion; --format csv does not use it.'],
			[['--format', 'jsonl', '--ties', 'flag', '--out', path.join(dir, 'x.jsonl')], '--ties goes with --format preference-pairs; --format jsonl does not use it.'],
			[['--format', 'jsonl', '--system', 'Be brief.', '--out', path.join(dir, 'x.jsonl')], '--system goes with --format openai-chat'],
			[['--format', 'jsonl', '--license', 'mit', '--out', path.join(dir, 'x.jsonl')], '--license goes with --dataset-card']
		];
		for (const [args, message] of cases) {
			const r = cli('export', 'one row', ...args);
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.stderr).toContain(message);
		}
		expect(fs.readdirSync(dir).filter((f) => /^(sgcard|x\.)/.test(f))).toEqual([]);
	});

	it('counts of one are singular', () => {
		expect(cli('export', 'one row', '--count').stdout).toContain('1 row matches: 1 of 1 instance from 1 task');
		expect(cli('export', 'one row', '--format', 'jsonl', '--out', path.join(dir, 'one.jsonl')).stdout).toContain('Wrote 1 row (1 instance from 1 task)');
	});
});
