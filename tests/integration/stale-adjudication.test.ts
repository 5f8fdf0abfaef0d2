import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { CLI_ENTRY } from '../support/cli-bundle';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import type { Db } from '../../src/lib/server/db';
import { auditReport, disagreementEntry, listDisagreements, setAdjudication } from '../../src/lib/server/reports';
import { submitLabel } from '../../src/lib/server/audits/routing';

// A reviewer changes their label after a researcher adjudicated the item: the disagreements page
// and the report count disputed items alike, and both say the adjudication predates the change.
let db: Db;
let cleanup: () => void;
let file: string;
let quality: BuiltAudit;
beforeAll(async () => {
	({ db, cleanup, file } = createTestDb());
	const researcherId = Number(db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('res@x.org', 'Rita', 'researcher', 'x', 0) RETURNING id`).pluck().get());
	quality = await buildQualityAudit(db, { datasetName: 'stale', name: 'Stale audit', ...QUALITY_AUDIT_PLAN });
	// t5: Ana YNN, Ben YYY; adjudicated as "output wrong".
	setAdjudication(quality.auditId, quality.items.t5, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output' }, db);
});
afterAll(() => cleanup());

it('a label changed after the item was adjudicated: counts agree with the report, the adjudication is flagged', async () => {
	const before = await listDisagreements(quality.auditId, {}, db);
	expect(before.counts).toMatchObject({ all: auditReport(quality.auditId, {}, db).disagreements, stale: 0 });

	// Ana now agrees with Ben (an edit through the review screen's path, after the adjudication).
	const c = db.$client;
	const { ref } = c.prepare('SELECT ref FROM audit_items WHERE id = ?').get(quality.items.t5) as { ref: string };
	const revision = c.prepare('SELECT revision FROM audit_labels WHERE item_id = ? AND reviewer_id = ?').pluck().get(quality.items.t5, quality.reviewers.Ana) as number;
	const later = Number(c.prepare('SELECT updated_at FROM audit_adjudications WHERE item_id = ?').pluck().get(quality.items.t5)) + 60_000;
	submitLabel(
		quality.auditId,
		quality.reviewers.Ana,
		{ ref, submissionId: randomUUID(), baseRevision: revision, answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: 'changed my mind' } },
		{ now: later },
		db
	);

	const report = auditReport(quality.auditId, {}, db);
	const page = await listDisagreements(quality.auditId, {}, db);
	expect(page.counts.all).toBe(report.disagreements);
	expect(page.counts.all).toBe(before.counts.all - 1);
	expect(page.counts).toMatchObject({ adjudicated: 1, adjudicatedAgreeing: 1, stale: 1 });
	expect(page.entries.map((e) => e.itemId)).not.toContain(quality.items.t5);
	const adjudicated = await listDisagreements(quality.auditId, { filter: 'adjudicated' }, db);
	expect(adjudicated.entries.map((e) => [e.itemId, e.disagreement, e.staleAdjudication])).toEqual([[quality.items.t5, false, true]]);
	expect(disagreementEntry(quality.auditId, quality.items.t5, db)).toMatchObject({ itemId: quality.items.t5, staleAdjudication: true });
	expect(report.staleAdjudications).toBe(1);
	// The plain-text report says it too, as the web report does.
	const text = spawnSync(process.execPath, [CLI_ENTRY, 'report', String(quality.auditId)], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
	expect(text.status, text.stderr).toBe(0);
	expect(text.stdout).toContain('Note: 1 item was adjudicated before a reviewer changed their label; the final labels still decide it here.');
}, 60_000);
