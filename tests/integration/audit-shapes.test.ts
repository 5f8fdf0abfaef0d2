import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView, reviewHistory } from '../../src/lib/server/audits/review';
import { makeUsers, submissionId } from './audit-fixtures';
import { responseOrder } from '../../src/lib/audits/order';
import { shapeLeftOutSummary, startShapeExport } from '../../src/lib/server/exports/shapes';
import { comparisonRows, sharegptRows, superniTask } from './shape-fixtures';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

describe('conversation audits', () => {
	it('show the whole dialogue and take a judgement per assistant turn; the conversation is correct when every turn is', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 10, seed: 1 }, db);
		expect(audit.itemCount).toBe(2);
		const seen: string[] = [];
		for (;;) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') break;
			const view = reviewItemView(audit.id, r.id, next.ref, db);
			expect(view.kind).toBe('conversation');
			const judged = view.turns.filter((t) => t.row !== null);
			seen.push(view.turns.map((t) => t.role).join(','));
			// A wrong number of judgements is refused.
			expect(() => submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns: [{ valid: true, rating: 'A' }, ...judged.map(() => ({ valid: true, rating: 'A' }))] } }, {}, db)).toThrow(/Judge each of the 2/);
			// "Not valid" rated A (valid and satisfying) contradicts itself: refused, naming the reply.
			const contradictory = judged.map((_, i) => ({ valid: i === 0, rating: 'A' }) as const);
			expect(() => submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns: contradictory, comment: '' } }, {}, db)).toThrow(/Reply 2: "not valid" does not go with A/);
			const turns = judged.map((_, i) => ({ valid: i === 0, rating: i === 0 ? 'A' : 'C' }) as const);
			expect(submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db).outcome).toBe('created');
			const again = reviewItemView(audit.id, r.id, next.ref, db);
			expect(again.answer).toEqual({ kind: 'conversation', turns, comment: '' });
		}
		expect(seen.sort()).toEqual(['system,user,assistant,assistant', 'user,assistant,user,assistant']);
		expect(db.$client.prepare('SELECT count(*) FROM audit_label_turns').pluck().get()).toBe(4);
		// Every conversation had a turn judged not valid: not correct as a whole.
		expect(db.$client.prepare('SELECT output_valid FROM audit_labels').pluck().all()).toEqual([0, 0]);
		expect(reviewHistory(audit.id, r.id, {}, db)[0].summary).toBe('yes A · no C');
	});

	it('mark a ShareGPT function_call turn as a tool call on the review screen', async () => {
		const rows = [
			{
				id: 'tool-1',
				conversations: [
					{ from: 'human', value: 'weather?' },
					{ from: 'function_call', value: '{"name": "w", "arguments": {}}' },
					{ from: 'observation', value: 'sunny' },
					{ from: 'gpt', value: 'It is sunny.' }
				]
			}
		];
		const { datasetId } = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'tools', fileName: 'tools.json' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 1, seed: 1 }, db);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const turns = reviewItemView(audit.id, r.id, next.ref, db).turns;
		expect(turns.map((t) => [t.role, t.row, t.toolCall ?? false])).toEqual([
			['user', null, false],
			['assistant', 0, true],
			['tool', null, false],
			['assistant', 1, false]
		]);
	});

	it('show an OpenAI tool_calls reply without text as its calls, marked a tool call, not as an empty reply', async () => {
		const row = {
			messages: [
				{ role: 'user', content: 'weather?' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"<Paris>"}' } }] },
				{ role: 'tool', tool_call_id: 'c0', content: '{"temp":20}' },
				{ role: 'assistant', content: 'It is 20C.' }
			]
		};
		const { datasetId } = await importFile(streamOf(JSON.stringify(row) + '\n'), { datasetName: 'chat-tools', fileName: 'chats.jsonl' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 1, seed: 1 }, db);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const turns = reviewItemView(audit.id, r.id, next.ref, db).turns;
		expect(turns.map((t) => [t.role, t.row, t.toolCall ?? false, t.text])).toEqual([
			['user', null, false, 'weather?'],
			['assistant', 0, true, 'get_weather({"city":"<Paris>"})'],
			['tool', null, false, '{"temp":20}'],
			['assistant', 1, false, 'It is 20C.']
		]);
	});

	it("show OpenAI's legacy function_call reply as its call, marked a tool call, and the \"function\" result as a tool turn", async () => {
		const row = {
			messages: [
				{ role: 'user', content: 'weather?' },
				{ role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
				{ role: 'function', name: 'get_weather', content: '{"temp":20}' },
				{ role: 'assistant', content: 'It is 20C.' }
			]
		};
		const { datasetId } = await importFile(streamOf(JSON.stringify(row) + '\n'), { datasetName: 'chat-legacy', fileName: 'legacy.jsonl' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 1, seed: 1 }, db);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const turns = reviewItemView(audit.id, r.id, next.ref, db).turns;
		expect(turns.map((t) => [t.role, t.row, t.toolCall ?? false, t.text])).toEqual([
			['user', null, false, 'weather?'],
			['assistant', 0, true, 'get_weather({"city":"Paris"})'],
			['tool', null, false, '{"temp":20}'],
			['assistant', 1, false, 'It is 20C.']
		]);
	});

	it('show an OpenAI reply with both text and tool_calls as its text and then its calls, marked a tool call', async () => {
		const row = {
			messages: [
				{ role: 'user', content: 'both?' },
				{
					role: 'assistant',
					content: 'Let me check both.',
					tool_calls: [
						{ id: 'c1', type: 'function', function: { name: 'f1', arguments: '' } },
						{ id: 'c2', type: 'function', function: { name: 'f2', arguments: '{"x":1}' } }
					]
				},
				{ role: 'tool', tool_call_id: 'c1', content: '1' },
				{ role: 'tool', tool_call_id: 'c2', content: '2' },
				{ role: 'assistant', content: 'One and two.' }
			]
		};
		const { datasetId } = await importFile(streamOf(JSON.stringify(row) + '\n'), { datasetName: 'chat-both', fileName: 'both.jsonl' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 1, seed: 1 }, db);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const turns = reviewItemView(audit.id, r.id, next.ref, db).turns;
		expect(turns.map((t) => [t.role, t.row, t.toolCall ?? false, t.text])).toEqual([
			['user', null, false, 'both?'],
			['assistant', 0, true, 'Let me check both.\n\nf1()\nf2({"x":1})'],
			['tool', null, false, '1'],
			['tool', null, false, '2'],
			['assistant', 1, false, 'One and two.']
		]);
	});

	it('SuperNI tasks are reviewed as quality items with their examples', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(superniTask(3))), { datasetName: 'ni', fileName: 'task003_x.json' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'quality', reviewerIds: [r.id], seed: 2 }, db);
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const view = reviewItemView(audit.id, r.id, next.ref, db);
		expect(view.instruction).toBe('Answer with the first letter (3).');
		expect(view.examples.map((e) => e.kind)).toEqual(['positive', 'negative']);
	});
});

describe('pairwise audits', () => {
	it('blind, the order shuffled per reviewer; the verdict is stored in the pair’s own order', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const reviewers = makeUsers(db, 6);
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: reviewers.map((r) => r.id), overlap: 6, seed: 3 }, db);
		expect(audit.models).toEqual(['completion_a', 'completion_b']);
		const orders = new Set<string>();
		for (const r of reviewers) {
			for (;;) {
				const next = nextAssignment(audit.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const view = reviewItemView(audit.id, r.id, next.ref, db);
				expect(view.responses.map((x) => x.model)).toEqual([null, null]);
				const itemId = db.$client.prepare('SELECT id FROM audit_items WHERE ref = ?').pluck().get(next.ref) as number;
				const order = responseOrder(2, r.id, itemId, true);
				orders.add(order.join(''));
				// The reviewer prefers whichever side shows the pair's first completion (the better one).
				const choice = order[0] === 0 ? 'A' : 'B';
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
				expect(reviewItemView(audit.id, r.id, next.ref, db).answer).toEqual({ kind: 'pairwise', choice, comment: '' });
			}
		}
		expect(orders.size).toBe(2);
		expect(db.$client.prepare('SELECT DISTINCT preference FROM audit_labels').pluck().all()).toEqual(['a']);
	});

	it('20 reviewers working at once leave exactly k labels per pair', async () => {
		const rows = Array.from({ length: 30 }, (_, i) => ({ user_input: `Prompt ${i}`, completion_a: `good ${i}`, completion_b: `bad ${i}` }));
		const { datasetId } = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'many', fileName: 'cmp.json' }, db);
		const reviewers = makeUsers(db, 20);
		const k = 3;
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: reviewers.map((r) => r.id), overlap: k, seed: 4, sampleSize: 30 }, db);
		// Interleaved: each round, every reviewer takes an item (holding leases), then all submit.
		for (let round = 0; round < 20; round++) {
			const held = reviewers.map((r) => ({ r, next: nextAssignment(audit.id, r.id, {}, db) }));
			for (const { r, next } of held.reverse()) {
				if (next.status !== 'assigned') continue;
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice: 'tie', comment: '' } }, {}, db);
			}
		}
		const counts = db.$client.prepare('SELECT count(l.id) FROM audit_items i LEFT JOIN audit_labels l ON l.item_id = i.id WHERE i.audit_id = ? GROUP BY i.id').pluck().all(audit.id);
		expect(counts).toEqual(Array(30).fill(k));
		const dupes = db.$client.prepare('SELECT count(*) FROM (SELECT item_id, reviewer_id FROM audit_labels GROUP BY 1, 2 HAVING count(*) > 1)').pluck().get();
		expect(dupes).toBe(0);
	});

	it('the pairs export takes the reviewers’ majority verdict over the source’s', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
		const [r] = makeUsers(db, 1);
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], seed: 5 }, db);
		for (;;) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') break;
			const itemId = db.$client.prepare('SELECT id FROM audit_items WHERE ref = ?').pluck().get(next.ref) as number;
			// Say the second completion is better (the source said the first).
			const order = responseOrder(2, r.id, itemId, true);
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice: order[0] === 1 ? 'A' : 'B', comment: '' } }, {}, db);
		}
		const out = startShapeExport({ datasetId, format: 'preference-pairs' }, db);
		const rows = [...out.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
		expect(rows.map((x) => [x.chosen, x.rejected])).toEqual([
			['Eat.', 'Sleep well.'],
			['Table.', 'Blue.']
		]);
	});
});

describe('pairs export of a pairwise audit with two reviewers', () => {
	// Per pair, what each reviewer says in the pair's own order: a split is not a tie, "both bad" is judged.
	const plan: [string, string][] = [
		['a', 'b'],
		['a', 'both_bad'],
		['tie', 'tie'],
		['both_bad', 'both_bad'],
		['b', 'b'],
		['tie', 'a']
	];
	async function judged() {
		const rows = plan.map((_, i) => ({ user_input: `Prompt ${i}`, completion_a: `first ${i}`, completion_b: `second ${i}` }));
		const { datasetId } = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'split', fileName: 'cmp.json' }, db);
		const reviewers = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 6, sampleSize: plan.length }, db);
		const firstPair = db.$client.prepare('SELECT min(id) FROM preference_pairs WHERE dataset_id = ?').pluck().get(datasetId) as number;
		reviewers.forEach((r, who) => {
			for (;;) {
				const next = nextAssignment(audit.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const item = db.$client.prepare('SELECT id, pair_id AS pairId FROM audit_items WHERE ref = ?').get(next.ref) as { id: number; pairId: number };
				const says = plan[item.pairId - firstPair][who];
				// The screen shows the pair in a per-reviewer order: say the pair's own side in it.
				const order = responseOrder(2, r.id, item.id, true);
				const choice = says === 'a' ? (order[0] === 0 ? 'A' : 'B') : says === 'b' ? (order[0] === 1 ? 'A' : 'B') : (says as 'tie' | 'both_bad');
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
			}
		});
		return datasetId;
	}

	it('one label of an unfinished k = 2 item does not outvote the source: its verdict stands until a label holds a majority of k', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify([{ prompt: 'Only one', chosen: 'source chose', rejected: 'source rejected' }])), { datasetName: 'unfinished', fileName: 'p.json' }, db);
		const reviewers = makeUsers(db, 2);
		const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 6, sampleSize: 1 }, db);
		const next = nextAssignment(audit.id, reviewers[0].id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const item = db.$client.prepare('SELECT id FROM audit_items WHERE ref = ?').pluck().get(next.ref) as number;
		// The first reviewer prefers the source's rejected response (the pair's side b).
		const order = responseOrder(2, reviewers[0].id, item, true);
		submitLabel(audit.id, reviewers[0].id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice: order[0] === 1 ? 'A' : 'B', comment: '' } }, {}, db);
		const rows = (ex: ReturnType<typeof startShapeExport>) => [...ex.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
		expect(rows(startShapeExport({ datasetId, format: 'preference-pairs' }, db))).toEqual([{ prompt: 'Only one', chosen: 'source chose', rejected: 'source rejected' }]);
	});

	it('a split between the reviewers is left out as a disagreement, never written or counted as a tie; "both bad" is counted as judged', async () => {
		const datasetId = await judged();
		const omit = startShapeExport({ datasetId, format: 'preference-pairs' }, db);
		const rows = [...omit.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
		expect(rows).toEqual([{ prompt: 'Prompt 4', chosen: 'second 4', rejected: 'first 4' }]);
		expect(omit.manifest().counts).toEqual({ records: 1, tiesLeftOut: 1, bothBadLeftOut: 1, disagreedLeftOut: 3, unjudgedLeftOut: 0, reviewersVerdicts: 6, sourceVerdictsReplaced: 6 });
		// Kept ties are only the real one: both reviewers said "about the same".
		const flag = startShapeExport({ datasetId, format: 'preference-pairs', ties: 'flag' }, db);
		const flagged = [...flag.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
		expect(flagged.filter((r) => r.tie).map((r) => r.prompt)).toEqual(['Prompt 2']);
		expect(flag.manifest().counts).toMatchObject({ records: 2, tiesLeftOut: 0, disagreedLeftOut: 3, bothBadLeftOut: 1 });
		expect(shapeLeftOutSummary(omit.manifest().counts)).toBe('; 1 tie left out; 3 pairs the reviewers disagreed on left out; 1 pair judged both bad left out');
	});
});

describe('reports of the new audits', () => {
	it('conversation correctness per reply position and as a whole; pairwise win/tie/loss and Bradley–Terry; report --json carries them', async () => {
		const { auditReport } = await import('../../src/lib/server/reports/reports');
		const conv = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'rc', fileName: 'sg.json' }, db);
		const reviewers = makeUsers(db, 2);
		const ca = createAudit({ datasetId: conv.datasetId, kind: 'conversation', reviewerIds: reviewers.map((r) => r.id), overlap: 2, seed: 1 }, db);
		for (const r of reviewers) {
			for (;;) {
				const next = nextAssignment(ca.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const n = reviewItemView(ca.id, r.id, next.ref, db).turns.filter((t) => t.row !== null).length;
				// A reply judged not valid is rated C (B, an acceptable response, would contradict it).
				const turns = Array.from({ length: n }, (_, i) => (i === 0 || r === reviewers[0] ? { valid: true, rating: 'B' as const } : { valid: false, rating: 'C' as const }));
				submitLabel(ca.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
			}
		}
		const cr = auditReport(ca.id, {}, db);
		expect(cr.conversation!.conversations.items).toBe(2);
		// Reviewer 1 says both conversations are correct, reviewer 2 neither: two ties.
		expect(cr.conversation!.conversations.majority).toMatchObject({ yes: 0, no: 0, tied: 2 });
		expect(cr.conversation!.conversations.label.proportion).toBe(0.5);
		expect(cr.conversation!.byPosition.map((p) => p.label.proportion)).toEqual([1, 0.5]);
		expect(cr.conversation!.byPosition[0].ratings).toEqual({ A: 0, B: 4, C: 0, D: 0 });
		// No item verdict to settle: no disagreement count (was 0 although the reviewers differ).
		expect(cr.disagreements).toBeNull();
		// The two ties are counted (basis.tied was 0), agreement on the conversation's verdict is given, for the audit and each reviewer.
		expect(cr.basis.tied).toBe(2);
		expect(cr.conversation!.agreement.percent).toEqual({ value: 0, items: 2, pairs: 2 });
		expect(cr.reviewers.map((r) => r.agreement.pairs)).toEqual([2, 2]);
		expect(cr.reviewers.map((r) => r.agreement.value)).toEqual([0, 0]);
		// Reply by reply they agree on each first reply, not on each second: per reviewer too, in the report and its CSV.
		expect(cr.reviewers.map((r) => r.replyAgreement)).toEqual([
			{ value: 0.5, pairs: 4, items: 4 },
			{ value: 0.5, pairs: 4, items: 4 }
		]);
		const { reportCsv } = await import('../../src/lib/server/reports');
		const replyRows = reportCsv(cr).split('\n').filter((l) => l.includes(',reply_agreement,'));
		expect(replyRows).toHaveLength(2);
		for (const row of replyRows) expect(row).toMatch(/Agreement with other reviewers on each reply,0\.5,.*4 shared replies/);
		const { auditMethods } = await import('../../src/lib/server/reports/methods');
		const convMethods = auditMethods(cr, db).paragraph;
		expect(convMethods).toContain('(2 conversations with an assistant reply when the sample was drawn)');
		expect(convMethods).toContain('By item majority, 0 of the 2 conversations had every reply judged valid and 2 were tied');
		expect(convMethods).toContain('Agreement between reviewers on whether every reply of a conversation is valid was 0.0%');
		expect(convMethods).not.toMatch(/adjudicated|instance per instruction/);

		const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: `Q${i}`, chosen: `x${i}`, rejected: `y${i}`, chosen_model: i % 3 ? 'big' : 'mid', rejected_model: i % 3 ? 'small' : 'big' }));
		const pairs = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'rp', fileName: 'p.json' }, db);
		const [p] = makeUsers(db, 1);
		const pa = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: [p.id], seed: 9, sampleSize: 12 }, db);
		let n = 0;
		for (;;) {
			const next = nextAssignment(pa.id, p.id, {}, db);
			if (next.status !== 'assigned') break;
			const choice = (['A', 'B', 'tie', 'both_bad'] as const)[n++ % 4];
			submitLabel(pa.id, p.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
		}
		const pr = auditReport(pa.id, {}, db);
		expect(pr.pairwise!.comparisons + pr.pairwise!.bothBad).toBe(12);
		expect(pr.pairwise!.bothBad).toBe(3);
		expect(pr.pairwise!.records.map((r) => `${r.first}-${r.second}`).sort()).toEqual(['big-mid', 'big-small']);
		expect(pr.pairwise!.bradleyTerry!.models.map((m) => m.model).sort()).toEqual(['big', 'mid', 'small']);
		expect(JSON.parse(JSON.stringify(pr)).pairwise.records[0].winRate.lower).toBeTypeOf('number');
		expect(pr.disagreements).toBeNull();
		const pairMethods = auditMethods(pr, db).paragraph;
		expect(pairMethods).toContain('We drew a simple random sample of 12 preference pairs (seed 9), at most one per prompt.');
		expect(pairMethods).toMatch(/big against mid, \d+ wins?, \d+ ties? and \d+ loss(es)? in \d+ comparisons?, a win rate of/);
		expect(pairMethods).not.toMatch(/adjudicated|instance per instruction/);

		// The labels downloads carry what reviewers answered in these kinds too.
		const { labelRecords, labelsDownload } = await import('../../src/lib/server/reports/downloads');
		const convLabels = labelRecords(ca.id, db);
		expect(convLabels).toHaveLength(4);
		for (const l of convLabels) {
			expect(l.turns!.map((t) => t.rating)).toEqual(l.turns!.map((t) => (t.valid ? 'B' : 'C')));
			expect(l.turns![0].valid).toBe(true);
			expect(l.turns!.slice(1).every((t) => t.valid === (l.reviewer_id === reviewers[0].id))).toBe(true);
		}
		const convCsv = [...labelsDownload(ca.id, 'csv', db)].join('');
		expect(convCsv.split('\n')[0]).toContain(',turns,');
		expect(convCsv).toMatch(/\d+:valid\/B \d+:not valid\/C/);
		const pairLabels = labelRecords(pa.id, db);
		expect(pairLabels.map((l) => l.pair!.preference).sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'both_bad', 'both_bad', 'both_bad', 'tie', 'tie', 'tie']);
		expect(new Set(pairLabels.map((l) => [l.pair!.model_a, l.pair!.model_b].sort().join(' vs ')))).toEqual(new Set(['big vs small', 'big vs mid']));
		expect(pairLabels.every((l) => l.turns === undefined)).toBe(true);
		const pairCsv = [...labelsDownload(pa.id, 'csv', db)].join('').split('\n');
		expect(pairCsv[0]).toContain(',preference,model_a,model_b,response_a_id,response_b_id,');
		expect(pairCsv.filter((line) => /,both_bad,/.test(line))).toHaveLength(3);
	});

	it('position bias: the labels record the side each reviewer chose as shown, and the report flags a reviewer who always picks the first', async () => {
		const { auditReport } = await import('../../src/lib/server/reports/reports');
		const { labelRecords, labelsDownload } = await import('../../src/lib/server/reports/downloads');
		const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: `Q${i}`, chosen: `x${i}`, rejected: `y${i}`, chosen_model: 'big', rejected_model: 'small' }));
		const pairs = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'side', fileName: 'p.json' }, db);
		const [left, fair] = makeUsers(db, 2);
		const pa = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: [left.id, fair.id], overlap: 2, seed: 4, sampleSize: 12 }, db);
		for (const r of [left, fair]) {
			let n = 0;
			for (;;) {
				const next = nextAssignment(pa.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				// One always presses A (the response shown first); the other alternates.
				const choice = r === left ? 'A' : n++ % 2 ? 'A' : 'B';
				submitLabel(pa.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
			}
		}
		const mine = labelRecords(pa.id, db).filter((l) => l.reviewer_id === left.id);
		expect(mine.every((l) => l.pair!.screen_choice === 'A' && l.pair!.preference === l.pair!.shown_first)).toBe(true);
		// The stored preference alone (pair order) hides it: both sides were chosen.
		expect(new Set(mine.map((l) => l.pair!.preference))).toEqual(new Set(['a', 'b']));
		const header = [...labelsDownload(pa.id, 'csv', db)].join('').split('\r\n')[0];
		expect(header).toContain(',preference,model_a,model_b,response_a_id,response_b_id,shown_first,screen_choice,');
		expect(header).not.toMatch(/rating:|instruction_valid/);
		const bias = auditReport(pa.id, {}, db).pairwise!.positionBias;
		expect(bias.map((b) => [b.reviewerId, b.choseFirst, b.decided, b.flagged])).toEqual([
			[left.id, 12, 12, true],
			[fair.id, 6, 12, false]
		]);
		expect(auditReport(pa.id, {}, db).pairwise!.positionUntested).toBeNull();

		// Not blind: every pair shown in its own order, so "shown first" is always the same model. A
		// reviewer who simply prefers it is not flagged for position: no position figure, and why.
		const fixed = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: [left.id], overlap: 1, seed: 5, sampleSize: 12, blind: false, name: 'not blind' }, db);
		for (;;) {
			const next = nextAssignment(fixed.id, left.id, {}, db);
			if (next.status !== 'assigned') break;
			submitLabel(fixed.id, left.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice: 'A', comment: '' } }, {}, db);
		}
		const notBlind = auditReport(fixed.id, {}, db).pairwise!;
		expect(notBlind.comparisons).toBe(12);
		expect(notBlind.positionBias).toEqual([]);
		expect(notBlind.positionUntested).toMatch(/^Position bias was not tested: the audit is not blind, so every reviewer saw each pair in the same fixed order/);
	});

	it('the items download gives each pair its leading choice and each conversation its verdicts, a split flagged as a tie, with only its own columns', async () => {
		const { auditItemsDownload } = await import('../../src/lib/server/reports/downloads');
		const { itemVerdicts } = await import('../../src/lib/server/reports/reports');
		const items = (auditId: number, format: 'csv' | 'jsonl') => [...auditItemsDownload(auditId, itemVerdicts(auditId, {}, db), format, db)].join('');
		const rows = Array.from({ length: 2 }, (_, i) => ({ prompt: `Q${i}`, chosen: `x${i}`, rejected: `y${i}`, chosen_model: 'big', rejected_model: 'small' }));
		const pairs = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'ip', fileName: 'p.json' }, db);
		const three = makeUsers(db, 3);
		const pa = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: three.map((r) => r.id), overlap: 3, seed: 2, sampleSize: 2 }, db);
		// Item 0: "about the same", "both bad" and one side, a three-way split; item 1: "about the same" three times.
		for (const [k, r] of three.entries()) {
			for (;;) {
				const next = nextAssignment(pa.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const first = db.$client.prepare('SELECT position FROM audit_items WHERE ref = ?').pluck().get(next.ref) === 0;
				const choice = first ? (['tie', 'both_bad', 'A'] as const)[k] : 'tie';
				submitLabel(pa.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
			}
		}
		const pairJson = items(pa.id, 'jsonl').trim().split('\n').map((l) => JSON.parse(l));
		expect(pairJson.map((v) => [v.position, v.tie, v.pairwise.preference, v.pairwise.chose.tie])).toEqual([
			[0, true, null, 1],
			[1, false, 'tie', 3]
		]);
		expect(pairJson.every((v) => v.ratingsByResponse === undefined)).toBe(true);
		const pairCsv = items(pa.id, 'csv').split('\r\n');
		expect(pairCsv[0]).toBe('itemId,taskId,position,stratum,labels,basis,tie,modelA,modelB,preference,preferredModel,choseA,choseB,choseTie,choseBothBad');
		expect(pairCsv[1]).toMatch(/,3,majority,true,(big,small|small,big),,,\d,\d,1,1$/);

		const conv = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'ic', fileName: 'sg.json' }, db);
		const two = makeUsers(db, 2);
		const ca = createAudit({ datasetId: conv.datasetId, kind: 'conversation', reviewerIds: two.map((r) => r.id), overlap: 2, seed: 1 }, db);
		for (const r of two) {
			for (;;) {
				const next = nextAssignment(ca.id, r.id, {}, db);
				if (next.status !== 'assigned') break;
				const n = reviewItemView(ca.id, r.id, next.ref, db).turns.filter((t) => t.row !== null).length;
				const turns = Array.from({ length: n }, (_, i) => (i === 0 || r === two[0] ? { valid: true, rating: 'B' as const } : { valid: false, rating: 'C' as const }));
				submitLabel(ca.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
			}
		}
		const convJson = items(ca.id, 'jsonl').trim().split('\n').map((l) => JSON.parse(l));
		for (const v of convJson) {
			expect(v.tie).toBe(true);
			expect(v.ties).toEqual(['conversation', 'reply 2']);
			expect(v.conversation).toEqual({ conversation: { valid: null, tie: true }, replies: [{ reply: 1, valid: true, tie: false }, { reply: 2, valid: null, tie: true }] });
		}
		const convCsv = items(ca.id, 'csv').split('\r\n');
		expect(convCsv[0]).toBe('itemId,taskId,position,stratum,labels,basis,tie,conversationValid,replies,ties');
		expect(convCsv[1]).toMatch(/,2,majority,true,,1:valid 2:tie,conversation reply 2$/);
	});
});
