import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { auditBundleLines, auditBundleRecords, BundleError, importAuditBundle } from '../../src/lib/server/bundles';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, skipItem, submitLabel } from '../../src/lib/server/audits/routing';
import { removeReviewer } from '../../src/lib/server/audits/audits';
import { restoreReviewerLabels, setAsideCounts } from '../../src/lib/server/archive/labels';
import { auditReport } from '../../src/lib/server/reports';
import { PAIR_CHOICE_KEYS } from '../../src/lib/audits/rubric';
import type { BundleItem } from '../../src/lib/audits/bundle';
import { makeUser, submissionId } from './audit-fixtures';

// Pairwise and conversation audits move between two fresh installations as quality and rating
// audits do (bundle.test.ts): A exports, B (the same dataset, accounts with the same emails)
// imports, and B's report is A's, number for number: preferences and ties, per-turn verdicts,
// skips, gold, and a removed reviewer's set-aside labels, brought back on both sides alike.
let a: { db: Db; cleanup: () => void };
let b: { db: Db; cleanup: () => void };
beforeEach(() => {
	a = createTestDb();
	b = createTestDb();
});
afterEach(() => {
	a.cleanup();
	b.cleanup();
});

const EMAILS = ['ana@lab.org', 'bo@lab.org', 'cy@lab.org', 'di@lab.org'];

// Seven pairs: the last is gold, left out of the sampling frame, and the six others are sampled.
const pairRows = Array.from({ length: 7 }, (_, i) => ({ user_input: `Prompt ${i}: give a tip.`, completion_a: `Tip ${i} from A.`, completion_b: `Tip ${i} from B.` }));
const chatRows = Array.from({ length: 5 }, (_, i) => ({
	id: `c${i}`,
	conversations: [
		{ from: 'human', value: `Hi ${i}` },
		{ from: 'gpt', value: `Hello ${i}` },
		{ from: 'human', value: `Name a fruit (${i})` },
		{ from: 'gpt', value: i % 2 ? 'Kiwi' : 'Chair' }
	]
}));

async function* bytes(lines: Iterable<string>): AsyncGenerator<Uint8Array> {
	const encoder = new TextEncoder();
	for (const line of lines) yield encoder.encode(line);
}

/** The report without the ids that differ between installations, nor where an import came from. */
function numbers(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(numbers);
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value)
				// Position bias too: the order each reviewer saw is derived from ids an import renumbers, so an imported pairwise audit has none.
				.filter(([k]) => !/^(id|auditId|datasetId|itemId|taskId|instanceId|responseId|reviewerId|userId|adjudicatorId|imported|positionBias)$/.test(k))
				.map(([k, v]) => [k, numbers(v)])
		);
	}
	return value;
}

const recordsOf = (db: Db, id: number) => auditBundleRecords(id, db).map((r) => (r.type === 'audit-bundle' ? { ...r, exportedAt: '' } : r));

/**
 * The reviewers work through the audit in turns, one item each per round: the first skips their
 * first item, and answers vary by reviewer and item so that items get ties and disagreements.
 * Then the last reviewer is removed, their labels set aside.
 */
function review(db: Db, auditId: number, reviewers: { id: number }[], answer: (reviewer: number, item: number) => unknown): { removed: number; setAside: number } {
	for (let round = 0, busy = true; busy; round++) {
		busy = false;
		reviewers.forEach((r, n) => {
			const next = nextAssignment(auditId, r.id, {}, db);
			if (next.status !== 'assigned') return;
			busy = true;
			if (n === 0 && round === 0) return skipItem(auditId, r.id, next.ref, 'not sure', {}, db);
			const position = db.$client.prepare('SELECT position FROM audit_items WHERE ref = ?').pluck().get(next.ref) as number;
			submitLabel(auditId, r.id, { ref: next.ref, submissionId: submissionId(), answer: answer(n, position) }, {}, db);
		});
	}
	const removed = reviewers[reviewers.length - 1].id;
	return { removed, ...removeReviewer(auditId, removed, { setAsideLabels: true }, db) };
}

/** The same dataset (unless B's rows are given) and accounts in A and B; the audit made in A, every row but the gold one sampled. */
async function setUp(kind: 'pairwise' | 'conversation', options: { conversationUnit?: 'turn' | 'conversation' } = {}, rowsB?: unknown[]) {
	const file = kind === 'pairwise' ? { rows: pairRows, name: 'cmp.json' } : { rows: chatRows, name: 'sg.json' };
	const datasets = [];
	for (const { db } of [a, b]) {
		const rows = db === b.db && rowsB ? rowsB : file.rows;
		datasets.push((await importFile(streamOf(JSON.stringify(rows)), { datasetName: kind, fileName: file.name }, db)).datasetId);
		for (const email of EMAILS) makeUser(db, 'reviewer', email);
	}
	const reviewers = EMAILS.map((email) => ({ id: a.db.$client.prepare('SELECT id FROM users WHERE email = ?').pluck().get(email) as number }));
	const gold =
		kind === 'pairwise'
			? [{ kind, pairId: a.db.$client.prepare('SELECT max(id) FROM preference_pairs').pluck().get() as number, preference: 'b' as const, note: 'B is right' }]
			: [{ kind, conversationId: a.db.$client.prepare('SELECT max(id) FROM conversations').pluck().get() as number, valid: false, note: 'a chair is no fruit' }];
	const audit = createAudit(
		{ datasetId: datasets[0], kind, reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 7, sampleSize: 10, gold, goldRate: 0.2, ...options },
		a.db
	);
	return { auditId: audit.id, datasetB: datasets[1], reviewers };
}

/** B's copy: its report is A's, its bundle is A's, and bringing the set-aside labels back does the same on both. */
async function expectSameCopy(auditId: number, datasetB: number, removed: number, setAside: number) {
	const lines = [...auditBundleLines(auditId, a.db)];
	expect(lines.filter((l) => l.startsWith('{"type":"archived-label"'))).toHaveLength(setAside);
	expect(lines.filter((l) => l.startsWith('{"type":"skip"'))).toHaveLength(1);
	const imported = await importAuditBundle(bytes(lines), { fileName: 'copy.jsonl', datasetId: datasetB }, b.db);
	expect(imported).toMatchObject({ archivedLabels: setAside, skips: 1, gold: 1 });
	const reportA = auditReport(auditId, {}, a.db);
	const reportB = auditReport(imported.auditId, {}, b.db);
	expect(numbers(reportB)).toEqual(numbers(reportA));
	expect(recordsOf(b.db, imported.auditId)).toEqual(recordsOf(a.db, auditId));
	const email = a.db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(removed) as string;
	const removedB = b.db.$client.prepare('SELECT id FROM users WHERE email = ?').pluck().get(email) as number;
	expect(setAsideCounts(imported.auditId, b.db).get(removedB)).toBe(setAside);
	const restored = restoreReviewerLabels(auditId, removed, a.db);
	expect(restored.restored).toBeGreaterThan(0);
	expect(restoreReviewerLabels(imported.auditId, removedB, b.db)).toEqual(restored);
	expect(numbers(auditReport(imported.auditId, {}, b.db))).toEqual(numbers(auditReport(auditId, {}, a.db)));
	// Brought back whole: every label has its preference or its per-turn verdicts again, on both sides.
	const unanswered = 'SELECT count(*) FROM audit_labels l WHERE audit_id = ? AND preference IS NULL AND NOT EXISTS (SELECT 1 FROM audit_label_turns t WHERE t.label_id = l.id)';
	expect(a.db.$client.prepare(unanswered).pluck().get(auditId)).toBe(0);
	expect(b.db.$client.prepare(unanswered).pluck().get(imported.auditId)).toBe(0);
	return { reportA, imported };
}

describe('bundles of pairwise audits', () => {
	it('round-trip preferences, ties and disagreements, gold, a skip and set-aside labels with identical report numbers', async () => {
		const { auditId, datasetB, reviewers } = await setUp('pairwise');
		const { removed, setAside } = review(a.db, auditId, reviewers, (n, position) => ({ kind: 'pairwise', choice: PAIR_CHOICE_KEYS[(n + position) % 4], comment: `r${n} on ${position}` }));
		expect(setAside).toBeGreaterThan(0);
		const labels = a.db.$client.prepare('SELECT preference FROM audit_labels WHERE audit_id = ?').pluck().all(auditId) as string[];
		expect(new Set(labels)).toEqual(new Set(['a', 'b', 'tie', 'both_bad']));
		const records = auditBundleRecords(auditId, a.db);
		const item = records.find((r) => r.type === 'item')!;
		expect(item).toMatchObject({ prompt: expect.stringMatching(/^Prompt \d: give a tip\.$/), responses: [{ model: 'completion_a' }, { model: 'completion_b' }] });
		expect(records.find((r) => r.type === 'gold')).toMatchObject({ preference: 'b', note: 'B is right' });
		expect(records.filter((r) => r.type === 'archived-label').every((r) => 'preference' in r && r.preference)).toBe(true);
		const { reportA } = await expectSameCopy(auditId, datasetB, removed, setAside);
		// The copy's numbers are real ones: comparisons, both-bad verdicts and agreement on items labelled twice.
		expect(reportA.pairwise!.comparisons).toBeGreaterThan(0);
		expect(reportA.pairwise!.bothBad).toBeGreaterThan(0);
		expect(reportA.pairwise!.agreement.items).toBeGreaterThan(0);
	});

	it('refuses a dataset whose pairs differ, listing each mismatch, and imports nothing', async () => {
		// B's file gives pair 2 another B response, and one reviewer has no account in B.
		const { auditId, datasetB, reviewers } = await setUp('pairwise', {}, pairRows.map((r, i) => (i === 2 ? { ...r, completion_b: 'Another tip.' } : r)));
		review(a.db, auditId, reviewers, (n) => ({ kind: 'pairwise', choice: PAIR_CHOICE_KEYS[n % 4], comment: '' }));
		const changed = auditBundleRecords(auditId, a.db).find((r): r is BundleItem => r.type === 'item' && r.prompt === 'Prompt 2: give a tip.' && !r.isGold)!;
		b.db.$client.prepare('DELETE FROM users WHERE email = ?').run(EMAILS[1]);
		const audits = b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get();
		const error = await importAuditBundle(bytes(auditBundleLines(auditId, a.db)), { fileName: 'p.jsonl', datasetId: datasetB }, b.db).catch((e) => e);
		expect(error).toBeInstanceOf(BundleError);
		expect(error.message).toMatch(/^The bundle does not match this installation \(2 problems\); nothing was imported:/);
		expect(error.problems).toEqual([
			`reviewer ${EMAILS[1]}: no account with this email here`,
			`item ${changed.position + 1} (position ${changed.position}) ("Prompt 2: give a tip."): no pair of this prompt here has response A of model "completion_a" "Tip 2 from A." and response B of model "completion_b" "Tip 2 from B."`
		]);
		expect(b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get()).toBe(audits);
		expect(b.db.$client.prepare('SELECT count(*) FROM audit_labels').pluck().get()).toBe(0);
	});
});

describe('bundles of conversation audits', () => {
	for (const unit of ['turn', 'conversation'] as const) {
		it(`round-trip per-turn verdicts (judged per ${unit}), disagreements, gold, a skip and set-aside labels with identical report numbers`, async () => {
			const { auditId, datasetB, reviewers } = await setUp('conversation', { conversationUnit: unit });
			const verdict = (n: number, position: number, turn: number) => ((n + position + turn) % 3 === 0 ? { valid: false, rating: 'C' as const } : { valid: true, rating: (n % 2 ? 'A' : 'B') as 'A' | 'B' });
			const { removed, setAside } = review(a.db, auditId, reviewers, (n, position) => ({
				kind: 'conversation',
				turns: unit === 'turn' ? [verdict(n, position, 0), verdict(n, position, 1)] : [verdict(n, position, 0)],
				comment: `r${n}`
			}));
			expect(setAside).toBeGreaterThan(0);
			expect(a.db.$client.prepare('SELECT count(DISTINCT output_valid) FROM audit_labels WHERE audit_id = ?').pluck().get(auditId)).toBe(2);
			const records = auditBundleRecords(auditId, a.db);
			expect(records[0]).toMatchObject({ version: 3, audit: { kind: 'conversation', conversationUnit: unit } });
			expect(records.find((r) => r.type === 'item')).toMatchObject({
				conversation: { sourceId: expect.stringMatching(/^c\d$/), turns: [{ role: 'user' }, { role: 'assistant' }, { role: 'user' }, { role: 'assistant' }] }
			});
			const archived = records.filter((r) => r.type === 'archived-label');
			expect(archived.every((r) => 'turns' in r && r.turns!.length === (unit === 'turn' ? 2 : 1))).toBe(true);
			expect(records.find((r) => r.type === 'label')).toMatchObject({ turns: unit === 'turn' ? [{ position: 1 }, { position: 3 }] : [{ position: -1 }] });
			const { reportA } = await expectSameCopy(auditId, datasetB, removed, setAside);
			expect(reportA.progress.labels).toBeGreaterThan(0);
			expect(reportA.conversation!.labels).toBeGreaterThan(0);
			expect(reportA.conversation!.unit).toBe(unit);
		});
	}

	it('refuses a dataset whose conversations differ, listing each mismatch, and imports nothing', async () => {
		// B's file gives conversation c2 another last reply; the set-aside labels' reviewer has no account in B.
		const rowsB = chatRows.map((r) => (r.id === 'c2' ? { ...r, conversations: [...r.conversations.slice(0, 3), { from: 'gpt', value: 'Table' }] } : r));
		const { auditId, datasetB, reviewers } = await setUp('conversation', {}, rowsB);
		review(a.db, auditId, reviewers, () => ({ kind: 'conversation', turns: [{ valid: true, rating: 'A' }, { valid: true, rating: 'A' }], comment: '' }));
		const item = auditBundleRecords(auditId, a.db).find((r): r is BundleItem => r.type === 'item' && !r.isGold && r.conversation?.sourceId === 'c2')!;
		b.db.$client.prepare('DELETE FROM users WHERE email = ?').run(EMAILS[3]);
		const error = await importAuditBundle(bytes(auditBundleLines(auditId, a.db)), { fileName: 'c.jsonl', datasetId: datasetB }, b.db).catch((e) => e);
		expect(error).toBeInstanceOf(BundleError);
		expect(error.problems).toEqual([
			`reviewer ${EMAILS[3]}: no account with this email here`,
			`item ${item.position + 1} (position ${item.position}) (conversation "c2"): no conversation in "conversation" has these 4 turns (the first: "Hi 2"); conversation "c2" here has other turns`
		]);
		expect(b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get()).toBe(0);
	});
});
