import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { writeShapeExport } from '../../src/lib/server/exports/shapes';
import type { Db } from '../../src/lib/server/db';
import { datasetResponseModels, listDatasets } from '../../src/lib/server/datasets/datasets';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { responseModelsText } from '../../src/lib/datasets/response-models';

// What a file's kept fields say is what the dataset says: no number, id, field or claim changed
// or dropped without a word.
let db: Db;
let cleanup: () => void;
let dir: string;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-fidelity-'));
});
afterEach(() => {
	cleanup();
	fs.rmSync(dir, { recursive: true, force: true });
});

function importText(text: string, datasetName: string, fileName = 'data.jsonl') {
	return importFile(streamOf(text, 7), { datasetName, fileName }, db);
}

const column = (sql: string, ...params: unknown[]) => db.$client.prepare(sql).pluck().all(...params);

describe('numbers in kept fields', () => {
	it('keeps integers past 2^53 and numbers out of double range as written (instances.metadata)', async () => {
		const line = '{"instruction":"a","output":"b","tweet_id":1234567890123456789,"conv":{"msg_id":9007199254740993},"f":1e400,"g":1.0,"h":2.50}';
		const summary = await importText(line + '\n', 'big');
		expect(column('SELECT metadata FROM instances WHERE dataset_id = ?', summary.datasetId)).toEqual([
			'{"tweet_id":{"$number":"1234567890123456789"},"conv":{"msg_id":{"$number":"9007199254740993"}},"f":{"$number":"1e400"},"g":1,"h":2.5}'
		]);
	});

	it('keeps them in a conversation\'s metadata and turn fields, and the ShareGPT export writes the line back unchanged', async () => {
		const line = '{"id":"c1","conversations":[{"from":"human","value":"q","msg_id":9007199254740993},{"from":"gpt","value":"a"}],"thread_id":1234567890123456789}';
		const summary = await importText(line + '\n', 'sg', 'bigint_sgpt.jsonl');
		expect(column('SELECT metadata FROM conversations WHERE dataset_id = ?', summary.datasetId)).toEqual(['{"thread_id":{"$number":"1234567890123456789"}}']);
		expect(column('SELECT t.extra FROM conversation_turns t JOIN conversations c ON c.id = t.conversation_id WHERE c.dataset_id = ? ORDER BY t.position', summary.datasetId)).toEqual([
			'{"msg_id":{"$number":"9007199254740993"}}',
			null
		]);
		await writeShapeExport({ datasetId: summary.datasetId, format: 'sharegpt' }, path.join(dir, 'out.jsonl'), db);
		expect(fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8')).toBe(line + '\n');
		// Into an existing dataset (read into a staging file first) the numbers are the same.
		const again = await importText('{"id":"c2","conversations":[{"from":"human","value":"r"},{"from":"gpt","value":"b"}],"n":-12345678901234567890.5}\n', 'sg');
		expect(again.conversationsAdded).toBe(1);
		expect(column('SELECT metadata FROM conversations WHERE dataset_id = ? AND source_id = ?', summary.datasetId, 'c2')).toEqual(['{"n":{"$number":"-12345678901234567890.5"}}']);
	});
});

describe('claims rows make about their task', () => {
	it('names rows whose is_classification differs from their task\'s first one (it was dropped without a word)', async () => {
		const text =
			'{"instruction": "Is it spam?", "input": "a", "output": "yes", "is_classification": false}\n' +
			'{"instruction": "Is it spam?", "input": "b", "output": "no", "is_classification": true}\n' +
			'{"instruction": "Is it spam?", "input": "c", "output": "no"}\n';
		const summary = await importText(text, 'cls', 'cls_conflict.jsonl');
		expect(summary).toMatchObject({ tasksAdded: 1, instancesAdded: 3 });
		expect(column('SELECT is_classification FROM tasks WHERE dataset_id = ?', summary.datasetId)).toEqual([0]);
		expect(summary.notices).toEqual([
			'1 record says "is_classification" differently from the earlier record of its task (a task has one classification; it keeps the first one given, and every instance is kept): line 2 (true; the task "Is it spam?" keeps false).'
		]);
		// A later file that disagrees with the dataset's task is named the same way.
		const more = await importText('{"instruction": "Is it spam?", "input": "d", "output": "yes", "is_classification": true}\n', 'cls', 'more.jsonl');
		expect(more.notices[0]).toMatch(/^1 record says "is_classification" differently.*line 1 \(true; the task "Is it spam\?" keeps false\)\.$/);
	});
});

describe('duplicates are rows identical in every field', () => {
	it('keeps a row with the same text but another id or source as an instance of its own (r2 and gpt-4 were dropped)', async () => {
		const rows =
			'{"id": "r1", "instruction": "Say hi", "input": "", "output": "hi", "source": "human"}\n' +
			'{"id": "r2", "instruction": "Say hi", "input": "", "output": "hi", "source": "gpt-4"}\n' +
			'{"id": "r2", "instruction": "Say hi", "input": "", "output": "hi", "source": "gpt-4"}\n' +
			'{"instruction": "Say hi", "input": "", "output": "hi"}\n' +
			'{"instruction": "Say hi", "input": "", "output": "hi"}\n';
		const summary = await importText(rows, 'dup', 'dup_meta.jsonl');
		expect(summary).toMatchObject({ tasksAdded: 1, instancesAdded: 3, skippedDuplicates: 2 });
		expect(summary.duplicatesRule).toContain('the same id and other fields');
		const kept = () => db.$client.prepare('SELECT source_id AS id, metadata FROM instances WHERE dataset_id = ? ORDER BY instances.id').all(summary.datasetId);
		expect(kept()).toEqual([
			{ id: 'r1', metadata: '{"source":"human"}' },
			{ id: 'r2', metadata: '{"source":"gpt-4"}' },
			{ id: null, metadata: null }
		]);
		// The same file again, into the dataset that holds it: every row is a duplicate now.
		const again = await importText(rows, 'dup', 'dup_meta.jsonl');
		expect(again).toMatchObject({ instancesAdded: 0, skippedDuplicates: 5 });
		expect(kept()).toHaveLength(3);
	});
});

describe('notices say what was added', () => {
	const pairs =
		'{"prompt": "Write a haiku", "chosen": "A", "rejected": "B", "chosen_model": "m1", "rejected_model": "m2", "chosen_score": 0.9, "rejected_score": 0.1}\n' +
		'{"prompt": "Write a haiku", "chosen": "C", "rejected": "D"}\n' +
		'{"prompt": "Tie q", "chosen": "E", "rejected": "F", "tie": true}\n' +
		'{"prompt": "Same", "chosen": "G", "rejected": "G"}\n';

	it('a preference file imported again adds nothing and says nothing of pairs it did not add', async () => {
		const first = await importText(pairs, 'pref', 'pref.jsonl');
		expect(first.pairsAdded).toBe(4);
		expect(first.notices).toEqual([
			expect.stringMatching(/^1 preference pair has the same text as chosen and rejected .*: line 4\.$/),
			expect.stringMatching(/^1 preference pair repeats an earlier pair's prompt.*: line 2\.$/)
		]);
		const again = await importText(pairs, 'pref', 'pref.jsonl');
		expect(again).toMatchObject({ pairsAdded: 0, skippedDuplicates: 4 });
		expect(again.notices).toEqual([]);
		// Each import keeps what it added and said, for the dataset's page (migration 0032).
		const kept = db.$client.prepare('SELECT pairs_added AS pairs, responses_added AS responses, skipped_duplicates AS dups, notices FROM imports ORDER BY id').all();
		expect(kept).toEqual([
			{ pairs: 4, responses: 8, dups: 0, notices: JSON.stringify(first.notices) },
			{ pairs: 0, responses: 0, dups: 4, notices: null }
		]);
	});

	it('conversation warnings reach the summary, for the conversations written', async () => {
		const rows =
			'{"id": "w1", "conversations": [{"from": "human", "value": "a"}, {"from": "human", "value": "b"}, {"from": "gpt", "value": "c"}]}\n' +
			'{"id": "ok", "conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "c"}]}\n' +
			'{"id": "w2", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "r"}, {"from": "human", "value": "s"}]}\n';
		const summary = await importText(rows, 'sg', 'sharegpt.jsonl');
		expect(summary.notices).toEqual([
			'2 conversations have warnings about their turns (kept as written; a task\'s page shows them with the conversation): line 1 (conversations[0] and conversations[1] are both user turns (turns should alternate)), line 3 (the last user turn (conversations[2]) has no reply).'
		]);
		const again = await importText(rows, 'sg', 'sharegpt.jsonl');
		expect(again.notices).toEqual([]);
	});
});

describe('pairs that name no model', () => {
	it('count their responses as from unnamed models, not as models named completion_a / completion_b', async () => {
		const pairs =
			'{"prompt": "Write a haiku", "chosen": "A", "rejected": "B", "chosen_model": "m1", "rejected_model": "m2"}\n' +
			'{"prompt": "Write a haiku", "chosen": "C", "rejected": "D"}\n' +
			'{"prompt": "Tie q", "chosen": "E", "rejected": "F", "tie": true}\n' +
			'{"prompt": "Same", "chosen": "G", "rejected": "G"}\n';
		const summary = await importText(pairs, 'pref', 'pref.jsonl');
		const listed = listDatasets(db).find((d) => d.id === summary.datasetId)!;
		expect(listed).toMatchObject({ responses: 8, models: 2, unnamedResponses: 6 });
		expect(responseModelsText(listed.models, listed.unnamedResponses)).toBe('2 named models; 6 from unnamed models');
		expect(datasetResponseModels(summary.datasetId, db)).toEqual({
			models: [
				{ model: 'm1', responses: 1 },
				{ model: 'm2', responses: 1 }
			],
			unnamedResponses: 6
		});
		expect(datasetStatistics(summary.datasetId, {}, db)).toMatchObject({ responses: 8, models: 2, unnamedResponses: 6 });
	});
});

describe('chat rows', () => {
	it('names a content part\'s fields that are not kept (cache_control was dropped without a word)', async () => {
		const row =
			'{"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": [{"type": "text", "text": "part1"}, {"type": "text", "text": "part2", "cache_control": {"type": "ephemeral"}}]}, {"role": "assistant", "content": "ans"}], "meta": 1}\n';
		const summary = await importText(row, 'chat', 'chat.jsonl');
		expect(summary.notices).toEqual(['Fields with no place to be kept in this format were not imported: "messages[].content[].cache_control" in 1 record (line 1).']);
	});

	it('says when the first reply only calls a tool (the instance output was empty without a word)', async () => {
		const row =
			'{"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny", "weight": 0}]}\n';
		const summary = await importText(row, 'tools', 'chat_tools.jsonl');
		expect(summary).toMatchObject({ instancesAdded: 1, conversationsAdded: 1, turnsAdded: 4 });
		expect(summary.notices).toEqual([
			"1 conversation has warnings about its turns (kept as written; a task's page shows them with the conversation): line 1 (the first reply (messages[1]) only calls a tool, so the instance's output is empty (single-turn exports leave it out; the whole conversation is kept))."
		]);
	});
});

describe('dataset names', () => {
	it('a name in decomposed Unicode (NFD) is the same name in NFC (it was refused without a reason)', async () => {
		const nfd = 'Cafe\u0301 set';
		const first = await importText('{"instruction":"a","output":"b"}\n', nfd);
		expect(first.datasetName).toBe('Caf\u00e9 set');
		const second = await importText('{"instruction":"c","output":"d"}\n', 'Caf\u00e9 set');
		const third = await importText('{"instruction":"e","output":"f"}\n', nfd);
		expect([second.datasetId, third.datasetId, second.datasetCreated, third.datasetCreated]).toEqual([first.datasetId, first.datasetId, false, false]);
	});
});
