import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { buildReviewedWork, makeAccount, workCounts, type ReviewedWork } from '../support/reviewed-work';
import type { Db } from '../../src/lib/server/db';
import {
	ArchiveError,
	archiveAudit,
	archiveDataset,
	datasetPurgePlan,
	deleteAudit,
	deleteDataset,
	purgeAudit,
	purgeDataset,
	purgeReviewerLabels,
	restoreAudit,
	restoreDataset,
	restoreReviewerLabels
} from '../../src/lib/server/archive';
import { listDatasets } from '../../src/lib/server/datasets/datasets';
import { importFile } from '../../src/lib/server/datasets/import';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { filterPreset } from '../../src/lib/filters';
import { closeAudit, createAudit, listAudits, listMyAudits, nextAssignment, removeReviewer, skipItem, submitLabel, updateGuidelines, AuditError } from '../../src/lib/server/audits';
import { listReportableAudits, auditReport } from '../../src/lib/server/reports';
import { config } from '../../src/lib/server/config';
import { listBackups } from '../../src/lib/server/backups';
import { comparisonRows, sharegptRows } from './shape-fixtures';
import { randomUUID } from 'node:crypto';

// Reviewed work is never lost: deletes that would remove it are refused (by the domain and by
// the schema), archive and restore keep every row, and only an admin's purge removes it — after
// a verified backup that holds it.
let db: Db;
let cleanup: () => void;
let work: ReviewedWork;

// Purges write their backup to the configured folder: one temporary folder for this file.
process.env.BACKUP_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ia-keep-backups-'));
afterAll(() => fs.rmSync(config().backupDir, { recursive: true, force: true }));

beforeEach(async () => {
	({ db, cleanup } = createTestDb());
	work = await buildReviewedWork(db);
});
afterEach(() => cleanup());

const researcher = () => ({ id: work.researcherId, role: 'researcher' as const });
const admin = () => ({ id: work.adminId, role: 'admin' as const });

function refusal(fn: () => unknown): ArchiveError {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(ArchiveError);
		return err as ArchiveError;
	}
	throw new Error('expected a refusal');
}

async function refusalOf(promise: Promise<unknown>): Promise<ArchiveError> {
	const err = await promise.then(
		() => null,
		(e: unknown) => e
	);
	if (!err) throw new Error('expected a refusal');
	expect(err).toBeInstanceOf(ArchiveError);
	return err as ArchiveError;
}

async function asyncRefusal(fn: () => Promise<unknown>): Promise<ArchiveError> {
	try {
		await fn();
	} catch (err) {
		expect(err).toBeInstanceOf(ArchiveError);
		return err as ArchiveError;
	}
	throw new Error('expected a refusal');
}

describe('deleting', () => {
	it('refuses to delete a dataset whose audit holds labels, naming the audit and its counts, and changes nothing', () => {
		const before = snapshotDb(db);
		const err = refusal(() => deleteDataset(work.quality.datasetId, db));
		expect(err.code).toBe('reviewed-work');
		expect(err.message).toContain(`audit "Quality audit" (#${work.quality.auditId}): 19 labels, 1 adjudication`);
		expect(err.message).toMatch(/Archive it instead/);
		const rating = refusal(() => deleteDataset(work.rating.datasetId, db));
		expect(rating.message).toContain(`audit "Rating audit" (#${work.rating.auditId}): 5 labels, 1 adjudication, 1 unsent draft`);
		expect(snapshotDb(db)).toBe(before);
	});

	it('refuses to delete an audit with labels, and deletes one nobody worked on', async () => {
		const before = workCounts(db, work.quality.auditId);
		expect((await refusalOf(deleteAudit(work.quality.auditId, db))).message).toContain('19 labels');
		expect(workCounts(db, work.quality.auditId)).toEqual(before);
		await deleteAudit(work.idle.auditId, db);
		expect(db.$client.prepare('SELECT count(*) FROM audits WHERE id = ?').pluck().get(work.idle.auditId)).toBe(0);
	});

	it('deletes a dataset without reviewed work, its unlabelled audits with it', async () => {
		// Guidelines edited twice: their versions (migration 0034) go with the audit too.
		updateGuidelines(work.idle.auditId, 'Second wording.', null, db);
		updateGuidelines(work.idle.auditId, 'Third wording.', null, db);
		expect(db.$client.prepare('SELECT count(*) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(work.idle.auditId)).toBeGreaterThan(0);
		const { removal } = deleteDataset(work.idle.datasetId, db);
		// Hidden at once, its rows deleted in short transactions after.
		expect(db.$client.prepare(`SELECT count(*) FROM datasets WHERE id = ? AND status = 'ready'`).pluck().get(work.idle.datasetId)).toBe(0);
		expect(listAudits({}, db).map((a) => a.id)).not.toContain(work.idle.auditId);
		expect(await removal).toBeGreaterThan(0);
		expect(db.$client.prepare('SELECT count(*) FROM tasks WHERE dataset_id = ?').pluck().get(work.idle.datasetId)).toBe(0);
		expect(db.$client.prepare('SELECT count(*) FROM audit_items WHERE audit_id = ?').pluck().get(work.idle.auditId)).toBe(0);
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		expect(db.$client.prepare('SELECT count(*) FROM datasets WHERE id = ?').pluck().get(work.idle.datasetId)).toBe(0);
		expect(db.$client.prepare('SELECT count(*) FROM audits WHERE id = ?').pluck().get(work.idle.auditId)).toBe(0);
		expect(db.$client.prepare('SELECT count(*) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(work.idle.auditId)).toBe(0);
	});

	it('deletes an audit with leases and skips to its last row, hidden from the first transaction', async () => {
		const rows = Array.from({ length: 600 }, (_, i) => ({ instruction: `Task ${i}: answer.`, input: '', output: `out ${i}` }));
		const data = await importFile(streamOf(jsonl(rows)), { datasetName: 'to delete', fileName: 'd.jsonl' }, db);
		const [ana, ben] = [makeAccount(db, 'reviewer'), makeAccount(db, 'reviewer')];
		const audit = createAudit({ datasetId: data.datasetId, kind: 'quality', sampleSize: 500, seed: 3, overlap: 2, reviewerIds: [ana, ben] }, db);
		const lease = nextAssignment(audit.id, ana, {}, db);
		const skipped = nextAssignment(audit.id, ben, {}, db);
		if (lease.status !== 'assigned' || skipped.status !== 'assigned') throw new Error('no item');
		skipItem(audit.id, ben, skipped.ref!, '', {}, db);
		const count = (table: string) => db.$client.prepare(`SELECT count(*) FROM ${table} WHERE audit_id = ?`).pluck().get(audit.id) as number;
		expect(count('audit_items')).toBe(500);
		expect(count('audit_assignments')).toBe(2);
		const deleting = deleteAudit(audit.id, db);
		// The first transaction ran before the first await: the audit is already out of every list.
		expect(listAudits({}, db).map((a) => a.id)).not.toContain(audit.id);
		expect(listMyAudits(ana, db).map((a) => a.id)).not.toContain(audit.id);
		await deleting;
		for (const table of ['audits', 'audit_items', 'audit_assignments', 'audit_reviewers', 'audit_gold_answers']) {
			expect(table === 'audits' ? (db.$client.prepare('SELECT count(*) FROM audits WHERE id = ?').pluck().get(audit.id) as number) : count(table)).toBe(0);
		}
		expect(db.$client.prepare('SELECT count(*) FROM audit_item_responses r LEFT JOIN audit_items i ON i.id = r.item_id WHERE i.id IS NULL').pluck().get()).toBe(0);
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
	});

	it('counts an unsent draft or a set-aside label as reviewed work too', async () => {
		const data = await importFile(streamOf(jsonl([{ instruction: 'Draft only.', input: '', output: 'x' }])), { datasetName: 'draft only', fileName: 'd.jsonl' }, db);
		const reviewer = makeAccount(db, 'reviewer');
		const audit = createAudit({ datasetId: data.datasetId, kind: 'quality', sampleSize: 1, seed: 2, reviewerIds: [reviewer] }, db);
		const next = nextAssignment(audit.id, reviewer, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		db.$client.prepare(`UPDATE audit_assignments SET draft = '{}' WHERE audit_id = ?`).run(audit.id);
		expect((await refusalOf(deleteAudit(audit.id, db))).message).toContain('1 unsent draft');
	});

	it('counts a skip with a written reason as reviewed work: a dataset holding one is archived, not deleted', async () => {
		const data = await importFile(streamOf(jsonl([{ instruction: 'Flag me.', input: '', output: 'x' }])), { datasetName: 'skip only', fileName: 'd.jsonl' }, db);
		const reviewer = makeAccount(db, 'reviewer');
		const audit = createAudit({ datasetId: data.datasetId, kind: 'quality', sampleSize: 1, seed: 2, reviewerIds: [reviewer] }, db);
		const next = nextAssignment(audit.id, reviewer, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		skipItem(audit.id, reviewer, next.ref!, 'The output holds a phone number (PII)', {}, db);
		expect(refusal(() => deleteDataset(data.datasetId, db)).message).toContain('0 labels, 1 skip with a reason');
		expect((await refusalOf(deleteAudit(audit.id, db))).message).toContain('1 skip with a reason');
		expect(db.$client.prepare('SELECT skip_reason FROM audit_assignments WHERE audit_id = ?').pluck().get(audit.id)).toBe('The output holds a phone number (PII)');
	});

	it('the schema itself refuses: no DELETE can cascade into labels, submissions or adjudications', () => {
		const c = db.$client;
		expect(() => c.prepare('DELETE FROM datasets WHERE id = ?').run(work.quality.datasetId)).toThrow(/FOREIGN KEY constraint failed/);
		expect(() => c.prepare('DELETE FROM audits WHERE id = ?').run(work.rating.auditId)).toThrow(/FOREIGN KEY constraint failed/);
		expect(() => c.prepare('DELETE FROM tasks WHERE dataset_id = ?').run(work.quality.datasetId)).toThrow(/FOREIGN KEY constraint failed/);
		expect(() => c.prepare('DELETE FROM responses WHERE dataset_id = ?').run(work.rating.datasetId)).toThrow(/FOREIGN KEY constraint failed/);
		expect(() => c.prepare(`DELETE FROM users WHERE id = (SELECT reviewer_id FROM audit_labels LIMIT 1)`).run()).toThrow(/FOREIGN KEY constraint failed/);
		expect(workCounts(db, work.quality.auditId).labels).toBe(19);
		expect(workCounts(db, work.rating.auditId).ratings).toBe(10);
	});
});

describe('archive and restore', () => {
	it('keeps every row: archiving then restoring a dataset leaves the database exactly as it was', () => {
		const before = snapshotDb(db);
		expect(archiveDataset(work.quality.datasetId, work.researcherId, db)).toEqual({ audits: 1 });
		const archived = snapshotDb(db);
		expect(archived).not.toBe(before);
		// Only the archive stamps changed: every label, submission, adjudication and draft is there.
		expect(workCounts(db, work.quality.auditId)).toMatchObject({ labels: 19, adjudications: 1 });
		expect(restoreDataset(work.quality.datasetId, db)).toEqual({ audits: 1 });
		expect(snapshotDb(db)).toBe(before);
	});

	it('hides an archived dataset and its audits from every list and from its reviewers, and makes them read-only', async () => {
		const { datasetId, auditId, reviewers } = work.quality;
		const reviewer = Object.values(reviewers)[0];
		expect(listMyAudits(reviewer, db).map((a) => a.id)).toContain(auditId);
		archiveDataset(datasetId, work.researcherId, db);

		expect(listDatasets(db).map((d) => d.id)).not.toContain(datasetId);
		expect(listDatasets(db, { archived: true }).map((d) => d.id)).toEqual([datasetId]);
		expect(listAudits({}, db).map((a) => a.id)).not.toContain(auditId);
		expect(listAudits({ archived: true }, db).map((a) => a.id)).toEqual([auditId]);
		expect(listReportableAudits(db).map((a) => a.id)).not.toContain(auditId);
		expect(listMyAudits(reviewer, db).map((a) => a.id)).not.toContain(auditId);
		// Reviewers cannot reach it: an archived audit takes no labels, and says so.
		expect(() => nextAssignment(auditId, reviewer, {}, db)).toThrow(AuditError);
		expect(() => submitLabel(auditId, reviewer, { ref: 'x', submissionId: '00000000-0000-4000-8000-000000000000', answer: {} }, {}, db)).toThrow(/This audit is archived/);
		// Read-only for researchers: no import into it, no filters, no new audit, no changes.
		await expect(importFile(streamOf(jsonl([{ instruction: 'More.', input: '', output: 'x' }])), { datasetName: 'kept quality', fileName: 'more.jsonl' }, db)).rejects.toThrow(
			/archived/
		);
		await expect(applyFilters(datasetId, filterPreset('self-instruct'), null, db)).rejects.toThrow(/archived/);
		expect(() => createAudit({ datasetId, kind: 'quality', sampleSize: 2, reviewerIds: [reviewer] }, db)).toThrow(/archived/);
		expect(() => closeAudit(auditId, db)).toThrow(/archived/);
		expect(() => removeReviewer(auditId, reviewer, {}, db)).toThrow(/archived/);
		// Reports still read it.
		expect(auditReport(auditId, {}, db).progress.labels).toBeGreaterThan(0);
		// An audit of an archived dataset comes back only with its dataset.
		expect(refusal(() => restoreAudit(auditId, db)).message).toMatch(/restore the dataset first/);
	});

	it('will not archive or delete a dataset a generation run can still write to', () => {
		db.$client
			.prepare(
				`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
				 VALUES ('self-instruct', 'run', 'paused', ?, 'env', '{}', 'm', 10, '{}', '[]', '{}', 1, 1)`
			)
			.run(work.idle.datasetId);
		expect(refusal(() => archiveDataset(work.idle.datasetId, null, db)).message).toMatch(/^Generation run #\d+ \(paused\) can still write to this dataset/);
		expect(refusal(() => deleteDataset(work.idle.datasetId, db)).code).toBe('busy');
	});

	it('archives and restores a single audit; restoring the dataset does not bring back an audit archived on its own', () => {
		const before = snapshotDb(db);
		archiveAudit(work.rating.auditId, work.researcherId, db);
		expect(listAudits({}, db).map((a) => a.id)).not.toContain(work.rating.auditId);
		archiveDataset(work.rating.datasetId, null, db);
		restoreDataset(work.rating.datasetId, db);
		expect(listAudits({ archived: true }, db).map((a) => a.id)).toEqual([work.rating.auditId]);
		restoreAudit(work.rating.auditId, db);
		expect(snapshotDb(db)).toBe(before);
		expect(refusal(() => restoreAudit(work.rating.auditId, db)).code).toBe('not-archived');
	});
});

describe('purge', () => {
	it('is for administrators only, of archived things only, with the name typed', async () => {
		const id = work.quality.datasetId;
		const backups = listBackups().length;
		expect((await asyncRefusal(() => purgeDataset(id, admin(), 'kept quality', db))).code).toBe('not-archived');
		archiveDataset(id, null, db);
		expect((await asyncRefusal(() => purgeDataset(id, researcher(), 'kept quality', db))).status).toBe(403);
		expect((await asyncRefusal(() => purgeDataset(id, admin(), 'kept', db))).message).toBe('Type "kept quality" to confirm the purge.');
		expect(workCounts(db, work.quality.auditId).labels).toBe(19);
		expect(listBackups()).toHaveLength(backups);
	});

	it('writes a verified backup holding everything first, then deletes the dataset with its audits and labels', async () => {
		const { datasetId, auditId } = work.quality;
		updateGuidelines(auditId, 'Changed after labelling began.', null, db);
		archiveDataset(datasetId, null, db);
		const plan = datasetPurgePlan(datasetId, db);
		expect(plan.counts).toEqual(
			expect.arrayContaining([
				{ what: 'labels', n: 19 },
				{ what: 'adjudication', n: 1 },
				{ what: 'audit', n: 1 },
				{ what: 'tasks', n: 9 }
			])
		);
		const others = workCounts(db, work.rating.auditId);
		const result = await purgeDataset(datasetId, admin(), 'kept quality', db);

		// The backup: a sound copy with every row that was purged.
		expect(path.basename(result.backup.file)).toMatch(/^instruct-audit-pre-purge-\d{8}-\d{6}-\d{3}Z\.db$/);
		const copy = new Database(result.backup.file, { readonly: true });
		expect(copy.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ?').pluck().get(auditId)).toBe(19);
		expect(copy.prepare('SELECT count(*) FROM audit_adjudications WHERE audit_id = ?').pluck().get(auditId)).toBe(1);
		expect(copy.prepare('SELECT count(*) FROM tasks WHERE dataset_id = ?').pluck().get(datasetId)).toBe(9);
		copy.close();

		// The database: the dataset and its work gone, everything else untouched and consistent.
		expect(workCounts(db, auditId)).toEqual({ labels: 0, ratings: 0, submissions: 0, adjudications: 0, archived: 0, drafts: 0 });
		expect(db.$client.prepare('SELECT count(*) FROM tasks WHERE dataset_id = ?').pluck().get(datasetId)).toBe(0);
		expect(workCounts(db, work.rating.auditId)).toEqual(others);
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		// Nothing names the purged audit any more: the next purge's backup (checked the same way) goes through.
		expect(db.$client.prepare('SELECT count(*) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(auditId)).toBe(0);
		archiveAudit(work.rating.auditId, null, db);
		expect((await purgeAudit(work.rating.auditId, admin(), 'Rating audit', db)).backup.file).toBeTruthy();
	});

	it('purges a single archived audit after a backup', async () => {
		archiveAudit(work.rating.auditId, null, db);
		const result = await purgeAudit(work.rating.auditId, admin(), 'Rating audit', db);
		expect(result.plan.counts).toEqual(expect.arrayContaining([{ what: 'labels', n: 5 }]));
		expect(db.$client.prepare('SELECT count(*) FROM audits WHERE id = ?').pluck().get(work.rating.auditId)).toBe(0);
		const copy = new Database(result.backup.file, { readonly: true });
		expect(copy.prepare('SELECT count(*) FROM audit_label_ratings WHERE audit_id = ?').pluck().get(work.rating.auditId)).toBe(10);
		copy.close();
	});
});

describe('removing a reviewer', () => {
	it("sets the reviewer's labels aside instead of deleting them; they can be brought back exactly", async () => {
		const { auditId, reviewers } = work.rating;
		const dee = reviewers.Dee;
		const labelsOf = () =>
			db.$client
				.prepare(
					`SELECT l.*, (SELECT json_group_array(json_array(response_id, model, rating)) FROM (SELECT * FROM audit_label_ratings r WHERE r.label_id = l.id ORDER BY response_id)) AS ratings
					 FROM audit_labels l WHERE audit_id = ? AND reviewer_id = ? ORDER BY id`
				)
				.all(auditId, dee);
		const before = labelsOf();
		const submissions = db.$client.prepare('SELECT id, label_id FROM audit_submissions WHERE audit_id = ? AND reviewer_id = ? ORDER BY id').all(auditId, dee);
		expect(before).toHaveLength(3);

		expect(removeReviewer(auditId, dee, { setAsideLabels: true, actorId: work.researcherId }, db)).toEqual({ released: 0, setAside: 3 });
		expect(labelsOf()).toEqual([]);
		expect(workCounts(db, auditId).archived).toBe(3);
		expect(auditReport(auditId, {}, db).progress.labels).toBe(2);
		// Still reviewed work: the audit cannot be deleted.
		expect((await refusalOf(deleteAudit(auditId, db))).message).toContain('3 set-aside labels');

		expect(restoreReviewerLabels(auditId, dee, db)).toEqual({ restored: 3, kept: [] });
		expect(labelsOf()).toEqual(before);
		expect(db.$client.prepare('SELECT id, label_id FROM audit_submissions WHERE audit_id = ? AND reviewer_id = ? ORDER BY id').all(auditId, dee)).toEqual(submissions);
		const counters = db.$client
			.prepare(`SELECT i.label_count AS n, (SELECT count(*) FROM audit_labels l WHERE l.item_id = i.id) AS rows FROM audit_items i WHERE i.audit_id = ?`)
			.all(auditId) as { n: number; rows: number }[];
		expect(counters.every((c) => c.n === c.rows)).toBe(true);
	});

	it('brings back a pairwise label with its preference and a conversation label with its per-turn verdicts', async () => {
		const pairs = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const chats = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const reviewer = makeAccount(db, 'reviewer');
		for (const [datasetId, kind, answer] of [
			[pairs.datasetId, 'pairwise', { kind: 'pairwise', choice: 'both_bad', comment: '' }],
			[chats.datasetId, 'conversation', { kind: 'conversation', turns: [{ valid: true, rating: 'B' }, { valid: false, rating: 'C' }], comment: '' }]
		] as const) {
			const audit = createAudit({ datasetId, kind, reviewerIds: [reviewer], seed: 1, sampleSize: 10 }, db);
			for (let next = nextAssignment(audit.id, reviewer, {}, db); next.status === 'assigned'; next = nextAssignment(audit.id, reviewer, {}, db)) {
				submitLabel(audit.id, reviewer, { ref: next.ref, submissionId: randomUUID(), answer }, {}, db);
			}
			const answers = () =>
				db.$client
					.prepare(`SELECT l.id, l.preference, l.output_valid, (SELECT json_group_array(json_array(position, valid, rating)) FROM audit_label_turns t WHERE t.label_id = l.id) AS turns FROM audit_labels l WHERE audit_id = ? ORDER BY id`)
					.all(audit.id);
			const before = answers();
			expect(before).toHaveLength(2);
			removeReviewer(audit.id, reviewer, { setAsideLabels: true }, db);
			expect(restoreReviewerLabels(audit.id, reviewer, db)).toEqual({ restored: 2, kept: [] });
			expect(answers()).toEqual(before);
		}
	});

	it('the report says which reviewers were removed and how many of their labels were set aside', () => {
		const { auditId, reviewers } = work.rating;
		const before = auditReport(auditId, {}, db);
		expect(before.removedReviewers).toEqual([]);
		const dee = before.reviewers.find((r) => r.reviewerId === reviewers.Dee)!;
		expect(dee).toMatchObject({ removed: false, setAsideLabels: 0 });
		removeReviewer(auditId, reviewers.Dee, { setAsideLabels: true, actorId: work.researcherId }, db);
		const after = auditReport(auditId, {}, db);
		// What `report --json` prints: the report itself.
		const json = JSON.parse(JSON.stringify(after));
		expect(json.removedReviewers).toEqual([{ reviewerId: reviewers.Dee, name: dee.name, setAsideLabels: dee.items + dee.goldItems }]);
		expect(json.reviewers.find((r: { reviewerId: number }) => r.reviewerId === reviewers.Dee)).toMatchObject({ removed: true, setAsideLabels: dee.items + dee.goldItems, items: 0, goldItems: 0 });
		expect(after.reviewers.filter((r) => r.reviewerId !== reviewers.Dee).every((r) => !r.removed && r.setAsideLabels === 0)).toBe(true);
		restoreReviewerLabels(auditId, reviewers.Dee, db);
		expect(auditReport(auditId, {}, db).reviewers.find((r) => r.reviewerId === reviewers.Dee)!.setAsideLabels).toBe(0);
	});

	it('purging set-aside labels is for an admin, typing the email, after a backup', async () => {
		const { auditId, reviewers } = work.rating;
		const email = db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(reviewers.Eli) as string;
		removeReviewer(auditId, reviewers.Eli, { setAsideLabels: true }, db);
		expect((await asyncRefusal(() => purgeReviewerLabels(auditId, reviewers.Eli, researcher(), email, db))).status).toBe(403);
		expect((await asyncRefusal(() => purgeReviewerLabels(auditId, reviewers.Eli, admin(), 'someone else', db))).code).toBe('confirm');
		const result = await purgeReviewerLabels(auditId, reviewers.Eli, admin(), email, db);
		expect(result.plan.counts).toEqual([{ what: 'set-aside labels', n: 2 }]);
		expect(workCounts(db, auditId).archived).toBe(0);
		const copy = new Database(result.backup.file, { readonly: true });
		expect(copy.prepare('SELECT count(*) FROM audit_archived_labels WHERE audit_id = ?').pluck().get(auditId)).toBe(2);
		copy.close();
	});
});
