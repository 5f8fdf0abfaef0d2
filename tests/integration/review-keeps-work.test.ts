import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, saveDraft, skipItem, submitLabel, takeBackSkip } from '../../src/lib/server/audits/routing';
import { listMyAudits, reviewItemView, reviewProgress } from '../../src/lib/server/audits/review';
import { addReviewers, auditProgress, removeReviewer } from '../../src/lib/server/audits/audits';
import { AuditError } from '../../src/lib/server/audits/errors';
import { REVIEWER_REMOVED } from '../../src/lib/audits/views';
import { answerQuestion, emptyDraft, type QualityDraft } from '../../src/lib/audits/answers';
import { auditReport } from '../../src/lib/server/reports/reports';
import { loadReportInput } from '../../src/lib/server/reports/load';
import { agreementSoFar } from '../../src/lib/reports/report';
import { parseGold } from '../../src/lib/audits/gold';
import { ALL_YES, BAD_OUTPUT, makeDataset, makeUsers, submissionId } from './audit-fixtures';

// A reviewer's typed work and routing across removal, re-adding, skips and a failed qualification.

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

async function quality(items: number, overlap: number, reviewers: number, extra: Partial<Parameters<typeof createAudit>[0]> = {}) {
	const datasetId = await makeDataset(db, `d${Math.random()}`, items);
	const users = makeUsers(db, reviewers);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: items, seed: 7, overlap, reviewerIds: users.map((u) => u.id), ...extra }, db);
	return { audit, users, datasetId };
}

function take(auditId: number, reviewerId: number): string {
	const next = nextAssignment(auditId, reviewerId, {}, db);
	if (next.status !== 'assigned') throw new Error(`expected an item, got ${next.status}`);
	return next.ref;
}

function label(auditId: number, reviewerId: number, ref: string) {
	return submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
}

/** Works through the audit as `reviewer` until routing has nothing more; returns the refs labelled. */
function drain(auditId: number, reviewerId: number): string[] {
	const done: string[] = [];
	for (let next = nextAssignment(auditId, reviewerId, {}, db); next.status === 'assigned'; next = nextAssignment(auditId, reviewerId, {}, db)) {
		expect(label(auditId, reviewerId, next.ref).outcome).toBe('created');
		done.push(next.ref);
	}
	return done;
}

const typed = (comment: string): QualityDraft => ({ ...answerQuestion(answerQuestion(emptyDraft('quality') as QualityDraft, 'instruction', true), 'output', false), comment });

describe('removal and re-adding', () => {
	it('a removed reviewer is told so, their drafts stay, and added back they get every item they never labelled', async () => {
		// k = number of reviewers: each item needs both, so an item lost to one of them never completes.
		const { audit, users } = await quality(4, 2, 2);
		const [a, b] = users;
		label(audit.id, b.id, take(audit.id, b.id));
		const held = [take(audit.id, b.id)];
		const prefetched = nextAssignment(audit.id, b.id, { exclude: held }, db);
		if (prefetched.status === 'assigned') held.push(prefetched.ref);
		expect(held).toHaveLength(2);
		saveDraft(audit.id, b.id, held[0], typed('half-typed thought'), {}, db);

		expect(removeReviewer(audit.id, b.id, {}, db)).toEqual({ released: 2, setAside: 0 });
		try {
			nextAssignment(audit.id, b.id, {}, db);
			throw new Error('expected a refusal');
		} catch (err) {
			expect(err).toBeInstanceOf(AuditError);
			expect((err as AuditError).code).toBe(REVIEWER_REMOVED);
			expect((err as AuditError).message).toMatch(/removed you from this audit/);
		}
		// The draft is kept on the server, not destroyed with the lease.
		expect(db.$client.prepare('SELECT draft FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE i.ref = ? AND s.reviewer_id = ?').pluck().get(held[0], b.id)).toContain('half-typed thought');

		drain(audit.id, a.id);
		addReviewers(audit.id, [b.id], db);
		expect(reviewProgress(audit.id, b.id, db).remaining).toBe(3);
		// Back on the audit, B resumes the item with the draft and gets the rest; every item ends at k.
		const first = take(audit.id, b.id);
		expect(held).toContain(first);
		if (first === held[0]) expect(reviewItemView(audit.id, b.id, first, db).draft).toMatchObject({ comment: 'half-typed thought' });
		expect(label(audit.id, b.id, first).outcome).toBe('created');
		expect(drain(audit.id, b.id)).toHaveLength(2);
		expect(db.$client.prepare('SELECT label_count FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().all(audit.id)).toEqual([2, 2, 2, 2]);
		expect(reviewProgress(audit.id, b.id, db)).toMatchObject({ remaining: 0, mine: 4 });
	});

	it('leases released by a removal before this fix are routable again once the reviewer is added back', async () => {
		const { audit, users } = await quality(2, 2, 2);
		const [a, b] = users;
		const held = take(audit.id, b.id);
		removeReviewer(audit.id, b.id, {}, db);
		// What removals used to write: the lease released, its draft gone.
		db.$client.prepare(`UPDATE audit_assignments SET status = 'released', draft = NULL WHERE reviewer_id = ?`).run(b.id);
		drain(audit.id, a.id);
		addReviewers(audit.id, [b.id], db);
		expect(reviewProgress(audit.id, b.id, db).remaining).toBe(2);
		expect(drain(audit.id, b.id).sort()).toEqual((db.$client.prepare('SELECT ref FROM audit_items WHERE audit_id = ?').pluck().all(audit.id) as string[]).sort());
		expect(held).toBeTruthy();
	});

	it('labels set aside still exclude their items from their reviewer', async () => {
		const { audit, users } = await quality(2, 1, 2);
		const [a, b] = users;
		const labelled = take(audit.id, b.id);
		label(audit.id, b.id, labelled);
		removeReviewer(audit.id, b.id, { setAsideLabels: true }, db);
		addReviewers(audit.id, [b.id], db);
		const got = drain(audit.id, b.id);
		expect(got).not.toContain(labelled);
		expect(drain(audit.id, a.id)).toEqual([labelled]);
	});
});

describe('skips', () => {
	it('a skipped item keeps its draft, and taking it back brings the answers back', async () => {
		const { audit, users } = await quality(3, 1, 1);
		const [a] = users;
		const ref = take(audit.id, a.id);
		saveDraft(audit.id, a.id, ref, typed('not sure about the input'), {}, db);
		skipItem(audit.id, a.id, ref, 'later', {}, db);
		takeBackSkip(audit.id, a.id, ref, {}, db);
		expect(reviewItemView(audit.id, a.id, ref, db).draft).toMatchObject({ comment: 'not sure about the input', answers: { instruction: true, output: false } });
	});
});

describe('qualification', () => {
	it('a reviewer who failed qualification has nothing left, and is told why', async () => {
		const datasetId = await makeDataset(db, `q${Math.random()}`, 8);
		const instances = db.$client.prepare('SELECT n.id FROM instances n JOIN tasks t ON t.id = n.task_id WHERE t.dataset_id = ? ORDER BY n.id LIMIT 2').pluck().all(datasetId) as number[];
		const gold = parseGold(instances.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const [failing, passing] = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 9, reviewerIds: [failing.id, passing.id], gold, goldRate: 0.5, qualificationItems: 2 }, db);
		for (let i = 0; i < 2; i++) {
			const ref = take(audit.id, failing.id);
			submitLabel(audit.id, failing.id, { ref, submissionId: submissionId(), answer: BAD_OUTPUT }, {}, db);
			label(audit.id, passing.id, take(audit.id, passing.id));
		}
		expect(nextAssignment(audit.id, failing.id, {}, db)).toEqual({ status: 'done' });
		expect(reviewProgress(audit.id, failing.id, db)).toMatchObject({ remaining: 0, notQualified: true, mine: 2 });
		expect(listMyAudits(failing.id, db)[0]).toMatchObject({ id: audit.id, remaining: 0, notQualified: true });
		// The one who qualified still has the sampled items.
		expect(reviewProgress(audit.id, passing.id, db)).toMatchObject({ remaining: 6 });
		expect(reviewProgress(audit.id, passing.id, db).notQualified).toBeUndefined();
		expect(listMyAudits(passing.id, db)[0]).toMatchObject({ remaining: 6 });
	});

	it('is decided on the first answer given to each gold item: correcting the gold labels afterwards does not qualify', async () => {
		const datasetId = await makeDataset(db, `q${Math.random()}`, 8);
		const instances = db.$client.prepare('SELECT n.id FROM instances n JOIN tasks t ON t.id = n.task_id WHERE t.dataset_id = ? ORDER BY n.id LIMIT 2').pluck().all(datasetId) as number[];
		const gold = parseGold(instances.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const [failing, passing] = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 9, reviewerIds: [failing.id, passing.id], gold, goldRate: 0.5, qualificationItems: 2 }, db);
		const goldRefs: string[] = [];
		for (let i = 0; i < 2; i++) {
			goldRefs.push(take(audit.id, failing.id));
			submitLabel(audit.id, failing.id, { ref: goldRefs[i], submissionId: submissionId(), answer: BAD_OUTPUT }, {}, db);
			const ref = take(audit.id, passing.id);
			label(audit.id, passing.id, ref);
			// The one who qualified turning a gold answer wrong afterwards stays qualified.
			submitLabel(audit.id, passing.id, { ref, submissionId: submissionId(), answer: BAD_OUTPUT, baseRevision: 1 }, {}, db);
		}
		expect(nextAssignment(audit.id, failing.id, {}, db)).toEqual({ status: 'done' });
		for (const ref of goldRefs) {
			expect(submitLabel(audit.id, failing.id, { ref, submissionId: submissionId(), answer: ALL_YES, baseRevision: 1 }, {}, db).outcome).toBe('edited');
		}
		expect(nextAssignment(audit.id, failing.id, {}, db)).toEqual({ status: 'done' });
		expect(reviewProgress(audit.id, failing.id, db)).toMatchObject({ remaining: 0, notQualified: true });
		expect(nextAssignment(audit.id, passing.id, {}, db).status).toBe('assigned');

		// The report and the audit page score the same first answers as routing: the edits flip neither way.
		const standing = (reviewerId: number) => auditReport(audit.id, {}, db).qualification!.reviewers.find((r) => r.reviewerId === reviewerId)!;
		expect(standing(failing.id)).toMatchObject({ state: 'failed', correct: 4, total: 6 });
		expect(standing(passing.id)).toMatchObject({ state: 'qualified', correct: 6, total: 6, excludedLabels: 0 });
		const soFar = agreementSoFar(loadReportInput(audit.id, db)).qualification!.reviewers;
		expect(soFar.find((r) => r.reviewerId === failing.id)!.state).toBe('failed');
		expect(soFar.find((r) => r.reviewerId === passing.id)!.state).toBe('qualified');
	});

	it('gold figures count first answers as qualification does: audit page, audit show and the report agree with it', async () => {
		const datasetId = await makeDataset(db, `q${Math.random()}`, 9);
		const instances = db.$client.prepare('SELECT n.id FROM instances n JOIN tasks t ON t.id = n.task_id WHERE t.dataset_id = ? ORDER BY n.id LIMIT 3').pluck().all(datasetId) as number[];
		const gold = parseGold(instances.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const [r1, r2] = makeUsers(db, 2);
		const audit = createAudit(
			{ datasetId, kind: 'quality', sampleSize: 6, seed: 9, reviewerIds: [r1.id, r2.id], gold, goldRate: 0.5, qualificationItems: 3, qualificationAccuracy: 0.8 },
			db
		);
		for (let i = 0; i < 3; i++) {
			// r1 answers right, then turns the output wrong (My labels); r2 the other way round.
			const one = take(audit.id, r1.id);
			label(audit.id, r1.id, one);
			submitLabel(audit.id, r1.id, { ref: one, submissionId: submissionId(), answer: BAD_OUTPUT, baseRevision: 1 }, {}, db);
			const two = take(audit.id, r2.id);
			submitLabel(audit.id, r2.id, { ref: two, submissionId: submissionId(), answer: BAD_OUTPUT }, {}, db);
			submitLabel(audit.id, r2.id, { ref: two, submissionId: submissionId(), answer: ALL_YES, baseRevision: 1 }, {}, db);
		}
		const report = auditReport(audit.id, {}, db);
		const standing = (id: number) => report.qualification!.reviewers.find((r) => r.reviewerId === id)!;
		expect(standing(r1.id)).toMatchObject({ state: 'qualified', correct: 9, total: 9 });
		expect(standing(r2.id)).toMatchObject({ state: 'failed', correct: 6, total: 9 });
		// The audit page's Reviewers table and `audit show` (whole items all right).
		const progress = (id: number) => auditProgress(audit.id, {}, db).reviewers.find((r) => r.userId === id)!;
		expect(progress(r1.id)).toMatchObject({ goldAnswered: 3, goldCorrect: 3 });
		expect(progress(r2.id)).toMatchObject({ goldAnswered: 3, goldCorrect: 0 });
		// The report's Reviewers table (answers right).
		const row = (id: number) => report.reviewers.find((r) => r.reviewerId === id)!.gold;
		expect(row(r1.id)).toMatchObject({ items: 3, successes: 9, trials: 9 });
		expect(row(r2.id)).toMatchObject({ items: 3, successes: 6, trials: 9 });
	});
});
