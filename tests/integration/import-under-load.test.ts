/**
 * Issue #22: reviewers keep working while a big import writes. The built server serves
 * reviewers over HTTP while, in another process, the CLI imports a 100,000-instance file into
 * the same database; and a CLI import killed with SIGKILL leaves nothing visible, its rows
 * removed by the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createUser } from '../../src/lib/server/auth/users';
import { createAudit } from '../../src/lib/server/audits/create';
import { findDatasetByName, listDatasets } from '../../src/lib/server/datasets/datasets';
import { importFile } from '../../src/lib/server/datasets/import';
import { makeDataset } from './audit-fixtures';

const ROOT = process.cwd();
const dirs: string[] = [];
const apps: BuiltApp[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
	for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
	for (const app of apps.splice(0)) await app.stop();
});
afterAll(() => {
	for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-load-'));
	dirs.push(dir);
	return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An Alpaca-style file: `n` instances over n/4 instructions. */
function writeBigFile(file: string, n: number): void {
	const fd = fs.openSync(file, 'w');
	let chunk = '';
	for (let i = 0; i < n; i++) {
		chunk += JSON.stringify({ instruction: `Bulk instruction ${i >> 2}: rewrite the text.`, input: `text number ${i} of the bulk file`, output: `rewritten ${i}` }) + '\n';
		if (chunk.length > 1 << 20) {
			fs.writeSync(fd, chunk);
			chunk = '';
		}
	}
	fs.writeSync(fd, chunk);
	fs.closeSync(fd);
}

function cliImport(databasePath: string, file: string, dataset: string) {
	return runCli(databasePath, 'import', file, '--dataset', dataset, '--json');
}

/** The shipped command line (bin/instruct-audit.js) in another process, on the app's database. */
function runCli(databasePath: string, ...args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
	const child = spawn(process.execPath, [path.join(ROOT, 'bin/instruct-audit.js'), ...args], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: databasePath },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	children.push(child);
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (d) => (stdout += d));
	child.stderr!.on('data', (d) => (stderr += d));
	const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
	return { child, done };
}

/** Rows of datasets still marked importing, seen from a separate connection. */
function importingRows(sqlite: Database.Database): { datasets: number; instances: number } {
	return sqlite
		.prepare(
			`SELECT count(DISTINCT d.id) AS datasets, count(i.id) AS instances FROM datasets d LEFT JOIN instances i ON i.dataset_id = d.id WHERE d.status = 'importing'`
		)
		.get() as { datasets: number; instances: number };
}

interface Stats {
	statuses: Map<number, number>;
	acknowledged: { reviewer: string; ref: string; submissionId: string }[];
	cycleMs: number[];
}

/** One reviewer as the review screen behaves: next, submit (retrying 503s with the same submission id), repeat. */
async function reviewer(app: BuiltApp, cookie: string, email: string, auditId: number, stop: () => boolean, stats: Stats): Promise<void> {
	const post = async (url: string, body: unknown): Promise<Response> => {
		for (;;) {
			const res = await fetch(`${app.url}${url}`, {
				method: 'POST',
				headers: { cookie, origin: app.url, 'content-type': 'application/json' },
				body: JSON.stringify(body)
			}).catch((err: unknown) => {
				throw new Error(`${url}: ${String(err)}; the server said:\n${app.log().slice(-4000)}`);
			});
			stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
			if (res.status !== 503) return res;
			expect(res.headers.get('retry-after')).toBeTruthy();
			await res.body?.cancel();
			await sleep(100);
		}
	};
	while (!stop()) {
		const started = performance.now();
		const next = await post(`/api/review/${auditId}/next`, { exclude: [] });
		const body = (await next.json()) as { next?: { status: string; ref?: string } };
		if (next.status !== 200 || body.next?.status !== 'assigned') {
			await sleep(50);
			continue;
		}
		const submissionId = randomUUID().replaceAll('-', '');
		const answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
		const res = await post(`/api/review/${auditId}/items/${body.next.ref}/submit`, { submissionId, answer, activeMs: 1000 });
		if (res.status === 200) stats.acknowledged.push({ reviewer: email, ref: body.next.ref!, submissionId });
		await res.body?.cancel();
		stats.cycleMs.push(performance.now() - started);
	}
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** The app's own database, opened from the test as a second process would (WAL). */
async function setUpAudit(db: Db, reviewers: number): Promise<{ auditId: number; users: { email: string; password: string }[] }> {
	const datasetId = await makeDataset(db, 'to review', 3000);
	const users: { email: string; password: string; id: number }[] = [];
	for (let i = 0; i < reviewers; i++) {
		const who = { email: `reviewer${i}@example.org`, password: `reviewer-password-${i}` };
		const user = await createUser({ ...who, role: 'reviewer' }, db);
		users.push({ ...who, id: user.id });
	}
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 3000, seed: 1, overlap: 1, reviewerIds: users.map((u) => u.id) }, db);
	return { auditId: audit.id, users };
}

describe('reviewers keep working while the CLI imports', () => {
	it('a 100,000-instance CLI import and a CLI filter run beside 6 reviewers: no 5xx, every acknowledged label stored once, the dataset invisible until done', async () => {
		const dir = tempDir();
		const databasePath = path.join(dir, 'app.db');
		const app = await startBuiltApp({ DATABASE_PATH: databasePath });
		apps.push(app);
		const db = openDatabase(databasePath);
		const watch = new Database(databasePath, { readonly: true });
		try {
			const { auditId, users } = await setUpAudit(db, 6);
			const toFilter = await makeDataset(db, 'to filter', 20_000);
			const bigFile = path.join(dir, 'bulk.jsonl');
			writeBigFile(bigFile, 100_000);

			const stats: Stats = { statuses: new Map(), acknowledged: [], cycleMs: [] };
			const cli = cliImport(databasePath, bigFile, 'bulk under load');
			// Apply filters from the command line too: a second bulk writer beside the import.
			const filtering = runCli(databasePath, 'filter', 'to filter', '--preset', 'alpaca', '--no-rouge', '--json');
			let cliDone = false;
			void cli.done.then(() => (cliDone = true));
			// Reviewers sign in (a write: the session) and review while the import runs.
			const cookies = await Promise.all(users.map((u) => signInOverHttp(app, u)));
			const reviewing = users.map((u, i) => reviewer(app, cookies[i], u.email, auditId, () => cliDone, stats));

			// Meanwhile: the dataset never shows, while batches of its rows are committed.
			let sawCommittedBatches = 0;
			while (!cliDone) {
				const rows = importingRows(watch);
				if (rows.datasets && rows.instances > 0) sawCommittedBatches++;
				// Visible only once complete: every instance there, nothing left importing.
				const visible = findDatasetByName('bulk under load', db);
				const listed = listDatasets(db).find((d) => d.name === 'bulk under load');
				const page = await fetch(`${app.url}/datasets`, { headers: { cookie: cookies[0] } });
				const pageShows = (await page.text()).includes('bulk under load');
				for (const seen of [visible ? listDatasets(db).find((d) => d.id === visible.id) : undefined, listed]) {
					if (seen) expect(seen.instances).toBe(100_000);
				}
				if (pageShows) expect(importingRows(watch).datasets).toBe(0);
				expect(page.status).toBeLessThan(500);
				await sleep(100);
			}
			await Promise.all(reviewing);
			const result = await cli.done;
			expect(result.code, result.stderr).toBe(0);
			expect(JSON.parse(result.stdout)).toMatchObject({ instancesAdded: 100_000, datasetCreated: true });
			const filtered = await filtering.done;
			expect(filtered.code, filtered.stderr).toBe(0);
			expect(JSON.parse(filtered.stdout)).toMatchObject({ datasetId: toFilter, funnel: { tasks: { total: 20_000 } } });
			expect(db.$client.prepare<[number], number>('SELECT count(*) FROM tasks WHERE dataset_id = ? AND filter_status IS NOT NULL').pluck().get(toFilter)).toBe(20_000);

			const fivexx = [...stats.statuses].filter(([s]) => s >= 500 && s !== 503);
			console.log(
				`import under load: statuses ${JSON.stringify(Object.fromEntries(stats.statuses))}, ${stats.acknowledged.length} labels, ` +
					`submit+next p50 ${percentile(stats.cycleMs, 50).toFixed(0)} ms, p99 ${percentile(stats.cycleMs, 99).toFixed(0)} ms, ` +
					`${sawCommittedBatches} looks at committed-but-invisible batches`
			);
			expect(fivexx).toEqual([]);
			expect(stats.statuses.get(503) ?? 0).toBe(0);
			expect(stats.acknowledged.length).toBeGreaterThan(20);
			// The import really was written in batches while invisible (one transaction would show none).
			expect(sawCommittedBatches).toBeGreaterThan(0);

			// Every acknowledged label is stored, once.
			const stored = db.$client
				.prepare(
					`SELECT s.id AS submissionId, u.email AS reviewer, i.ref FROM audit_submissions s JOIN users u ON u.id = s.reviewer_id JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ?`
				)
				.all(auditId) as { submissionId: string; reviewer: string; ref: string }[];
			const bySubmission = new Map(stored.map((s) => [s.submissionId, s]));
			for (const ack of stats.acknowledged) expect(bySubmission.get(ack.submissionId)).toEqual(ack);
			const labels = db.$client
				.prepare(`SELECT count(*) AS n, count(DISTINCT item_id || ':' || reviewer_id) AS distinctLabels FROM audit_labels WHERE audit_id = ?`)
				.get(auditId) as { n: number; distinctLabels: number };
			expect(labels.n).toBe(labels.distinctLabels);
			expect(labels.n).toBe(stats.acknowledged.length);

			const dataset = findDatasetByName('bulk under load', db)!;
			expect(dataset.status).toBe('ready');
			expect(listDatasets(db).find((d) => d.id === dataset.id)).toMatchObject({ instances: 100_000, tasks: 25_000 });
		} finally {
			watch.close();
			db.$client.close();
		}
	}, 600_000);

	it('answers 503 with Retry-After (never 500) when the write lock stays taken past the bound, and succeeds when it frees in time', async () => {
		const dir = tempDir();
		const databasePath = path.join(dir, 'app.db');
		const app = await startBuiltApp({ DATABASE_PATH: databasePath });
		apps.push(app);
		const db = openDatabase(databasePath);
		const locker = new Database(databasePath);
		try {
			const { auditId, users } = await setUpAudit(db, 1);
			const cookie = await signInOverHttp(app, users[0]);
			const next = () =>
				fetch(`${app.url}/api/review/${auditId}/next`, {
					method: 'POST',
					headers: { cookie, origin: app.url, 'content-type': 'application/json' },
					body: JSON.stringify({ exclude: [] })
				});
			// Another process holds the write lock for 1 s: the request waits (asynchronously) and succeeds.
			locker.exec('BEGIN IMMEDIATE');
			setTimeout(() => locker.exec('COMMIT'), 1000);
			const started = Date.now();
			const healthDuringLock = sleep(200).then(() => fetch(`${app.url}/healthz`)).then((r) => ({ status: r.status, at: Date.now() - started }));
			const ok = await next();
			const okAt = Date.now() - started;
			expect(ok.status).toBe(200);
			expect((await ok.json()).next.status).toBe('assigned');
			// The event loop kept serving while the write waited for the lock.
			const health = await healthDuringLock;
			expect(health.status).toBe(200);
			expect(health.at).toBeLessThan(okAt);
			// A sign-in that waits for the lock still sets its cookie: each attempt is a new response
			// (SvelteKit closes an event's cookies once an attempt's answer is made).
			locker.exec('BEGIN IMMEDIATE');
			setTimeout(() => locker.exec('COMMIT'), 300);
			expect(await signInOverHttp(app, users[0])).toMatch(/^ia_session=/);

			// Held past the bound (6 s): a clear 503 with Retry-After, and nothing half-written.
			locker.exec('BEGIN IMMEDIATE');
			const busy = await next();
			locker.exec('ROLLBACK');
			expect(busy.status).toBe(503);
			expect(busy.headers.get('retry-after')).toBe('1');
			expect(await busy.json()).toMatchObject({ code: 'busy' });
			// A page that writes (sign-in) the same way.
			locker.exec('BEGIN IMMEDIATE');
			const signIn = await fetch(`${app.url}/login`, {
				method: 'POST',
				headers: { origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams(users[0]),
				redirect: 'manual'
			});
			locker.exec('ROLLBACK');
			expect(signIn.status).toBe(503);
			expect(app.log()).not.toMatch(/SQLITE_BUSY/);
		} finally {
			locker.close();
			db.$client.close();
		}
	}, 180_000);
});

describe('a killed import', () => {
	it('kill -9 mid-import leaves no visible dataset, and the next start removes its rows', async () => {
		const dir = tempDir();
		const databasePath = path.join(dir, 'app.db');
		const app = await startBuiltApp({ DATABASE_PATH: databasePath });
		apps.push(app);
		const watch = new Database(databasePath, { readonly: true });
		try {
			const bigFile = path.join(dir, 'bulk.jsonl');
			writeBigFile(bigFile, 120_000);
			const cli = cliImport(databasePath, bigFile, 'killed');
			// Wait until some batches are committed, then kill the CLI outright.
			for (;;) {
				if (cli.child.exitCode !== null) throw new Error(`The import ended before it could be killed: ${(await cli.done).stderr}`);
				if (importingRows(watch).instances >= 10_000) break;
				await sleep(50);
			}
			cli.child.kill('SIGKILL');
			await cli.done;
			const left = importingRows(watch);
			expect(left.datasets).toBe(1);
			expect(left.instances).toBeGreaterThan(0);

			const db = openDatabase(databasePath);
			try {
				expect(findDatasetByName('killed', db)).toBeUndefined();
				expect(listDatasets(db)).toEqual([]);
			} finally {
				db.$client.close();
			}
			const cookie = await signInOverHttp(app);
			const page = await fetch(`${app.url}/datasets`, { headers: { cookie } });
			expect(await page.text()).not.toContain('killed');

			// The next start removes the leftover rows (in batches, while serving).
			await app.stop();
			apps.splice(apps.indexOf(app), 1);
			const again = await startBuiltApp({ DATABASE_PATH: databasePath });
			apps.push(again);
			const deadline = Date.now() + 120_000;
			// The dataset row goes last, after all of its rows.
			while (Date.now() < deadline && watch.prepare('SELECT count(*) FROM datasets').pluck().get() !== 0) await sleep(200);
			// The server reports the removal after it commits; its output reaches this process a moment later.
			while (Date.now() < deadline && !/Removed 1 unfinished import/.test(again.log())) await sleep(100);
			expect(watch.prepare('SELECT count(*) FROM instances').pluck().get()).toBe(0);
			expect(watch.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(0);
			expect(watch.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
			expect(watch.prepare('SELECT count(*) FROM imports').pluck().get()).toBe(0);
			expect(again.log()).toMatch(/Removed 1 unfinished import/);
			// The same import runs again to completion afterwards.
		} finally {
			watch.close();
		}
	}, 600_000);

	it('kill -9 mid-import into an existing dataset: it stays closed, and the next start opens it as it was', async () => {
		const dir = tempDir();
		const databasePath = path.join(dir, 'app.db');
		const bigFile = path.join(dir, 'bulk.jsonl');
		writeBigFile(bigFile, 120_000);
		// The dataset already holds the file's first 2,000 instances: the import adds instances to
		// its tasks (counters, search rows) as well as new tasks.
		const first = fs.readFileSync(bigFile, 'utf8').split('\n').slice(0, 2000).join('\n') + '\n';
		const seed = openDatabase(databasePath);
		let datasetId: number;
		try {
			datasetId = (await importFile((async function* () { yield Buffer.from(first); })(), { datasetName: 'grown', fileName: 'first.jsonl' }, seed)).datasetId;
		} finally {
			seed.$client.close();
		}
		const app = await startBuiltApp({ DATABASE_PATH: databasePath });
		apps.push(app);
		const watch = new Database(databasePath, { readonly: true });
		const state = () => ({
			tasks: watch.prepare('SELECT id, instance_count, empty_input_count, is_classification FROM tasks ORDER BY id').all(),
			instances: watch.prepare('SELECT count(*) FROM instances').pluck().get(),
			search: ['bulk', 'rewritten', '1999', '2500'].map((w) => watch.prepare('SELECT rowid FROM task_search WHERE task_search MATCH ? ORDER BY rowid').pluck().all(w)),
			imports: watch.prepare('SELECT count(*) FROM imports').pluck().get(),
			status: watch.prepare('SELECT status FROM datasets WHERE id = ?').pluck().get(datasetId)
		});
		try {
			const before = state();
			expect(before).toMatchObject({ instances: 2000, imports: 1, status: 'ready' });
			const cli = cliImport(databasePath, bigFile, 'grown');
			// The file is read whole first, then written in batches while the dataset is closed.
			for (;;) {
				if (cli.child.exitCode !== null) throw new Error(`The import ended before it could be killed: ${(await cli.done).stderr}`);
				if (watch.prepare('SELECT count(*) FROM instances').pluck().get()! as number >= 12_000) break;
				await sleep(50);
			}
			const cookie = await signInOverHttp(app);
			const page = await fetch(`${app.url}/datasets/${datasetId}`, { headers: { cookie } });
			expect(page.status).toBe(409);
			expect(await page.text()).toContain('is receiving an import (bulk.jsonl)');
			cli.child.kill('SIGKILL');
			await cli.done;
			expect(state().status).toBe('appending');

			// The next start takes the killed import's rows back and opens the dataset as it was.
			await app.stop();
			apps.splice(apps.indexOf(app), 1);
			const again = await startBuiltApp({ DATABASE_PATH: databasePath });
			apps.push(again);
			const deadline = Date.now() + 120_000;
			// It says so once the dataset is open and its search index tidied.
			while (Date.now() < deadline && !/Removed 1 unfinished import/.test(again.log())) await sleep(200);
			expect(again.log()).toMatch(/Removed 1 unfinished import/);
			expect(state()).toEqual(before);
			const list = await fetch(`${again.url}/datasets/${datasetId}`, { headers: { cookie: await signInOverHttp(again) } });
			expect(list.status).toBe(200);
		} finally {
			watch.close();
		}
	}, 600_000);
});
