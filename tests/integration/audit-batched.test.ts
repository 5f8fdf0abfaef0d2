/**
 * Issue #22: a big audit is created in short transactions into a hidden 'preparing' audit that no
 * list, page, report, export or reviewer sees until its last commit; a failure removes it, and one
 * left by a killed process is removed at the next start.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, snapshotDb } from '../support/db';
import { createAudit, createAuditInBatches, type CreateAuditInput } from '../../src/lib/server/audits/create';
import { getAudit, listAudits } from '../../src/lib/server/audits/audits';
import { nextAssignment } from '../../src/lib/server/audits/routing';
import { listReportableAudits } from '../../src/lib/server/reports/reports';
import { exportFacets } from '../../src/lib/server/exports/facets';
import { removeLeftoverAudits, removePreparingAudit } from '../../src/lib/server/audits/preparing';
import { lockHoldStats, resetLockHolds, type Db } from '../../src/lib/server/db';
import { makeDataset, makeUsers } from './audit-fixtures';

let db: Db;
let file: string;
let cleanup: () => void;
beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
	resetLockHolds();
});
afterEach(() => cleanup());

/** What a reviewer of the audit gets asking for an item: 'assigned', or the error's message. */
function next(auditId: number, reviewerId: number): string {
	try {
		return nextAssignment(auditId, reviewerId, {}, db).status;
	} catch (err) {
		return (err as Error).message;
	}
}

const itemsOf = (auditId: number) =>
	db.$client.prepare('SELECT position, task_id, instance_id, stratum, is_gold, shuffle_key FROM audit_items WHERE audit_id = ? ORDER BY position').all(auditId);

describe('batched audit creation', () => {
	it('writes the items in batches into a preparing audit nobody sees, then opens it with the same sample as one transaction', async () => {
		const datasetId = await makeDataset(db, 'pool', 300, 2);
		const reviewers = makeUsers(db, 2);
		const input: CreateAuditInput = { datasetId, kind: 'quality', sampleSize: 250, seed: 7, overlap: 1, reviewerIds: reviewers.map((r) => r.id), stratify: 'classification' };
		const seen: { status: string; items: number; listed: number; found: boolean; reports: number; facets: number; next: string }[] = [];
		const audit = await createAuditInBatches(input, db, {
			batchItems: 40,
			afterBatch: () => {
				const row = db.$client.prepare('SELECT id, status FROM audits').get() as { id: number; status: string };
				seen.push({
					status: row.status,
					items: db.$client.prepare('SELECT count(*) FROM audit_items').pluck().get() as number,
					listed: listAudits({}, db).length,
					found: !!getAudit(row.id, db),
					reports: listReportableAudits(db).length,
					facets: exportFacets(datasetId, db).audits.length,
					next: next(row.id, reviewers[0].id)
				});
			}
		});
		expect(seen.length).toBeGreaterThan(3);
		for (const s of seen) expect(s).toMatchObject({ status: 'preparing', listed: 0, found: false, reports: 0, facets: 0 });
		expect(seen.map((s) => s.next).every((n) => n !== 'assigned')).toBe(true);
		expect(seen[0].items).toBeLessThan(250);
		expect(audit).toMatchObject({ status: 'open', itemCount: 250, prepareOwner: null, prepareHeartbeatAt: null });
		expect(listAudits({}, db).map((a) => a.id)).toEqual([audit.id]);
		expect(next(audit.id, reviewers[0].id)).toBe('assigned');
		// The same sample, positions and order keys as the one-transaction path.
		const single = createAudit(input, db);
		expect(itemsOf(audit.id)).toEqual(itemsOf(single.id));
		expect(lockHoldStats()['create audit'].transactions).toBeGreaterThanOrEqual(250 / 40 + 2 + 1);
	});

	it('removes what it wrote when it fails part-way', async () => {
		const datasetId = await makeDataset(db, 'pool', 200);
		const reviewers = makeUsers(db, 1);
		const before = snapshotDb(db);
		let batches = 0;
		const error = await createAuditInBatches({ datasetId, kind: 'quality', sampleSize: 150, seed: 3, reviewerIds: [reviewers[0].id] }, db, {
			batchItems: 30,
			afterBatch: () => {
				if (++batches === 2) throw new Error('disk on fire');
			}
		}).catch((e: unknown) => e);
		expect((error as Error).message).toBe('disk on fire');
		expect(snapshotDb(db).replace(/"seq":\d+/g, '')).toBe(before.replace(/"seq":\d+/g, ''));
		expect(db.$client.prepare('SELECT count(*) FROM audit_items').pluck().get()).toBe(0);
	});

	it('start-up removes preparing audits whose process is gone, and leaves a live one alone', async () => {
		const datasetId = await makeDataset(db, 'pool', 60);
		const [reviewer] = makeUsers(db, 1);
		const kept = createAudit({ datasetId, kind: 'quality', sampleSize: 10, seed: 1, reviewerIds: [reviewer.id] }, db);
		const preparing = (owner: string, heartbeat = Date.now()) => {
			const a = createAudit({ datasetId, kind: 'quality', sampleSize: 40, seed: 2, reviewerIds: [reviewer.id] }, db);
			db.$client.prepare(`DELETE FROM audit_reviewers WHERE audit_id = ?`).run(a.id);
			db.$client.prepare(`UPDATE audits SET status = 'preparing', prepare_owner = ?, prepare_heartbeat_at = ? WHERE id = ?`).run(owner, heartbeat, a.id);
			return a.id;
		};
		const dead = preparing(`${os.hostname()}:${2 ** 22 + 1}`);
		const stale = preparing('elsewhere:1', Date.now() - 60 * 60_000);
		const live = preparing(`${os.hostname()}:${process.pid}`);
		expect(await removeLeftoverAudits(db)).toEqual({ audits: 2, items: 80 });
		const left = db.$client.prepare('SELECT id FROM audits ORDER BY id').pluck().all();
		expect(left).toEqual([kept.id, live]);
		expect(left).not.toContain(dead);
		expect(left).not.toContain(stale);
		expect(db.$client.prepare('SELECT count(*) FROM audit_items').pluck().get()).toBe(10 + 40);
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
		// An open audit is never removed as preparing.
		expect(await removePreparingAudit(kept.id, db)).toBe(0);
		expect(getAudit(kept.id, db)).toBeDefined();
	});

	it('kill -9 of the CLI mid-creation leaves no visible audit, and the next start removes it', async () => {
		const datasetId = await makeDataset(db, 'pool', 30_000);
		makeUsers(db, 1);
		const email = db.$client.prepare('SELECT email FROM users').pluck().get() as string;
		const child = spawn(
			process.execPath,
			[path.resolve('bin/instruct-audit.js'), 'audit', 'create', '--dataset', 'pool', '--kind', 'quality', '--reviewers', email, '--size', '25000', '--seed', '5', '--json'],
			{ env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: file }, stdio: ['ignore', 'pipe', 'pipe'] }
		);
		let stderr = '';
		child.stderr!.on('data', (d) => (stderr += d));
		const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
		const watch = new Database(file, { readonly: true });
		try {
			for (;;) {
				if (child.exitCode !== null) throw new Error(`The audit was made before it could be killed: ${stderr}`);
				const n = watch.prepare(`SELECT count(*) FROM audit_items i JOIN audits a ON a.id = i.audit_id WHERE a.status = 'preparing'`).pluck().get() as number;
				if (n >= 3000) break;
				await new Promise((r) => setTimeout(r, 20));
			}
			child.kill('SIGKILL');
			await exited;
			const row = watch.prepare('SELECT id, status FROM audits').get() as { id: number; status: string };
			expect(row.status).toBe('preparing');
			expect(watch.prepare('SELECT count(*) FROM audit_reviewers').pluck().get()).toBe(0);
			expect(listAudits({}, db)).toEqual([]);
			expect(listAudits({ datasetId }, db)).toEqual([]);
			expect(getAudit(row.id, db)).toBeUndefined();
			expect(listReportableAudits(db)).toEqual([]);
			// What the server's start-up does (startApp → removeLeftoverAudits).
			const removed = await removeLeftoverAudits(db);
			expect(removed.audits).toBe(1);
			expect(removed.items).toBeGreaterThanOrEqual(3000);
			expect(watch.prepare('SELECT count(*) FROM audits').pluck().get()).toBe(0);
			expect(watch.prepare('SELECT count(*) FROM audit_items').pluck().get()).toBe(0);
			expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		} finally {
			if (child.exitCode === null) child.kill('SIGKILL');
			watch.close();
		}
	}, 120_000);
});
