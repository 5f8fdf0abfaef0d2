import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { auditProgress } from '../../src/lib/server/audits/audits';
import { membership, nextAssignment, qualificationStatus, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { auditFormSchema, auditFormToInput } from '../../src/lib/server/audits/form';
import { auditReport, compareAudits } from '../../src/lib/server/reports/reports';
import { comparisonCsv } from '../../src/lib/server/reports/downloads';
import { buildResponsePairs } from '../../src/lib/server/datasets/response-pairs';
import { parseGold } from '../../src/lib/audits/gold';
import { responseOrder } from '../../src/lib/audits/order';
import { WHOLE_CONVERSATION_POSITION } from '../../src/lib/audits/rubric';
import { addPredictions, makeDataset, makeUsers, submissionId } from './audit-fixtures';
import { comparisonRows, sharegptRows } from './shape-fixtures';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const itemIdOf = (ref: string) => db.$client.prepare('SELECT id FROM audit_items WHERE ref = ?').pluck().get(ref) as number;

describe('conversation audits judging the conversation as a whole', () => {
	it('one answer per conversation after the whole dialogue; stored once; the report has whole conversations only', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const reviewers = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'conversation', conversationUnit: 'conversation', reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 1 }, db);
		expect(audit.conversationUnit).toBe('conversation');
		for (const [n, r] of reviewers.entries()) {
			for (;;) {
				const next = nextAssignment(audit.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const view = reviewItemView(audit.id, r.id, next.ref, db);
				// Every turn is context; one answered row after them, for the whole.
				const answered = view.turns.filter((t) => t.row !== null);
				expect(answered).toEqual([{ position: WHOLE_CONVERSATION_POSITION, role: 'conversation', text: '', row: 0 }]);
				expect(view.turns.at(-1)!.role).toBe('conversation');
				expect(view.turns.filter((t) => t.role === 'assistant').length).toBe(2);
				// Per-reply answers are refused.
				expect(() =>
					submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns: [{ valid: true, rating: 'A' }, { valid: true, rating: 'A' }], comment: '' } }, {}, db)
				).toThrow(/as a whole/);
				// Reviewer 0 finds every conversation fine; reviewer 1 finds the one with a system turn wrong.
				const hasSystem = view.turns[0].role === 'system';
				const valid = n === 0 || !hasSystem;
				const turns = [{ valid, rating: valid ? 'B' : 'D' }] as const;
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns: [...turns], comment: '' } }, {}, db);
				expect(reviewItemView(audit.id, r.id, next.ref, db).answer).toEqual({ kind: 'conversation', turns: [...turns], comment: '' });
			}
		}
		expect(db.$client.prepare('SELECT DISTINCT position FROM audit_label_turns').pluck().all()).toEqual([WHOLE_CONVERSATION_POSITION]);
		expect(db.$client.prepare('SELECT output_valid FROM audit_labels ORDER BY output_valid').pluck().all()).toEqual([0, 1, 1, 1]);
		const report = auditReport(audit.id, {}, db).conversation!;
		expect(report.unit).toBe('conversation');
		expect(report.byPosition).toEqual([]);
		expect(report.conversationRatings).toEqual({ A: 0, B: 3, C: 0, D: 1 });
		// One conversation agreed valid, one tied (1 yes, 1 no): bounds 50%–100%.
		expect(report.conversations.majority).toMatchObject({ yes: 1, no: 0, tied: 1 });
		expect(report.conversations.label.proportion).toBeCloseTo(0.75);
	});

	it('the option is checked: only conversation audits take it; the page form passes it on', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const [r] = makeUsers(db, 1);
		const quality = await makeDataset(db, 'flat', 3);
		expect(() => createAudit({ datasetId: quality, kind: 'quality', conversationUnit: 'conversation', reviewerIds: [r.id] }, db)).toThrow(/option of conversation audits/);
		const form = auditFormSchema.parse({
			datasetId: String(datasetId), kind: 'conversation', conversationUnit: 'conversation', sampleSize: '5', seed: '3', overlap: '1',
			reviewers: String(r.id), leaseMinutes: '30'
		});
		const audit = createAudit(auditFormToInput(form, r.id), db);
		expect(audit.conversationUnit).toBe('conversation');
		// Per-turn is the default.
		expect(createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], seed: 4 }, db).conversationUnit).toBe('turn');
	});
});

describe('gold items in conversation and pairwise audits', () => {
	it('conversation gold: the verdict on the whole conversation; accuracy and qualification count it', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const conversations = db.$client.prepare('SELECT id FROM conversations ORDER BY id').pluck().all() as number[];
		const gold = parseGold(`{"conversation": ${conversations[0]}, "valid": "no", "note": "the second reply is wrong"}\n`, 'conversation');
		expect(gold).toEqual([{ kind: 'conversation', conversationId: conversations[0], valid: false, note: 'the second reply is wrong' }]);
		const [right, wrong] = makeUsers(db, 2);
		const audit = createAudit(
			{ datasetId, kind: 'conversation', reviewerIds: [right.id, wrong.id], seed: 5, gold, goldRate: 0.5, qualificationItems: 1, qualificationAccuracy: 1 },
			db
		);
		expect(audit.goldCount).toBe(1);
		for (const [r, verdict] of [[right, false], [wrong, true]] as const) {
			// Qualification: the first item is the gold one.
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') throw new Error('no item');
			expect(db.$client.prepare('SELECT is_gold FROM audit_items WHERE ref = ?').pluck().get(next.ref)).toBe(1);
			const view = reviewItemView(audit.id, r.id, next.ref, db);
			const turns = view.turns.filter((t) => t.row !== null).map((_, i) => (verdict || i === 0 ? { valid: true, rating: 'B' as const } : { valid: false, rating: 'C' as const }));
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
		}
		const stats = new Map(auditProgress(audit.id, {}, db).reviewers.map((r) => [r.userId, r]));
		expect([stats.get(right.id)!.goldCorrect, stats.get(right.id)!.goldAnswered]).toEqual([1, 1]);
		expect([stats.get(wrong.id)!.goldCorrect, stats.get(wrong.id)!.goldAnswered]).toEqual([0, 1]);
		expect(qualificationStatus(membership(audit.id, right.id, db), right.id, db).state).toBe('qualified');
		expect(qualificationStatus(membership(audit.id, wrong.id, db), wrong.id, db).state).toBe('failed');
		const reviewers = auditReport(audit.id, {}, db).reviewers;
		expect(reviewers.find((x) => x.reviewerId === right.id)?.gold).toMatchObject({ successes: 1, trials: 1 });
		expect(reviewers.find((x) => x.reviewerId === wrong.id)?.gold).toMatchObject({ successes: 0, trials: 1 });
		// A conversation not in the dataset is refused.
		expect(() => createAudit({ datasetId, kind: 'conversation', reviewerIds: [right.id], gold: parseGold('{"conversation": 999, "valid": "yes"}', 'conversation') }, db)).toThrow(
			/conversation 999 is not in this dataset/
		);
	});

	it('pairwise gold: the verdict in the pair’s own order, whatever side the reviewer saw it on', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const pairs = db.$client.prepare('SELECT id FROM preference_pairs ORDER BY id').pluck().all() as number[];
		const gold = parseGold(`{"pair": ${pairs[0]}, "preference": "a"}`, 'pairwise');
		expect(() => parseGold('{"pair": 1, "preference": "left"}', 'pairwise')).toThrow(/Gold line 1: field "preference" must be one of/);
		const reviewers = makeUsers(db, 4);
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: reviewers.map((r) => r.id), seed: 6, gold, qualificationItems: 1 }, db);
		expect(db.$client.prepare('SELECT preference FROM audit_gold_answers').pluck().all()).toEqual(['a']);
		for (const [n, r] of reviewers.entries()) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') throw new Error('no item');
			const order = responseOrder(2, r.id, itemIdOf(next.ref), true);
			// Reviewers 0 and 1 pick the side showing the pair's response a; 2 and 3 the other side.
			const picksA = n < 2;
			const choice = (order[0] === 0) === picksA ? 'A' : 'B';
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
		}
		const stats = new Map(auditProgress(audit.id, {}, db).reviewers.map((r) => [r.userId, r.goldCorrect]));
		expect(reviewers.map((r) => stats.get(r.id))).toEqual([1, 1, 0, 0]);
		expect(reviewers.map((r) => qualificationStatus(membership(audit.id, r.id, db), r.id, db).state)).toEqual(['qualified', 'qualified', 'failed', 'failed']);
		// The four labels are on the gold item: they score the reviewers, and rank no model.
		expect(auditReport(audit.id, {}, db).pairwise).toMatchObject({ comparisons: 0, bothBad: 0, bradleyTerry: null });
	});
});

describe('pairs built from a dataset’s own responses', () => {
	it('one pair per prompt both models answered, built once; a pairwise audit samples them', async () => {
		const datasetId = await makeDataset(db, 'tasks', 6);
		await addPredictions(db, 'tasks', 6, 'alpha');
		await addPredictions(db, 'tasks', 4, 'beta');
		const built = buildResponsePairs(datasetId, ['alpha', 'beta'], db);
		expect(built).toMatchObject({ prompts: 4, created: 4, existing: 0 });
		expect(built.pairIds).toHaveLength(4);
		// Again: nothing new.
		expect(buildResponsePairs(datasetId, ['alpha', 'beta'], db)).toMatchObject({ prompts: 4, created: 0, existing: 4 });
		const pairs = db.$client
			.prepare(
				`SELECT a.model AS a, b.model AS b, a.task_id = b.task_id AND a.instance_id IS b.instance_id AS samePrompt, p.prompt
				 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id`
			)
			.all();
		expect(pairs).toEqual(Array(4).fill({ a: 'alpha', b: 'beta', samePrompt: 1, prompt: null }));
		expect(() => buildResponsePairs(datasetId, ['alpha', 'gamma'], db)).toThrow(/no responses from gamma/);
		expect(() => buildResponsePairs(datasetId, ['alpha', 'alpha'], db)).toThrow(/two different models/);

		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'pairwise', pairModels: ['alpha', 'beta'], reviewerIds: [r.id], seed: 7 }, db);
		expect(audit.itemCount).toBe(4);
		expect(audit.models).toEqual(['alpha', 'beta']);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const view = reviewItemView(audit.id, r.id, next.ref, db);
		expect(view.responses.map((x) => x.text).sort()).toEqual([expect.stringMatching(/^alpha answers task/), expect.stringMatching(/^beta answers task/)]);
		submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice: 'tie', comment: '' } }, {}, db);
		expect(auditReport(audit.id, {}, db).pairwise!.records).toMatchObject([{ first: 'alpha', second: 'beta', ties: 1 }]);
		// Still four pairs: the audit reused the built ones.
		expect(db.$client.prepare('SELECT count(*) FROM preference_pairs').pluck().get()).toBe(4);
	});

	it('from the page form and with checks: two different models, pairwise audits only, a clear error when no prompt has both', async () => {
		const datasetId = await makeDataset(db, 'tasks', 3);
		await addPredictions(db, 'tasks', 3, 'alpha');
		const [r] = makeUsers(db, 1);
		const base = { datasetId: String(datasetId), sampleSize: '5', seed: '1', overlap: '1', reviewers: String(r.id), leaseMinutes: '30' };
		expect(() => auditFormToInput(auditFormSchema.parse({ ...base, kind: 'pairwise', pairModelA: 'alpha' }), r.id)).toThrow(/both models/);
		expect(auditFormToInput(auditFormSchema.parse({ ...base, kind: 'pairwise', pairModelA: 'alpha', pairModelB: 'beta' }), r.id).pairModels).toEqual(['alpha', 'beta']);
		expect(auditFormToInput(auditFormSchema.parse({ ...base, kind: 'rating', pairModelA: 'alpha', pairModelB: 'beta' }), r.id).pairModels).toBeUndefined();
		expect(() => createAudit({ datasetId, kind: 'rating', pairModels: ['alpha', 'beta'], reviewerIds: [r.id] }, db)).toThrow(/option of pairwise audits/);
		expect(() => createAudit({ datasetId, kind: 'pairwise', pairModels: ['alpha', 'beta'], reviewerIds: [r.id] }, db)).toThrow(/no responses from beta/);
		// A second model answering other prompts: nothing to pair.
		const other = await makeDataset(db, 'other', 4);
		await addPredictions(db, 'other', 2, 'alpha');
		db.$client.prepare(`UPDATE responses SET model = 'beta' WHERE dataset_id = ? AND task_id = (SELECT max(task_id) FROM responses WHERE dataset_id = ?)`).run(other, other);
		expect(() => createAudit({ datasetId: other, kind: 'pairwise', pairModels: ['alpha', 'beta'], reviewerIds: [r.id] }, db)).toThrow(/no prompt of the dataset has responses from both alpha and beta/);
	});
});

describe('comparing conversation and pairwise audits', () => {
	/** Labels every item of an audit by one reviewer: `valid` decides each judgement. */
	function labelConversations(auditId: number, reviewerId: number, valid: (itemTurns: number, row: number) => boolean) {
		for (;;) {
			const next = nextAssignment(auditId, reviewerId, {}, db);
			if (next.status !== 'assigned') return;
			const rows = reviewItemView(auditId, reviewerId, next.ref, db).turns.filter((t) => t.row !== null).length;
			const turns = Array.from({ length: rows }, (_, i) => (valid(rows, i) ? { valid: true, rating: 'B' as const } : { valid: false, rating: 'C' as const }));
			submitLabel(auditId, reviewerId, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
		}
	}

	it('conversation audits: whole conversations and each reply position; a whole-conversation audit against a per-reply one says what is left out', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const [r] = makeUsers(db, 1);
		const good = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], seed: 1, name: 'good' }, db);
		const bad = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], seed: 2, name: 'bad' }, db);
		const whole = createAudit({ datasetId, kind: 'conversation', conversationUnit: 'conversation', reviewerIds: [r.id], seed: 3, name: 'whole' }, db);
		labelConversations(good.id, r.id, () => true);
		labelConversations(bad.id, r.id, (_, i) => i === 0);
		labelConversations(whole.id, r.id, () => true);
		const c = compareAudits(good.id, bad.id, {}, db);
		expect(c.kind).toBe('conversation');
		expect(c.rows.map((x) => [x.section, x.key, x.first.successes, x.first.trials, x.second.successes, x.second.trials])).toEqual([
			['conversation', 'correct', 2, 2, 0, 2],
			['position', '1', 2, 2, 2, 2],
			['position', '2', 2, 2, 0, 2]
		]);
		expect(c.rows[0].difference).toBe(1);
		expect(c.rows[0].lower).toBeGreaterThan(0);
		expect(c.notes).toEqual([]);
		expect(comparisonCsv(c)).toContain('Reply 2 valid (Replies by position), difference');
		const mixed = compareAudits(whole.id, bad.id, {}, db);
		expect(mixed.rows.map((x) => x.section)).toEqual(['conversation']);
		expect(mixed.notes[0]).toMatch(/One audit judged each reply, the other each conversation as a whole/);
	});

	it('pairwise audits: each model pair both audits compared; other pairs named; a different kind refused with the reason', async () => {
		const datasetId = await makeDataset(db, 'tasks', 6);
		for (const m of ['alpha', 'beta', 'gamma']) await addPredictions(db, 'tasks', 6, m);
		const [r] = makeUsers(db, 1);
		const ab = createAudit({ datasetId, kind: 'pairwise', pairModels: ['alpha', 'beta'], reviewerIds: [r.id], seed: 1, name: 'ab' }, db);
		const abAgain = createAudit({ datasetId, kind: 'pairwise', pairModels: ['alpha', 'beta'], reviewerIds: [r.id], seed: 2, name: 'ab again' }, db);
		const ag = createAudit({ datasetId, kind: 'pairwise', pairModels: ['alpha', 'gamma'], reviewerIds: [r.id], seed: 3, name: 'ag' }, db);
		const label = (auditId: number, prefersAlpha: boolean) => {
			for (;;) {
				const next = nextAssignment(auditId, r.id, {}, db);
				if (next.status !== 'assigned') return;
				const view = reviewItemView(auditId, r.id, next.ref, db);
				const alphaSide = view.responses[0].text.startsWith('alpha') ? 'A' : 'B';
				const choice = prefersAlpha ? alphaSide : alphaSide === 'A' ? 'B' : 'A';
				submitLabel(auditId, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
			}
		};
		label(ab.id, true);
		label(abAgain.id, false);
		label(ag.id, true);
		const c = compareAudits(ab.id, abAgain.id, {}, db);
		expect(c.rows.map((x) => [x.group, x.key, x.first.successes, x.second.successes, x.first.trials])).toEqual([
			['alpha vs beta', 'win', 6, 0, 6],
			['alpha vs beta', 'tie', 0, 0, 6],
			['alpha vs beta', 'decidedWin', 6, 0, 6]
		]);
		expect(c.rows[0].difference).toBe(1);
		const disjoint = compareAudits(ab.id, ag.id, {}, db);
		expect(disjoint.rows).toEqual([]);
		expect(disjoint.notes.join(' ')).toMatch(/one audit only are left out: alpha vs beta; alpha vs gamma.*share no model pair/);
		const quality = createAudit({ datasetId, kind: 'quality', reviewerIds: [r.id], seed: 4 }, db);
		expect(() => compareAudits(ab.id, quality.id, {}, db)).toThrow(/Cannot compare a pairwise audit with a quality audit: one measures which of two responses is better/);
	});
});
