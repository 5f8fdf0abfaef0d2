/**
 * What a reviewer can read of their progress must not tell a gold item from a sampled one: every
 * number in the /review list, the review screen's data and the next and submit answers moves the
 * same on a gold item's submit as on a sampled one's, and before any label nothing gives away that
 * gold exists. The audit's own label counts leave gold out, so on an audit with gold they are not
 * sent to reviewers at all (researchers see them on the audit page); an audit without gold keeps them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { listMyAudits, reviewProgress } from '../../src/lib/server/audits/review';
import { reviewScreenData } from '../../src/lib/server/audits/page';
import { parseGold } from '../../src/lib/audits/gold';
import { ALL_YES, makeDataset, makeUsers, submissionId } from './audit-fixtures';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

/** Every number in a value, by its path (times left out: they move with the clock, not with gold). */
function numbers(value: unknown, path = '', out: Record<string, number | null> = {}): Record<string, number | null> {
	if (value === null && path) out[path] = null;
	else if (typeof value === 'number') out[path] = value;
	else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
	else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) if (!/At$|^lastActivity$|^id$|^userId$|^revision$|^history$/.test(k)) numbers(v, path ? `${path}.${k}` : k, out);
	}
	return out;
}

/** All the reviewer sees as numbers: the /review list row, the review screen's data, and what next and submit answer with. */
function seen(auditId: number, reviewerId: number) {
	const screen = reviewScreenData(auditId, reviewerId, null, db);
	const { item: _item, next: _next, ...rest } = screen;
	return numbers({ list: listMyAudits(reviewerId, db).find((a) => a.id === auditId), screen: rest, api: reviewProgress(auditId, reviewerId, db) });
}

function delta(before: Record<string, number | null>, after: Record<string, number | null>) {
	return Object.fromEntries(Object.keys({ ...before, ...after }).map((k) => [k, before[k] === null || after[k] === null ? [before[k], after[k]] : (after[k] ?? 0) - (before[k] ?? 0)]));
}

async function goldAudit(withGold: boolean) {
	const datasetId = await makeDataset(db, withGold ? 'with gold' : 'without gold', 10);
	const [a, b] = makeUsers(db, 2);
	const instances = (db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number }[]).map((r) => r.id);
	const gold = withGold ? parseGold(instances.slice(0, 2).map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality') : undefined;
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 10, seed: 5, overlap: 2, reviewerIds: [a.id, b.id], gold, goldRate: withGold ? 0.3 : undefined }, db);
	const goldRefs = new Set((db.$client.prepare('SELECT ref FROM audit_items WHERE audit_id = ? AND is_gold = 1').all(audit.id) as { ref: string }[]).map((r) => r.ref));
	return { auditId: audit.id, reviewer: a.id, goldRefs, sampled: audit.itemCount };
}

describe("a reviewer's counters on an audit with gold items", () => {
	it('move the same on a gold submit as on a sampled one, and say nothing of gold before the first label', async () => {
		const { auditId, reviewer, goldRefs, sampled } = await goldAudit(true);
		expect(sampled).toBe(8);
		const start = seen(auditId, reviewer);
		// Nothing counts the sampled items apart from the gold: no 8 items, no 16 labels needed.
		expect(start['list.auditNeeded']).toBeNull();
		expect(start['screen.progress.auditLabels']).toBeNull();
		expect(start['screen.audit.itemCount']).toBeNull();
		expect(Object.values(start)).not.toContain(sampled);
		expect(Object.values(start)).not.toContain(sampled * 2);
		expect(start['api.remaining']).toBe(10);

		const moves: { gold: boolean; delta: ReturnType<typeof delta> }[] = [];
		let before = start;
		for (;;) {
			const next = nextAssignment(auditId, reviewer, {}, db);
			if (next.status !== 'assigned') break;
			submitLabel(auditId, reviewer, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
			const after = seen(auditId, reviewer);
			moves.push({ gold: goldRefs.has(next.ref), delta: delta(before, after) });
			before = after;
		}
		expect(moves.filter((m) => m.gold)).toHaveLength(2);
		expect(moves).toHaveLength(10);
		const sampledMoves = moves.filter((m) => !m.gold).map((m) => m.delta);
		const goldMoves = moves.filter((m) => m.gold).map((m) => m.delta);
		// The last submit ends the work (the done screen may add what it explains): compare the others.
		const last = moves.length - 1;
		for (const [i, m] of moves.entries()) if (i !== last) expect(m.delta, `submit ${i + 1} (${m.gold ? 'gold' : 'sampled'})`).toEqual(sampledMoves[0]);
		expect(goldMoves.length + sampledMoves.length).toBe(10);
		expect(sampledMoves[0]).toMatchObject({ 'list.mine': 1, 'list.remaining': -1, 'api.mine': 1, 'api.remaining': -1 });
	});

	it('keeps the audit progress for reviewers of an audit without gold', async () => {
		const { auditId, reviewer } = await goldAudit(false);
		const start = seen(auditId, reviewer);
		expect(start).toMatchObject({ 'list.auditLabels': 0, 'list.auditNeeded': 20, 'screen.audit.itemCount': 10, 'api.auditNeeded': 20 });
		const next = nextAssignment(auditId, reviewer, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		submitLabel(auditId, reviewer, { ref: next.ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
		expect(seen(auditId, reviewer)).toMatchObject({ 'list.auditLabels': 1, 'api.auditLabels': 1 });
	});
});
