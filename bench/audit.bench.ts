/**
 * Routing under load (issue 5): 50 reviewers working an audit of 10,000 items at once.
 * Target: server time of submit + next, p95 ≤ 20 ms on this machine.
 * Issue 16: 500 concurrent reviewers over HTTP on an audit of 100,000 items, k = 3: p95 of
 * submit + next ≤ 5 ms server time, 0 errors, exactly k labels per item (checked by working a
 * second, 1,000-item audit to completion with the same 500 clients, where they all contend for
 * the last items). `BENCH_HTTP_LABELS` sets how many labels the 100,000-item run submits.
 *
 * 1. In process: the domain calls the two endpoints make (submit = submitLabel + reviewProgress;
 *    next = nextAssignment + reviewItemView + reviewProgress), 50 reviewers interleaved, until
 *    the audit is complete (k = 2, 20,000 labels).
 * 2. Over HTTP, when the app is built: the real server in a child process, 50 concurrent
 *    clients looping next → submit; the server's own time (Server-Timing) and the round trip.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../src/lib/server/db';
import { createSession, SESSION_COOKIE } from '../src/lib/server/auth/session';
import { createAudit } from '../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../src/lib/server/audits/routing';
import { reviewItemView, reviewProgress } from '../src/lib/server/audits/review';
import { fmt, loadAverage, peakRssMb, recordTarget } from './measure';
import { freePort } from '../tests/support/built-app';

const ITEMS = 10_000;
const REVIEWERS = 50;
const K = 2;
const HTTP_LABELS = Number(process.env.BENCH_HTTP_LABELS ?? 20_000);
const BIG_ITEMS = 100_000;
const BIG_REVIEWERS = 500;
const BIG_K = 3;
const FINISH_ITEMS = 1_000;

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function describe(label: string, values: number[]): void {
	console.log(
		`${label.padEnd(44)} n=${fmt(values.length).padStart(6)}  p50 ${fmt(percentile(values, 50), 2).padStart(6)} ms  p95 ${fmt(percentile(values, 95), 2).padStart(6)} ms  p99 ${fmt(percentile(values, 99), 2).padStart(6)} ms  max ${fmt(Math.max(...values), 1).padStart(6)} ms`
	);
}

function seed(db: Db, name: string, items = ITEMS): number {
	const c = db.$client;
	const now = Date.now();
	const { id } = c.prepare(`INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id`).get(name, now) as { id: number };
	const task = c.prepare(
		`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, is_classification, created_at)
		 VALUES (?, ?, ?, 'generated', 1, ?, ?) RETURNING id`
	);
	const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)`);
	c.transaction(() => {
		for (let i = 0; i < items; i++) {
			const text = `Instruction ${i}: explain topic ${i % 97} to a newcomer, in a few sentences.`;
			const t = task.get(id, text, text, i % 4 === 0 ? 1 : 0, now) as { id: number };
			instance.run(t.id, id, i % 3 ? `Some input for ${i}` : '', `An output of a realistic length for item ${i}, a sentence or two.`, now);
		}
	})();
	return id;
}

function reviewers(db: Db, prefix: string, count = REVIEWERS): number[] {
	const insert = db.$client.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES (?, 'reviewer', 'x', ?) RETURNING id`);
	return Array.from({ length: count }, (_, i) => (insert.get(`${prefix}${i}@bench.example`, Date.now()) as { id: number }).id);
}

const answer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' };

function inProcess(db: Db) {
	const datasetId = seed(db, 'bench-in-process');
	const ids = reviewers(db, 'p');
	const t0 = performance.now();
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: ITEMS, seed: 42, overlap: K, reviewerIds: ids }, db);
	console.log(`created an audit of ${fmt(audit.itemCount)} items (k = ${K}, ${REVIEWERS} reviewers) in ${fmt(performance.now() - t0)} ms`);

	const next = (reviewer: number) => {
		const result = nextAssignment(audit.id, reviewer, {}, db);
		if (result.status === 'assigned') reviewItemView(audit.id, reviewer, result.ref, db);
		reviewProgress(audit.id, reviewer, db);
		return result;
	};
	const holding = new Map<number, string>();
	for (const r of ids) {
		const result = next(r);
		if (result.status === 'assigned') holding.set(r, result.ref);
	}
	const pair: number[] = [];
	const submitMs: number[] = [];
	const nextMs: number[] = [];
	const started = performance.now();
	while (holding.size) {
		for (const [reviewer, ref] of [...holding]) {
			const a = performance.now();
			submitLabel(audit.id, reviewer, { ref, submissionId: randomUUID(), answer, activeMs: 5000 }, {}, db);
			reviewProgress(audit.id, reviewer, db);
			const b = performance.now();
			const result = next(reviewer);
			const c = performance.now();
			submitMs.push(b - a);
			nextMs.push(c - b);
			pair.push(c - a);
			if (result.status === 'assigned') holding.set(reviewer, result.ref);
			else holding.delete(reviewer);
		}
	}
	const labels = (db.$client.prepare('SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?').get(audit.id) as { n: number }).n;
	console.log(`${fmt(labels)} labels in ${fmt((performance.now() - started) / 1000, 1)} s (expected ${fmt(ITEMS * K)})`);
	describe('in process: submit', submitMs);
	describe('in process: next', nextMs);
	describe('in process: submit + next', pair);
	describe('in process: submit + next, last 10% of the audit', pair.slice(Math.floor(pair.length * 0.9)));
	if (labels !== ITEMS * K) throw new Error('the audit did not complete with exactly k labels per item');
}

interface HttpRun {
	label: string;
	items: number;
	reviewers: number;
	k: number;
	/** Stop after this many labels (the audit may finish first). */
	labels: number;
	/** Targets: p95 of submit + next server time (ms). */
	targetP95?: number;
	/** Check exactly k labels on every item at the end. */
	complete?: boolean;
}

async function startServer(file: string): Promise<{ base: string; stop: () => void }> {
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const server = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base, DATABASE_PATH: file },
		stdio: 'ignore'
	});
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) break;
		} catch {
			// starting
		}
		if (i > 300) {
			server.kill('SIGTERM');
			throw new Error('the server did not start');
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return { base, stop: () => server.kill('SIGTERM') };
}

async function overHttp(db: Db, base: string, run: HttpRun) {
	const t0 = performance.now();
	const datasetId = seed(db, `bench-http-${run.label}`, run.items);
	const ids = reviewers(db, `h-${run.label}-`, run.reviewers);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: run.items, seed: 7, overlap: run.k, reviewerIds: ids }, db);
	const cookies = new Map(ids.map((id) => [id, `${SESSION_COOKIE}=${createSession(id, 'bench', db).token}`]));
	console.log(`\n${run.label}: audit of ${fmt(audit.itemCount)} items, k = ${run.k}, ${run.reviewers} reviewers, set up in ${fmt((performance.now() - t0) / 1000, 1)} s (load average ${loadAverage()})`);
	const serverMs = { next: [] as number[], submit: [] as number[] };
	const roundTrip = { next: [] as number[], submit: [] as number[] };
	const errors = new Map<string, number>();
	const retries = new Map<string, number>();
	let labels = 0;
	const post = async (reviewer: number, url: string, body: unknown, kind: 'next' | 'submit') => {
		const t = performance.now();
		let response!: Response;
		let data!: Record<string, any>;
		// A request that fails in the network (a kept-alive socket the server closed just as the
		// client reused it) is sent again, as the review screen does (the same submission id, so a
		// submit counts once); each retry is reported. An error is an HTTP error or a request that
		// still fails after three tries.
		for (let attempt = 1; ; attempt++) {
			try {
				response = await fetch(`${base}${url}`, {
					method: 'POST',
					headers: { cookie: cookies.get(reviewer)!, 'content-type': 'application/json' },
					body: JSON.stringify(body)
				});
				data = (await response.json()) as Record<string, any>;
				break;
			} catch (err) {
				const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
				const key = `${kind}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
				if (attempt < 3) {
					retries.set(key, (retries.get(key) ?? 0) + 1);
					continue;
				}
				errors.set(key, (errors.get(key) ?? 0) + 1);
				return null;
			}
		}
		roundTrip[kind].push(performance.now() - t);
		const timing = /dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
		const ms = timing ? Number(timing[1]) : NaN;
		serverMs[kind].push(ms);
		if (!response.ok) {
			const key = `${kind}: ${response.status} ${String(data.message ?? '').slice(0, 80)}`;
			errors.set(key, (errors.get(key) ?? 0) + 1);
			return null;
		}
		return { data, ms };
	};
	const pairs: number[] = [];
	const worker = async (reviewer: number) => {
		let submitted: number | null = null;
		let failures = 0;
		while (labels < run.labels && failures < 5) {
			const next = await post(reviewer, `/api/review/${audit.id}/next`, { exclude: [] }, 'next');
			if (!next) {
				failures++;
				continue;
			}
			if (submitted !== null) pairs.push(submitted + next.ms);
			submitted = null;
			if (next.data.next.status !== 'assigned') return;
			const done = await post(reviewer, `/api/review/${audit.id}/items/${next.data.next.ref}/submit`, { submissionId: randomUUID(), answer, activeMs: 5000 }, 'submit');
			if (!done) {
				failures++;
				continue;
			}
			submitted = done.ms;
			labels++;
		}
	};
	const started = performance.now();
	await Promise.all(ids.map(worker));
	const seconds = (performance.now() - started) / 1000;
	const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
	console.log(`over HTTP: ${fmt(labels)} labels by ${run.reviewers} concurrent clients in ${fmt(seconds, 1)} s (${fmt(labels / seconds)} labels/s), ${fmt(errorCount)} errors`);
	for (const [key, n] of errors) console.log(`  error ×${n}: ${key}`);
	for (const [key, n] of retries) console.log(`  sent again after a network failure ×${n}: ${key}`);
	describe('HTTP, server time: submit', serverMs.submit);
	describe('HTTP, server time: next', serverMs.next);
	describe('HTTP, server time: submit + next', pairs);
	describe(`HTTP, round trip (${run.reviewers} in flight): submit`, roundTrip.submit);
	describe(`HTTP, round trip (${run.reviewers} in flight): next`, roundTrip.next);
	const c = db.$client;
	const over = (c.prepare('SELECT count(*) AS n FROM audit_items WHERE audit_id = ? AND label_count > ?').get(audit.id, run.k) as { n: number }).n;
	const mismatched = (
		c
			.prepare(
				`SELECT count(*) AS n FROM audit_items i WHERE i.audit_id = ?
				 AND i.label_count <> (SELECT count(*) FROM audit_labels l WHERE l.item_id = i.id)`
			)
			.get(audit.id) as { n: number }
	).n;
	const stored = (c.prepare('SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?').get(audit.id) as { n: number }).n;
	let verdict = `no item above k: ${over === 0 ? 'yes' : `NO (${over})`}; counters match the labels: ${mismatched === 0 ? 'yes' : `NO (${mismatched})`}; labels stored ${fmt(stored)} = submitted ${fmt(labels)}: ${stored === labels ? 'yes' : 'NO'}`;
	let exact = over === 0 && mismatched === 0 && stored === labels;
	if (run.complete) {
		const notK = (c.prepare('SELECT count(*) AS n FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND label_count <> ?').get(audit.id, run.k) as { n: number }).n;
		verdict += `; exactly k = ${run.k} on every item: ${notK === 0 ? 'yes' : `NO (${notK} items)`}`;
		exact &&= notK === 0;
	}
	console.log(verdict);
	if (run.targetP95 !== undefined) {
		const p95 = percentile(pairs, 95);
		const met = p95 <= run.targetP95 && errorCount === 0 && exact;
		console.log(
			`target: p95 submit + next ≤ ${run.targetP95} ms server time, 0 errors, never more than k: ${met ? 'met' : 'not met'} (p95 ${fmt(p95, 2)} ms, ${errorCount} errors; load average ${loadAverage()})`
		);
		recordTarget({
			row: `${run.label} over HTTP, ${fmt(run.items)}-item audit, k = ${run.k}`,
			figure: `p95 submit + next ${fmt(p95, 2)} ms server time, ${errorCount} errors, ${exact ? 'never more than k' : 'MORE THAN k'}`,
			target: `p95 ≤ ${run.targetP95} ms, 0 errors, never more than k`,
			met
		});
	} else if (run.complete) {
		console.log(`target: 0 errors and exactly k per item: ${errorCount === 0 && exact ? 'met' : 'not met'}`);
		recordTarget({
			row: `${run.label}, ${fmt(run.items)}-item audit, k = ${run.k}`,
			figure: `${errorCount} errors, ${exact ? 'exactly k on every item' : 'NOT exactly k'}`,
			target: '0 errors, exactly k per item',
			met: errorCount === 0 && exact
		});
	}
}

async function overHttpRuns(db: Db, file: string) {
	if (!fs.existsSync('build/index.js')) {
		console.log('over HTTP: skipped (run `npm run build` first)');
		return;
	}
	const only = process.env.BENCH_AUDIT_RUNS?.split(',');
	const runs: HttpRun[] = [
		{ label: '50 reviewers', items: ITEMS, reviewers: REVIEWERS, k: K, labels: 6_000 },
		{ label: '500 reviewers', items: BIG_ITEMS, reviewers: BIG_REVIEWERS, k: BIG_K, labels: HTTP_LABELS, targetP95: 5 },
		{ label: '500 reviewers to the end', items: FINISH_ITEMS, reviewers: BIG_REVIEWERS, k: BIG_K, labels: Infinity, complete: true }
	];
	for (const run of runs.filter((r) => !only || only.includes(r.label))) {
		// A fresh server per run, so one run's connections and caches do not carry into the next.
		const server = await startServer(file);
		try {
			await overHttp(db, server.base, run);
		} finally {
			server.stop();
		}
	}
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-audit-'));
const file = path.join(dir, 'bench.db');
const db = openDatabase(file, path.resolve('migrations'));
try {
	if (!process.env.BENCH_AUDIT_RUNS) inProcess(db);
	await overHttpRuns(db, file);
	console.log(`peak RSS ${fmt(peakRssMb())} MB (bench process)`);
} finally {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
}
