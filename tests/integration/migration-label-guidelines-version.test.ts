import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { jsonl, streamOf } from '../support/db';
import { olderMigrations } from '../support/migrations';
import { openDatabase } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit, updateGuidelines } from '../../src/lib/server/audits';
import { makeAccount } from '../support/reviewed-work';

// Migration 0036: labels keep the guidelines version they were first given and last changed
// under; the labels already there get the versions their times on record give.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-migration-label-guidelines-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('existing labels get the version in force at their first submit and at their last change', async () => {
	const file = path.join(dir, 'old.db');
	const older = openDatabase(file, olderMigrations(dir, 36));
	const rows = Array.from({ length: 4 }, (_, i) => ({ instruction: `Say ${i}.`, input: '', output: `${i}` }));
	const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'versions', fileName: 'a.jsonl' }, older);
	const reviewer = makeAccount(older, 'reviewer');
	const edited = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 1, reviewerIds: [reviewer], guidelines: 'First.' }, older);
	const plain = createAudit({ datasetId, kind: 'quality', sampleSize: 2, seed: 2, reviewerIds: [reviewer], guidelines: 'Only.' }, older);
	const c = older.$client;
	// Labels as the app before this change wrote them (its write path: no version columns yet).
	const give = (auditId: number, n: number) => {
		const items = c.prepare('SELECT id FROM audit_items WHERE audit_id = ? AND id NOT IN (SELECT item_id FROM audit_labels) ORDER BY id LIMIT ?').pluck().all(auditId, n) as number[];
		const now = Date.now();
		for (const item of items)
			c.prepare(
				`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, comment, submitted_at, updated_at, revision) VALUES (?, ?, ?, 1, 1, 1, '', ?, ?, 1)`
			).run(auditId, item, reviewer, now, now);
	};
	give(edited.id, 2);
	give(plain.id, 2);
	updateGuidelines(edited.id, 'Second.', null, older);
	const v2 = Number(c.prepare('SELECT saved_at FROM audit_guidelines_versions WHERE audit_id = ? AND version = 2').pluck().get(edited.id));
	// Times on record around version 2: one label given before it and changed after, one given after.
	const labels = c.prepare('SELECT id FROM audit_labels WHERE audit_id = ? ORDER BY id').pluck().all(edited.id) as number[];
	c.prepare('UPDATE audit_labels SET updated_at = ?, revision = 2 WHERE id = ?').run(v2 + 1000, labels[0]);
	c.prepare('UPDATE audit_labels SET submitted_at = ?, updated_at = ? WHERE id = ?').run(v2 + 2000, v2 + 2000, labels[1]);
	// And one given before the oldest version kept (an earlier text not kept).
	const v1 = Number(c.prepare('SELECT saved_at FROM audit_guidelines_versions WHERE audit_id = ? AND version = 1').pluck().get(edited.id));
	give(edited.id, 1);
	const early = Number(c.prepare('SELECT max(id) FROM audit_labels WHERE audit_id = ?').pluck().get(edited.id));
	c.prepare('UPDATE audit_labels SET submitted_at = ?, updated_at = ? WHERE id = ?').run(v1 - 1000, v1 - 1000, early);
	c.close();

	const migrated = openDatabase(file, path.resolve('migrations'));
	try {
		const versions = (auditId: number) =>
			migrated.$client.prepare('SELECT first_guidelines_version AS first, guidelines_version AS last FROM audit_labels WHERE audit_id = ? ORDER BY id').all(auditId);
		expect(versions(edited.id)).toEqual([
			{ first: 1, last: 2 },
			{ first: 2, last: 2 },
			{ first: 0, last: 0 }
		]);
		expect(versions(plain.id)).toEqual([
			{ first: 1, last: 1 },
			{ first: 1, last: 1 }
		]);
	} finally {
		migrated.$client.close();
	}
});
