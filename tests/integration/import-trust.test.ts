import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { importFile, ImportError } from '../../src/lib/server/datasets/import';
import { listTasks, getTaskDetail } from '../../src/lib/server/datasets/browse';
import { createDataset, findDatasetByName } from '../../src/lib/server/datasets/datasets';
import type { Db } from '../../src/lib/server/db';

// Every record is imported exactly or named as a problem (file, line, field): nothing merged,
// changed or dropped without a word.
let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function importText(text: string, datasetName: string, fileName = 'data.jsonl', extra: Partial<Parameters<typeof importFile>[1]> = {}) {
	return importFile(streamOf(text, 7), { datasetName, fileName, ...extra }, db);
}

async function failure(text: string, datasetName: string, fileName = 'data.jsonl', extra: Partial<Parameters<typeof importFile>[1]> = {}): Promise<ImportError> {
	const error = await importText(text, datasetName, fileName, extra).then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ImportError);
	return error as ImportError;
}

function instructionsOf(datasetId: number): string[] {
	return listTasks(datasetId, {}, db)
		.rows.map((r) => r.instruction)
		.sort();
}

describe('one id names one task', () => {
	const task = (id: string, instruction: string, input: string, output: string) => ({ id, name: id, instruction, instances: [{ input, output }], is_classification: false });

	it('refuses two task records with the same id and different instructions, naming the line and the id', async () => {
		const error = await failure(jsonl([task('t1', 'Translate to French.', 'cat', 'chat'), task('t1', 'Count the vowels.', 'banana', '3')]), 'x', 'dup_ids_tasks.jsonl');
		expect(error.line).toBe(2);
		expect(error.field).toBe('id');
		expect(error.message).toMatch(/dup_ids_tasks\.jsonl: line 2: field "id": the id "t1" is already the record at line 1.*Translate to French.*Count the vowels/);
		expect(findDatasetByName('x', db)).toBeUndefined();
	});

	it('joins records with the same id and the same instruction (more instances of one task)', async () => {
		const summary = await importText(jsonl([task('t1', 'Translate to French.', 'cat', 'chat'), task('t1', 'Translate to French.', 'dog', 'chien')]), 'x');
		expect(summary).toMatchObject({ tasksAdded: 1, instancesAdded: 2 });
	});

	it('refuses the same id with the same instruction but another name, classification or field, naming that field', async () => {
		const base = { id: 't1', name: 'a', instruction: 'Add.', instances: [{ input: '1+1', output: '2' }], is_classification: false, motivation_app: 'Calc' };
		const second = { instances: [{ input: '2+2', output: '4' }] };
		const cases: [object, string, RegExp][] = [
			[{ name: 'b' }, 'name', /field "name": the id "t1" is already the record at line 1, whose name is "a"; this record's is "b"/],
			[{ is_classification: true }, 'is_classification', /whose is_classification is false; this record's is true/],
			[{ motivation_app: 'Sheets' }, 'motivation_app', /whose motivation_app is "Calc"; this record's is "Sheets"/]
		];
		for (const [change, field, message] of cases) {
			const error = await failure(jsonl([base, { ...base, ...second, ...change }]), 'x');
			expect([error.line, error.field]).toEqual([2, field]);
			expect(error.message).toMatch(message);
		}
		// Unknown classification on one side is no conflict.
		const summary = await importText(jsonl([base, { ...base, ...second, is_classification: null }]), 'x');
		expect(summary).toMatchObject({ tasksAdded: 1, instancesAdded: 2 });
	});

	it('refuses a ShareGPT conversation whose id is an earlier one with another opening', async () => {
		const rows = [
			{ id: 'sg2', conversations: [{ from: 'human', value: 'ok' }, { from: 'gpt', value: 'done' }] },
			{ id: 'sg2', conversations: [{ from: 'human', value: 'dup id different' }, { from: 'gpt', value: 'x' }] }
		];
		const error = await failure(jsonl(rows), 'sg', 'sharegpt.jsonl');
		expect([error.line, error.field]).toEqual([2, 'id']);
	});

	it('refuses, across files, a task whose id the dataset holds with another instruction; the dataset is unchanged', async () => {
		await importText(jsonl([task('user_oriented_task_0', 'Fix the grammar.', 'he go', 'He goes.')]), 'uo', 'user_oriented_instructions.jsonl');
		const before = snapshotDb(db);
		const error = await failure(jsonl([task('user_oriented_task_0', 'Write a limerick about cats.', 'x', 'There once was a cat')]), 'uo', 'edited.jsonl');
		expect(error.message).toMatch(/line 1: field "id": the id "user_oriented_task_0" is already the task already in dataset "uo", whose instruction is "Fix the grammar\."/);
		expect(snapshotDb(db)).toBe(before);
		// The same id with the same instruction adds its instance.
		const more = await importText(jsonl([task('user_oriented_task_0', 'Fix the grammar.', 'she go', 'She goes.')]), 'uo', 'more.jsonl');
		expect(more).toMatchObject({ tasksAdded: 0, instancesAdded: 1 });
	});
});

describe('numeric ids past exact JSON number precision', () => {
	it('keeps the digits as written, so two ids stay two tasks', async () => {
		const text =
			'{"id":9007199254740993,"name":"a","instruction":"First task.","instances":[{"input":"","output":"1"}],"is_classification":false}\n' +
			'{"id":9007199254740992,"name":"b","instruction":"Second task.","instances":[{"input":"","output":"2"}],"is_classification":false}\n';
		const summary = await importText(text, 'big', 'bigint_ids_tasks.jsonl');
		expect(summary.tasksAdded).toBe(2);
		const ids = listTasks(summary.datasetId, {}, db).rows.map((r) => getTaskDetail(summary.datasetId, r.id, db)!.task.sourceId);
		expect(ids.sort()).toEqual(['9007199254740992', '9007199254740993']);
	});

	it("keeps an instance row's id as written", async () => {
		const summary = await importText('{"id":1234567890123456789,"instruction":"A","input":"","output":"1"}\n', 'big', 'bigint_id_row.jsonl');
		const task = listTasks(summary.datasetId, {}, db).rows[0];
		expect(getTaskDetail(summary.datasetId, task.id, db)!.instances[0].sourceId).toBe('1234567890123456789');
	});

	it('keeps an id as written beside another "id" number of the same value written differently', async () => {
		// Two "id" numbers with the same value: the record's own is read from where it stands
		// (this was refused when the digits were looked for in the text).
		const text = '{"id":9007199254740993,"instruction":"A","input":"","output":"1","meta":{"id":9007199254740992.0}}\n';
		const summary = await importText(text, 'big');
		const task = listTasks(summary.datasetId, {}, db).rows[0];
		expect(getTaskDetail(summary.datasetId, task.id, db)!.instances[0].sourceId).toBe('9007199254740993');
	});
});

describe('instructions are kept exactly as written', () => {
	it('does not join instructions that differ only in spacing, and no text is replaced', async () => {
		const rows = [
			{ instruction: 'Say hi.', input: '', output: 'hello' },
			{ instruction: 'Say  hi. ', input: '', output: 'hey there' },
			{ instruction: 'Say\nhi.', input: 'x', output: 'yo' }
		];
		const summary = await importText(jsonl(rows), 'ws', 'ws_merge.jsonl');
		expect(summary).toMatchObject({ tasksAdded: 3, instancesAdded: 3, skippedDuplicates: 0 });
		expect(instructionsOf(summary.datasetId)).toEqual(['Say  hi. ', 'Say hi.', 'Say\nhi.'].sort());
	});

	it('says which predictions matched their task only with spacing ignored', async () => {
		const tasks = await importText(jsonl([{ instruction: 'Fix the grammar.', input: 'he go home', output: 'He goes home.' }]), 'p', 'tasks.jsonl');
		expect(tasks.tasksAdded).toBe(1);
		const predictions = [
			{ instruction: 'Fix the grammar.', input: 'he go home', response: 'a' },
			{ instruction: ' Fix the  grammar.', input: 'he go home', response: 'b' }
		];
		const summary = await importText(jsonl(predictions), 'p', 'preds.jsonl', { modelName: 'm' });
		expect(summary.responsesAdded).toBe(2);
		expect(summary.notices).toEqual([expect.stringMatching(/^1 record matched its task's instruction and input only with spacing ignored .*: line 2\.$/)]);
	});
});

describe('skipped duplicates are counted in the unit of the format', () => {
	it('counts a conversation that shares only its first exchange as imported, not as a duplicate', async () => {
		const opening = [
			{ from: 'human', value: 'Hi' },
			{ from: 'gpt', value: 'Hello' }
		];
		const rows = [
			{ conversations: [...opening, { from: 'human', value: 'Tell a joke' }, { from: 'gpt', value: 'Knock knock' }] },
			{ conversations: [...opening, { from: 'human', value: "What's 2+2?" }, { from: 'gpt', value: '4' }] },
			{ conversations: [...opening, { from: 'human', value: "What's 2+2?" }, { from: 'gpt', value: '4' }] }
		];
		const summary = await importText(jsonl(rows), 'sg', 'sharegpt_shared_opening.jsonl');
		expect(summary).toMatchObject({ records: 3, conversationsAdded: 2, skippedDuplicates: 1, duplicatesOf: 'conversations' });
		expect(summary.records).toBe(summary.conversationsAdded + summary.skippedDuplicates);
	});

	it('names instances as the unit of instance files', async () => {
		const row = { instruction: 'A', input: '', output: '1' };
		const summary = await importText(jsonl([row, row]), 'i');
		expect(summary).toMatchObject({ records: 2, instancesAdded: 1, skippedDuplicates: 1, duplicatesOf: 'instances' });
		expect(summary.duplicatesRule).toMatch(/character for character/);
	});
});

describe('fields are kept or named', () => {
	it('names the prediction fields a response has no place for, with their records', async () => {
		await importText(jsonl([{ instruction: 'Name a fruit.', input: '', output: 'Apple.' }]), 'rated', 'tasks.jsonl');
		const rows = [
			{ instruction: 'Name a fruit.', input: '', response: 'Pear.', rating: 'A', id: 'p1' },
			{ instruction: 'Name a fruit.', input: '', response: 'Plum.', rating: 'B' }
		];
		const summary = await importText(jsonl(rows), 'rated', 'ratedmodel_predictions.jsonl');
		expect(summary.responsesAdded).toBe(2);
		expect(summary.notices).toEqual([
			'The model name "ratedmodel" was taken from the file name ratedmodel_predictions.jsonl.',
			'Fields with no place to be kept in this format were not imported: "rating" in 2 records (line 1, line 2); "id" in 1 record (line 1).'
		]);
	});

	it('keeps a prompt/completion row\'s id and other fields on its instance', async () => {
		const summary = await importText(jsonl([{ id: 'pc-1', source: 'forum', prompt: 'Say hi.\nOutput:', completion: ' hi' }]), 'pc', 'pc_extra.jsonl');
		const task = listTasks(summary.datasetId, {}, db).rows[0];
		const instance = getTaskDetail(summary.datasetId, task.id, db)!.instances[0];
		expect([instance.sourceId, instance.metadata]).toEqual(['pc-1', { source: 'forum' }]);
		expect(summary.notices).toEqual([]);
	});

	it("keeps a Self-Instruct instance's extra fields as its metadata", async () => {
		const summary = await importText(jsonl([{ id: 't', name: 't', instruction: 'Add.', instances: [{ input: '1+1', output: '2', explanation: 'one and one' }], is_classification: false }]), 'si');
		const task = listTasks(summary.datasetId, {}, db).rows[0];
		expect(getTaskDetail(summary.datasetId, task.id, db)!.instances[0].metadata).toEqual({ explanation: 'one and one' });
	});
});

describe('notices and clear refusals', () => {
	const fruit = { instruction: 'Name a fruit.', input: '', output: 'Apple.' };

	it('keeps a pair whose chosen and rejected are the same text, and names it', async () => {
		const rows = [
			{ prompt: 'Same?', chosen: 'same', rejected: 'same' },
			{ prompt: 'Different?', chosen: 'yes', rejected: 'no' }
		];
		const summary = await importText(jsonl(rows), 'pairs', 'pairs.jsonl');
		expect(summary.pairsAdded).toBe(2);
		expect(summary.notices).toEqual(['1 preference pair has the same text as chosen and rejected (kept; a preference trainer learns nothing from them): line 1.']);
	});

	it('names pairs that repeat an earlier pair\'s prompt, whose preferred responses are not instances', async () => {
		const rows = [
			{ prompt: 'Dup prompt', chosen: 'first chosen', rejected: 'first rejected' },
			{ prompt: 'Other', chosen: 'yes', rejected: 'no' },
			{ prompt: 'Dup prompt', chosen: 'second chosen', rejected: 'second rejected' }
		];
		const summary = await importText(jsonl(rows), 'pairs dup', 'pairs.jsonl');
		expect(summary).toMatchObject({ pairsAdded: 3, instancesAdded: 2 });
		expect(summary.notices).toEqual([
			"1 preference pair repeats an earlier pair's prompt: a prompt has one instance (the first pair's preferred response), so its preferred response is kept with the pair only (preference-pairs exports keep every pair): line 3."
		]);
	});

	it('names predictions whose target is not the reference output of their instance', async () => {
		await importText(jsonl([fruit]), 'p', 'tasks.jsonl');
		const rows = [
			{ instruction: 'Name a fruit.', input: '', response: 'Pear.', target: 'Apple.' },
			{ instruction: 'Name a fruit.', input: '', response: 'Plum.', target: 'Banana.' }
		];
		const summary = await importText(jsonl(rows), 'p', 'preds.jsonl', { modelName: 'mymodel' });
		expect(summary.notices).toEqual([
			"1 prediction carries a target that differs from its instance's reference output (the instance keeps its own; targets are not imported): line 2."
		]);
	});

	it('asks for the model when the file name names none, and says when the name came from the file', async () => {
		await importText(jsonl([fruit]), 'p', 'tasks.jsonl');
		const row = { instruction: 'Name a fruit.', input: '', response: 'Pear.' };
		const before = snapshotDb(db);
		const error = await failure(jsonl([row]), 'p', 'predictions.jsonl');
		expect(error.field).toBe('model');
		expect(error.message).toMatch(/^predictions\.jsonl: the file name does not name a model.*--model/);
		expect(snapshotDb(db)).toBe(before);
		const named = await importText(jsonl([row]), 'p', 'davinci_predictions.jsonl');
		expect(named.notices).toEqual(['The model name "davinci" was taken from the file name davinci_predictions.jsonl.']);
	});

	it('refuses a new dataset named only with digits (it would hide the dataset with that id)', async () => {
		await importText(jsonl([fruit]), 'first');
		const error = await failure(jsonl([fruit]), '1');
		expect([error.field, error.message]).toEqual(['dataset', expect.stringMatching(/^data\.jsonl: A dataset name cannot be only digits \("1" would be mistaken for the dataset with that id\)/)]);
		expect(() => createDataset({ name: ' 42 ' }, db)).toThrow('cannot be only digits');
	});

	it('names the tasks that have no instances', async () => {
		const rows = [
			{ id: 't1', name: 'a', instruction: 'Empty task.', instances: [], is_classification: false },
			{ id: 't2', name: 'b', instruction: 'Full task.', instances: [{ input: '', output: 'x' }], is_classification: false }
		];
		const summary = await importText(jsonl(rows), 'si', 'si_empty_instances.jsonl');
		expect(summary.tasksAdded).toBe(2);
		expect(summary.notices).toEqual(['1 task has no instances (kept; exports of instances leave such tasks out): line 1.']);
	});

	it('imports HH-RLHF transcripts as preference pairs', async () => {
		const summary = await importText(jsonl([{ chosen: '\n\nHuman: What is 2+2?\n\nAssistant: 4.', rejected: '\n\nHuman: What is 2+2?\n\nAssistant: 5.' }]), 'hh', 'hh_rlhf.jsonl');
		expect(summary).toMatchObject({ format: 'comparison', pairsAdded: 1, tasksAdded: 1 });
		expect(instructionsOf(summary.datasetId)).toEqual(['What is 2+2?']);
	});
});

describe('the import endpoint and the CLI say the same', () => {
	it('an empty file (a request with no body) is "the file is empty", as the importer says it (the page added a period)', async () => {
		const { createUser } = await import('../../src/lib/server/auth/users');
		const { POST } = await import('../../src/routes/api/datasets/import/+server');
		const u = await createUser({ email: 'r@x.org', password: 'researcher-pass-1', role: 'researcher' }, db);
		const locals: App.Locals = { user: { id: u.id, email: u.email, name: '', role: 'researcher' }, sessionId: null };
		const url = new URL('http://app.test/api/datasets/import?dataset=empty&fileName=e.jsonl');
		// What the browser sends for an empty file: no body at all.
		const request = new Request(url, { method: 'POST' });
		expect(request.body).toBeNull();
		const response = await (POST as (e: unknown) => Promise<Response>)({ request, url, locals });
		expect(response.status).toBe(400);
		const cli = await failure('', 'empty', 'e.jsonl');
		expect(cli.message).toBe('e.jsonl: the file is empty');
		expect(((await response.json()) as { message: string }).message).toBe(cli.message);
		expect(findDatasetByName('empty', db)).toBeFalsy();
	});
});
