import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { jsonl, streamOf } from '../support/db';
import { olderMigrations } from '../support/migrations';
import { openDatabase } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit, updateGuidelines } from '../../src/lib/server/audits';
import { deleteDataset } from '../../src/lib/server/archive/archive';
import { makeAccount } from '../support/reviewed-work';

// Migration 0035: deleting or purging a dataset left its audits' guidelines versions (migration
// 0034) pointing at no audit, and every later backup, purge and migration refused the database.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-migration-orphans-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a database left with guidelines versions of a deleted audit opens, migrated, with them removed and nothing else', async () => {
	const file = path.join(dir, 'old.db');
	const older = openDatabase(file, olderMigrations(dir, 35));
	const rows = Array.from({ length: 6 }, (_, i) => ({ instruction: `Say ${i}.`, input: '', output: `${i}` }));
	const gone = await importFile(streamOf(jsonl(rows)), { datasetName: 'gone', fileName: 'a.jsonl' }, older);
	const kept = await importFile(streamOf(jsonl(rows)), { datasetName: 'kept', fileName: 'b.jsonl' }, older);
	const reviewer = makeAccount(older, 'reviewer');
	const goneAudit = createAudit({ datasetId: gone.datasetId, kind: 'quality', sampleSize: 3, seed: 1, reviewerIds: [reviewer] }, older);
	const keptAudit = createAudit({ datasetId: kept.datasetId, kind: 'quality', sampleSize: 3, seed: 1, reviewerIds: [reviewer] }, older);
	for (const id of [goneAudit.id, keptAudit.id]) updateGuidelines(id, 'Second wording.', null, older);
	const versions = (db: typeof older, auditId: number) => db.$client.prepare('SELECT count(*) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(auditId) as number;
	const keptVersions = versions(older, keptAudit.id);
	// The deletion as the app did it before this change: the audit row removed with foreign keys off, its versions left behind.
	const c = older.$client;
	c.pragma('foreign_keys = OFF');
	c.prepare('DELETE FROM audit_reviewers WHERE audit_id = ?').run(goneAudit.id);
	c.prepare('DELETE FROM audit_item_responses WHERE item_id IN (SELECT id FROM audit_items WHERE audit_id = ?)').run(goneAudit.id);
	c.prepare('DELETE FROM audit_items WHERE audit_id = ?').run(goneAudit.id);
	c.prepare('DELETE FROM audits WHERE id = ?').run(goneAudit.id);
	c.pragma('foreign_keys = ON');
	expect(versions(older, goneAudit.id)).toBeGreaterThan(0);
	expect((c.pragma('foreign_key_check') as unknown[]).length).toBeGreaterThan(0);
	c.close();

	const migrated = openDatabase(file, path.resolve('migrations'));
	try {
		expect(migrated.$client.pragma('foreign_key_check')).toEqual([]);
		expect(versions(migrated, goneAudit.id)).toBe(0);
		expect(versions(migrated, keptAudit.id)).toBe(keptVersions);
		// And the deletion itself no longer leaves them.
		updateGuidelines(keptAudit.id, 'Third wording.', null, migrated);
		await deleteDataset(kept.datasetId, migrated).removal;
		expect(versions(migrated, keptAudit.id)).toBe(0);
		expect(migrated.$client.pragma('foreign_key_check')).toEqual([]);
	} finally {
		migrated.$client.close();
	}
});
