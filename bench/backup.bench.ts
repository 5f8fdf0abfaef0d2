/**
 * Backups (issue 21): time and size of an online backup of a database with 250,000 instances and
 * 20,000 labels, and how long the event loop of the process taking it is held at most (the
 * server keeps serving reviewers while it runs). Also: restore of that backup into a new file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDatabase, type Db } from '../src/lib/server/db';
import { importFile } from '../src/lib/server/datasets/import';
import { createAudit } from '../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../src/lib/server/audits/routing';
import { createBackup } from '../src/lib/server/backups/backup';
import { restoreBackup } from '../src/lib/server/backups/restore';
import { archiveDataset, purgeDataset } from '../src/lib/server/archive';
import { fmt, peakRssMb } from './measure';

const INSTANCES = 250_000;
const PER_TASK = 5;
const ITEMS = 10_000;
const K = 2;
const REVIEWERS = 20;

async function* records(): AsyncGenerator<Uint8Array> {
	const encoder = new TextEncoder();
	let batch = '';
	for (let i = 0; i < INSTANCES; i++) {
		const task = Math.floor(i / PER_TASK);
		batch +=
			JSON.stringify({
				instruction: `Explain topic ${task} (${task % 97}) to a reader who is new to it, in a few sentences.`,
				input: i % 3 === 0 ? '' : `Context ${i}: some details about topic ${task}, with "quotes", commas and ünïcödé.`,
				output: `Here is an answer about topic ${task}. It has a few sentences so that the output is realistic in length, number ${i}.`
			}) + '\n';
		if (batch.length > 1 << 20) {
			yield encoder.encode(batch);
			batch = '';
		}
	}
	if (batch) yield encoder.encode(batch);
}

async function populate(db: Db): Promise<void> {
	let t0 = performance.now();
	const summary = await importFile(records(), { datasetName: 'bench', fileName: 'bench.jsonl' }, db);
	console.log(`imported ${fmt(summary.instancesAdded)} instances (${fmt(summary.tasksAdded)} tasks) in ${fmt((performance.now() - t0) / 1000, 1)} s`);
	const insert = db.$client.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES (?, 'reviewer', 'x', ?) RETURNING id`);
	const reviewers = Array.from({ length: REVIEWERS }, (_, i) => (insert.get(`r${i}@bench.example`, Date.now()) as { id: number }).id);
	const audit = createAudit({ datasetId: summary.datasetId, kind: 'quality', sampleSize: ITEMS, seed: 5, overlap: K, reviewerIds: reviewers }, db);
	t0 = performance.now();
	let labels = 0;
	const active = new Set(reviewers);
	while (active.size) {
		for (const reviewer of [...active]) {
			const next = nextAssignment(audit.id, reviewer, {}, db);
			if (next.status !== 'assigned') {
				active.delete(reviewer);
				continue;
			}
			const answer = { kind: 'quality', instruction: true, input: labels % 3 > 0, output: labels % 5 > 0, reason: labels % 3 > 0 && labels % 5 > 0 ? null : 'other', comment: labels % 10 ? '' : 'a comment' };
			submitLabel(audit.id, reviewer, { ref: next.ref, submissionId: randomUUID(), answer, activeMs: 4000 }, {}, db);
			labels++;
		}
	}
	console.log(`${fmt(labels)} labels by ${REVIEWERS} reviewers in ${fmt((performance.now() - t0) / 1000, 1)} s`);
}

async function main() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-backup-'));
	process.env.BACKUP_DIR = path.join(dir, 'backups');
	try {
		const file = path.join(dir, 'live.db');
		const db = openDatabase(file, path.resolve('migrations'));
		await populate(db);
		db.$client.pragma('wal_checkpoint(TRUNCATE)');
		console.log(`live database: ${fmt(fs.statSync(file).size / 1e6, 1)} MB`);

		// The longest the event loop waits during the backup: what a request would wait at most.
		const delay = monitorEventLoopDelay({ resolution: 5 });
		delay.enable();
		const backup = await createBackup({ database: db, out: path.join(dir, 'backup.db') });
		await new Promise((r) => setTimeout(r, 20));
		delay.disable();
		console.log(
			`backup: ${fmt(backup.ms / 1000, 2)} s, ${fmt(backup.bytes / 1e6, 1)} MB, verified (integrity_check ok, row counts equal: ` +
				`${fmt(backup.tables.instances)} instances, ${fmt(backup.tables.audit_labels)} labels); event loop held at most ${fmt(delay.max / 1e6)} ms`
		);
		db.$client.close();

		const target = path.join(dir, 'restored.db');
		const t0 = performance.now();
		const restored = await restoreBackup({ from: backup.file, databasePath: target, backupDir: path.join(dir, 'backups') });
		console.log(`restore into a new file: ${fmt((performance.now() - t0) / 1000, 2)} s (${fmt(restored.tables.audit_labels)} labels back)`);

		// Purge of the whole dataset (archive, backup first, then the delete) on the restored copy.
		const copy = openDatabase(target, path.resolve('migrations'));
		const datasetId = copy.$client.prepare(`SELECT id FROM datasets WHERE name = 'bench'`).pluck().get() as number;
		const admin = { id: (copy.$client.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES ('admin@bench.example', 'admin', 'x', ?) RETURNING id`).get(Date.now()) as { id: number }).id, role: 'admin' as const };
		archiveDataset(datasetId, admin.id, copy);
		const t1 = performance.now();
		const purge = await purgeDataset(datasetId, admin, 'bench', copy);
		console.log(`purge of the dataset (${purge.plan.counts.map((c) => `${fmt(c.n)} ${c.what}`).join(', ')}): ${fmt((performance.now() - t1) / 1000, 2)} s, of which the backup first ${fmt(purge.backup.ms / 1000, 2)} s`);
		copy.$client.close();
		console.log(`peak memory ${fmt(peakRssMb())} MB`);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

await main();
