import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { makeDataset, makeUsers } from './audit-fixtures';

// Four threads, each with its own connection to the same file (as two server processes or the
// CLI beside the server would be), route and submit at once. The IMMEDIATE transactions must
// keep every item at exactly k labels.
let db: Db;
let file: string;
let cleanup: () => void;
beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
});
afterEach(() => cleanup());

it('keeps exactly k labels per item with writers on separate connections', async () => {
	const datasetId = await makeDataset(db, 'threads', 120);
	const users = makeUsers(db, 12);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 120, seed: 3, overlap: 3, reviewerIds: users.map((u) => u.id) }, db);
	const groups = [0, 1, 2, 3].map((g) => users.filter((_, i) => i % 4 === g).map((u) => u.id));
	const results = await Promise.all(
		groups.map(
			(reviewerIds) =>
				new Promise<string[]>((resolve, reject) => {
					// The worker is TypeScript: register tsx's loader in the thread, then load it.
					const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(path.resolve('tests/integration/audit-worker.ts')).href)}); });`;
					const worker = new Worker(boot, {
						eval: true,
						workerData: { file, migrations: path.resolve('migrations'), auditId: audit.id, reviewerIds }
					});
					worker.once('message', resolve);
					worker.once('error', reject);
				})
		)
	);
	const told = results.flat().sort();
	const rows = db.$client
		.prepare('SELECT l.reviewer_id AS r, i.ref FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ?')
		.all(audit.id) as { r: number; ref: string }[];
	expect(rows.map((x) => `${x.r}:${x.ref}`).sort()).toEqual(told);
	expect(told).toHaveLength(360);
	const counts = db.$client.prepare('SELECT label_count AS l, claimed_count AS c FROM audit_items WHERE audit_id = ?').all(audit.id) as { l: number; c: number }[];
	expect(counts.every((x) => x.l === 3 && x.c === 3)).toBe(true);
}, 60_000);
