import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, snapshotDb } from '../support/db';
import { transaction, type Db } from '../../src/lib/server/db';
import { getOrCreateDataset } from '../../src/lib/server/datasets/datasets';
import { RowWriter } from '../../src/lib/server/datasets/rows';
import { ShapeRowWriter, writeShapeRows, type PlacedRecord } from '../../src/lib/server/datasets/shape-rows';
import { chunksOf, parseImport, type ParsedPair, type ParsedRecord, type ParsedTask, type ParsedTurn } from '../../src/lib/formats';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

async function parse(text: string, fileName: string): Promise<ParsedRecord[]> {
	const out: ParsedRecord[] = [];
	for await (const r of parseImport(chunksOf(text, 64), { fileName })) out.push(r);
	return out;
}

const superni = JSON.stringify(
	{
		Contributors: ['X'],
		Definition: ['Answer with the first letter.'],
		'Positive Examples': [{ input: 'apple', output: 'a', explanation: 'a starts apple.' }],
		'Negative Examples': [{ input: 'pear', output: 'e', explanation: 'e is second.', suggestion: 'Look at the start.' }],
		Instances: [
			{ id: 'task1-0', input: 'kiwi', output: ['k'] },
			{ id: 'task1-1', input: 'Owl', output: ['O', 'o'] }
		],
		'Instance License': ['MIT']
	},
	null,
	4
);

const sharegpt = JSON.stringify([
	{
		id: 'c1',
		conversations: [
			{ from: 'system', value: 'Be brief.' },
			{ from: 'human', value: 'Hi' },
			{ from: 'gpt', value: 'Hello' },
			{ from: 'human', value: 'Name a fruit' },
			{ from: 'chatgpt', value: 'Kiwi', markdown: '<p>Kiwi</p>' },
			{ from: 'human', value: 'Another?' }
		]
	}
]);

const comparison = JSON.stringify([
	{ user_input: 'Give a tip.', completion_a: 'Sleep.', completion_b: 'Eat.' },
	{ user_input: 'Give a tip.', completion_a: 'Walk.', completion_b: 'Sit.', model_a: 'gpt-4', model_b: 'opt-iml', score_a: 9, score_b: 4 }
]);

/** What the import path does for these records: tasks and instances through RowWriter, ids handed on. */
function place(records: ParsedRecord[], datasetId: number): PlacedRecord[] {
	const rows = new RowWriter(db);
	const placed: PlacedRecord[] = [];
	for (const record of records) {
		if (record.kind === 'response') continue;
		const taskId = rows.insertTask({ datasetId, instruction: record.instruction, origin: 'imported', sourceId: record.kind === 'task' ? (record.sourceId ?? null) : null });
		if (record.kind === 'pair') placed.push({ record, taskId });
		else placed.push({ record, taskId, instanceIds: record.instances.map((i) => rows.insertInstance({ taskId, datasetId, input: i.input, output: i.output })) });
	}
	rows.flush();
	return placed;
}

function dataset(name = 'shapes'): number {
	return getOrCreateDataset(name, null, db).dataset.id;
}

describe('ShapeRowWriter: the rows the new shapes add, written inside the caller’s transaction', () => {
	it('SuperNI: examples in order with their extras, instance ids and every reference output', async () => {
		const id = dataset();
		const records = await parse(superni, 'task1_first_letter.json');
		const counts = transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, place(records, id)));
		expect(counts).toMatchObject({ examples: 2, instancesDescribed: 2, conversations: 0, pairs: 0 });
		const c = db.$client;
		expect(c.prepare('SELECT kind, position, input, output, explanation, extra FROM task_examples ORDER BY id').all()).toEqual([
			{ kind: 'positive', position: 0, input: 'apple', output: 'a', explanation: 'a starts apple.', extra: null },
			{ kind: 'negative', position: 0, input: 'pear', output: 'e', explanation: 'e is second.', extra: '{"suggestion":"Look at the start."}' }
		]);
		expect(c.prepare('SELECT output, source_id, reference_outputs FROM instances ORDER BY id').all()).toEqual([
			{ output: 'k', source_id: 'task1-0', reference_outputs: null },
			{ output: 'O', source_id: 'task1-1', reference_outputs: '["O","o"]' }
		]);
		// The same task file again (its task found, its instances skipped as duplicates): no second set of examples.
		const [task] = records as ParsedTask[];
		const taskId = (c.prepare('SELECT id FROM tasks').get() as { id: number }).id;
		const again = transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, [{ record: task, taskId, instanceIds: [null, null] }]));
		expect(again).toMatchObject({ examples: 0, instancesDescribed: 0 });
		expect(c.prepare('SELECT count(*) FROM task_examples').pluck().get()).toBe(2);
	});

	it('conversations: every turn in order, speaker names, warnings and extras kept; the same conversation twice is one', async () => {
		const id = dataset();
		const records = await parse(sharegpt, 'sg.json');
		const writer = new ShapeRowWriter(db);
		const counts = transaction(db, () => writer.write({ datasetId: id, importId: null, now: 1000 }, place(records, id)));
		expect(counts).toMatchObject({ conversations: 1, turns: 6, duplicateConversations: 0 });
		const c = db.$client;
		const conversation = c.prepare('SELECT * FROM conversations').get() as Record<string, unknown>;
		expect(conversation).toMatchObject({ dataset_id: id, source_id: 'c1', turn_count: 6, created_at: 1000 });
		expect(JSON.parse(conversation.warnings as string)).toEqual(['the last user turn (conversations[5]) has no reply']);
		expect(conversation.instance_id).toBe((c.prepare('SELECT id FROM instances').get() as { id: number }).id);
		const turns = c.prepare('SELECT position, role, content, source_role, extra FROM conversation_turns ORDER BY position').all();
		expect(turns).toEqual([
			{ position: 0, role: 'system', content: 'Be brief.', source_role: null, extra: null },
			{ position: 1, role: 'user', content: 'Hi', source_role: null, extra: null },
			{ position: 2, role: 'assistant', content: 'Hello', source_role: null, extra: null },
			{ position: 3, role: 'user', content: 'Name a fruit', source_role: null, extra: null },
			{ position: 4, role: 'assistant', content: 'Kiwi', source_role: 'chatgpt', extra: '{"markdown":"<p>Kiwi</p>"}' },
			{ position: 5, role: 'user', content: 'Another?', source_role: null, extra: null }
		]);
		// Read back, the turns are the parsed ones.
		const back: ParsedTurn[] = (turns as { role: ParsedTurn['role']; content: string; source_role: string | null; extra: string | null }[]).map((t) => {
			const turn: ParsedTurn = { role: t.role, content: t.content };
			if (t.source_role) turn.sourceRole = t.source_role;
			if (t.extra) turn.extra = JSON.parse(t.extra);
			return turn;
		});
		expect(back).toEqual((records[0] as ParsedTask).conversation!.turns);
		const again = transaction(db, () => writer.write({ datasetId: id, importId: null }, place(records, id)));
		expect(again).toMatchObject({ conversations: 0, duplicateConversations: 1 });
		expect(c.prepare('SELECT count(*) FROM conversation_turns').pluck().get()).toBe(6);
		// Another dataset may hold the same conversation.
		const other = dataset('other');
		expect(transaction(db, () => writer.write({ datasetId: other, importId: null }, place(records, other)))).toMatchObject({ conversations: 1 });
	});

	it('a long conversation (more turns than one INSERT takes) keeps every turn, in order', async () => {
		const id = dataset();
		const turns = Array.from({ length: 37 }, (_, i) => ({ from: i % 2 ? 'gpt' : 'human', value: `turn ${i}` }));
		const records = await parse(JSON.stringify([{ id: 'long', conversations: turns }]), 'long.json');
		const counts = transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, place(records, id)));
		expect(counts).toMatchObject({ conversations: 1, turns: 37 });
		const stored = db.$client.prepare('SELECT position, role, content FROM conversation_turns ORDER BY position').all() as { position: number; role: string; content: string }[];
		expect(stored.map((t) => t.position)).toEqual(turns.map((_, i) => i));
		expect(stored.map((t) => t.content)).toEqual(turns.map((t) => t.value));
		expect(stored[36].role).toBe('user');
	});

	it('pairs: two responses (named models, or the source’s field names) and the pair with the source’s verdict and scores', async () => {
		const id = dataset();
		const records = await parse(comparison, 'comparision_data.json');
		const counts = transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, place(records, id)));
		expect(counts).toMatchObject({ pairs: 2, duplicatePairs: 0 });
		const c = db.$client;
		const rows = c
			.prepare(
				`SELECT p.prompt, p.source_preferred AS preferred, p.source_score_a AS sa, p.source_score_b AS sb, a.model AS ma, a.response AS ra, b.model AS mb, b.response AS rb
				 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id ORDER BY p.id`
			)
			.all();
		expect(rows).toEqual([
			{ prompt: 'Give a tip.', preferred: 'a', sa: null, sb: null, ma: 'completion_a', ra: 'Sleep.', mb: 'completion_b', rb: 'Eat.' },
			{ prompt: 'Give a tip.', preferred: 'a', sa: 9, sb: 4, ma: 'gpt-4', ra: 'Walk.', mb: 'opt-iml', rb: 'Sit.' }
		]);
		const pairs = records as ParsedPair[];
		const taskIds = (c.prepare('SELECT task_id FROM preference_pairs ORDER BY id').pluck().all() as number[]);
		const again = transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, pairs.map((record, i) => ({ record, taskId: taskIds[i] }))));
		expect(again).toMatchObject({ pairs: 0, duplicatePairs: 2 });
		expect(c.prepare('SELECT count(*) FROM responses').pluck().get()).toBe(4);
	});

	it('has no transaction of its own: a failure later in the caller’s batch rolls its rows back too', async () => {
		const id = dataset();
		const before = snapshotDb(db);
		const records = [...(await parse(sharegpt, 'sg.json')), ...(await parse(comparison, 'c.json')), ...(await parse(superni, 'task1.json'))];
		expect(() =>
			transaction(db, () => {
				writeShapeRows(db, { datasetId: id, importId: null }, place(records, id));
				expect(db.$client.prepare('SELECT count(*) FROM conversation_turns').pluck().get()).toBe(6);
				throw new Error('the batch fails after the shape rows were written');
			})
		).toThrow('the batch fails');
		expect(snapshotDb(db)).toBe(before);
	});

	it('deleting the dataset removes every row it added (cascades)', async () => {
		const id = dataset();
		const records = [...(await parse(sharegpt, 'sg.json')), ...(await parse(comparison, 'c.json')), ...(await parse(superni, 'task1.json'))];
		transaction(db, () => writeShapeRows(db, { datasetId: id, importId: null }, place(records, id)));
		db.$client.prepare('DELETE FROM datasets WHERE id = ?').run(id);
		for (const table of ['conversations', 'conversation_turns', 'preference_pairs', 'task_examples', 'responses', 'instances', 'tasks'])
			expect(db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
	});
});
