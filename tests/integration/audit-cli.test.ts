import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { jsonl } from '../support/db';
import { ALL_YES, makeUser } from './audit-fixtures';
import { heartbeat, nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { CLI_ENTRY } from '../support/cli-bundle';

// The CLI in a child process on its own database file, as a user would run it.
const run = promisify(execFile);
let dir: string;
let file: string;
let db: Db;

async function cli(...args: string[]) {
	try {
		const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, 'audit', ...args], {
			env: { ...process.env, DATABASE_PATH: file }
		});
		return { code: 0, stdout, stderr };
	} catch (err) {
		const e = err as { code: number; stdout: string; stderr: string };
		return { code: e.code, stdout: e.stdout, stderr: e.stderr };
	}
}

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
	file = path.join(dir, 'cli.db');
	db = openDatabase(file, path.resolve('migrations'));
	makeUser(db, 'reviewer', 'a@x.org');
	makeUser(db, 'reviewer', 'b@y.org');
	const rows = Array.from({ length: 30 }, (_, i) => ({ instruction: `Say ${i} in words.`, input: '', output: `number ${i}` }));
	const data = path.join(dir, 'data.jsonl');
	fs.writeFileSync(data, jsonl(rows));
	const imported = await run(process.execPath, [CLI_ENTRY, 'import', '--dataset', 'cli data', data], {
		env: { ...process.env, DATABASE_PATH: file }
	});
	expect(imported.stdout).toContain('30 tasks');
}, 60_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('cli audit', () => {
	it('creates an audit and prints its id; the same seed draws the same sample', async () => {
		const first = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '12', '--seed', '1', '--overlap', '2', '--reviewers', 'a@x.org,b@y.org');
		expect(first).toMatchObject({ code: 0 });
		const id = Number(first.stdout.trim());
		expect(Number.isInteger(id) && id > 0).toBe(true);
		const second = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '12', '--seed', '1', '--reviewers', 'a@x.org', '--json');
		const audit = JSON.parse(second.stdout);
		expect(audit).toMatchObject({ sampleSize: 12, seed: 1, overlap: 1, itemCount: 12 });
		const sample = (auditId: number) =>
			(db.$client.prepare('SELECT instance_id AS i FROM audit_items WHERE audit_id = ? ORDER BY position').all(auditId) as { i: number }[]).map((r) => r.i);
		expect(sample(audit.id)).toEqual(sample(id));

		const list = await cli('list');
		expect(list.stdout).toMatch(new RegExp(`${id}\\s+Quality audit of cli data \\(seed 1\\)\\s+cli data\\s+quality\\s+open\\s+12\\s+2\\s+2\\s+0/24`));
		const show = await cli('show', String(id));
		expect(show.stdout).toContain('labels 0/24');
		expect(show.stdout).toContain('a@x.org');

		expect((await cli('close', String(id))).stdout.trim()).toBe('closed');
		expect(JSON.parse((await cli('list', '--json')).stdout).find((a: { id: number }) => a.id === id).status).toBe('closed');
		expect((await cli('reopen', String(id))).stdout.trim()).toBe('open');
		expect((await cli('remove-reviewer', String(id), '--reviewer', 'b@y.org')).stdout).toContain('removed');
		expect((await cli('add-reviewers', String(id), '--reviewers', 'b@y.org')).stdout).toContain('added 1');
	}, 180_000); // nine CLI processes in a row

	it('close says how many items were being labelled and that their labels are not accepted; a closed audit shows no lease as work going on', async () => {
		const created = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '6', '--seed', '3', '--overlap', '2', '--reviewers', 'a@x.org,b@y.org', '--json');
		const id = JSON.parse(created.stdout).id as number;
		const a = db.$client.prepare("SELECT id FROM users WHERE email = 'a@x.org'").pluck().get() as number;
		const first = nextAssignment(id, a, {}, db) as { ref: string };
		// The item on screen, and the next one prefetched behind it (not being labelled yet).
		nextAssignment(id, a, { exclude: [first.ref] }, db);
		heartbeat(id, a, first.ref, {}, db);
		expect(JSON.parse((await cli('show', String(id), '--json')).stdout).progress).toMatchObject({ activeLeases: 1, leasesOpenAtClose: null });

		const closed = await cli('close', String(id));
		expect(closed.stdout.trim()).toBe(
			"closed; 1 item was being labelled (1 reviewer): their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened."
		);
		const shown = JSON.parse((await cli('show', String(id), '--json')).stdout).progress;
		expect(shown).toMatchObject({ activeLeases: 0, leasesOpenAtClose: 1 });
		expect(shown.reviewers.every((r: { holding: number }) => r.holding === 0)).toBe(true);
		expect((await cli('show', String(id))).stdout).toContain('being labelled when closed 1 (not accepted)');
		// A submit on a held item after closing is refused, not taken.
		expect(() => submitLabel(id, a, { ref: first.ref, submissionId: 'after-close-1', answer: ALL_YES }, {}, db)).toThrow(/closed/);

		await cli('reopen', String(id));
		expect(JSON.parse((await cli('close', String(id), '--json')).stdout)).toEqual({ audit: id, status: 'closed', beingLabelled: 1, reviewers: 1 });
		// Archiving says the same of the work it stops.
		await cli('reopen', String(id));
		expect((await cli('archive', String(id))).stdout.trim()).toBe(
			"archived; 1 item was being labelled (1 reviewer): their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is restored."
		);
		expect(() => submitLabel(id, a, { ref: first.ref, submissionId: 'after-archive-1', answer: ALL_YES }, {}, db)).toThrow(/archived/);
		await cli('restore', String(id));
		expect(JSON.parse((await cli('archive', String(id), '--json')).stdout)).toEqual({ archived: id, beingLabelled: 1, reviewers: 1 });
	}, 120_000);

	it('users disable names the open audits the reviewer was reviewing; audit show marks them disabled and counts the items they leave stuck', async () => {
		const c = makeUser(db, 'reviewer', 'c@x.org');
		const created = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '6', '--seed', '4', '--overlap', '2', '--reviewers', 'a@x.org,c@x.org', '--json');
		const { id, name } = JSON.parse(created.stdout) as { id: number; name: string };
		const a = db.$client.prepare("SELECT id FROM users WHERE email = 'a@x.org'").pluck().get() as number;
		for (let i = 0; i < 6; i++) {
			const next = nextAssignment(id, a, {}, db) as { ref: string };
			submitLabel(id, a, { ref: next.ref, submissionId: `disable-${i}`, answer: ALL_YES }, {}, db);
		}
		nextAssignment(id, c.id, {}, db);
		const users = (...args: string[]) => run(process.execPath, [CLI_ENTRY, 'users', ...args], { env: { ...process.env, DATABASE_PATH: file } });

		const disabled = await users('disable', '--email', 'c@x.org');
		expect(disabled.stdout.trim()).toBe(
			`c@x.org disabled. They were reviewing open audit "${name}" (#${id}); the items they held went back to the other reviewers, and they count as a reviewer there again once enabled.`
		);
		const show = (await cli('show', String(id))).stdout;
		expect(show).toContain('stuck 6,');
		expect(show).toMatch(/c@x\.org\s+disabled\s+0\s+0\s+0/);
		expect(show).toMatch(/being labelled now 0/);

		const enabled = await users('enable', '--email', 'c@x.org', '--json');
		expect(JSON.parse(enabled.stdout)).toEqual({ enabled: 'c@x.org', reviewing: [{ id, name }] });
		const again = (await cli('show', String(id))).stdout;
		expect(again).toContain('stuck 0,');
		expect(again).toMatch(/c@x\.org\s+active/);
	}, 120_000);

	it('refuses bad input with a message and a non-zero exit', async () => {
		const cases: [string[], RegExp][] = [
			[['create', '--dataset', 'nope', '--kind', 'quality', '--reviewers', 'a@x.org'], /No dataset named "nope"/],
			[['create', '--dataset', 'cli data', '--kind', 'odd', '--reviewers', 'a@x.org'], /--kind must be one of quality, rating/],
			[['create', '--dataset', 'cli data', '--kind', 'quality', '--reviewers', 'who@nowhere.org'], /No account for who@nowhere.org/],
			[['create', '--dataset', 'cli data', '--kind', 'quality', '--overlap', '3', '--reviewers', 'a@x.org'], /An overlap of 3 needs at least 3 reviewers/],
			[['create', '--dataset', 'cli data', '--kind', 'rating', '--reviewers', 'a@x.org'], /no model responses|has none/],
			[['create', '--dataset', 'cli data', '--kind', 'quality', '--reviewers', 'a@x.org', '--suggestions-from', '4242'], /There is no judge run 4242\./],
			[['create', '--dataset', 'cli data', '--kind', 'quality', '--reviewers', 'a@x.org', '--suggestions-from', 'x'], /--suggestions-from must be an integer/],
			[['close', '999'], /No such audit/]
		];
		const results = await Promise.all(cases.map(([args]) => cli(...args)));
		results.forEach((result, i) => {
			const [args, message] = cases[i];
			expect(result.code, args.join(' ')).not.toBe(0);
			expect(result.stderr, args.join(' ')).toMatch(message);
		});
	}, 60_000);
});

describe('cli audit create: conversation and pairwise options (issue 14)', () => {
	it('--unit conversation with conversation gold; --pair-models builds pairs from two models’ responses; mistakes exit 2', async () => {
		const { importFile } = await import('../../src/lib/server/datasets/import');
		const { streamOf } = await import('../support/db');
		const chats = [
			{ id: 'c1', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] },
			{ id: 'c2', conversations: [{ from: 'human', value: 'Count' }, { from: 'gpt', value: '1, 2' }] }
		];
		await importFile(streamOf(JSON.stringify(chats)), { datasetName: 'cli chats', fileName: 'sg.json' }, db);
		const conversation = db.$client.prepare('SELECT min(id) FROM conversations').pluck().get() as number;
		const gold = path.join(dir, 'conversation-gold.jsonl');
		fs.writeFileSync(gold, JSON.stringify({ conversation, valid: 'no' }) + '\n');
		const made = await cli('create', '--dataset', 'cli chats', '--kind', 'conversation', '--unit', 'conversation', '--gold', gold, '--reviewers', 'a@x.org', '--json');
		expect(made.code, made.stderr).toBe(0);
		// The gold conversation is left out of the frame: the one other is the whole sample, and both say so.
		expect(JSON.parse(made.stdout)).toMatchObject({ kind: 'conversation', conversationUnit: 'conversation', goldCount: 1, itemCount: 1, samplingFrame: { choices: 1, goldExcluded: 1 } });
		expect((await cli('show', String(JSON.parse(made.stdout).id))).stdout).toContain('1 gold conversation was left out of the sampling frame (1 left to draw from)');
		expect((await cli('create', '--dataset', 'cli chats', '--kind', 'conversation', '--unit', 'dialogue', '--reviewers', 'a@x.org')).code).toBe(2);

		const predictions = (model: string) =>
			jsonl(Array.from({ length: 5 }, (_, i) => ({ instruction: `Say ${i} in words.`, input: '', response: `${model} says ${i}` })));
		for (const model of ['m1', 'm2']) {
			await importFile(streamOf(predictions(model)), { datasetName: 'cli data', fileName: `${model}.jsonl`, modelName: model, format: 'predictions' }, db);
		}
		const pairwise = await cli('create', '--dataset', 'cli data', '--kind', 'pairwise', '--pair-models', 'm1,m2', '--reviewers', 'a@x.org', '--json');
		expect(pairwise.code, pairwise.stderr).toBe(0);
		expect(JSON.parse(pairwise.stdout)).toMatchObject({ kind: 'pairwise', itemCount: 5, models: ['m1', 'm2'] });
		const bad = await cli('create', '--dataset', 'cli data', '--kind', 'pairwise', '--pair-models', 'm1', '--reviewers', 'a@x.org');
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/--pair-models takes two model names/);
		// --models repeated, one model each; a piece the dataset has no responses from is named, with the models it has.
		const rating = await cli('create', '--dataset', 'cli data', '--kind', 'rating', '--models', 'm1', '--models', 'm2', '--reviewers', 'a@x.org', '--json');
		expect(rating.code, rating.stderr).toBe(0);
		expect(JSON.parse(rating.stdout)).toMatchObject({ kind: 'rating', models: ['m1', 'm2'] });
		const unknown = await cli('create', '--dataset', 'cli data', '--kind', 'rating', '--models', 'm1, m9', '--reviewers', 'a@x.org');
		expect(unknown.stderr).toContain('The dataset has no responses from "m9". It has responses from "m1", "m2".');
	}, 180_000);
});

// Last: its conversations would be the first of the file's database (the test above takes the first).
describe('cli audit export/import of pairwise and conversation audits', () => {
	it('export and import carry a pairwise and a conversation audit, with --json', async () => {
		const { importFile } = await import('../../src/lib/server/datasets/import');
		const { createAudit } = await import('../../src/lib/server/audits/create');
		const { nextAssignment, submitLabel } = await import('../../src/lib/server/audits/routing');
		const { streamOf } = await import('../support/db');
		const { comparisonRows, sharegptRows } = await import('./shape-fixtures');
		const reviewer = db.$client.prepare("SELECT id FROM users WHERE email = 'a@x.org'").pluck().get() as number;
		const pairs = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'cli pairs', fileName: 'cmp.json' }, db);
		const chats = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'cli chat rows', fileName: 'sg.json' }, db);
		for (const [dataset, datasetId, kind, answer] of [
			['cli pairs', pairs.datasetId, 'pairwise', { kind: 'pairwise', choice: 'tie', comment: 'same' }],
			['cli chat rows', chats.datasetId, 'conversation', { kind: 'conversation', turns: [{ valid: true, rating: 'A' }, { valid: false, rating: 'D' }], comment: '' }]
		] as const) {
			const audit = createAudit({ datasetId, kind, reviewerIds: [reviewer], seed: 1, sampleSize: 10 }, db);
			const next = nextAssignment(audit.id, reviewer, {}, db);
			if (next.status !== 'assigned') throw new Error('no item');
			submitLabel(audit.id, reviewer, { ref: next.ref, submissionId: `cli-${kind}-label`, answer }, {}, db);
			const out = path.join(dir, `${kind}.bundle.jsonl`);
			const exported = await cli('export', String(audit.id), '--out', out, '--json');
			expect(exported.code, exported.stderr).toBe(0);
			expect(JSON.parse(exported.stdout)).toEqual({ wrote: out });
			// Into the database it came from, the bundle is the audit itself: refused, naming it.
			const home = await cli('import', out, '--dataset', dataset, '--json');
			expect(home.code).not.toBe(0);
			expect(JSON.parse(home.stdout).error.message).toContain(`already has: audit ${audit.id} "${audit.name}", the audit it was exported from, with the same 2 items and the same 1 label`);
			// Another audit drawn a moment later with the same items and labels (as another lab's would be) imports.
			fs.writeFileSync(
				out,
				fs
					.readFileSync(out, 'utf8')
					.split('\n')
					.map((line) => {
						if (!line.startsWith('{"type":"audit-bundle"')) return line;
						const header = JSON.parse(line);
						header.audit.createdAt = new Date(Date.parse(header.audit.createdAt) + 1).toISOString();
						return JSON.stringify(header);
					})
					.join('\n')
			);
			const imported = await cli('import', out, '--dataset', dataset, '--json');
			expect(imported.code, imported.stderr).toBe(0);
			const result = JSON.parse(imported.stdout);
			expect(result).toMatchObject({ items: 2, labels: 1, reviewers: 1 });
			// The same file again would be a second, identical audit: refused, naming the first.
			const again = await cli('import', out, '--dataset', dataset, '--json');
			expect(again.code).not.toBe(0);
			expect(JSON.parse(again.stdout).error.message).toMatch(new RegExp(`was already imported into dataset "${dataset}" as audit ${result.auditId} ".+"; nothing was imported`));
			// The copy's label is the original's answer: its preference, or its verdict on each reply.
			const answerOf = (id: number) =>
				db.$client
					.prepare(`SELECT l.preference, l.output_valid AS valid, l.comment, (SELECT json_group_array(json_array(position, valid, rating)) FROM audit_label_turns t WHERE t.label_id = l.id) AS turns FROM audit_labels l WHERE audit_id = ?`)
					.all(id);
			expect(answerOf(result.auditId)).toEqual(answerOf(audit.id));
			if (kind !== 'conversation') continue;
			// Its report gives each reviewer's agreement reply by reply (none yet: one reviewer), in the table and --json.
			const report = await run(process.execPath, [CLI_ENTRY, 'report', String(audit.id), '--json'], { env: { ...process.env, DATABASE_PATH: file } });
			expect(JSON.parse(report.stdout).reviewers[0].replyAgreement).toEqual({ value: null, pairs: 0, items: 0 });
			const text = await run(process.execPath, [CLI_ENTRY, 'report', String(audit.id)], { env: { ...process.env, DATABASE_PATH: file } });
			expect(text.stdout).toContain('agreement per reply');
		}
		// A pairwise report whose Bradley–Terry fit does not exist (one model never lost) says so, and ranks no model.
		const decided = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: [reviewer], seed: 2, sampleSize: 10 }, db);
		const item = nextAssignment(decided.id, reviewer, {}, db);
		if (item.status !== 'assigned') throw new Error('no item');
		submitLabel(decided.id, reviewer, { ref: item.ref, submissionId: 'cli-pairwise-decided', answer: { kind: 'pairwise', choice: 'A', comment: '' } }, {}, db);
		const text = await run(process.execPath, [CLI_ENTRY, 'report', String(decided.id)], { env: { ...process.env, DATABASE_PATH: file } });
		expect(text.stdout).toMatch(/Bradley–Terry strengths: no fit\. ".+" never (lost|won)/);
		expect(text.stdout).not.toMatch(/^#\d/m);
		expect(text.stdout).toMatch(/win rate [\d.]+% \[[\d.]+%, [\d.]+%\] \(ties count as not won\); among decided [\d.]+% \[[\d.]+%, [\d.]+%\] \(ties left out\)/);
		const json = await run(process.execPath, [CLI_ENTRY, 'report', String(decided.id), '--json'], { env: { ...process.env, DATABASE_PATH: file } });
		expect(JSON.parse(json.stdout).pairwise.bradleyTerry.models.map((m: { rank: number | null }) => m.rank)).toEqual([null, null]);
	}, 60_000);
});

describe('cli audit create --stratify classification', () => {
	it('warns when every task is in one stratum (no classification known): the sample is a simple random one', async () => {
		const made = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '5', '--seed', '3', '--stratify', 'classification', '--reviewers', 'a@x.org');
		expect(made).toMatchObject({ code: 0 });
		expect(made.stderr).toContain('warning: Stratified by classification, but no instruction says whether it is a classification task: every item is in the one stratum "unknown", so the sample is a simple random sample.');
		// Under --json, in the document as well.
		const json = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '5', '--seed', '4', '--stratify', 'classification', '--reviewers', 'a@x.org', '--json');
		expect(JSON.parse(json.stdout).warning).toBe('Stratified by classification, but no instruction says whether it is a classification task: every item is in the one stratum "unknown", so the sample is a simple random sample.');
		// And its report does not call it stratified, nor give the pooling caveat.
		const report = await run(process.execPath, [CLI_ENTRY, 'report', String(JSON.parse(json.stdout).id), '--json'], { env: { ...process.env, DATABASE_PATH: file } });
		expect(JSON.parse(report.stdout).stratified).toBe(false);
		const text = await run(process.execPath, [CLI_ENTRY, 'report', String(JSON.parse(json.stdout).id)], { env: { ...process.env, DATABASE_PATH: file } });
		expect(text.stdout).not.toContain('stratum by stratum');
		const plain = await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '5', '--seed', '3', '--reviewers', 'a@x.org', '--json');
		expect(plain.stderr).not.toContain('warning');
		expect(JSON.parse(plain.stdout)).not.toHaveProperty('warning');
	}, 60_000);
});

describe('cli audit show <name>', () => {
	it('with two audits of that name is ambiguous (exit 2), naming their ids', async () => {
		const ids: number[] = [];
		for (const seed of ['5', '6']) ids.push(JSON.parse((await cli('create', '--dataset', 'cli data', '--kind', 'quality', '--size', '3', '--seed', seed, '--name', 'twin', '--reviewers', 'a@x.org', '--json')).stdout).id);
		const shown = await cli('show', 'twin', '--json');
		expect(shown.code).toBe(2);
		expect(JSON.parse(shown.stdout).error).toMatchObject({ code: 'ambiguous', message: `Several audits are named "twin"; use the id (${ids.join(', ')}).` });
	}, 60_000);
});
