import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { AuditError } from '../../src/lib/server/audits/errors';
import { LABELLED_ELSEWHERE } from '../../src/lib/audits/views';
import { ALL_YES, BAD_OUTPUT, makeDataset, makeUsers, submissionId } from './audit-fixtures';

// Two tabs on one audit show the same item: the second submit must not silently replace the
// first tab's label. Each submit says which revision of the reviewer's label it was made from.

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

async function oneItem() {
	const datasetId = await makeDataset(db, `d${Math.random()}`, 2);
	const [ana] = makeUsers(db, 1);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 2, seed: 3, overlap: 1, reviewerIds: [ana.id] }, db);
	const next = nextAssignment(audit.id, ana.id, {}, db);
	if (next.status !== 'assigned') throw new Error('expected an item');
	return { auditId: audit.id, reviewerId: ana.id, ref: next.ref };
}

function refusal(fn: () => unknown): AuditError {
	try {
		fn();
	} catch (err) {
		if (err instanceof AuditError) return err;
		throw err;
	}
	throw new Error('expected a refusal');
}

describe('a submit made from an older state of the reviewer’s own label', () => {
	it('is refused (409 labelled-elsewhere) when the item was labelled in another tab, and the first label stays', async () => {
		const { auditId, reviewerId, ref } = await oneItem();
		expect(submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: ALL_YES, baseRevision: 0 }, {}, db)).toMatchObject({ outcome: 'created', revision: 1 });
		const err = refusal(() => submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: BAD_OUTPUT, baseRevision: 0 }, {}, db));
		expect(err).toMatchObject({ status: 409, code: LABELLED_ELSEWHERE });
		const view = reviewItemView(auditId, reviewerId, ref, db);
		expect(view.answer).toEqual(ALL_YES);
		expect(view.revision).toBe(1);
	});

	it('a change made knowingly from the label it shows (its revision) is taken; a second change from the same old revision is refused', async () => {
		const { auditId, reviewerId, ref } = await oneItem();
		submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: ALL_YES, baseRevision: 0 }, {}, db);
		expect(submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: BAD_OUTPUT, baseRevision: 1 }, {}, db)).toMatchObject({ outcome: 'edited', revision: 2 });
		const err = refusal(() => submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: ALL_YES, baseRevision: 1 }, {}, db));
		expect(err.code).toBe(LABELLED_ELSEWHERE);
		expect(reviewItemView(auditId, reviewerId, ref, db).answer).toEqual(BAD_OUTPUT);
	});

	it('a retry of a submission that already landed (same id, from the offline outbox) is answered as before, not refused as a conflict with itself', async () => {
		const { auditId, reviewerId, ref } = await oneItem();
		const id = submissionId();
		const first = submitLabel(auditId, reviewerId, { ref, submissionId: id, answer: ALL_YES, baseRevision: 0 }, {}, db);
		const retry = submitLabel(auditId, reviewerId, { ref, submissionId: id, answer: ALL_YES, baseRevision: 0 }, {}, db);
		expect(retry).toEqual({ ...first, duplicate: true });
		const rows = db.$client.prepare('SELECT COUNT(*) AS n FROM audit_submissions WHERE id = ?').get(id) as { n: number };
		expect(rows.n).toBe(1);
	});
});
