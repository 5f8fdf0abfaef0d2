import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from '../../src/lib/server/db/index';
import { createUser } from '../../src/lib/server/auth/users';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { createAudit } from '../../src/lib/server/audits/create';
import { createBackup } from '../../src/lib/server/backups/backup';
import { freePort } from '../support/built-app';

// 20 reviewers submit labels over HTTP to the built app (its own server process and database)
// while two online backups are taken: one by the server itself (Admin → Backups, over HTTP),
// one by another process's connection (as `backup --out` does). Each backup must be a consistent
// database that holds every label acknowledged before it began, and reviewers must keep being
// acknowledged while it runs.

const REVIEWERS = 20;
const ITEMS = 400;
const K = 2;

let server: ChildProcess | undefined;
let dir = '';

/** The audited dataset, and a bigger one beside it so a backup takes long enough to overlap submits. */
function seed(db: Db): number {
	const c = db.$client;
	const now = Date.now();
	const dataset = (name: string) => (c.prepare(`INSERT INTO datasets (name, created_at) VALUES (?, ?) RETURNING id`).get(name, now) as { id: number }).id;
	const task = c.prepare(`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'imported', 1, ?) RETURNING id`);
	const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)`);
	const audited = dataset('backed up under load');
	const ballast = dataset('ballast');
	const filler = 'some realistic text of an instance, a sentence or two long. '.repeat(6);
	c.transaction(() => {
		for (let i = 0; i < ITEMS; i++) {
			const t = task.get(audited, `Task ${i}`, `Task ${i}`, now) as { id: number };
			instance.run(t.id, audited, `input ${i}`, `output ${i}`, now);
		}
		for (let i = 0; i < 40_000; i++) {
			const t = task.get(ballast, `Ballast ${i}`, `Ballast ${i}`, now) as { id: number };
			instance.run(t.id, ballast, `${i} ${filler}`, `${filler} ${i}`, now);
		}
	})();
	return audited;
}

test.afterAll(() => {
	server?.kill('SIGTERM');
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('backups taken while 20 reviewers submit over HTTP are consistent and hold every label acknowledged before them', async () => {
	test.setTimeout(240_000);
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-backup-load-'));
	const file = path.join(dir, 'app.db');
	const backups = path.join(dir, 'backups');
	const db = openDatabase(file, path.resolve('migrations'));
	const datasetId = seed(db);
	const users = await Promise.all(
		Array.from({ length: REVIEWERS }, (_, i) => createUser({ email: `backup-load${i}@example.org`, password: 'load-test-password', role: 'reviewer' }, db))
	);
	const admin = await createUser({ email: 'backup-admin@example.org', password: 'admin-test-password', role: 'admin' }, db);
	const cookie = (id: number) => `${SESSION_COOKIE}=${createSession(id, 'backup test', db).token}`;
	const cookies = new Map(users.map((u) => [u.id, cookie(u.id)]));
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: ITEMS, seed: 3, overlap: K, reviewerIds: users.map((u) => u.id) }, db);

	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	server = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base, DATABASE_PATH: file, BACKUP_DIR: backups },
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

	/** Labels the server acknowledged as created: "reviewerId:ref" → when the answer arrived. */
	const acknowledged = new Map<string, number>();
	const failures: string[] = [];
	async function post(userId: number, pathname: string, body: unknown) {
		const response = await fetch(`${base}${pathname}`, {
			method: 'POST',
			headers: { cookie: cookies.get(userId)!, 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
		return { status: response.status, body: (await response.json()) as Record<string, any> };
	}
	async function reviewer(userId: number) {
		for (;;) {
			const next = await post(userId, `/api/review/${audit.id}/next`, { exclude: [] });
			if (next.status !== 200) return void failures.push(`next ${next.status}`);
			const result = next.body.next as { status: string; ref?: string };
			if (result.status === 'done') return;
			if (result.status === 'waiting') {
				await new Promise((r) => setTimeout(r, 20));
				continue;
			}
			const answer = { kind: 'quality', instruction: true, input: true, output: acknowledged.size % 3 > 0, reason: acknowledged.size % 3 > 0 ? null : 'incorrect_output', comment: '' };
			const submit = await post(userId, `/api/review/${audit.id}/items/${result.ref}/submit`, { submissionId: randomUUID(), answer, activeMs: 500 });
			if (submit.status !== 200) return void failures.push(`submit ${submit.status} ${JSON.stringify(submit.body)}`);
			if (submit.body.result.outcome === 'created') acknowledged.set(`${userId}:${result.ref}`, Date.now());
		}
	}

	/** Waits until `n` labels are in, then takes a backup; returns what was acknowledged before it began. */
	async function backupWhenAcknowledged(n: number, take: () => Promise<string>) {
		while (acknowledged.size < n) await new Promise((r) => setTimeout(r, 10));
		const before = new Set(acknowledged.keys());
		const started = Date.now();
		const backupFile = await take();
		const during = [...acknowledged.values()].filter((t) => t > started).length;
		return { before, backupFile, during, ms: Date.now() - started };
	}

	const byServer = () =>
		backupWhenAcknowledged(150, async () => {
			// The admin page's action, over HTTP: the server backs itself up while serving the reviewers.
			const response = await fetch(`${base}/admin/backups?/create`, {
				method: 'POST',
				headers: { cookie: cookie(admin.id), origin: base, 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'true' },
				body: ''
			});
			const result = (await response.json()) as { type: string };
			expect(result.type, JSON.stringify(result)).toBe('success');
			const names = fs.readdirSync(backups).filter((f) => f.startsWith('instruct-audit-manual-'));
			expect(names).toHaveLength(1);
			return path.join(backups, names[0]);
		});
	const byOtherProcess = () =>
		backupWhenAcknowledged(450, async () => (await createBackup({ database: db, out: path.join(dir, 'cli-backup.db'), migrationsDir: path.resolve('migrations') })).file);

	const work = Promise.all(users.map((u) => reviewer(u.id)));
	const [first, second] = [await byServer(), await byOtherProcess()];
	await work;
	expect(failures).toEqual([]);
	expect(acknowledged.size).toBe(ITEMS * K);

	console.log(
		`backup by the server: ${first.ms} ms, ${first.during} labels acknowledged meanwhile; by another process: ${second.ms} ms, ${second.during} meanwhile`
	);
	for (const taken of [first, second]) {
		// Reviewers were served while the backup ran: it did not stop the server.
		expect(taken.during, `labels acknowledged during a ${taken.ms} ms backup`).toBeGreaterThan(0);
		const copy = new Database(taken.backupFile, { readonly: true });
		expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
		expect(copy.pragma('foreign_key_check')).toEqual([]);
		const inCopy = new Set(
			(copy
				.prepare('SELECT l.reviewer_id AS r, i.ref FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ?')
				.all(audit.id) as { r: number; ref: string }[]).map((x) => `${x.r}:${x.ref}`)
		);
		// Every label acknowledged before the backup began is in it.
		const missing = [...taken.before].filter((key) => !inCopy.has(key));
		expect(missing).toEqual([]);
		expect(inCopy.size).toBeGreaterThanOrEqual(taken.before.size);
		// One instant: the counters agree with the rows, and every label has its submission.
		const counters = copy
			.prepare(
				`SELECT i.label_count AS labels, i.claimed_count AS claimed, (SELECT count(*) FROM audit_labels l WHERE l.item_id = i.id) AS rows
				 FROM audit_items i WHERE i.audit_id = ?`
			)
			.all(audit.id) as { labels: number; claimed: number; rows: number }[];
		for (const c of counters) {
			expect(c.labels).toBe(c.rows);
			expect(c.claimed).toBeGreaterThanOrEqual(c.labels);
			expect(c.labels).toBeLessThanOrEqual(K);
		}
		expect(copy.prepare(`SELECT count(*) FROM audit_submissions WHERE audit_id = ? AND outcome = 'created'`).pluck().get(audit.id)).toBe(inCopy.size);
		expect(copy.prepare('SELECT count(*) FROM instances').pluck().get()).toBe(ITEMS + 40_000);
		copy.close();
	}
	db.$client.close();
});
