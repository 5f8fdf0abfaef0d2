import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { importFile, importFiles, ImportError } from '../../src/lib/server/datasets/import';
import { getOrCreateDataset } from '../../src/lib/server/datasets/datasets';
import { listTasks } from '../../src/lib/server/datasets/browse';
import type { Db } from '../../src/lib/server/db';
import { comparisonRows, sharegptRows, superniTask } from './shape-fixtures';
import { validate } from '../support/json-schema';
import { createHash } from 'node:crypto';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const count = (table: string) => db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('importing the richer shapes whole', () => {
	it('a SuperNI task file: definition as the instruction, examples, every instance and every reference output', async () => {
		const summary = await importFile(streamOf(JSON.stringify(superniTask(1), null, 4), 33), { datasetName: 'ni', fileName: 'task001_first_letter.json' }, db);
		expect(summary).toMatchObject({ format: 'superni', tasksAdded: 1, instancesAdded: 2, examplesAdded: 2, files: 1 });
		const task = db.$client.prepare('SELECT instruction, source_id FROM tasks').get();
		expect(task).toEqual({ instruction: 'Answer with the first letter (1).', source_id: 'task001_first_letter' });
		expect(db.$client.prepare('SELECT source_id, output, reference_outputs FROM instances ORDER BY id').all()).toEqual([
			{ source_id: 'task1-0', output: 'k', reference_outputs: null },
			{ source_id: 'task1-1', output: 'O', reference_outputs: '["O","o"]' }
		]);
		expect(count('task_examples')).toBe(2);
	});

	it('a folder of task files is one import; a malformed file names file, field and instance index and imports nothing', async () => {
		const files = [1, 2, 3].map((n) => ({ fileName: `task00${n}_x.json`, source: streamOf(JSON.stringify(superniTask(n))) }));
		const summary = await importFiles(files, { datasetName: 'ni', fileName: 'tasks/' }, db);
		expect(summary).toMatchObject({ format: 'superni', tasksAdded: 3, instancesAdded: 6, examplesAdded: 6, files: 3 });

		const before = snapshotDb(db);
		const bad = superniTask(5, [{ id: 'task5-0', input: 'ok', output: ['o'] }, { id: 'task5-1', input: 'bad', output: 7 as unknown as string[] }]);
		const error = await importFiles(
			[
				{ fileName: 'task004_fine.json', source: streamOf(JSON.stringify(superniTask(4))) },
				{ fileName: 'task005_bad.json', source: streamOf(JSON.stringify(bad, null, 2)) }
			],
			{ datasetName: 'ni', fileName: 'tasks/' },
			db
		).catch((e) => e);
		expect(error).toBeInstanceOf(ImportError);
		expect(error.file).toBe('task005_bad.json');
		expect(error.message).toMatch(/^task005_bad\.json: /);
		expect(error.message).toContain('Instances[1]');
		expect(snapshotDb(db)).toBe(before);
	});

	it('ShareGPT: every turn kept, a warning for turns that do not alternate, nothing dropped', async () => {
		const summary = await importFile(streamOf(JSON.stringify(sharegptRows), 20), { datasetName: 'chats', fileName: 'sharegpt.json' }, db);
		expect(summary).toMatchObject({ format: 'sharegpt', conversationsAdded: 2, turnsAdded: 8, tasksAdded: 2 });
		const conversations = db.$client.prepare('SELECT source_id, turn_count, warnings FROM conversations ORDER BY id').all() as { source_id: string; turn_count: number; warnings: string | null }[];
		expect(conversations.map((c) => [c.source_id, c.turn_count])).toEqual([['c1', 4], ['c2', 4]]);
		expect(conversations[0].warnings).toBeNull();
		expect(JSON.parse(conversations[1].warnings!).length).toBeGreaterThan(0);
		// The same file again: nothing new.
		const again = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sharegpt.json' }, db);
		expect(again).toMatchObject({ conversationsAdded: 0, turnsAdded: 0 });
		expect(count('conversations')).toBe(2);
	});

	it("a conversation's later turns are searched, and stay searchable when the task gains instances", async () => {
		const chat = (first: string, later: string) => ({
			messages: [
				{ role: 'user', content: 'Plan a trip.' },
				{ role: 'assistant', content: first },
				{ role: 'user', content: 'And the food?' },
				{ role: 'assistant', content: later }
			]
		});
		const summary = await importFile(streamOf(jsonl([chat('Start in Lisbon.', 'Try the pastéis de nata.')])), { datasetName: 'trips', fileName: 'chat.jsonl' }, db);
		const found = (q: string) => listTasks(summary.datasetId, { q }, db).rows.length;
		// "Lisbon" is the instance's output; "pastéis" and "food" only in later turns.
		expect([found('lisbon'), found('pasteis'), found('food')]).toEqual([1, 1, 1]);
		// The same task gains another conversation, as a plain row and as a chat: the turns stay.
		await importFile(streamOf(jsonl([{ instruction: 'Plan a trip.', input: '', output: 'Go north.' }])), { datasetName: 'trips', fileName: 'rows.jsonl' }, db);
		expect([found('pasteis'), found('north')]).toEqual([1, 1]);
		await importFile(streamOf(jsonl([chat('Start in Porto.', 'Francesinha, then.')])), { datasetName: 'trips', fileName: 'chat2.jsonl' }, db);
		expect([found('pasteis'), found('francesinha'), found('porto')]).toEqual([1, 1, 1]);
		expect(count('task_search')).toBe(1);
	});

	it('OpenAI chat rows keep every turn too', async () => {
		const rows = [{ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }] }];
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'chat', fileName: 'chat.jsonl' }, db);
		expect(summary).toMatchObject({ format: 'chat', conversationsAdded: 1, turnsAdded: 4, instancesAdded: 1 });
	});

	it('comparison data: pairs with both responses, the preferred one as the instance output', async () => {
		const summary = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'comparision_data.json' }, db);
		expect(summary).toMatchObject({ format: 'comparison', pairsAdded: 2, responsesAdded: 4, tasksAdded: 2, instancesAdded: 2 });
		expect(db.$client.prepare('SELECT output FROM instances ORDER BY id').pluck().all()).toEqual(['Sleep well.', 'Blue.']);
		expect(db.$client.prepare('SELECT source_preferred FROM preference_pairs').pluck().all()).toEqual(['a', 'a']);
		expect(db.$client.prepare('SELECT DISTINCT model FROM responses ORDER BY model').pluck().all()).toEqual(['completion_a', 'completion_b']);
	});

	it('a malformed conversation or pair fails with its item and field, and imports nothing', async () => {
		getOrCreateDataset('existing', null, db);
		const before = snapshotDb(db);
		const badChat = [sharegptRows[0], { id: 'c3', conversations: [{ from: 'human', value: 'x' }, { from: 'gpt', value: 3 }] }];
		const e1 = await importFile(streamOf(JSON.stringify(badChat)), { datasetName: 'existing', fileName: 'sg.json' }, db).catch((e) => e);
		expect(e1).toBeInstanceOf(ImportError);
		expect(e1.message).toMatch(/^sg\.json: item 1 .*conversations\[1\]\.value/);
		const badPair = [comparisonRows[0], { user_input: 'x', completion_a: 'y' }];
		const e2 = await importFile(streamOf(JSON.stringify(badPair)), { datasetName: 'existing', fileName: 'cmp.json' }, db).catch((e) => e);
		expect(e2).toBeInstanceOf(ImportError);
		expect(e2.message).toMatch(/^cmp\.json: item 1 .*completion_b/);
		expect(snapshotDb(db)).toBe(before);
	});
});

describe('the task page reads the shapes back', () => {
	it('examples, conversation turns and pairs, with long texts clipped', async () => {
		const { getTaskDetail, taskPageView } = await import('../../src/lib/server/datasets/browse');
		const { datasetShapeCounts } = await import('../../src/lib/server/datasets/statistics');
		const long = 'x'.repeat(20_000);
		const rows = [{ id: 'c9', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: long }] }];
		const s1 = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'mixed', fileName: 'sg.json' }, db);
		const taskId = db.$client.prepare('SELECT task_id FROM conversations').pluck().get() as number;
		const view = taskPageView(getTaskDetail(s1.datasetId, taskId, db)!);
		expect(view.conversations[0].turns.map((t) => [t.role, t.content.length, t.content.text.length])).toEqual([
			['user', 2, 2],
			['assistant', 20_000, 10_000]
		]);
		await importFile(streamOf(JSON.stringify(superniTask(7))), { datasetName: 'mixed', fileName: 'task007_x.json' }, db);
		await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'mixed', fileName: 'cmp.json' }, db);
		expect(datasetShapeCounts(s1.datasetId, db)).toEqual({ examples: 2, conversations: 1, turns: 2, pairs: 2 });
		const niTask = db.$client.prepare("SELECT id FROM tasks WHERE source_id = 'task007_x'").pluck().get() as number;
		const ni = taskPageView(getTaskDetail(s1.datasetId, niTask, db)!);
		expect(ni.examples.map((e) => e.kind)).toEqual(['positive', 'negative']);
		expect(ni.instances[1].referenceOutputs.map((r) => r.text)).toEqual(['O', 'o']);
		const pairTask = db.$client.prepare('SELECT task_id FROM preference_pairs ORDER BY id').pluck().get() as number;
		const pv = taskPageView(getTaskDetail(s1.datasetId, pairTask, db)!);
		expect(pv.pairs[0]).toMatchObject({ modelA: 'completion_a', modelB: 'completion_b', sourcePreferred: 'a' });

		// A turn that only calls a tool shows the call, not just an empty text.
		const toolChat = {
			messages: [
				{ role: 'user', content: 'Weather?' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: '18°C' },
				{ role: 'assistant', content: 'It is 18°C.' }
			]
		};
		await importFile(streamOf(JSON.stringify(toolChat) + '\n'), { datasetName: 'tools', fileName: 'chat.jsonl' }, db);
		const toolTask = db.$client.prepare("SELECT c.task_id FROM conversations c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = 'tools'").pluck().get() as number;
		const toolDataset = db.$client.prepare("SELECT id FROM datasets WHERE name = 'tools'").pluck().get() as number;
		const tv = taskPageView(getTaskDetail(toolDataset, toolTask, db)!);
		const turns = tv.conversations[0].turns;
		expect(turns[1].content.text).toBe('');
		expect(JSON.parse(turns[1].extra!.text)).toEqual({ tool_calls: toolChat.messages[1].tool_calls });
		expect(turns[1].extra!.text).toContain('\n  "tool_calls"');
		expect(JSON.parse(turns[2].extra!.text)).toEqual({ tool_call_id: 'c1' });
		expect(turns[0].extra).toBeNull();
		// Nothing about the order; the first reply only calls a tool, which is said (it was not).
		expect(tv.conversations[0].warnings).toEqual([expect.stringMatching(/^the first reply \(messages\[1\]\) only calls a tool/)]);
	});
});

describe('import → export → import gives the same records', async () => {
	const fs = await import('node:fs');
	const os = await import('node:os');
	const path = await import('node:path');
	const { writeShapeExport, startShapeExport } = await import('../../src/lib/server/exports/shapes');
	const { writeExportFile, countExport } = await import('../../src/lib/server/exports/export');
	let dir: string;
	beforeEach(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapes-rt-'));
	});
	afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

	const turnsOf = (datasetId: number) =>
		db.$client
			.prepare(
				`SELECT c.source_id, t.position, t.role, t.content, t.source_role FROM conversations c JOIN conversation_turns t ON t.conversation_id = c.id
				 WHERE c.dataset_id = ? ORDER BY c.id, t.position`
			)
			.all(datasetId);
	const fileSource = (file: string) => streamOf(fs.readFileSync(file));
	const fileEntry = (file: string) => {
		const bytes = fs.readFileSync(file);
		return { name: path.basename(file), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
	};
	const rowManifestSchema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));
	const shapeManifestSchema = JSON.parse(fs.readFileSync('docs/schemas/shape-export-manifest.schema.json', 'utf8'));

	it('ShareGPT and OpenAI chat with every turn', async () => {
		const first = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'a', fileName: 'sg.json' }, db);
		await writeShapeExport({ datasetId: first.datasetId, format: 'sharegpt' }, path.join(dir, 'a.jsonl'), db);
		const second = await importFile(fileSource(path.join(dir, 'a.jsonl')), { datasetName: 'b', fileName: 'a.jsonl' }, db);
		expect(second.format).toBe('sharegpt');
		expect(turnsOf(second.datasetId)).toEqual(turnsOf(first.datasetId));
		const chat = await writeShapeExport({ datasetId: first.datasetId, format: 'chat-conversations' }, path.join(dir, 'c.jsonl'), db);
		expect(chat.manifest.files).toEqual([fileEntry(path.join(dir, 'c.jsonl'))]);
		expect(validate(shapeManifestSchema, JSON.parse(fs.readFileSync(chat.manifestFile, 'utf8')))).toEqual([]);
		const third = await importFile(fileSource(path.join(dir, 'c.jsonl')), { datasetName: 'c', fileName: 'c.jsonl' }, db);
		expect(third.format).toBe('chat');
		const strip = (rows: unknown[]) => (rows as { source_id: string | null }[]).map((r) => ({ ...r, source_id: null }));
		expect(strip(turnsOf(third.datasetId))).toEqual(strip(turnsOf(first.datasetId)));
		// And the flat formats still export the first exchange.
		writeExportFile({ datasetId: first.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'flat.jsonl'), {}, db);
		expect(fs.readFileSync(path.join(dir, 'flat.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([
			{ instruction: 'Hi <b>there</b>', input: '', output: 'Hello' },
			{ instruction: 'Count to two', input: '', output: '1, 2' }
		]);
	});

	it('whole shapes keep the source ids and turn fields and make none up; a flat export counts the system turns it leaves out', async () => {
		const sg = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'sg', fileName: 'sg.json' }, db);
		await writeShapeExport({ datasetId: sg.datasetId, format: 'chat-conversations' }, path.join(dir, 'sg.chat.jsonl'), db);
		const ids = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
		expect(ids('sg.chat.jsonl')).toEqual(sharegptRows.map((r) => r.id));

		const rows = [
			{ messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Sky colour?' }, { role: 'assistant', content: ' Blue. ' }] },
			{ messages: [{ role: 'user', content: 'Say hi.' }, { role: 'assistant', content: 'Bad draft', weight: 0 }, { role: 'user', content: 'Again.' }, { role: 'assistant', content: 'Hi', weight: 1 }] }
		];
		const chat = await importFile(streamOf(jsonl(rows)), { datasetName: 'chat', fileName: 'chat.jsonl' }, db);
		await writeShapeExport({ datasetId: chat.datasetId, format: 'sharegpt' }, path.join(dir, 'chat.sg.jsonl'), db);
		const written = fs.readFileSync(path.join(dir, 'chat.sg.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(written.map((r) => r.id)).toEqual([undefined, undefined]);
		expect(written[1].conversations[1]).toEqual({ from: 'gpt', value: 'Bad draft', weight: 0 });
		expect(written[0].conversations[0]).toEqual({ from: 'system', value: 'You are terse.' });

		const file = path.join(dir, 'flat.chat.jsonl');
		const { manifest } = writeExportFile({ datasetId: chat.datasetId, filters: {}, format: 'openai-chat' }, file, {}, db);
		expect(manifest.counts).toMatchObject({ rows: 1, systemMessagesLeftOut: 1 });
		expect(validate(rowManifestSchema, JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8')))).toEqual([]);
		const plain = writeExportFile({ datasetId: sg.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'sg.flat.jsonl'), {}, db);
		expect(plain.manifest.counts.systemMessagesLeftOut).toBe(sharegptRows.filter((r) => r.conversations.some((t) => t.from === 'system')).length);
		const jsonlToo = writeExportFile({ datasetId: chat.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'none.jsonl'), {}, db);
		expect(jsonlToo.manifest.counts.systemMessagesLeftOut).toBe(1);
	});

	it('single-turn exports of chat rows leave out a first reply marked weight 0 or that only calls a tool, and the manifest counts them', async () => {
		const rows = [
			{ messages: [{ role: 'user', content: 'Name a planet.' }, { role: 'assistant', content: 'Mars' }] },
			{ messages: [{ role: 'user', content: 'Say hi.' }, { role: 'assistant', content: 'Bad draft', weight: 0 }, { role: 'user', content: 'Again.' }, { role: 'assistant', content: 'Hi', weight: 1 }] },
			{
				messages: [
					{ role: 'user', content: 'Weather in Paris?' },
					{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
					{ role: 'tool', content: 'Sunny', tool_call_id: 'c1' },
					{ role: 'assistant', content: 'It is sunny.' }
				]
			}
		];
		const first = await importFile(streamOf(jsonl(rows)), { datasetName: 'tools', fileName: 'chat.jsonl' }, db);
		expect(first).toMatchObject({ format: 'chat', instancesAdded: 3 });
		for (const format of ['jsonl', 'openai-chat'] as const) {
			const file = path.join(dir, `single.${format}.jsonl`);
			const { manifest } = writeExportFile({ datasetId: first.datasetId, filters: {}, format }, file, {}, db);
			const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
			expect(lines).toHaveLength(1);
			expect(JSON.stringify(lines[0])).toContain('Mars');
			expect(manifest.counts).toMatchObject({ rows: 1, instances: 1, untrainableTargetsLeftOut: 2 });
			expect(validate(rowManifestSchema, JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8')))).toEqual([]);
		}
		// The page's count is what the file gets.
		expect(countExport({ datasetId: first.datasetId, filters: {} }, db)).toMatchObject({ rows: 1, instances: 1 });
		// The whole conversations still go out whole.
		const whole = await writeShapeExport({ datasetId: first.datasetId, format: 'chat-conversations' }, path.join(dir, 'whole.jsonl'), db);
		expect(whole.manifest.counts.records).toBe(3);
		// Through ShareGPT and back, the weight-0 reply is still one (it came back as an unknown extra field).
		await writeShapeExport({ datasetId: first.datasetId, format: 'sharegpt' }, path.join(dir, 'whole.sharegpt.jsonl'), db);
		const viaShareGpt = await importFile(streamOf(fs.readFileSync(path.join(dir, 'whole.sharegpt.jsonl'))), { datasetName: 'via sharegpt', fileName: 'sg.jsonl' }, db);
		expect(viaShareGpt.format).toBe('sharegpt');
		const again = writeExportFile({ datasetId: viaShareGpt.datasetId, filters: {}, format: 'openai-chat' }, path.join(dir, 'again.jsonl'), {}, db);
		expect(again.manifest.counts).toMatchObject({ rows: 1, instances: 1, untrainableTargetsLeftOut: 2 });
		// A dataset without such replies has no such count.
		const plain = await importFile(streamOf(jsonl([rows[0]])), { datasetName: 'plain', fileName: 'chat.jsonl' }, db);
		const { manifest } = writeExportFile({ datasetId: plain.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'plain.jsonl'), {}, db);
		expect(manifest.counts).not.toHaveProperty('untrainableTargetsLeftOut');
	});

	it('a ShareGPT function_call turn is a tool call: left out of single-turn exports, written as tool_calls in chat-conversations, a call that is not JSON leaves its conversation out', async () => {
		const call = (id: string, question: string, text: string, result: string, answer: string) => ({
			id,
			conversations: [
				{ from: 'human', value: question },
				{ from: 'function_call', value: text },
				{ from: 'observation', value: result },
				{ from: 'gpt', value: answer }
			]
		});
		const rows = [
			{ id: 'c5', conversations: [{ from: 'human', value: 'Name a planet.' }, { from: 'gpt', value: 'Mars' }] },
			call('c6', 'weather?', '{"name":"w","arguments":{"city":"Paris"}}', 'sunny', 'It is sunny.'),
			call('c7', 'time?', 'ask the clock', '12:00', 'Noon.')
		];
		const first = await importFile(streamOf(jsonl(rows)), { datasetName: 'calls', fileName: 'sg.jsonl' }, db);
		expect(first).toMatchObject({ format: 'sharegpt', instancesAdded: 3 });
		// Single-turn: the call is not the answer to "weather?".
		const file = path.join(dir, 'single.jsonl');
		const single = writeExportFile({ datasetId: first.datasetId, filters: {}, format: 'jsonl' }, file, {}, db);
		expect(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ instruction: 'Name a planet.', input: '', output: 'Mars' }]);
		expect(single.manifest.counts).toMatchObject({ rows: 1, instances: 1, untrainableTargetsLeftOut: 2 });
		expect(countExport({ datasetId: first.datasetId, filters: {} }, db)).toMatchObject({ rows: 1, instances: 1 });
		// Chat: OpenAI's tool_calls and a tool message answering the call by its id.
		const chatFile = path.join(dir, 'calls.chat.jsonl');
		const chat = await writeShapeExport({ datasetId: first.datasetId, format: 'chat-conversations' }, chatFile, db);
		expect(chat.manifest.counts).toEqual({ records: 2, unreadableToolCallsLeftOut: 1 });
		expect(validate(shapeManifestSchema, JSON.parse(fs.readFileSync(`${chatFile}.manifest.json`, 'utf8')))).toEqual([]);
		const lines = fs.readFileSync(chatFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(lines.map((l) => l.id)).toEqual(['c5', 'c6']);
		expect(lines[1].messages).toEqual([
			{ role: 'user', content: 'weather?' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'w', arguments: '{"city":"Paris"}' } }] },
			{ role: 'tool', content: 'sunny', tool_call_id: 'call_0' },
			{ role: 'assistant', content: 'It is sunny.' }
		]);
		// Read back, it is stored as an OpenAI chat row with a tool call is.
		const back = await importFile(fileSource(chatFile), { datasetName: 'calls back', fileName: 'calls.chat.jsonl' }, db);
		const turns = db.$client
			.prepare("SELECT t.role, t.content, t.extra FROM conversation_turns t JOIN conversations c ON c.id = t.conversation_id WHERE c.dataset_id = ? AND c.source_id = 'c6' ORDER BY t.position")
			.all(back.datasetId) as { role: string; content: string; extra: string | null }[];
		expect(turns.map((t) => [t.role, t.content, t.extra && Object.keys(JSON.parse(t.extra))])).toEqual([
			['user', 'weather?', null],
			['assistant', '', ['tool_calls']],
			['tool', 'sunny', ['tool_call_id']],
			['assistant', 'It is sunny.', null]
		]);
		// ShareGPT writes the turn back as it came.
		const sg = startShapeExport({ datasetId: first.datasetId, format: 'sharegpt' }, db);
		expect([...sg.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l))).toEqual(rows);
	});

	it("OpenAI's legacy function_call reply and role \"function\" result round-trip as they came, through chat and through ShareGPT", async () => {
		const rows = [
			{
				id: 'legacy-1',
				messages: [
					{ role: 'user', content: 'weather?' },
					{ role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
					{ role: 'function', name: 'get_weather', content: '{"temp":20}' },
					{ role: 'assistant', content: 'It is 20C.' }
				]
			}
		];
		const first = await importFile(streamOf(jsonl(rows)), { datasetName: 'legacy', fileName: 'legacy.jsonl' }, db);
		expect(first).toMatchObject({ format: 'chat', instancesAdded: 1 });
		const chatOf = (datasetId: number) => [...startShapeExport({ datasetId, format: 'chat-conversations' }, db).chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
		expect(chatOf(first.datasetId)).toEqual(rows);
		// Through ShareGPT and back: the result is still a "function" message answering the function_call.
		const sharegpt = [...startShapeExport({ datasetId: first.datasetId, format: 'sharegpt' }, db).chunks()].join('');
		const back = await importFile(streamOf(sharegpt), { datasetName: 'legacy back', fileName: 'legacy.sg.jsonl' }, db);
		expect(back.format).toBe('sharegpt');
		expect(chatOf(back.datasetId)).toEqual(rows);
		// Single-turn: the call is not the answer to "weather?".
		expect(countExport({ datasetId: first.datasetId, filters: {} }, db)).toMatchObject({ rows: 0, instances: 0 });
	});

	it('a conversation id written as a number a double changes (1e2, 1.0, past 2^53) is kept as written and written back as that number', async () => {
		// JSON.parse reads 1e2 as 100 and 9007199254740993 as …992: ids another row has. The nested "id": 100 is not the row's.
		const row = (id: string, word: string) => `{"id": ${id}, "conversations": [{"from": "human", "value": "${word}?", "id": 100}, {"from": "gpt", "value": "${word}."}]}`;
		const ids = ['1e2', '100', '1.0', '9007199254740993', '9007199254740992'];
		const text = ids.map((id, i) => row(id, `w${i}`)).join('\n') + '\n';
		const first = await importFile(streamOf(text), { datasetName: 'literal ids', fileName: 'sg.jsonl' }, db);
		expect(first.instancesAdded).toBe(5);
		expect(db.$client.prepare('SELECT source_id FROM conversations WHERE dataset_id = ? ORDER BY id').pluck().all(first.datasetId)).toEqual(ids);
		for (const format of ['sharegpt', 'chat-conversations'] as const) {
			const out = [...startShapeExport({ datasetId: first.datasetId, format }, db).chunks()].join('');
			// The ids as the file wrote them: bare numbers, not quoted, not rounded.
			expect(out.trim().split('\n').map((l) => /^\{"id":([^,]*),/.exec(l)?.[1])).toEqual(ids);
			const back = await importFile(streamOf(out), { datasetName: `back ${format}`, fileName: 'back.jsonl' }, db);
			expect(db.$client.prepare('SELECT source_id FROM conversations WHERE dataset_id = ? ORDER BY id').pluck().all(back.datasetId)).toEqual(ids);
		}
	});

	it('a numeric conversation id is written back as the number in both conversation shapes', async () => {
		const rows = [
			{ id: 11, conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] },
			{ id: '12', conversations: [{ from: 'human', value: 'Bye' }, { from: 'gpt', value: 'Bye' }] }
		];
		const first = await importFile(streamOf(jsonl(rows)), { datasetName: 'ids', fileName: 'sg.jsonl' }, db);
		for (const format of ['sharegpt', 'chat-conversations'] as const) {
			const out = startShapeExport({ datasetId: first.datasetId, format }, db);
			const lines = [...out.chunks()].join('').trim().split('\n').map((l) => JSON.parse(l));
			expect(lines.map((l) => l.id)).toEqual([11, '12']);
			expect(Object.keys(lines[0])).toEqual(['id', format === 'sharegpt' ? 'conversations' : 'messages']);
		}
		// The task's metadata is the row's other fields, as before (no id).
		expect(db.$client.prepare('SELECT metadata FROM tasks WHERE dataset_id = ?').pluck().all(first.datasetId)).toEqual([null, null]);
	});

	it('a preference pair id written as a number is written back as that number (11, 1e2, past 2^53), a string id as a string', async () => {
		const row = (id: string, word: string) => `{"id": ${id}, "prompt": "${word}?", "chosen": "${word} A", "rejected": "${word} B", "meta": {"id": 100}}`;
		const ids = ['11', '1e2', '9007199254740993', '"12"'];
		const first = await importFile(streamOf(ids.map((id, i) => row(id, `w${i}`)).join('\n') + '\n'), { datasetName: 'pair ids', fileName: 'p.jsonl' }, db);
		expect(first.format).toBe('comparison');
		const out = [...startShapeExport({ datasetId: first.datasetId, format: 'preference-pairs' }, db).chunks()].join('');
		expect(out.trim().split('\n').map((l) => /^\{"id":([^,]*),/.exec(l)?.[1])).toEqual(ids);
		// Only the id: the row's other fields are written as they were, and no second id.
		expect(JSON.parse(out.split('\n')[0])).toEqual({ id: 11, prompt: 'w0?', chosen: 'w0 A', rejected: 'w0 B', meta: { id: 100 } });
		const back = await importFile(streamOf(out), { datasetName: 'pair ids back', fileName: 'p2.jsonl' }, db);
		expect(db.$client.prepare('SELECT source_id FROM preference_pairs WHERE dataset_id = ? ORDER BY id').pluck().all(back.datasetId)).toEqual(['11', '1e2', '9007199254740993', '12']);
	});

	it('an interrupt that arrives after the last file is written still removes the export and writes no manifest', async () => {
		const files = [1, 2].map((n) => ({ fileName: `task00${n}_x.json`, source: streamOf(JSON.stringify(superniTask(n))) }));
		const first = await importFiles(files, { datasetName: 'ni', fileName: 'tasks/' }, db);
		for (const [format, out] of [
			['superni', path.join(dir, 'tasks')],
			['sharegpt', path.join(dir, 'a.jsonl')]
		] as const) {
			const interrupted = new AbortController();
			// Ctrl-C as the command line sees it: delivered on the event loop's next turn, after the last check while writing.
			setImmediate(() => interrupted.abort(new Error('interrupted')));
			await expect(writeShapeExport({ datasetId: first.datasetId, format }, out, db, interrupted.signal)).rejects.toThrow('interrupted');
			expect(fs.existsSync(out)).toBe(false);
			expect(fs.existsSync(`${out}.manifest.json`)).toBe(false);
		}
		expect(fs.readdirSync(dir)).toEqual([]);
	});

	it('SuperNI: a folder of task files back to the same tasks, examples, instance ids and outputs', async () => {
		const files = [1, 2].map((n) => ({ fileName: `task00${n}_x.json`, source: streamOf(JSON.stringify(superniTask(n), null, 4)) }));
		const first = await importFiles(files, { datasetName: 'ni', fileName: 'tasks/' }, db);
		const out = path.join(dir, 'tasks');
		const { manifest } = await writeShapeExport({ datasetId: first.datasetId, format: 'superni' }, out, db);
		expect(manifest.files.map((f) => f.name)).toEqual(['task001_x.json', 'task002_x.json']);
		// Each task file with its size and hash, as the row exports' manifests describe their file.
		for (const f of manifest.files) expect(f).toEqual(fileEntry(path.join(out, f.name)));
		expect(validate(shapeManifestSchema, JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')))).toEqual([]);
		// The file is the released shape: the same object as the source file.
		expect(JSON.parse(fs.readFileSync(path.join(out, 'task001_x.json'), 'utf8'))).toMatchObject(superniTask(1));
		const second = await importFiles(
			manifest.files.map((f) => ({ fileName: f.name, source: fileSource(path.join(out, f.name)) })),
			{ datasetName: 'ni2', fileName: 'tasks/' },
			db
		);
		const snapshot = (datasetId: number) => ({
			tasks: db.$client.prepare('SELECT instruction, source_id, metadata FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId),
			instances: db.$client.prepare('SELECT source_id, input, output, reference_outputs FROM instances WHERE dataset_id = ? ORDER BY id').all(datasetId),
			examples: db.$client.prepare('SELECT kind, position, input, output, explanation FROM task_examples WHERE dataset_id = ? ORDER BY id').all(datasetId)
		});
		expect(snapshot(second.datasetId)).toEqual(snapshot(first.datasetId));
		// One task from the page.
		const taskId = db.$client.prepare('SELECT id FROM tasks WHERE dataset_id = ? ORDER BY id').pluck().get(first.datasetId) as number;
		const single = startShapeExport({ datasetId: first.datasetId, format: 'superni', taskId }, db);
		expect(single.fileName).toBe('task001_x.json');
		expect(JSON.parse([...single.chunks()].join(''))).toMatchObject(superniTask(1));
		expect(() => startShapeExport({ datasetId: first.datasetId, format: 'superni' }, db)).toThrow(/one file per task/);
	});

	it('preference pairs as {prompt, chosen, rejected}, ties left out or flagged', async () => {
		const first = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'p', fileName: 'cmp.json' }, db);
		await writeShapeExport({ datasetId: first.datasetId, format: 'preference-pairs' }, path.join(dir, 'p.jsonl'), db);
		const rows = fs.readFileSync(path.join(dir, 'p.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		// GPT-4-LLM names no models: the stand-in names the import stores are not written as if they were.
		expect(rows[0]).toEqual({ prompt: 'Give a tip.', chosen: 'Sleep well.', rejected: 'Eat.' });
		const second = await importFile(fileSource(path.join(dir, 'p.jsonl')), { datasetName: 'p2', fileName: 'p.jsonl' }, db);
		const pairs = (id: number) =>
			db.$client
				.prepare(
					`SELECT p.prompt, a.model AS ma, a.response AS ra, b.model AS mb, b.response AS rb, p.source_preferred AS pref
					 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id WHERE p.dataset_id = ? ORDER BY p.id`
				)
				.all(id);
		expect(pairs(second.datasetId)).toEqual(pairs(first.datasetId));
		const tie = [{ prompt: 'Say hi.', chosen: 'Hi', rejected: 'Hello', tie: true }];
		const t = await importFile(streamOf(jsonl(tie)), { datasetName: 't', fileName: 't.jsonl' }, db);
		const omit = startShapeExport({ datasetId: t.datasetId, format: 'preference-pairs' }, db);
		expect([...omit.chunks()].join('')).toBe('');
		expect(omit.manifest().counts).toMatchObject({ records: 0, tiesLeftOut: 1 });
		const flag = startShapeExport({ datasetId: t.datasetId, format: 'preference-pairs', ties: 'flag' }, db);
		expect(JSON.parse([...flag.chunks()].join(''))).toMatchObject({ prompt: 'Say hi.', chosen: 'Hi', rejected: 'Hello', tie: true });
	});

	it('every pair shape survives preference-pairs export and re-import: instruction, input, responses, models, scores, ids, other fields', async () => {
		const shapes: Record<string, unknown[]> = {
			'hh.jsonl': [
				{ chosen: '\n\nHuman: How do I bake bread?\n\nAssistant: [better] Mix flour, water, yeast.', rejected: '\n\nHuman: How do I bake bread?\n\nAssistant: Buy it.' },
				{ chosen: '\n\nHuman: Name a colour.\n\nAssistant: Blue.', rejected: '\n\nHuman: Name a colour.\n\nAssistant: Table.', id: 'h2', source: 'harmless-base' }
			],
			'plain.jsonl': [
				{ prompt: 'Which is better? 🍎', chosen: 'Apple', rejected: 'Orange', id: 7 },
				{ prompt: 'Pick one.', chosen: 'Left', rejected: 'Right', chosen_model: 'big', rejected_model: 'small', chosen_score: 8, rejected_score: 2.5, extra: { n: 1 } },
				{ prompt: 'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate.\n\n### Input:\nHola\n\n### Response:', chosen: 'Hello', rejected: 'Bye' }
			],
			'gpt4llm.jsonl': [
				{ user_input: 'Give a tip.', completion_a: 'Sleep well.', completion_b: 'Eat.' },
				{ user_input: 'Q?', completion_a: 'A', completion_b: 'B', score_a: 9, score_b: 4.5, model_a: 'gpt-4', model_b: 'opt-iml', rank: [1, 2], id: 'g2' }
			]
		};
		const stored = (datasetId: number) =>
			db.$client
				.prepare(
					`SELECT t.instruction, i.input, i.output, p.prompt, p.source_preferred, p.source_score_a, p.source_score_b, p.source_id, p.metadata,
					        a.model AS model_a, a.response AS response_a, b.model AS model_b, b.response AS response_b
					 FROM preference_pairs p JOIN tasks t ON t.id = p.task_id LEFT JOIN instances i ON i.id = p.instance_id
					 JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
					 WHERE p.dataset_id = ? ORDER BY p.id`
				)
				.all(datasetId);
		for (const [fileName, rows] of Object.entries(shapes)) {
			const first = await importFile(streamOf(jsonl(rows)), { datasetName: `${fileName}-1`, fileName }, db);
			const out = path.join(dir, `out-${fileName}`);
			await writeShapeExport({ datasetId: first.datasetId, format: 'preference-pairs' }, out, db);
			const second = await importFile(fileSource(out), { datasetName: `${fileName}-2`, fileName: `out-${fileName}` }, db);
			expect(stored(first.datasetId)).toHaveLength(rows.length);
			expect(stored(second.datasetId), fileName).toEqual(stored(first.datasetId));
			// And the file written from the re-import is the same file.
			const again = path.join(dir, `again-${fileName}`);
			await writeShapeExport({ datasetId: second.datasetId, format: 'preference-pairs' }, again, db);
			expect(fs.readFileSync(again, 'utf8')).toBe(fs.readFileSync(out, 'utf8'));
		}
		// An HH-RLHF pair's prompt + chosen (and + rejected) is its transcript again, byte for byte (E4 finding 3: the tag's space was lost).
		const hh = fs.readFileSync(path.join(dir, 'out-hh.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { prompt: string; chosen: string; rejected: string });
		expect(hh.map((p) => [p.prompt + p.chosen, p.prompt + p.rejected])).toEqual(shapes['hh.jsonl'].map((r) => [(r as { chosen: string }).chosen, (r as { rejected: string }).rejected]));
		expect(stored((await importFile(fileSource(path.join(dir, 'out-hh.jsonl')), { datasetName: 'hh-3', fileName: 'x.jsonl' }, db)).datasetId)[0]).toMatchObject({
			instruction: 'How do I bake bread?',
			response_a: '[better] Mix flour, water, yeast.'
		});
	});

	it('preference pairs keep their id and other fields, and write model names only when the source had them', async () => {
		const source = [
			{ prompt: 'Which is better? 🍎', chosen: 'Apple 🍎', rejected: 'Orange', id: 'p1' },
			{ prompt: 'Pick one.', chosen: 'Left', rejected: 'Right', id: 'p2', extra: 'keep', chosen_model: 'big' },
			{ prompt: 'Say hi.', chosen: 'Hi', rejected: 'Hello', tie: true, id: 'p3', extra: { n: 1 } }
		];
		const first = await importFile(streamOf(jsonl(source)), { datasetName: 'pm', fileName: 'pairs.jsonl' }, db);
		const { manifest } = await writeShapeExport({ datasetId: first.datasetId, format: 'preference-pairs', ties: 'flag' }, path.join(dir, 'pm.jsonl'), db);
		// The manifest gives the file's size and SHA-256 (the text has 4-byte emoji: bytes, not characters).
		expect(manifest.files).toEqual([fileEntry(path.join(dir, 'pm.jsonl'))]);
		expect(manifest.counts).toEqual({ records: 3, tiesLeftOut: 0, bothBadLeftOut: 0, disagreedLeftOut: 0, unjudgedLeftOut: 0, reviewersVerdicts: 0, sourceVerdictsReplaced: 0 });
		expect(validate(shapeManifestSchema, JSON.parse(fs.readFileSync(path.join(dir, 'pm.jsonl.manifest.json'), 'utf8')))).toEqual([]);
		const written = fs.readFileSync(path.join(dir, 'pm.jsonl'), 'utf8');
		expect(written.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
			{ id: 'p1', prompt: 'Which is better? 🍎', chosen: 'Apple 🍎', rejected: 'Orange' },
			{ id: 'p2', prompt: 'Pick one.', chosen: 'Left', rejected: 'Right', chosen_model: 'big', extra: 'keep' },
			{ id: 'p3', prompt: 'Say hi.', chosen: 'Hi', rejected: 'Hello', tie: true, extra: { n: 1 } }
		]);
		const second = await importFile(streamOf(written), { datasetName: 'pm2', fileName: 'pm.jsonl' }, db);
		const stored = (id: number) => db.$client.prepare('SELECT prompt, source_preferred, source_id, metadata FROM preference_pairs WHERE dataset_id = ? ORDER BY id').all(id);
		expect(stored(second.datasetId)).toEqual(stored(first.datasetId));
	});
});
