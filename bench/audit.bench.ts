/**
 * Routing under load (issue 5): 50 reviewers working an audit of 10,000 items at once.
 * Target: server time of submit + next, p95 ≤ 20 ms on this machine.
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
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../src/lib/server/db';
import { createSession, SESSION_COOKIE } from '../src/lib/server/auth/session';
import { createAudit } from '../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../src/lib/server/audits/routing';
import { reviewItemView, reviewProgress } from '../src/lib/server/audits/review';
import { fmt, peakRssMb } from './measure';

const ITEMS = 10_000;
const REVIEWERS = 50;
const K = 2;
const HTTP_LABELS = 6_000;

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function describe(label: string, values: number[]): void {
	console.log(
		`${label.padEnd(44)} n=${fmt(values.length).padStart(6)}  p50 ${fmt(percentile(values, 50), 2).padStart(6)} ms  p95 ${fmt(percentile(values, 95), 2).padStart(6)} ms  p99 ${fmt(percentile(values, 99), 2).padStart(6)} ms  max ${fmt(Math.max(...values), 1).padStart(6)} ms`
	);
}

function seed(db: Db, name: string): number {
	const c = db.$client;
	const now = Date.now();
	const { id } = c.prepare(`INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id`).get(name, now) as { id: number };
	const task = c.prepare(
		`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, is_classification, created_at)
		 VALUES (?, ?, ?, 'generated', 1, ?, ?) RETURNING id`
	);
	const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)`);
	c.transaction(() => {
		for (let i = 0; i < ITEMS; i++) {
			const text = `Instruction ${i}: explain topic ${i % 97} to a newcomer, in a few sentences.`;
			const t = task.get(id, text, text, i % 4 === 0 ? 1 : 0, now) as { id: number };
			instance.run(t.id, id, i % 3 ? `Some input for ${i}` : '', `An output of a realistic length for item ${i}, a sentence or two.`, now);
		}
	})();
	return id;
}

function reviewers(db: Db, prefix: string): number[] {
	const insert = db.$client.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES (?, 'reviewer', 'x', ?) RETURNING id`);
	return Array.from({ length: REVIEWERS }, (_, i) => (insert.get(`${prefix}${i}@bench.example`, Date.now()) as { id: number }).id);
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

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

async function overHttp(db: Db, file: string) {
	if (!fs.existsSync('build/index.js')) {
		console.log('over HTTP: skipped (run `npm run build` first)');
		return;
	}
	const datasetId = seed(db, 'bench-http');
	const ids = reviewers(db, 'h');
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: ITEMS, seed: 7, overlap: K, reviewerIds: ids }, db);
	const cookies = new Map(ids.map((id) => [id, `${SESSION_COOKIE}=${createSession(id, 'bench', db).token}`]));
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const server = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base, DATABASE_PATH: file },
		stdio: 'ignore'
	});
	try {
		for (let i = 0; ; i++) {
			try {
				if ((await fetch(`${base}/healthz`)).ok) break;
			} catch {
				// starting
			}
			if (i > 200) throw new Error('the server did not start');
			await new Promise((r) => setTimeout(r, 100));
		}
		const serverMs = { next: [] as number[], submit: [] as number[] };
		const roundTrip = { next: [] as number[], submit: [] as number[] };
		let labels = 0;
		const post = async (reviewer: number, url: string, body: unknown, kind: 'next' | 'submit') => {
			const t = performance.now();
			const response = await fetch(`${base}${url}`, {
				method: 'POST',
				headers: { cookie: cookies.get(reviewer)!, 'content-type': 'application/json' },
				body: JSON.stringify(body)
			});
			const data = (await response.json()) as Record<string, any>;
			roundTrip[kind].push(performance.now() - t);
			const timing = /dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
			const ms = timing ? Number(timing[1]) : NaN;
			serverMs[kind].push(ms);
			if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(data)}`);
			return { data, ms };
		};
		const pairs: number[] = [];
		const worker = async (reviewer: number) => {
			let submitted: number | null = null;
			while (labels < HTTP_LABELS) {
				const { data, ms } = await post(reviewer, `/api/review/${audit.id}/next`, { exclude: [] }, 'next');
				if (submitted !== null) pairs.push(submitted + ms);
				if (data.next.status !== 'assigned') return;
				submitted = (await post(reviewer, `/api/review/${audit.id}/items/${data.next.ref}/submit`, { submissionId: randomUUID(), answer, activeMs: 5000 }, 'submit')).ms;
				labels++;
			}
		};
		const started = performance.now();
		await Promise.all(ids.map(worker));
		const seconds = (performance.now() - started) / 1000;
		console.log(`over HTTP: ${fmt(labels)} labels by ${REVIEWERS} concurrent clients in ${fmt(seconds, 1)} s (${fmt(labels / seconds)} labels/s)`);
		describe('HTTP, server time: submit', serverMs.submit);
		describe('HTTP, server time: next', serverMs.next);
		describe('HTTP, server time: submit + next', pairs);
		describe('HTTP, round trip (50 in flight): submit', roundTrip.submit);
		describe('HTTP, round trip (50 in flight): next', roundTrip.next);
	} finally {
		server.kill('SIGTERM');
	}
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-audit-'));
const file = path.join(dir, 'bench.db');
const db = openDatabase(file, path.resolve('migrations'));
try {
	inProcess(db);
	await overHttp(db, file);
	console.log(`peak RSS ${fmt(peakRssMb())} MB (bench process)`);
} finally {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
}
