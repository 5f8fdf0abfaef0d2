import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/lib/server/db/index';
import { createUser } from '../../src/lib/server/auth/users';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { createAudit } from '../../src/lib/server/audits/create';
import { freePort } from '../support/built-app';

// 50 simulated reviewers work one audit over HTTP against the built app (its own server
// process and database, started here), all at once, until the audit is complete. Some submits
// are sent twice at the same moment (a retry racing the original) and some items are skipped.
// Afterwards: no submitted label lost, every item exactly k labels, no reviewer given an item twice.

const REVIEWERS = 50;
const ITEMS = 240;
const K = 3;

let server: ChildProcess | undefined;
let dir = '';

function seedDataset(db: Db): number {
	const c = db.$client;
	const now = Date.now();
	const { id } = c.prepare(`INSERT INTO datasets (name, created_at) VALUES ('concurrency', ?) RETURNING id`).get(now) as { id: number };
	const task = c.prepare(
		`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'imported', 1, ?) RETURNING id`
	);
	const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)`);
	c.transaction(() => {
		for (let i = 0; i < ITEMS; i++) {
			const t = task.get(id, `Task ${i}`, `Task ${i}`, now) as { id: number };
			instance.run(t.id, id, `input ${i}`, `output ${i}`, now);
		}
	})();
	return id;
}

test.afterAll(() => {
	server?.kill('SIGTERM');
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('50 reviewers over HTTP: every item ends with exactly k labels, none lost, none twice', async () => {
	test.setTimeout(180_000);
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-concurrency-'));
	const file = path.join(dir, 'app.db');
	const db = openDatabase(file, path.resolve('migrations'));
	const datasetId = seedDataset(db);
	const users = await Promise.all(
		Array.from({ length: REVIEWERS }, (_, i) => createUser({ email: `load${i}@example.org`, password: 'load-test-password', role: 'reviewer' }, db))
	);
	const cookies = new Map(users.map((u) => [u.id, `${SESSION_COOKIE}=${createSession(u.id, 'load test', db).token}`]));
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: ITEMS, seed: 1, overlap: K, reviewerIds: users.map((u) => u.id) }, db);

	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	server = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base, DATABASE_PATH: file },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let serverLog = '';
	server.stdout?.on('data', (d) => (serverLog += d));
	server.stderr?.on('data', (d) => (serverLog += d));
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) break;
		} catch {
			// not up yet
		}
		if (i > 150) throw new Error(`server did not start:\n${serverLog}`);
		await new Promise((r) => setTimeout(r, 100));
	}

	const assigned = new Map<number, string[]>(); // reviewer → refs handed out by `next`
	const created = new Map<number, Set<string>>(); // reviewer → refs whose submit said "created"
	const skipped = new Map<number, Set<string>>();
	let duplicates = 0;
	const failures: string[] = [];

	async function call(userId: number, pathname: string, body: unknown) {
		const response = await fetch(`${base}${pathname}`, {
			method: 'POST',
			headers: { cookie: cookies.get(userId)!, 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
		return { status: response.status, body: (await response.json()) as Record<string, any> };
	}

	async function reviewer(userId: number, index: number) {
		assigned.set(userId, []);
		created.set(userId, new Set());
		skipped.set(userId, new Set());
		for (let n = 0; ; n++) {
			const next = await call(userId, `/api/review/${audit.id}/next`, { exclude: [] });
			if (next.status !== 200) {
				failures.push(`next ${next.status} ${JSON.stringify(next.body)}`);
				return;
			}
			const result = next.body.next as { status: string; ref?: string };
			if (result.status === 'done') return;
			if (result.status === 'waiting') {
				await new Promise((r) => setTimeout(r, 20));
				continue;
			}
			if (result.status !== 'assigned') {
				failures.push(`unexpected next ${JSON.stringify(result)}`);
				return;
			}
			const ref = result.ref!;
			// A reload asks again: the same lease comes back, not a new item.
			if (assigned.get(userId)!.at(-1) !== ref) assigned.get(userId)!.push(ref);
			if ((index + n) % 17 === 5) {
				const skip = await call(userId, `/api/review/${audit.id}/items/${ref}/skip`, { reason: 'load test' });
				if (skip.status !== 200) return void failures.push(`skip ${skip.status}`);
				skipped.get(userId)!.add(ref);
				continue;
			}
			const answer = { kind: 'quality', instruction: true, input: n % 2 === 0, output: true, reason: n % 2 === 0 ? null : 'input_mismatch', comment: '' };
			const submission = { submissionId: randomUUID(), answer, activeMs: 1000 };
			// Every seventh submit is sent twice at once, as a retry racing the original would be.
			const sends = (index + n) % 7 === 0 ? [submission, submission] : [submission];
			const results = await Promise.all(sends.map(() => call(userId, `/api/review/${audit.id}/items/${ref}/submit`, submission)));
			for (const r of results) {
				if (r.status !== 200) failures.push(`submit ${r.status} ${JSON.stringify(r.body)}`);
				else if (r.body.result.duplicate) duplicates++;
				else if (r.body.result.outcome === 'created') created.get(userId)!.add(ref);
				else failures.push(`submit outcome ${r.body.result.outcome}`);
			}
			if (failures.length) return;
		}
	}

	await Promise.all(users.map((u, i) => reviewer(u.id, i)));
	expect(failures).toEqual([]);

	// Every label a reviewer was told was saved is in the database, and nothing else is.
	const labels = db.$client
		.prepare('SELECT i.ref, l.reviewer_id AS reviewerId FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ?')
		.all(audit.id) as { ref: string; reviewerId: number }[];
	const told = [...created.entries()].flatMap(([userId, refs]) => [...refs].map((ref) => `${userId}:${ref}`)).sort();
	expect(labels.map((l) => `${l.reviewerId}:${l.ref}`).sort()).toEqual(told);
	expect(labels).toHaveLength(ITEMS * K);
	expect(duplicates).toBeGreaterThan(0);

	// Exactly k labels per item, by k different reviewers; the counters agree with the rows.
	const perItem = db.$client
		.prepare(
			`SELECT i.label_count AS labelCount, i.claimed_count AS claimed, count(l.id) AS rows, count(DISTINCT l.reviewer_id) AS reviewers
			 FROM audit_items i LEFT JOIN audit_labels l ON l.item_id = i.id WHERE i.audit_id = ? GROUP BY i.id`
		)
		.all(audit.id) as { labelCount: number; claimed: number; rows: number; reviewers: number }[];
	expect(perItem).toHaveLength(ITEMS);
	for (const item of perItem) expect(item).toEqual({ labelCount: K, claimed: K, rows: K, reviewers: K });

	// No reviewer was handed the same item twice (a skipped item never came back to them).
	let skips = 0;
	for (const [userId, refs] of assigned) {
		expect(new Set(refs).size, `reviewer ${userId}`).toBe(refs.length);
		for (const ref of skipped.get(userId)!) expect(created.get(userId)!.has(ref)).toBe(false);
		skips += skipped.get(userId)!.size;
	}
	expect(skips).toBeGreaterThan(0);
	const submissions = (db.$client.prepare('SELECT count(*) AS n FROM audit_submissions WHERE audit_id = ?').get(audit.id) as { n: number }).n;
	expect(submissions).toBe(ITEMS * K);
	db.$client.close();
});
