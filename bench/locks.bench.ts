/**
 * Issue #22: how long each bulk job holds SQLite's write lock, and what reviewers see meanwhile.
 *
 * Lock hold = from BEGIN IMMEDIATE having the lock to COMMIT done, timed around every labelled
 * transaction by src/lib/server/db (`transaction(db, fn, label)`), per job: the longest one is
 * what a reviewer's write can wait behind. Target ≤ 250 ms each.
 *
 * Part 1 (in process): import 250,000 instances into a new dataset (LOCKS_IMPORT_ROWS, and
 * 1,000,000 with LOCKS_1M=1), Apply filters over it, create a 10,000-item and a 100,000-item
 * audit from it, and remove a failed import's rows.
 * Part 2 (mixed load): the built server with 10 reviewers submitting over HTTP while the CLI
 * imports 250,000 instances into the same database: p50/p99 of submit + next, 5xx count.
 * LOCKS_SKIP_BULK=1 / LOCKS_SKIP_MIXED=1 run one part only.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockHoldStats, openDatabase, resetLockHolds, type Db } from '../src/lib/server/db';
import { importFile } from '../src/lib/server/datasets/import';
import { removeImportingDataset } from '../src/lib/server/datasets/importing';
import { applyFilters } from '../src/lib/server/filters/apply';
import { createAudit } from '../src/lib/server/audits/create';
import { createUser } from '../src/lib/server/auth/users';
import { filterPreset } from '../src/lib/filters';
import { startBuiltApp, signInOverHttp } from '../tests/support/built-app';
import { fmt } from './measure';

const ROWS = Number(process.env.LOCKS_IMPORT_ROWS ?? 250_000);
const verbs = ['Explain', 'Summarize', 'Translate', 'Classify', 'Rewrite', 'List', 'Describe', 'Generate', 'Compare', 'Suggest'];
const topics = ['the water cycle', 'a healthy breakfast', 'quantum computing', 'the French revolution', 'photosynthesis', 'a job interview', 'climate change', 'binary search'];

function writeFile(file: string, n: number): void {
	const fd = fs.openSync(file, 'w');
	let chunk = '';
	for (let i = 0; i < n; i++) {
		const verb = verbs[i % verbs.length];
		const topic = topics[Math.floor(i / verbs.length) % topics.length];
		// Two instances per instruction, as Alpaca-style data often has.
		chunk +=
			JSON.stringify({
				instruction: `${verb} ${topic} for a reader who is new to it (variant ${i >> 1}).`,
				input: i % 3 === 0 ? '' : `Context ${i}: some details about ${topic}, with "quotes", commas, and ünïcödé.`,
				output: `Here is an answer about ${topic}, number ${i}. It has a few sentences so that its length is realistic.`
			}) + '\n';
		if (chunk.length > 1 << 20) {
			fs.writeSync(fd, chunk);
			chunk = '';
		}
	}
	fs.writeSync(fd, chunk);
	fs.closeSync(fd);
}

function report(label: string, job: string, wallMs: number): void {
	const hold = lockHoldStats()[label];
	if (!hold) return console.log(`${job}: no write transaction recorded`);
	console.log(
		`${job}: longest write-lock hold ${fmt(hold.maxMs)} ms (${hold.transactions} transactions, mean ${fmt(hold.totalMs / hold.transactions, 1)} ms; ` +
			`${fmt(hold.totalMs)} ms of ${fmt(wallMs)} ms wall holding the lock) ${hold.maxMs <= 250 ? '✓ ≤ 250 ms' : '✗ > 250 ms'}`
	);
}

async function timedJob<T>(label: string, job: string, fn: () => T | Promise<T>): Promise<T> {
	resetLockHolds();
	const started = performance.now();
	const result = await fn();
	report(label, job, performance.now() - started);
	return result;
}

async function bulkJobs(dir: string, rows: number): Promise<void> {
	const file = path.join(dir, `bulk-${rows}.jsonl`);
	writeFile(file, rows);
	const db = openDatabase(path.join(dir, `bulk-${rows}.db`), path.resolve('migrations'));
	const summary = await timedJob('import', `import ${fmt(rows)} instances (new dataset)`, () =>
		importFile(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { datasetName: 'bulk', fileName: 'bulk.jsonl' }, db)
	);
	if (rows > 250_000) return void db.$client.close();
	// ROUGE-L is left out: its work is outside the lock; the lock is held only to write verdicts.
	const config = filterPreset('alpaca');
	config.instruction.rougeL.enabled = false;
	await timedJob('apply filters', `Apply filters over ${fmt(rows)} instances`, () => applyFilters(summary.datasetId, config, null, db));
	const reviewer = await createUser({ email: 'bench@example.org', password: 'bench-password-1', role: 'reviewer' }, db);
	for (const size of [10_000, 100_000]) {
		await timedJob('create audit', `create an audit of ${fmt(size)} items`, () =>
			createAudit({ datasetId: summary.datasetId, kind: 'quality', sampleSize: size, seed: size, overlap: 1, reviewerIds: [reviewer.id] }, db)
		);
	}
	// A failed import's clean-up: mark the dataset importing again and remove it.
	db.$client.prepare(`UPDATE datasets SET status = 'importing' WHERE id = ?`).run(summary.datasetId);
	db.$client.exec(`DELETE FROM audit_reviewers; DELETE FROM audit_items; DELETE FROM audits;`);
	await timedJob('import cleanup', `remove a failed import of ${fmt(rows)} instances`, () => removeImportingDataset(summary.datasetId, db));
	db.$client.close();
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function mixedLoad(dir: string): Promise<void> {
	const databasePath = path.join(dir, 'mixed.db');
	const app = await startBuiltApp({ DATABASE_PATH: databasePath });
	const db: Db = openDatabase(databasePath, path.resolve('migrations'));
	try {
		const seed = path.join(dir, 'review.jsonl');
		writeFile(seed, 20_000);
		const { datasetId } = await importFile(fs.createReadStream(seed), { datasetName: 'to review', fileName: 'review.jsonl' }, db);
		const users = [];
		for (let i = 0; i < 10; i++) {
			const who = { email: `r${i}@example.org`, password: `reviewer-password-${i}` };
			users.push({ ...who, id: (await createUser({ ...who, role: 'reviewer' }, db)).id });
		}
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 10_000, seed: 1, overlap: 1, reviewerIds: users.map((u) => u.id) }, db);
		const big = path.join(dir, 'mixed-import.jsonl');
		writeFile(big, ROWS);
		const cookies = await Promise.all(users.map((u) => signInOverHttp(app, u)));

		const statuses = new Map<number, number>();
		const cycles: number[] = [];
		const cycle = async (cookie: string, url: string, body: unknown) => {
			const res = await fetch(`${app.url}${url}`, { method: 'POST', headers: { cookie, origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify(body) });
			statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
			return res;
		};
		let importing = true;
		const started = performance.now();
		const cli = new Promise<number | null>((resolve) => {
			const child = spawn(process.execPath, [path.resolve('bin/instruct-audit.js'), 'import', big, '--dataset', 'bulk', '--json'], {
				env: { ...process.env, DATABASE_PATH: databasePath },
				stdio: ['ignore', 'ignore', 'inherit']
			});
			child.on('exit', (code) => resolve(code));
		}).then((code) => {
			importing = false;
			return code;
		});
		await Promise.all(
			cookies.map(async (cookie) => {
				while (importing) {
					const t = performance.now();
					const next = await cycle(cookie, `/api/review/${audit.id}/next`, { exclude: [] });
					const body = (await next.json().catch(() => ({}))) as { next?: { status: string; ref?: string } };
					if (body.next?.status !== 'assigned') {
						await new Promise((r) => setTimeout(r, 100));
						continue;
					}
					const answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
					const res = await cycle(cookie, `/api/review/${audit.id}/items/${body.next.ref}/submit`, { submissionId: randomUUID().replaceAll('-', ''), answer, activeMs: 1000 });
					await res.body?.cancel();
					cycles.push(performance.now() - t);
				}
			})
		);
		const code = await cli;
		const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
		console.log(
			`mixed load: 10 reviewers over HTTP during a CLI import of ${fmt(ROWS)} instances (exit ${code}, ${fmt(performance.now() - started)} ms): ` +
				`${cycles.length} submit+next cycles, p50 ${fmt(percentile(cycles, 50))} ms, p99 ${fmt(percentile(cycles, 99))} ms, ` +
				`max ${fmt(Math.max(...cycles))} ms; responses ${JSON.stringify(Object.fromEntries(statuses))}; ${fivexx} with status ≥ 500`
		);
	} finally {
		db.$client.close();
		await app.stop();
	}
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-locks-'));
try {
	console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
	if (process.env.LOCKS_SKIP_BULK !== '1') await bulkJobs(dir, ROWS);
	if (process.env.LOCKS_1M === '1') await bulkJobs(dir, 1_000_000);
	if (process.env.LOCKS_SKIP_MIXED !== '1') await mixedLoad(dir);
} finally {
	fs.rmSync(dir, { recursive: true, force: true });
}
