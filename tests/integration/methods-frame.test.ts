import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { updateGuidelines } from '../../src/lib/server/audits/audits';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { auditReport } from '../../src/lib/server/reports/reports';
import { auditMethods } from '../../src/lib/server/reports/methods';
import { ALL_YES, makeDataset, makeUsers, submissionId } from './audit-fixtures';

// The methods paragraph describes the sample as it was drawn and the guidelines as reviewers had
// them: rows imported later, filters never run, and guidelines edited after labelling must not
// rewrite it.
let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function labelEverything(auditId: number, reviewers: { id: number }[]): number {
	let n = 0;
	for (const r of reviewers) {
		for (;;) {
			const next = nextAssignment(auditId, r.id, {}, db);
			if (next.status !== 'assigned') break;
			submitLabel(auditId, r.id, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			n++;
		}
	}
	return n;
}

describe('the methods paragraph', () => {
	it('gives the sampling frame as drawn, not the dataset grown since, and claims no filtering that never ran', async () => {
		const datasetId = await makeDataset(db, 'frame', 20);
		const reviewers = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: reviewers.map((r) => r.id), sampleSize: 5, overlap: 2, seed: 3, guidelines: 'Read the task twice before answering.' }, db);
		labelEverything(audit.id, reviewers);
		const more = Array.from({ length: 7 }, (_, i) => ({ id: `more_${i}`, name: `m${i}`, instruction: `A later instruction ${i}.`, instances: [{ input: '', output: `o${i}` }] }));
		await importFile(streamOf(jsonl(more)), { datasetName: 'frame', fileName: 'more.jsonl' }, db);
		const paragraph = auditMethods(auditReport(audit.id, {}, db), db).paragraph;
		expect(paragraph).toContain('We audited the dataset "frame" (20 instructions with 20 instances when the sample was drawn).');
		expect(paragraph).not.toMatch(/27 instructions|rejected/);
		expect(paragraph).toContain('They worked from written guidelines of about 6 words.');

		// An audit drawn before the frame was kept: no size is claimed.
		db.$client.prepare('UPDATE audits SET sampling_frame = NULL WHERE id = ?').run(audit.id);
		const older = auditMethods(auditReport(audit.id, {}, db), db).paragraph;
		expect(older).toContain('We audited the dataset "frame".');
		expect(older).not.toMatch(/\d+ instructions with/);
	});

	it('says the guidelines on record were written after labelling ended, or after how many labels', async () => {
		const datasetId = await makeDataset(db, 'guide', 6);
		const reviewers = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: reviewers.map((r) => r.id), sampleSize: 6, overlap: 2, seed: 4, guidelines: 'Short.' }, db);
		// Edited before any label: reviewers read the version on record.
		updateGuidelines(audit.id, 'Read the task, then answer each question.', null, db);
		const labels = labelEverything(audit.id, reviewers);
		expect(auditMethods(auditReport(audit.id, {}, db), db).paragraph).toContain('They worked from written guidelines of about 7 words.');
		await new Promise((resolve) => setTimeout(resolve, 5));
		updateGuidelines(audit.id, 'A much longer text written once all the labels were in, describing what we wished we had said.', null, db);
		const paragraph = auditMethods(auditReport(audit.id, {}, db), db).paragraph;
		expect(paragraph).toContain(
			`They worked from written guidelines of about 7 words; the version on record (about 18 words) was written after labelling ended (all ${labels} labels were in), so it is not the one they read.`
		);
		// Saving the same text again changes nothing.
		const changedAt = db.$client.prepare('SELECT guidelines_changed_at FROM audits WHERE id = ?').pluck().get(audit.id);
		updateGuidelines(audit.id, 'A much longer text written once all the labels were in, describing what we wished we had said.', null, db);
		expect(db.$client.prepare('SELECT guidelines_changed_at FROM audits WHERE id = ?').pluck().get(audit.id)).toBe(changedAt);
		expect(db.$client.prepare('SELECT version, text FROM audit_guidelines_versions WHERE audit_id = ? ORDER BY version').all(audit.id)).toEqual([
			{ version: 1, text: 'Short.' },
			{ version: 2, text: 'Read the task, then answer each question.' },
			{ version: 3, text: 'A much longer text written once all the labels were in, describing what we wished we had said.' }
		]);
	});

	it('a change during labelling stays in the methods after a later fix made once labelling ended: the labels under each version are counted', async () => {
		const datasetId = await makeDataset(db, 'guide2', 10);
		const [reviewer] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: [reviewer.id], sampleSize: 10, overlap: 1, seed: 4, guidelines: 'Answer each question.' }, db);
		const labelSome = (n: number) => {
			for (let i = 0; i < n; i++) {
				const next = nextAssignment(audit.id, reviewer.id, {}, db);
				if (next.status !== 'assigned') throw new Error(`expected an item, got ${next.status}`);
				submitLabel(audit.id, reviewer.id, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			}
		};
		const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
		labelSome(5);
		await pause();
		updateGuidelines(audit.id, 'Answer each question; a refusal to answer is an incorrect output.', reviewer.id, db);
		await pause();
		labelSome(5);
		await pause();
		updateGuidelines(audit.id, 'Answer each question; a refusal to answer counts as an incorrect output.', null, db);
		const paragraph = auditMethods(auditReport(audit.id, {}, db), db).paragraph;
		expect(paragraph).toContain(
			'The written guidelines changed while labels were being given: of the 10 labels, 5 under version 1 (about 3 words) and 5 under version 2 (about 11 words); the version on record (version 3, about 12 words) was saved after labelling ended (all 10 labels were in).'
		);
		expect(paragraph).not.toContain('so it is not the one they read');
	});

	it('a label changed after the guidelines were rewritten counts under the version it was changed under, and is said', async () => {
		const datasetId = await makeDataset(db, 'guide3', 4);
		const [first, second] = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: [first.id, second.id], sampleSize: 4, overlap: 1, seed: 4, guidelines: 'Answer each question.' }, db);
		const label = (reviewer: { id: number }, n: number) => {
			for (let i = 0; i < n; i++) {
				const next = nextAssignment(audit.id, reviewer.id, {}, db);
				if (next.status !== 'assigned') throw new Error(`expected an item, got ${next.status}`);
				submitLabel(audit.id, reviewer.id, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			}
		};
		const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
		label(first, 2);
		await pause();
		updateGuidelines(audit.id, 'Answer each question; a refusal to answer is an incorrect output.', null, db);
		await pause();
		label(second, 2);
		// The first reviewer changes both labels under version 2.
		const own = db.$client
			.prepare('SELECT i.ref, l.revision FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? AND l.reviewer_id = ?')
			.all(audit.id, first.id) as { ref: string; revision: number }[];
		for (const l of own) submitLabel(audit.id, first.id, { ref: l.ref, submissionId: submissionId(), baseRevision: l.revision, answer: { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' } }, {}, db);
		expect(db.$client.prepare('SELECT first_guidelines_version AS first, guidelines_version AS last FROM audit_labels WHERE audit_id = ? ORDER BY reviewer_id, id').all(audit.id)).toEqual([
			{ first: 1, last: 2 },
			{ first: 1, last: 2 },
			{ first: 2, last: 2 },
			{ first: 2, last: 2 }
		]);
		const paragraph = auditMethods(auditReport(audit.id, {}, db), db).paragraph;
		// All four answers as they stand were given under version 2 (it was "2 under version 1 … and 2 under the version on record").
		expect(paragraph).not.toContain('under version 1');
		expect(paragraph).toContain('They worked from written guidelines of about 11 words. Labels are counted under the version in force when they were last changed: 2 labels first given under an earlier version were changed after version 2 was saved.');
	});
});
