import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { heartbeat, nextAssignment, releaseLapsedLeases, saveDraft, skipItem, submitLabel, MAX_LEASES_PER_REVIEWER } from '../../src/lib/server/audits/routing';
import { reviewItemView, reviewProgress, reviewHistory, listMyAudits } from '../../src/lib/server/audits/review';
import { addReviewers, auditProgress, closeAudit, removeReviewer, reopenAudit, workStoppedByArchiving } from '../../src/lib/server/audits/audits';
import { AuditError } from '../../src/lib/server/audits/errors';
import { archiveAudit, restoreAudit, restoreReviewerLabels } from '../../src/lib/server/archive';
import { ALL_YES, BAD_OUTPUT, makeDataset, makeUser, makeUsers, submissionId } from './audit-fixtures';
import { emptyDraft, answerQuestion, type QualityDraft } from '../../src/lib/audits/answers';
import { parseGold } from '../../src/lib/audits/gold';
import { goldJitter } from '../../src/lib/audits/order';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const MINUTE = 60_000;

function labelCounts(auditId: number): number[] {
	return (db.$client.prepare('SELECT label_count AS n FROM audit_items WHERE audit_id = ? AND is_gold = 0 ORDER BY id').all(auditId) as { n: number }[]).map((r) => r.n);
}

function labelsPerItem(auditId: number): Map<number, number[]> {
	const rows = db.$client.prepare('SELECT item_id AS item, reviewer_id AS reviewer FROM audit_labels WHERE audit_id = ?').all(auditId) as { item: number; reviewer: number }[];
	const map = new Map<number, number[]>();
	for (const r of rows) map.set(r.item, [...(map.get(r.item) ?? []), r.reviewer]);
	return map;
}

function expectAuditError(fn: () => unknown, status: number, code?: string) {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(AuditError);
		expect((err as AuditError).status).toBe(status);
		if (code) expect((err as AuditError).code).toBe(code);
		return;
	}
	throw new Error('expected an AuditError');
}

/** Works through the audit as `reviewer` until nothing is left; returns the refs labelled. */
function drain(auditId: number, reviewerId: number, now = Date.now()): string[] {
	const done: string[] = [];
	for (;;) {
		const next = nextAssignment(auditId, reviewerId, { now }, db);
		if (next.status !== 'assigned') return done;
		const result = submitLabel(auditId, reviewerId, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, { now }, db);
		expect(result.outcome).toBe('created');
		done.push(next.ref);
	}
}

/**
 * What a reviewer should be shown as left, counted here from the rows: sampled items short of k
 * they have not finished, their unfinished gold items, and the gold items routing will still give
 * them, found by stepping through its rule (nextAssignment) one assignment at a time.
 */
function leftFor(auditId: number, reviewerId: number): number {
	const c = db.$client;
	const a = c.prepare('SELECT overlap, gold_rate AS rate, gold_count AS goldCount, min(qualification_items, gold_count) AS qualifying FROM audits WHERE id = ?').get(auditId) as {
		overlap: number;
		rate: number;
		goldCount: number;
		qualifying: number;
	};
	const sampled = c
		.prepare(
			`SELECT count(*) FROM audit_items i WHERE i.audit_id = ? AND i.is_gold = 0 AND i.label_count < ?
			 AND NOT EXISTS (SELECT 1 FROM audit_assignments s WHERE s.item_id = i.id AND s.reviewer_id = ? AND s.status IN ('submitted', 'skipped', 'released'))`
		)
		.pluck()
		.get(auditId, a.overlap, reviewerId) as number;
	const own = c
		.prepare(
			`SELECT count(*) AS assigned, coalesce(sum(i.is_gold), 0) AS gold,
				coalesce(sum(i.is_gold = 1 AND s.status IN ('active', 'expired')), 0) AS heldGold,
				coalesce(sum(i.is_gold = 0 AND s.status IN ('active', 'expired') AND i.label_count < ?), 0) AS heldSampled
			 FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ? AND s.reviewer_id = ?`
		)
		.get(a.overlap, auditId, reviewerId) as { assigned: number; gold: number; heldGold: number; heldSampled: number };
	const salt = c.prepare('SELECT order_salt FROM audit_reviewers WHERE audit_id = ? AND user_id = ?').pluck().get(auditId, reviewerId) as number;
	const jitter = goldJitter(salt);
	let { assigned, gold } = own;
	let sampledLeft = sampled - own.heldSampled;
	let toCome = 0;
	for (;;) {
		const goldLeft = gold < a.goldCount;
		if (goldLeft && (gold < a.qualifying || (a.rate > 0 && gold < Math.floor((assigned + 1) * a.rate + jitter)))) {
			gold++;
			toCome++;
		} else if (sampledLeft > 0) sampledLeft--;
		else break;
		assigned++;
	}
	return sampled + own.heldGold + toCome;
}

async function quality(items: number, overlap: number, reviewers: number, extra: Partial<Parameters<typeof createAudit>[0]> = {}) {
	const datasetId = await makeDataset(db, `d${Math.random()}`, items);
	const users = makeUsers(db, reviewers);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: items, seed: 7, overlap, reviewerIds: users.map((u) => u.id), ...extra }, db);
	return { audit, users, datasetId };
}

describe('routing', () => {
	it('gives every item exactly k labels, never one item twice to a reviewer', async () => {
		const { audit, users } = await quality(12, 2, 3);
		// Interleave the three reviewers one call at a time.
		const active = new Set(users.map((u) => u.id));
		while (active.size) {
			for (const id of [...active]) {
				const next = nextAssignment(audit.id, id, {}, db);
				if (next.status !== 'assigned') {
					active.delete(id);
					continue;
				}
				submitLabel(audit.id, id, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			}
		}
		expect(labelCounts(audit.id)).toEqual(new Array(12).fill(2));
		for (const reviewers of labelsPerItem(audit.id).values()) expect(new Set(reviewers).size).toBe(2);
		const progress = auditProgress(audit.id, {}, db);
		expect(progress).toMatchObject({ items: 12, needed: 24, labels: 24, completeItems: 12, stuckItems: 0, activeLeases: 0 });
		// Each reviewer's labels and latest label, as the labels table has them.
		const perReviewer = db.$client.prepare<[number, number], { n: number; last: number | null }>('SELECT count(*) AS n, max(updated_at) AS last FROM audit_labels WHERE audit_id = ? AND reviewer_id = ?');
		for (const r of progress.reviewers) {
			const expected = perReviewer.get(audit.id, r.userId)!;
			expect([r.labelled, r.lastActivity]).toEqual([expected.n, expected.last]);
		}
		expect(progress.reviewers.some((r) => r.lastActivity !== null)).toBe(true);
		// Items held while the reviewer was away: minutes from first shown to submitted, a second of work.
		db.$client.prepare('UPDATE audit_labels SET duration_ms = 284447, active_ms = 1019 WHERE audit_id = ?').run(audit.id);
		for (const r of auditProgress(audit.id, {}, db).reviewers) expect(r.medianActiveSeconds).toBeCloseTo(1.019, 6);
		for (const u of users) expect(nextAssignment(audit.id, u.id, {}, db)).toEqual({ status: 'done' });
	});

	it('serves least-claimed items first, in a different order for each reviewer', async () => {
		const second = await quality(20, 2, 2);
		const [c, d] = second.users;
		const cRefs: string[] = [];
		for (let i = 0; i < 5; i++) {
			const n = nextAssignment(second.audit.id, c.id, {}, db);
			if (n.status !== 'assigned') throw new Error('expected an item');
			submitLabel(second.audit.id, c.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			cRefs.push(n.ref);
		}
		// D gets the 15 unlabelled items before any of the 5 C labelled.
		const dRefs: string[] = [];
		for (let i = 0; i < 15; i++) {
			const n = nextAssignment(second.audit.id, d.id, {}, db);
			if (n.status !== 'assigned') throw new Error('expected an item');
			submitLabel(second.audit.id, d.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			dRefs.push(n.ref);
		}
		expect(dRefs.filter((r) => cRefs.includes(r))).toEqual([]);
		const n = nextAssignment(second.audit.id, d.id, {}, db);
		expect(n.status === 'assigned' && cRefs.includes(n.ref)).toBe(true);
	});

	it('keeps a lease for its reviewer, prefetches one more, and caps the leases', async () => {
		const { audit, users } = await quality(10, 1, 1);
		const [a] = users;
		const first = nextAssignment(audit.id, a.id, {}, db);
		expect(first.status).toBe('assigned');
		// Asking again (a reload) returns the same item.
		expect(nextAssignment(audit.id, a.id, {}, db)).toEqual(first);
		const ref1 = (first as { ref: string }).ref;
		const second = nextAssignment(audit.id, a.id, { exclude: [ref1] }, db);
		expect(second.status).toBe('assigned');
		expect((second as { ref: string }).ref).not.toBe(ref1);
		expect(MAX_LEASES_PER_REVIEWER).toBe(2);
		expect(nextAssignment(audit.id, a.id, { exclude: [ref1, (second as { ref: string }).ref] }, db)).toEqual({ status: 'limit' });
	});

	it('returns an idle lease to the pool; its reviewer resumes it only while the item has room', async () => {
		const { audit, users } = await quality(1, 1, 2, { leaseMinutes: 10 });
		const [a, b] = users;
		const t0 = Date.now();
		const held = nextAssignment(audit.id, a.id, { now: t0 }, db) as { status: 'assigned'; ref: string };
		saveDraft(audit.id, a.id, held.ref, answerQuestion(emptyDraft('quality') as QualityDraft, 'instruction', true), { now: t0 }, db);
		expect(nextAssignment(audit.id, b.id, { now: t0 + 5 * MINUTE }, db)).toEqual({ status: 'waiting', pending: 1 });

		// A's lease lapses unnoticed; A comes back first and resumes it with the draft.
		expect(nextAssignment(audit.id, a.id, { now: t0 + 11 * MINUTE }, db)).toEqual(held);
		expect(reviewItemView(audit.id, a.id, held.ref, db).draft).toMatchObject({ answers: { instruction: true } });

		// This time B comes along after the lease lapsed and takes the slot.
		const t1 = t0 + 11 * MINUTE;
		expect(nextAssignment(audit.id, b.id, { now: t1 + 11 * MINUTE }, db)).toEqual(held);
		// A's late submit is refused (logged, not counted); B's is taken.
		expect(submitLabel(audit.id, a.id, { ref: held.ref, submissionId: 'late-submit-1', answer: ALL_YES }, { now: t1 + 12 * MINUTE }, db)).toMatchObject({ outcome: 'refused' });
		expect(submitLabel(audit.id, b.id, { ref: held.ref, submissionId: submissionId(), answer: ALL_YES }, { now: t1 + 12 * MINUTE }, db)).toMatchObject({ outcome: 'created' });
		expect(labelCounts(audit.id)).toEqual([1]);
		const refused = db.$client.prepare("SELECT outcome, payload FROM audit_submissions WHERE id = 'late-submit-1'").get() as { outcome: string; payload: string };
		expect(refused.outcome).toBe('refused');
		expect(JSON.parse(refused.payload).answer).toMatchObject({ kind: 'quality', output: true });
		// A draft save on the lost item says so.
		expectAuditError(() => saveDraft(audit.id, a.id, held.ref, emptyDraft('quality'), { now: t1 + 13 * MINUTE }, db), 409, 'full');
		expect(nextAssignment(audit.id, a.id, { now: t1 + 13 * MINUTE }, db)).toEqual({ status: 'done' });
	});

	it('refuses cleanly (logged, not counted, lease given up) a submit under a live lease on an item already full', async () => {
		const { audit, users } = await quality(1, 2, 2);
		const [a, b] = users;
		const held = nextAssignment(audit.id, a.id, {}, db) as { status: 'assigned'; ref: string };
		expect(held.status).toBe('assigned');
		// Overfilled behind the lease's back (as labels brought back or copied in once could).
		db.$client.prepare('UPDATE audit_items SET label_count = 2, claimed_count = 3 WHERE ref = ?').run(held.ref);
		expect(submitLabel(audit.id, a.id, { ref: held.ref, submissionId: 'full-submit-1', answer: BAD_OUTPUT }, {}, db)).toEqual({ outcome: 'refused', duplicate: false, revision: 0 });
		const logged = db.$client.prepare("SELECT outcome, label_id AS labelId, payload FROM audit_submissions WHERE id = 'full-submit-1'").get() as { outcome: string; labelId: number | null; payload: string };
		expect(logged).toMatchObject({ outcome: 'refused', labelId: null });
		expect(JSON.parse(logged.payload).answer).toMatchObject({ kind: 'quality', output: false });
		expect(db.$client.prepare('SELECT count(*) FROM audit_labels WHERE reviewer_id = ?').pluck().get(a.id)).toBe(0);
		// The lease is given up: its slot is freed and the item is not offered again.
		expect(db.$client.prepare('SELECT claimed_count FROM audit_items WHERE ref = ?').pluck().get(held.ref)).toBe(2);
		expect(nextAssignment(audit.id, a.id, {}, db)).toEqual({ status: 'done' });
		expect(nextAssignment(audit.id, b.id, {}, db).status).not.toBe('assigned');
		// A retry is answered the same way.
		expect(submitLabel(audit.id, a.id, { ref: held.ref, submissionId: 'full-submit-1', answer: BAD_OUTPUT }, {}, db)).toMatchObject({ outcome: 'refused', duplicate: true });
	});

	it('bringing back set-aside labels leaves the slot a live lease holds to its reviewer, whose submit then counts', async () => {
		const { audit, users } = await quality(1, 2, 3);
		const [a, b, c] = users;
		const first = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		expect(submitLabel(audit.id, a.id, { ref: first.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db).outcome).toBe('created');
		expect(removeReviewer(audit.id, a.id, { setAsideLabels: true }, db)).toMatchObject({ setAside: 1 });
		// B labels the item, C holds a lease on its other slot.
		const forB = nextAssignment(audit.id, b.id, {}, db) as { ref: string };
		const forC = nextAssignment(audit.id, c.id, {}, db) as { ref: string };
		expect([forB.ref, forC.ref]).toEqual([first.ref, first.ref]);
		expect(submitLabel(audit.id, b.id, { ref: forB.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db).outcome).toBe('created');

		const restored = restoreReviewerLabels(audit.id, a.id, db);
		expect(restored.restored).toBe(0);
		expect(restored.kept).toEqual([{ itemPosition: expect.any(Number), reason: expect.stringContaining('held by a reviewer labelling it now') }]);
		expect(db.$client.prepare('SELECT label_count AS labels, claimed_count AS claimed FROM audit_items WHERE ref = ?').get(first.ref)).toEqual({ labels: 1, claimed: 2 });
		expect(submitLabel(audit.id, c.id, { ref: forC.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db).outcome).toBe('created');
		expect(labelCounts(audit.id)).toEqual([2]);
		// Full now: the set-aside label stays set aside, with that reason.
		expect(restoreReviewerLabels(audit.id, a.id, db).kept).toEqual([{ itemPosition: expect.any(Number), reason: 'the item already has its 2 label(s)' }]);
	});

	it('bringing back set-aside labels takes a slot whose lease has lapsed, without waiting for anyone to ask for an item', async () => {
		const { audit, users } = await quality(1, 2, 3);
		const [a, b, c] = users;
		const first = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		submitLabel(audit.id, a.id, { ref: first.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		removeReviewer(audit.id, a.id, { setAsideLabels: true }, db);
		const forB = nextAssignment(audit.id, b.id, {}, db) as { ref: string };
		nextAssignment(audit.id, c.id, {}, db);
		submitLabel(audit.id, b.id, { ref: forB.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		// C's lease lapses; nobody asks for an item since.
		db.$client.prepare("UPDATE audit_assignments SET expires_at = ? WHERE reviewer_id = ? AND status = 'active'").run(Date.now() - 1000, c.id);
		expect(restoreReviewerLabels(audit.id, a.id, db)).toEqual({ restored: 1, kept: [] });
		expect(labelCounts(audit.id)).toEqual([2]);
	});

	it('accepts a late submit when nobody took the slot', async () => {
		const { audit, users } = await quality(3, 1, 2, { leaseMinutes: 1 });
		const [a] = users;
		const t0 = Date.now();
		const held = nextAssignment(audit.id, a.id, { now: t0 }, db) as { ref: string };
		expect(releaseLapsedLeases(audit.id, { now: t0 + 30_000 }, db)).toBe(0);
		expect(releaseLapsedLeases(audit.id, { now: t0 + 2 * MINUTE }, db)).toBe(1);
		expect(db.$client.prepare('SELECT claimed_count AS c FROM audit_items WHERE ref = ?').get(held.ref)).toEqual({ c: 0 });
		expect(submitLabel(audit.id, a.id, { ref: held.ref, submissionId: submissionId(), answer: ALL_YES }, { now: t0 + 3 * MINUTE }, db).outcome).toBe('created');
		const rows = db.$client.prepare('SELECT label_count AS l, claimed_count AS c FROM audit_items WHERE ref = ?').get(held.ref);
		expect(rows).toEqual({ l: 1, c: 1 });
	});

	it('heartbeats keep a lease alive and record when the item was first shown', async () => {
		const { audit, users } = await quality(1, 1, 2, { leaseMinutes: 10 });
		const [a, b] = users;
		const t0 = Date.now();
		const held = nextAssignment(audit.id, a.id, { now: t0 }, db) as { ref: string };
		heartbeat(audit.id, a.id, held.ref, { now: t0 + 60_000 }, db);
		heartbeat(audit.id, a.id, held.ref, { now: t0 + 8 * MINUTE }, db);
		expect(nextAssignment(audit.id, b.id, { now: t0 + 15 * MINUTE }, db).status).toBe('waiting');
		submitLabel(audit.id, a.id, { ref: held.ref, submissionId: submissionId(), answer: ALL_YES, activeMs: 999_999_999 }, { now: t0 + 16 * MINUTE }, db);
		const label = db.$client.prepare('SELECT duration_ms AS d, active_ms AS a FROM audit_labels').get() as { d: number; a: number };
		// Timed from when the screen showed it (t0 + 1 min), not from the lease; client time capped by it.
		expect(label).toEqual({ d: 15 * MINUTE, a: 15 * MINUTE });
	});

	it('credits an edit at most the time since the label was last saved: re-sending cannot claim hours', async () => {
		const { audit, users } = await quality(1, 1, 1);
		const [a] = users;
		const t0 = Date.now();
		const held = nextAssignment(audit.id, a.id, { now: t0 }, db) as { ref: string };
		submitLabel(audit.id, a.id, { ref: held.ref, submissionId: submissionId(), answer: ALL_YES, activeMs: 21_600_000 }, { now: t0 + 10 }, db);
		for (let i = 1; i <= 5; i++) {
			submitLabel(audit.id, a.id, { ref: held.ref, submissionId: submissionId(), answer: i % 2 ? BAD_OUTPUT : ALL_YES, activeMs: 21_600_000 }, { now: t0 + 10 + i * 1000 }, db);
		}
		const label = db.$client.prepare('SELECT duration_ms AS d, active_ms AS a, revision AS r FROM audit_labels').get();
		// 10 ms to the first submit, then 1 s between each of the five edits.
		expect(label).toEqual({ d: 10, a: 10 + 5 * 1000, r: 6 });
	});

	it('skips return the item to the pool and never to the same reviewer', async () => {
		const { audit, users } = await quality(2, 1, 2);
		const [a, b] = users;
		const first = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		skipItem(audit.id, a.id, first.ref, 'I do not read French', {}, db);
		skipItem(audit.id, a.id, first.ref, 'again', {}, db); // harmless repeat
		expectAuditError(() => submitLabel(audit.id, a.id, { ref: first.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db), 409, 'skipped');
		expectAuditError(() => reviewItemView(audit.id, a.id, first.ref, db), 404);
		const aDone = drain(audit.id, a.id);
		expect(aDone).toHaveLength(1);
		expect(aDone).not.toContain(first.ref);
		expect(drain(audit.id, b.id)).toEqual([first.ref]);
		const skip = db.$client.prepare("SELECT skip_reason AS r FROM audit_assignments WHERE status = 'skipped'").get();
		expect(skip).toEqual({ r: 'I do not read French' });
		expect(auditProgress(audit.id, {}, db)).toMatchObject({ skips: 1, completeItems: 2 });
	});

	it("pages a reviewer's labels newest first: every label once, across pages", async () => {
		const { audit, users } = await quality(7, 1, 1);
		const [a] = users;
		const t0 = Date.now();
		// One label a minute apart, so that "newest first" has one order.
		for (let n = 0; n < 7; n++) {
			const next = nextAssignment(audit.id, a.id, { now: t0 + n * MINUTE }, db) as { ref: string };
			submitLabel(audit.id, a.id, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, { now: t0 + n * MINUTE }, db);
		}
		const all = reviewHistory(audit.id, a.id, {}, db).map((h) => h.ref);
		expect(all).toHaveLength(7);
		const pages = [0, 3, 6].map((offset) => reviewHistory(audit.id, a.id, { limit: 3, offset }, db).map((h) => h.ref));
		expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
		expect(pages.flat()).toEqual(all);
		expect(reviewHistory(audit.id, a.id, { limit: 3, offset: 9 }, db)).toEqual([]);
		expect(reviewProgress(audit.id, a.id, db).mine).toBe(7);
	});

	it('reports items nobody left can finish', async () => {
		const { audit, users } = await quality(1, 2, 2);
		const [a, b] = users;
		drain(audit.id, a.id);
		const n = nextAssignment(audit.id, b.id, {}, db) as { ref: string };
		skipItem(audit.id, b.id, n.ref, '', {}, db);
		expect(auditProgress(audit.id, {}, db)).toMatchObject({ completeItems: 0, stuckItems: 1 });
		const c = makeUser(db);
		addReviewers(audit.id, [c.id], db);
		expect(auditProgress(audit.id, {}, db).stuckItems).toBe(0);
	});

	it('makes submits idempotent per submission id and lets reviewers change their labels', async () => {
		const { audit, users } = await quality(3, 1, 1);
		const [a] = users;
		const n = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		const id = submissionId();
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: id, answer: ALL_YES }, {}, db)).toEqual({ outcome: 'created', duplicate: false, revision: 1 });
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: id, answer: ALL_YES }, {}, db)).toEqual({ outcome: 'created', duplicate: true, revision: 1 });
		expect(labelCounts(audit.id).reduce((x, y) => x + y)).toBe(1);
		// Change of mind: a new submission on the same item edits the label.
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: BAD_OUTPUT, activeMs: 1500 }, {}, db)).toMatchObject({ outcome: 'edited', revision: 2 });
		expect(reviewItemView(audit.id, a.id, n.ref, db)).toMatchObject({ state: 'submitted', answer: BAD_OUTPUT, revision: 2 });
		expect(labelCounts(audit.id).reduce((x, y) => x + y)).toBe(1);
		// The same id for another item is a conflict, not a silent success.
		const other = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		expectAuditError(() => submitLabel(audit.id, a.id, { ref: other.ref, submissionId: id, answer: ALL_YES }, {}, db), 409, 'conflict');
		expect((db.$client.prepare('SELECT count(*) AS n FROM audit_submissions').get() as { n: number }).n).toBe(2);
		expect(reviewHistory(audit.id, a.id, {}, db).map((h) => h.summary)).toEqual(['yes · yes · no — incorrect output']);
		// A retry that arrives after the audit closed (or the reviewer left) still gets its answer.
		closeAudit(audit.id, db);
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: id, answer: ALL_YES }, {}, db)).toMatchObject({ duplicate: true });
		removeReviewer(audit.id, a.id, {}, db);
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: id, answer: ALL_YES }, {}, db)).toMatchObject({ duplicate: true });
		// Someone else's submission id is just not found.
		const stranger = makeUser(db);
		addReviewers(audit.id, [stranger.id], db);
		expectAuditError(() => submitLabel(audit.id, stranger.id, { ref: n.ref, submissionId: id, answer: ALL_YES }, {}, db), 404);
	});

	it('validates answers against the audit', async () => {
		const { audit, users } = await quality(1, 1, 1);
		const [a] = users;
		const n = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		for (const answer of [
			{ kind: 'quality', instruction: true, input: false, output: true, reason: null },
			{ kind: 'rating', ratings: ['A'] },
			{ kind: 'quality', instruction: 1, input: true, output: true, reason: null },
			null
		]) {
			expectAuditError(() => submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer }, {}, db), 400);
		}
		expectAuditError(() => submitLabel(audit.id, a.id, { ref: n.ref, submissionId: 'x', answer: ALL_YES }, {}, db), 400);
		expect(labelCounts(audit.id)).toEqual([0]);
	});

	it('closing stops all review work; reopening resumes it', async () => {
		const { audit, users } = await quality(2, 1, 1);
		const [a] = users;
		const n = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		closeAudit(audit.id, db);
		expectAuditError(() => nextAssignment(audit.id, a.id, {}, db), 409, 'closed');
		expectAuditError(() => submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: BAD_OUTPUT }, {}, db), 409, 'closed');
		expectAuditError(() => saveDraft(audit.id, a.id, n.ref, emptyDraft('quality'), {}, db), 409, 'closed');
		// Reading one's own labels still works while closed.
		expect(reviewItemView(audit.id, a.id, n.ref, db).answer).toEqual(ALL_YES);
		expect(listMyAudits(a.id, db)[0]).toMatchObject({ status: 'closed', mine: 1 });
		reopenAudit(audit.id, db);
		expect(drain(audit.id, a.id)).toHaveLength(1);
	});

	it('archiving stops review work with its own answer (archived), as closing does; a removed reviewer is still told they were removed', async () => {
		const { audit, users } = await quality(4, 1, 2);
		const [a, b] = users;
		const n = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		nextAssignment(audit.id, a.id, { exclude: [n.ref] }, db);
		removeReviewer(audit.id, b.id, {}, db);
		archiveAudit(audit.id, null, db);
		expectAuditError(() => submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db), 409, 'archived');
		expectAuditError(() => nextAssignment(audit.id, a.id, { exclude: [n.ref] }, db), 409, 'archived');
		expectAuditError(() => saveDraft(audit.id, a.id, n.ref, emptyDraft('quality'), {}, db), 409, 'archived');
		expectAuditError(() => heartbeat(audit.id, a.id, n.ref, {}, db), 409, 'archived');
		expectAuditError(() => reviewProgress(audit.id, a.id, db), 409, 'archived');
		expectAuditError(() => nextAssignment(audit.id, b.id, {}, db), 404, 'removed');
		expectAuditError(() => nextAssignment(audit.id, makeUser(db).id, {}, db), 404, 'not_found');
		expect(labelCounts(audit.id)).toEqual([0, 0, 0, 0]);
		restoreAudit(audit.id, db);
		expect(submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db).outcome).toBe('created');
	});

	it('counts as being labelled only the items on a reviewer\'s screen, not the prefetched next one (progress, holding, close, archive)', async () => {
		const { audit, users } = await quality(6, 1, 2);
		const [a, b] = users;
		const shown = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		nextAssignment(audit.id, a.id, { exclude: [shown.ref] }, db);
		heartbeat(audit.id, a.id, shown.ref, {}, db);
		// b's screen has loaded an item but not shown it yet: nothing being labelled.
		nextAssignment(audit.id, b.id, {}, db);
		const progress = auditProgress(audit.id, {}, db);
		expect(progress.activeLeases).toBe(1);
		expect(progress.reviewers.map((r) => r.holding)).toEqual([1, 0]);
		expect(workStoppedByArchiving(audit.id, db)).toEqual({ beingLabelled: 1, reviewers: 1 });
		expect(closeAudit(audit.id, db)).toEqual({ beingLabelled: 1, reviewers: 1 });
		expect(auditProgress(audit.id, {}, db).leasesOpenAtClose).toBe(1);
		// A closed audit takes no labels already: archiving it stops nothing more.
		expect(workStoppedByArchiving(audit.id, db)).toEqual({ beingLabelled: 0, reviewers: 0 });
	});

	it('removing a reviewer twice says they were already removed, not that they never reviewed the audit', async () => {
		const { audit, users } = await quality(2, 1, 2);
		const [a] = users;
		removeReviewer(audit.id, a.id, {}, db);
		const email = db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(a.id) as string;
		expect(() => removeReviewer(audit.id, a.id, {}, db)).toThrow(`${email} was already removed from this audit (restore-labels / add-reviewers to bring them back).`);
		expect(() => removeReviewer(audit.id, makeUser(db).id, {}, db)).toThrow('That account is not a reviewer of this audit.');
	});

	it('removing a reviewer releases their leases, keeps their labels counting or sets them aside', async () => {
		const second = await quality(4, 1, 2);
		const [c, d] = second.users;
		const refs: string[] = [];
		for (let i = 0; i < 2; i++) {
			const n = nextAssignment(second.audit.id, c.id, {}, db) as { ref: string };
			submitLabel(second.audit.id, c.id, { ref: n.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			refs.push(n.ref);
		}
		const held = nextAssignment(second.audit.id, c.id, {}, db) as { ref: string };
		expect(removeReviewer(second.audit.id, c.id, {}, db)).toEqual({ released: 1, setAside: 0 });
		expectAuditError(() => nextAssignment(second.audit.id, c.id, {}, db), 404);
		expectAuditError(() => reviewItemView(second.audit.id, c.id, refs[0], db), 404);
		// C's two labels count; D gets the other two, including the one C held.
		const dRefs = drain(second.audit.id, d.id);
		expect(dRefs.sort()).toEqual(
			(db.$client.prepare('SELECT ref FROM audit_items WHERE audit_id = ? ORDER BY ref').all(second.audit.id) as { ref: string }[])
				.map((r) => r.ref)
				.filter((r) => !refs.includes(r))
		);
		expect(dRefs).toContain(held.ref);

		// Setting their labels aside: bring C back, remove with their labels; their items return to
		// the pool and the labels are kept in the archive, not deleted.
		addReviewers(second.audit.id, [c.id], db);
		expect(removeReviewer(second.audit.id, c.id, { setAsideLabels: true }, db)).toEqual({ released: 0, setAside: 2 });
		expect(db.$client.prepare('SELECT count(*) FROM audit_archived_labels WHERE audit_id = ? AND reviewer_id = ?').pluck().get(second.audit.id, c.id)).toBe(2);
		expect(drain(second.audit.id, d.id).sort()).toEqual([...refs].sort());
		expect(labelCounts(second.audit.id)).toEqual([1, 1, 1, 1]);
		expectAuditError(() => removeReviewer(second.audit.id, c.id, {}, db), 400);
	});
});

describe('access', () => {
	it('gives nothing to non-members, and nothing across audits or reviewers', async () => {
		const one = await quality(3, 1, 1);
		const two = await quality(3, 1, 1);
		const [a] = one.users;
		const [b] = two.users;
		const outsider = makeUser(db);
		const aRef = (nextAssignment(one.audit.id, a.id, {}, db) as { ref: string }).ref;
		const bRef = (nextAssignment(two.audit.id, b.id, {}, db) as { ref: string }).ref;

		for (const call of [
			() => nextAssignment(one.audit.id, outsider.id, {}, db),
			() => reviewItemView(one.audit.id, outsider.id, aRef, db),
			() => reviewProgress(one.audit.id, outsider.id, db),
			() => reviewHistory(one.audit.id, outsider.id, {}, db),
			() => submitLabel(one.audit.id, outsider.id, { ref: aRef, submissionId: submissionId(), answer: ALL_YES }, {}, db),
			() => nextAssignment(two.audit.id, a.id, {}, db),
			// A member of audit one asking for audit two's item through audit one.
			() => reviewItemView(one.audit.id, a.id, bRef, db),
			() => submitLabel(one.audit.id, a.id, { ref: bRef, submissionId: submissionId(), answer: ALL_YES }, {}, db),
			() => saveDraft(one.audit.id, a.id, bRef, emptyDraft('quality'), {}, db),
			() => skipItem(one.audit.id, a.id, bRef, '', {}, db),
			() => nextAssignment(999_999, a.id, {}, db)
		]) {
			expectAuditError(call, 404);
		}
		// Within one audit, an item assigned to someone else is just as invisible.
		const c = makeUser(db);
		addReviewers(one.audit.id, [c.id], db);
		expectAuditError(() => reviewItemView(one.audit.id, c.id, aRef, db), 404);
		expect(listMyAudits(outsider.id, db)).toEqual([]);
		expect(listMyAudits(a.id, db).map((x) => x.id)).toEqual([one.audit.id]);
	});
});

describe('drafts and progress', () => {
	it('saves drafts server-side, renews the lease, and counts progress', async () => {
		const { audit, users } = await quality(5, 2, 2);
		const [a, b] = users;
		const n = nextAssignment(audit.id, a.id, {}, db) as { ref: string };
		expect(reviewItemView(audit.id, a.id, n.ref, db)).toMatchObject({ state: 'assigned', draft: null, answer: null });
		const draft = { ...answerQuestion(emptyDraft('quality') as QualityDraft, 'output', false), comment: 'half done' };
		expect(saveDraft(audit.id, a.id, n.ref, draft, {}, db)).toMatchObject({ saved: true });
		expect(reviewItemView(audit.id, a.id, n.ref, db).draft).toEqual(draft);
		expectAuditError(() => saveDraft(audit.id, a.id, n.ref, { kind: 'quality', nonsense: true }, {}, db), 400);
		submitLabel(audit.id, a.id, { ref: n.ref, submissionId: submissionId(), answer: BAD_OUTPUT }, {}, db);
		expect(saveDraft(audit.id, a.id, n.ref, draft, {}, db)).toEqual({ saved: false, reason: 'labelled' });
		expect(reviewItemView(audit.id, a.id, n.ref, db).draft).toBeNull();
		drain(audit.id, b.id);
		expect(reviewProgress(audit.id, a.id, db)).toEqual({ mine: 1, auditLabels: 6, auditNeeded: 10, remaining: 4, skipped: 0, stuck: null, guidelinesVersion: 0 });
		expect(listMyAudits(a.id, db)[0]).toMatchObject({ mine: 1, auditLabels: 6, auditNeeded: 10, remaining: 4 });
		expect(listMyAudits(b.id, db)[0]).toMatchObject({ mine: 5, remaining: 0 });
	});
});

describe('progress counters', () => {
	it('the audit counters equal the counts they stand for, through claims, lapses, skips, submits, edits and labels set aside', async () => {
		const datasetId = await makeDataset(db, 'counters', 30);
		const users = makeUsers(db, 5);
		const instanceIds = db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id LIMIT 2').pluck().all(datasetId) as number[];
		const gold = parseGold(instanceIds.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 24, seed: 11, overlap: 2, reviewerIds: users.map((u) => u.id), gold, goldRate: 0.2 }, db);
		const counted = () =>
			db.$client
				.prepare(
					`SELECT (SELECT count(*) FROM audit_items WHERE audit_id = a.id AND is_gold = 0 AND claimed_count < a.overlap) AS itemsBelowK,
						(SELECT count(DISTINCT i.id) FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id
						 WHERE s.audit_id = a.id AND s.status = 'active' AND i.is_gold = 0 AND i.claimed_count >= a.overlap AND i.label_count < a.overlap) AS itemsHeldToK,
						(SELECT count(*) FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = a.id AND i.is_gold = 0) AS itemLabels
					 FROM audits a WHERE a.id = ?`
				)
				.get(audit.id);
		const kept = () => db.$client.prepare('SELECT items_below_k AS itemsBelowK, items_held_to_k AS itemsHeldToK, item_labels AS itemLabels FROM audits WHERE id = ?').get(audit.id);
		expect(kept()).toEqual({ itemsBelowK: 24, itemsHeldToK: 0, itemLabels: 0 });
		// A seeded walk through what reviewers do, checking after every step.
		let seed = 5;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		const held = new Map<number, string[]>();
		const labelled = new Map<number, string[]>();
		let now = Date.now();
		let heldSeen = 0;
		for (let step = 0; step < 400; step++) {
			const user = users[Math.floor(random() * users.length)];
			const mine = held.get(user.id) ?? [];
			const roll = random();
			try {
				if (roll < 0.4 || !mine.length) {
					const next = nextAssignment(audit.id, user.id, { now }, db);
					if (next.status === 'assigned' && !mine.includes(next.ref)) held.set(user.id, [...mine, next.ref]);
				} else if (roll < 0.75) {
					const ref = mine.shift()!;
					submitLabel(audit.id, user.id, { ref, submissionId: submissionId(), answer: random() < 0.5 ? ALL_YES : BAD_OUTPUT }, { now }, db);
					labelled.set(user.id, [...(labelled.get(user.id) ?? []), ref]);
				} else if (roll < 0.85) {
					skipItem(audit.id, user.id, mine.shift()!, 'unsure', { now }, db);
				} else if (roll < 0.9 && labelled.get(user.id)?.length) {
					// An edit of an earlier label changes no count.
					submitLabel(audit.id, user.id, { ref: labelled.get(user.id)![0], submissionId: submissionId(), answer: BAD_OUTPUT }, { now }, db);
				} else if (roll < 0.95) {
					now += 31 * MINUTE; // every open lease lapses
					releaseLapsedLeases(audit.id, { now }, db);
					held.clear();
				} else if (roll < 0.97 && labelled.get(user.id)?.length) {
					removeReviewer(audit.id, user.id, { setAsideLabels: true }, db);
					addReviewers(audit.id, [user.id], db);
					held.delete(user.id);
					labelled.delete(user.id);
				}
			} catch (err) {
				if (!(err instanceof AuditError)) throw err; // a lapsed lease's late submit, say
				held.delete(user.id);
			}
			expect(kept(), `after step ${step}`).toEqual(counted());
			// The /review home's and the progress bar's "remaining": the sampled items, the gold held and the gold to come.
			const remaining = leftFor(audit.id, user.id);
			expect(listMyAudits(user.id, db)[0].remaining, `after step ${step}`).toBe(remaining);
			expect(reviewProgress(audit.id, user.id, db).remaining).toBe(remaining);
			heldSeen = Math.max(heldSeen, (kept() as { itemsHeldToK: number }).itemsHeldToK);
		}
		expect(heldSeen).toBeGreaterThan(0);
		expect((kept() as { itemLabels: number }).itemLabels).toBeGreaterThan(10);
		// And the audit's progress reads them: labels on sampled items, not on gold. This audit has gold,
		// so reviewers are not sent it (it would tell a gold submit from a sampled one); researchers are.
		expect(reviewProgress(audit.id, users[0].id, db).auditLabels).toBeNull();
		expect(auditProgress(audit.id, {}, db).labels).toBe((counted() as { itemLabels: number }).itemLabels);
	});
	it('"left" drops by one on every submit and stands still on every assignment, gold or sampled, and reaches 0 when routing is done', async () => {
		for (const [goldRate, qualificationItems, ahead] of [
			[0.25, 0, 1],
			[0.25, 0, 2],
			[0.2, 2, 1],
			[0.1, 2, 2]
		]) {
			const datasetId = await makeDataset(db, `left${goldRate}-${qualificationItems}-${ahead}`, 40);
			const reviewer = makeUser(db);
			const instanceIds = db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id DESC LIMIT 6').pluck().all(datasetId) as number[];
			const gold = parseGold(instanceIds.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
			const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 30, seed: 3, overlap: 1, reviewerIds: [reviewer.id], gold, goldRate, qualificationItems }, db);
			const isGold = (ref: string) => db.$client.prepare('SELECT is_gold FROM audit_items WHERE ref = ? AND audit_id = ?').pluck().get(ref, audit.id) === 1;
			const shown = (when: string) => {
				const left = reviewProgress(audit.id, reviewer.id, db).remaining;
				expect(listMyAudits(reviewer.id, db).find((a) => a.id === audit.id)!.remaining, when).toBe(left);
				return left;
			};
			let left = shown('at the start');
			const held: string[] = [];
			const served = { gold: 0, sampled: 0 };
			for (let step = 0; ; step++) {
				// Take leases up to `ahead` (the screen prefetches one), then submit the oldest.
				while (held.length < ahead) {
					const next = nextAssignment(audit.id, reviewer.id, { exclude: held }, db);
					if (next.status !== 'assigned') break;
					held.push(next.ref);
					served[isGold(next.ref) ? 'gold' : 'sampled']++;
					expect(shown(`after assigning ${next.ref} at step ${step}`)).toBe(left);
				}
				if (!held.length) break;
				const ref = held.shift()!;
				const result = submitLabel(audit.id, reviewer.id, { ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
				expect(result.outcome).toBe('created');
				const after = shown(`after submitting ${isGold(ref) ? 'gold' : 'sampled'} ${ref} at step ${step}`);
				expect(after).toBe(left - 1);
				left = after;
			}
			// Routing has nothing more exactly when the count says so.
			expect(nextAssignment(audit.id, reviewer.id, {}, db).status).toBe('done');
			expect(left).toBe(0);
			expect(served.sampled).toBe(30);
			expect(served.gold).toBeGreaterThan(qualificationItems);
			expect(reviewProgress(audit.id, reviewer.id, db).stuck).toBe(0);
		}
	});
	it('a qualification item the reviewer skipped comes back when no other gold is left to give them, instead of waiting for good', async () => {
		const datasetId = await makeDataset(db, 'qualify-skip', 20);
		const reviewer = makeUser(db);
		const instanceIds = db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id DESC LIMIT 2').pluck().all(datasetId) as number[];
		const gold = parseGold(instanceIds.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 8, seed: 3, overlap: 1, reviewerIds: [reviewer.id], gold, goldRate: 0.2, qualificationItems: 2 }, db);
		const first = nextAssignment(audit.id, reviewer.id, {}, db);
		if (first.status !== 'assigned') throw new Error('no item');
		submitLabel(audit.id, reviewer.id, { ref: first.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		const second = nextAssignment(audit.id, reviewer.id, {}, db);
		if (second.status !== 'assigned') throw new Error('no item');
		skipItem(audit.id, reviewer.id, second.ref, 'unsure', {}, db);
		// Both gold items given, one skipped, nobody holding anything: the skipped one comes back.
		const again = nextAssignment(audit.id, reviewer.id, {}, db);
		expect(again).toEqual({ status: 'assigned', ref: second.ref });
		submitLabel(audit.id, reviewer.id, { ref: second.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		// Qualified: sampled items follow.
		const third = nextAssignment(audit.id, reviewer.id, {}, db);
		expect(third.status).toBe('assigned');
	});
});
