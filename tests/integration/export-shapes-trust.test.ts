/**
 * The whole-shape exports (conversations, preference pairs) and the audits that judge them:
 * conversation and pairwise audits count for the human-label filters; filters they cannot
 * answer, and audits, runs or judge runs that are not the dataset's, are refused, never ignored;
 * a pair whose task has no instance (an imported tie) stays selectable; the manifest says whose
 * verdicts the pairs carry. The fixtures are the exploratory tester's (chat.jsonl, pairs.jsonl).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { responseOrder } from '../../src/lib/audits/order';
import { makeUsers, submissionId } from './audit-fixtures';
import { startShapeExport, type ShapeExportRequest } from '../../src/lib/server/exports/shapes';
import { countExport } from '../../src/lib/server/exports/export';
import { parseWhere } from '../../src/lib/server/exports/filters';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const chatRows = [
	{ messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '4' }] },
	{ messages: [{ role: 'user', content: '<b>x</b>' }, { role: 'assistant', content: 'ok' }] },
	{ messages: [{ role: 'user', content: 'Single turn' }, { role: 'assistant', content: 'Reply, with comma' }] }
];
const pairRows = [
	{ prompt: 'Which is bigger, 2 or 3?', chosen: '3', rejected: '2' },
	{ prompt: 'Say hi in French', chosen: 'Bonjour', rejected: 'Hello' },
	{ prompt: 'Tie case', chosen: 'A', rejected: 'B', tie: true },
	{ prompt: "=cmd|' /C calc'!A0", chosen: '+evil', rejected: 'line' }
];

function run(request: ShapeExportRequest) {
	const stream = startShapeExport(request, db);
	const text = [...stream.chunks()].join('');
	return { rows: text.trim() ? text.trim().split('\n').map((l) => JSON.parse(l)) : [], manifest: stream.manifest() };
}
const where = (...clauses: string[]) => parseWhere(clauses);

/** The chat dataset with a conversation audit (whole conversations, two reviewers) of the first two conversations; both call the `<b>x</b>` one invalid. */
async function auditedChats() {
	const { datasetId } = await importFile(streamOf(jsonl(chatRows)), { datasetName: 'chat', fileName: 'chat.jsonl' }, db);
	const reviewers = makeUsers(db, 2);
	const audit = createAudit({ datasetId, kind: 'conversation', conversationUnit: 'conversation', reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 1, sampleSize: 3 }, db);
	for (const r of reviewers) {
		for (;;) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') break;
			const view = reviewItemView(audit.id, r.id, next.ref, db);
			const valid = view.turns.find((t) => t.role === 'user')!.text !== '<b>x</b>';
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns: [{ valid, rating: valid ? 'A' : 'D' }], comment: '' } }, {}, db);
		}
	}
	// The third conversation's labels taken back: sampled but not judged, so unaudited.
	const single = db.$client.prepare("SELECT i.id FROM audit_items i JOIN conversation_turns t ON t.conversation_id = i.conversation_id WHERE i.audit_id = ? AND t.content = 'Single turn'").pluck().get(audit.id);
	db.$client.prepare('DELETE FROM audit_label_turns WHERE item_id = ?').run(single);
	db.$client.prepare('DELETE FROM audit_labels WHERE item_id = ?').run(single);
	return { datasetId, auditId: audit.id };
}

/** The pairs dataset, every pair judged by one reviewer of a pairwise audit: the =cmd pair's sides swapped, the source tie given B. */
async function judgedPairs() {
	const { datasetId } = await importFile(streamOf(jsonl(pairRows)), { datasetName: 'pairs', fileName: 'pairs.jsonl' }, db);
	const [r] = makeUsers(db, 1);
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], seed: 2, sampleSize: 4 }, db);
	for (;;) {
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') break;
		const item = db.$client.prepare('SELECT i.id, p.source_preferred AS source, p.prompt FROM audit_items i JOIN preference_pairs p ON p.id = i.pair_id WHERE i.ref = ?').get(next.ref) as { id: number; source: string; prompt: string };
		// The side the reviewer prefers, in the pair's own order; the screen shows it shuffled.
		const side = item.prompt === 'Tie case' ? 'b' : item.prompt.startsWith('=cmd') ? 'b' : 'a';
		const order = responseOrder(2, r.id, item.id, true);
		const choice = side === 'a' ? (order[0] === 0 ? 'A' : 'B') : order[0] === 1 ? 'A' : 'B';
		submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
	}
	return { datasetId, auditId: audit.id };
}

describe('conversation audits filter the conversation exports', () => {
	it('not-rejected leaves out the conversation the reviewers judged invalid; audited=yes/no split the judged from the rest', async () => {
		const { datasetId, auditId } = await auditedChats();
		const users = (rows: { conversations: { from: string; value: string }[] }[]) => rows.map((r) => r.conversations.find((t) => t.from === 'human')!.value);
		expect(users(run({ datasetId, format: 'sharegpt' }).rows)).toEqual(['What is 2+2?', '<b>x</b>', 'Single turn']);
		const kept = run({ datasetId, format: 'sharegpt', filters: where('not-rejected') });
		expect(users(kept.rows)).toEqual(['What is 2+2?', 'Single turn']);
		expect(kept.manifest.filters.find((f) => f.where === 'not-rejected')!.description).toMatch(/conversations the reviewers judged not correct/);
		expect(run({ datasetId, format: 'chat-conversations', filters: where('not-rejected') }).rows.map((r) => r.messages.at(-1).content)).toEqual(['4', 'Reply, with comma']);
		expect(users(run({ datasetId, format: 'sharegpt', filters: where('audited=yes') }).rows)).toEqual(['What is 2+2?', '<b>x</b>']);
		const unaudited = run({ datasetId, format: 'sharegpt', filters: where('audited=no', `audit=${auditId}`) });
		expect(users(unaudited.rows)).toEqual(['Single turn']);
		expect(unaudited.manifest.filters.find((f) => f.where === 'audited=no')!.description).toBe('only conversations no conversation audit judged');
		expect(users(run({ datasetId, format: 'sharegpt', filters: where('all-yes') }).rows)).toEqual(['What is 2+2?']);
	});

	it('refuses what conversations cannot be filtered on: a rating, an audit named for no filter, an audit of another kind', async () => {
		const { datasetId, auditId } = await auditedChats();
		expect(() => run({ datasetId, format: 'sharegpt', filters: where('rating=B') })).toThrow(/A–D ratings are given to model responses/);
		expect(() => run({ datasetId, format: 'sharegpt', filters: where(`audit=${auditId}`) })).toThrow(/names the audits the human-label filters use, and none is given/);
		expect(() => run({ datasetId, format: 'preference-pairs', filters: where(`audit=${auditId}`) })).toThrow(`Audit ${auditId} is a conversation audit: pairs are judged by pairwise audits`);
	});

	it('a row export refuses the conversation audit it cannot read, named or the only one there is', async () => {
		const { datasetId, auditId } = await auditedChats();
		expect(() => countExport({ datasetId, filters: where(`audit=${auditId}`) }, db)).toThrow(`Audit ${auditId} is a conversation audit: it judges whole conversations, not rows`);
		expect(() => countExport({ datasetId, filters: where('audited=yes') }, db)).toThrow(/this dataset has only conversation audit 1: .*--format sharegpt or chat-conversations/);
		expect(countExport({ datasetId, filters: {} }, db).rows).toBe(3);
	});
});

describe('pairwise audits and the preference-pairs export', () => {
	it('audited=yes selects the judged pairs; the manifest and its counts say whose verdicts replaced the source’s', async () => {
		const { datasetId, auditId } = await judgedPairs();
		const judged = run({ datasetId, format: 'preference-pairs', ties: 'flag', filters: where('audited=yes') });
		expect(judged.rows.map((r) => r.prompt)).toEqual(['Which is bigger, 2 or 3?', 'Say hi in French', 'Tie case', "=cmd|' /C calc'!A0"]);
		expect(judged.rows.at(-1)).toMatchObject({ chosen: 'line', rejected: '+evil' });
		expect(judged.rows[2]).toMatchObject({ chosen: 'B', rejected: 'A' });
		expect(judged.manifest.reviewersVerdictsFrom).toEqual({ audits: [auditId] });
		expect(judged.manifest.counts).toMatchObject({ records: 4, reviewersVerdicts: 4, sourceVerdictsReplaced: 2 });
		expect(judged.manifest.filters).toEqual([{ where: 'audited=yes', description: 'only pairs a pairwise audit judged' }]);
		expect(run({ datasetId, format: 'preference-pairs', filters: where('audited=no') }).rows).toEqual([]);
	});

	it('refuses the instance filters pairwise audits do not answer, and a quality audit', async () => {
		const { datasetId } = await judgedPairs();
		expect(() => run({ datasetId, format: 'preference-pairs', filters: where('all-yes') })).toThrow(/pairwise audits say which side of a pair is better/);
		expect(() => run({ datasetId, format: 'preference-pairs', filters: where('not-rejected') })).toThrow(/judged both bad are always left out/);
		expect(() => run({ datasetId, format: 'preference-pairs', filters: where('agreed') })).toThrow(/disagreed on are always left out/);
		const [r] = makeUsers(db, 1);
		const quality = createAudit({ datasetId, kind: 'quality', reviewerIds: [r.id], seed: 3 }, db);
		expect(() => run({ datasetId, format: 'preference-pairs', filters: where(`audit=${quality.id}`, 'audited=yes') })).toThrow(`Audit ${quality.id} is a quality audit: pairs are judged by pairwise audits`);
	});

	it('a filter every pair meets keeps the tie pair whose task has no instance', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(pairRows)), { datasetName: 'pairs', fileName: 'pairs.jsonl' }, db);
		const all = run({ datasetId, format: 'preference-pairs', ties: 'flag' });
		expect(all.rows.map((r) => r.prompt)).toContain('Tie case');
		for (const clause of ['origin=imported', 'kept']) {
			const filtered = run({ datasetId, format: 'preference-pairs', ties: 'flag', filters: where(clause) });
			expect(filtered.rows, clause).toEqual(all.rows);
		}
	});
});

describe('the audits, runs and judge runs a shape export names are checked', () => {
	it('refuses one that does not exist or belongs to another dataset, as the row exports do', async () => {
		const { datasetId } = await judgedPairs();
		const other = await auditedChats();
		const refused = (clauses: string[]) => () => run({ datasetId, format: 'preference-pairs', filters: where(...clauses) });
		expect(refused(['audit=999'])).toThrow('There is no audit 999.');
		expect(refused([`audit=${other.auditId}`])).toThrow(`Audit ${other.auditId} audits another dataset.`);
		expect(refused(['judge-run=77', 'judge-valid'])).toThrow('There is no judge run 77.');
		expect(refused(['run=99'])).toThrow('There is no generation run 99.');
		expect(() => run({ datasetId: other.datasetId, format: 'sharegpt', filters: where('run=99') })).toThrow('There is no generation run 99.');
		// The row exports refuse a run that does not exist too (they wrote 0 rows).
		expect(() => countExport({ datasetId, filters: where('run=99') }, db)).toThrow('There is no generation run 99.');
	});
});
