import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { importFile, ImportError } from '../../src/lib/server/datasets/import';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { datasetTable } from '../../src/lib/reports/paper-tables';
import { listTasks, getTaskDetail, taskPageView } from '../../src/lib/server/datasets/browse';
import { findDatasetByName } from '../../src/lib/server/datasets/datasets';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const seedTasks = [
	{ id: 'seed_task_0', name: 'breakfast', instruction: 'Is there anything I can eat for a breakfast that doesn\'t include eggs?', instances: [{ input: '', output: 'Yes, oatmeal.' }], is_classification: false },
	{ id: 'seed_task_1', name: 'sentiment', instruction: 'Classify the sentiment of the sentence.', instances: [{ input: 'I love it.', output: 'positive' }], is_classification: true },
	{ id: 'seed_task_2', name: 'poem', instruction: 'Write a short poem  about\tthe sea.', instances: [{ input: '', output: 'Waves, "quoted", and commas, too.\nSecond line — ünïcödé 海' }], is_classification: false }
];

function importText(text: string, datasetName: string, fileName = 'data.jsonl', extra: Partial<Parameters<typeof importFile>[1]> = {}) {
	return importFile(streamOf(text, 7), { datasetName, fileName, ...extra }, db);
}

describe('import', () => {
	it("keeps the id and other fields of instruction / input / output rows on their instances; rows still join their task by instruction", async () => {
		const rows = [
			{ instruction: 'Name a fruit.', input: '', output: 'Apple', id: 'row-10', category: 'weird', score: 3.5 },
			{ instruction: 'Name a fruit.', input: '', output: 'Pear', id: 'row-11' },
			{ instruction: 'Name a fruit.', input: '', output: 'Plum' }
		];
		const summary = await importText(jsonl(rows), 'alpaca-extra', 'alpaca.jsonl');
		expect(summary).toMatchObject({ format: 'instances', tasksAdded: 1, instancesAdded: 3 });
		const [task] = listTasks(summary.datasetId, {}, db).rows;
		const detail = getTaskDetail(summary.datasetId, task.id, db)!;
		expect(detail.instances.map((i) => [i.output, i.sourceId, i.metadata])).toEqual([
			['Apple', 'row-10', { category: 'weird', score: 3.5 }],
			['Pear', 'row-11', null],
			['Plum', null, null]
		]);
		expect(taskPageView(detail).instances[0].metadata).toEqual([
			{ key: 'category', value: { text: 'weird', length: 5 } },
			{ key: 'score', value: { text: '3.5', length: 3 } }
		]);
	});
	it('imports Self-Instruct task files with Table 1 statistics', async () => {
		const summary = await importText(jsonl(seedTasks), 'seeds', 'seed_tasks.jsonl');
		expect(summary).toMatchObject({ format: 'self-instruct-tasks', tasksAdded: 3, instancesAdded: 3, skippedDuplicates: 0, datasetCreated: true });
		const stats = datasetStatistics(summary.datasetId, {}, db);
		expect(stats).toMatchObject({ instructions: 3, classification: 1, nonClassification: 2, instances: 3, emptyInputInstances: 2 });
		expect(stats.avgNonEmptyInputWords).toBe(3);
		// No input non-empty: no average (null, printed "—"), never 0.0.
		const noInputs = await importText(jsonl([{ instruction: 'Say hi.', input: '', output: 'Hi' }, { instruction: 'Say bye.', input: '', output: 'Bye' }]), 'no inputs', 'special.jsonl');
		const none = datasetStatistics(noInputs.datasetId, {}, db);
		expect(none.avgNonEmptyInputWords).toBeNull();
		expect(datasetTable(none, 'no inputs').table.rows).toContainEqual(['ave. non-empty input length (in words)', '—']);
		// (13 + 6 + 7) / 3 instruction words
		expect(stats.avgInstructionWords).toBeCloseTo(26 / 3, 10);
		const page = listTasks(summary.datasetId, { q: 'sea' }, db);
		expect(page.rows.map((r) => r.instruction)).toEqual(['Write a short poem  about\tthe sea.']);
		const detail = getTaskDetail(summary.datasetId, page.rows[0].id, db)!;
		expect(detail.instances[0].output).toBe('Waves, "quoted", and commas, too.\nSecond line — ünïcödé 海');
		expect(detail.task.sourceId).toBe('seed_task_2');
	});

	it('joins instances with the same instruction (exactly as written) into one task and skips exact duplicates', async () => {
		const rows = [
			{ instruction: 'Translate to French.', input: 'cat', output: 'chat' },
			{ instruction: 'Translate  to French. ', input: 'dog', output: 'chien' },
			{ instruction: 'Translate to French.', input: 'cat', output: 'chat' },
			{ instruction: 'Name a colour.', input: '', output: 'blue' }
		];
		const summary = await importText(JSON.stringify(rows), 'alpaca', 'alpaca.json');
		// 'Translate  to French. ' is its own task: spacing is content (code, lists), never merged away.
		expect(summary).toMatchObject({ format: 'instances', tasksAdded: 3, instancesAdded: 3, skippedDuplicates: 1, duplicatesOf: 'instances' });
		// Importing the same file again adds nothing.
		const again = await importText(JSON.stringify(rows), 'alpaca', 'alpaca.json');
		expect(again).toMatchObject({ tasksAdded: 0, instancesAdded: 0, skippedDuplicates: 4, datasetCreated: false });
		const stats = datasetStatistics(summary.datasetId, {}, db);
		expect(stats).toMatchObject({ instructions: 3, instances: 3, emptyInputInstances: 1, unknownClassification: 3 });
	});

	it('attaches prediction files to the matching tasks, model name from the file name', async () => {
		const tasks = [
			{ id: 'user_oriented_task_0', motivation_app: 'Grammarly', instruction: 'Fix the grammar.', instances: [{ input: 'he go home', output: 'He goes home.' }] },
			{ id: 'user_oriented_task_1', motivation_app: 'Gmail', instruction: 'Write a polite decline.', instances: [{ input: '', output: 'Thank you, but no.' }] },
			// Two tasks of a task file may share an instruction: they stay two tasks (as in the real file).
			{ id: 'user_oriented_task_2', motivation_app: 'Quora', instruction: 'Answer the following question.', instances: [{ input: 'What is 2+2?', output: '4' }] },
			{ id: 'user_oriented_task_3', motivation_app: 'Quora', instruction: 'Answer the following question.', instances: [{ input: 'Capital of France?', output: 'Paris' }] }
		];
		const tasksSummary = await importText(jsonl(tasks), 'user', 'user_oriented_instructions.jsonl');
		expect(tasksSummary.tasksAdded).toBe(4);
		const predictions = [
			{ prompt: 'Fix the grammar.\n\nInput: he go home\nOutput:', instruction: ' Fix the  grammar.', input: 'he go home', response: ' He goes home.', target: 'He goes home.' },
			{ prompt: 'Write a polite decline.\nOutput:', instruction: 'Write a polite decline.', input: '', response: '\n\nNo thanks.', target: 'Thank you, but no.' },
			{ prompt: 'x', instruction: 'Answer the following question.', input: 'Capital of France?', response: 'Paris.', target: 'Paris' },
			{ prompt: 'x', instruction: 'Answer the following question.', input: 'What is 2+2?', response: 'Four.', target: '4' }
		];
		const summary = await importText(jsonl(predictions), 'user', 'davinci-t0-ft_predictions.jsonl');
		expect(summary).toMatchObject({ format: 'predictions', modelName: 'davinci-t0-ft', responsesAdded: 4, tasksAdded: 0 });
		// ' Fix the  grammar.' finds its task only with spacing ignored, and the summary says so.
		expect(summary.notices).toEqual([
			'The model name "davinci-t0-ft" was taken from the file name davinci-t0-ft_predictions.jsonl.',
			expect.stringContaining('only with spacing ignored (no task is written exactly so; only one is when spaces and line breaks are ignored): line 1.')
		]);
		const stats = datasetStatistics(summary.datasetId, {}, db);
		expect(stats).toMatchObject({ instructions: 4, responses: 4, models: 1 });
		const france = listTasks(summary.datasetId, { q: 'France' }, db).rows[0];
		expect(getTaskDetail(summary.datasetId, france.id, db)!.responses.map((r) => r.response)).toEqual(['Paris.']);
		// The same predictions again are all duplicates.
		const again = await importText(jsonl(predictions), 'user', 'davinci-t0-ft_predictions.jsonl');
		expect(again).toMatchObject({ responsesAdded: 0, skippedDuplicates: 4 });
		const task = listTasks(summary.datasetId, { q: 'grammar' }, db).rows[0];
		const detail = getTaskDetail(summary.datasetId, task.id, db)!;
		expect(detail.responses.map((r) => [r.model, r.response])).toEqual([['davinci-t0-ft', ' He goes home.']]);
		expect(detail.task.metadata).toEqual({ motivation_app: 'Grammarly' });
	});

	it('keeps Unnatural Instructions constraints and reformulations', async () => {
		const line = {
			instruction: 'You are given a word. Say whether it is a noun.',
			instances: [{ instruction_with_input: 'You are given a word. Say whether it is a noun.\nWord: table', input: 'Word: table', constraints: "The output should be 'Yes' or 'No'.", output: 'Yes' }],
			reformulations: [{ instruction: 'Is the given word a noun? Word: {INPUT}', instruction_with_input: 'Is the given word a noun? Word: table', input: 'Word: table', output: 'Yes' }]
		};
		const summary = await importText(jsonl([line]), 'unnatural', 'full_data.jsonl');
		expect(summary).toMatchObject({ format: 'unnatural', tasksAdded: 1, instancesAdded: 1, formulationsAdded: 1 });
		const task = listTasks(summary.datasetId, {}, db).rows[0];
		const detail = getTaskDetail(summary.datasetId, task.id, db)!;
		expect(detail.instances[0].constraints).toBe("The output should be 'Yes' or 'No'.");
		expect(detail.formulations[0]).toMatchObject({ instruction: 'Is the given word a noun? Word: {INPUT}', instanceId: detail.instances[0].id });
	});

	it('imports prompt/completion pairs and chat rows', async () => {
		const pc = await importText(jsonl([{ prompt: 'Give a synonym for happy.\n\nInput: word\nOutput:', completion: ' glad<|endoftext|>' }]), 'pc', 'ft.jsonl');
		expect(pc.format).toBe('prompt-completion');
		const pcTask = getTaskDetail(pc.datasetId, listTasks(pc.datasetId, {}, db).rows[0].id, db)!;
		expect(pcTask.instances[0].output.trim()).toBe('glad');
		const chat = await importText(jsonl([{ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a planet.' }, { role: 'assistant', content: 'Mars' }] }]), 'chat', 'chat.jsonl');
		expect(chat).toMatchObject({ format: 'chat', tasksAdded: 1, instancesAdded: 1 });
	});
});

describe('malformed imports leave the database exactly as it was', () => {
	const valid = { instruction: 'Name a colour.', input: '', output: 'blue' };
	const cases: { name: string; content: string | Uint8Array; file?: string; expect: RegExp; options?: Record<string, unknown> }[] = [
		{ name: 'malformed JSON on line 3', content: `${JSON.stringify(valid)}\n${JSON.stringify(valid)}\n{"instruction": "x", "output": }\n`, expect: /line 3/ },
		{ name: 'truncated JSON array', content: `[${JSON.stringify(valid)}, {"instruction": "b", "input": "", "out`, file: 'a.json', expect: /item 1|truncated|end of file|unterminated/i },
		{ name: 'trailing garbage after the array', content: `[${JSON.stringify(valid)}] xyz`, file: 'a.json', expect: /after|trailing|garbage|unexpected/i },
		{ name: 'a record that is not an object', content: `${JSON.stringify(valid)}\n[1,2]\n`, expect: /line 2/ },
		{ name: 'wrong field type', content: `${JSON.stringify(valid)}\n${JSON.stringify({ instruction: 'x', input: '', output: 42 })}\n`, expect: /line 2.*"?output"?/ },
		{ name: 'missing required field', content: `${JSON.stringify(valid)}\n${JSON.stringify({ instruction: 'x', input: '' })}\n`, expect: /line 2.*"?output"?/ },
		{ name: 'empty instruction', content: `${JSON.stringify({ ...valid, instruction: '  ' })}\n`, expect: /line 1.*"?instruction"?/ },
		{ name: 'empty file', content: '', expect: /empty|no records/i },
		{ name: 'whitespace-only file', content: '  \n\n \n', expect: /empty|no records/i },
		{ name: 'invalid UTF-8', content: new Uint8Array([...new TextEncoder().encode(JSON.stringify(valid) + '\n{"instruction": "caf'), 0xc3, 0x28, ...new TextEncoder().encode('", "input": "", "output": "x"}\n')]), expect: /UTF-8.*line 2|line 2.*UTF-8/i },
		{ name: 'unknown format', content: `${JSON.stringify({ question: 'a', answer: 'b' })}\n`, expect: /format/i },
		{ name: 'mixed formats', content: `${JSON.stringify(valid)}\n${JSON.stringify({ prompt: 'p', completion: 'c' })}\n`, expect: /line 2/ },
		{ name: 'file over the size limit', content: jsonl(Array.from({ length: 50 }, () => valid)), options: { maxBytes: 200 }, expect: /limit|too large|larger/i },
		{ name: 'chat row without an assistant message', content: `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] })}\n`, expect: /line 1.*assistant|assistant.*line 1/i },
		{ name: 'prediction row missing response', content: `${JSON.stringify({ prompt: 'p', instruction: 'Name a colour.', input: '', target: 'blue' })}\n`, options: { format: 'predictions' }, expect: /line 1.*"?response"?/ },
		{ name: 'nested instance with a wrong type', content: `${JSON.stringify({ id: 't', name: 'n', instruction: 'i', is_classification: false, instances: [{ input: '', output: 'a' }, { input: '', output: 'b' }, { input: '', output: 7 }] })}\n`, expect: /instances\[2\]\.output/ },
		{ name: 'is_classification not a boolean', content: `${JSON.stringify({ id: 't', name: 'n', instruction: 'i', is_classification: 'yes', instances: [{ input: '', output: 'a' }] })}\n`, expect: /is_classification/ },
		{ name: 'predictions for a task the dataset lacks', content: `${JSON.stringify({ prompt: 'p', instruction: 'Unknown task', input: '', response: 'r', target: 't' })}\n`, file: 'm_predictions.jsonl', expect: /line 1.*instruction.*no task/i },
		{ name: 'unknown forced format value', content: `${JSON.stringify(valid)}\n`, options: { format: 'chat' }, expect: /line 1.*messages/i }
	];

	it.each(cases)('$name', async (c) => {
		// Start from a dataset that already holds data, so "unchanged" means something.
		await importText(jsonl([valid, { instruction: 'Count to three.', input: '', output: '1 2 3' }]), 'target');
		const before = snapshotDb(db);
		const fileName = c.file ?? 'bad.jsonl';
		const error = await importFile(streamOf(c.content, 5), { datasetName: 'target', fileName, ...(c.options as object) }, db).then(
			() => null,
			(e: unknown) => e
		);
		expect(error).toBeInstanceOf(ImportError);
		const message = (error as ImportError).message;
		expect(message).toContain(fileName);
		expect(message).toMatch(c.expect);
		expect(snapshotDb(db)).toBe(before);
		// A failed import into a new dataset does not leave the dataset behind either.
		const intoNew = await importFile(streamOf(c.content, 5), { datasetName: 'brand-new', fileName, ...(c.options as object) }, db).catch((e) => e);
		expect(intoNew).toBeInstanceOf(ImportError);
		expect(findDatasetByName('brand-new', db)).toBeUndefined();
		expect(snapshotDb(db)).toBe(before);
	});

	it('has at least 15 kinds of bad file', () => {
		expect(cases.length).toBeGreaterThanOrEqual(15);
	});
});
