import { describe, expect, it } from 'vitest';
import { ImportError } from './import-error';
import { chunksOf, ImportParser, parseImport } from './parse-import';
import { formatByteSize } from './file-size';
import type { FormatId, ParseOptions, ParsedRecord, ParsedResponse, ParsedTask } from './types';

const enc = new TextEncoder();

async function parse(data: string | Uint8Array, options: Partial<ParseOptions> = {}, chunkSize?: number): Promise<ParsedRecord[]> {
	const out: ParsedRecord[] = [];
	for await (const r of parseImport(chunksOf(data, chunkSize), { fileName: 'data.jsonl', ...options })) out.push(r);
	return out;
}

async function tasks(data: string | Uint8Array, options: Partial<ParseOptions> = {}): Promise<ParsedTask[]> {
	const records = await parse(data, options);
	for (const r of records) expect(r.kind).toBe('task');
	return records as ParsedTask[];
}

/** Parse expecting failure; returns the ImportError (any other error fails the test). */
async function failure(data: string | Uint8Array, options: Partial<ParseOptions> = {}, chunkSize?: number): Promise<ImportError> {
	try {
		await parse(data, options, chunkSize);
	} catch (e) {
		expect(e).toBeInstanceOf(ImportError);
		return e as ImportError;
	}
	throw new Error('expected an ImportError, but the file was accepted');
}

const jsonl = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const array = (...rows: unknown[]) => JSON.stringify(rows);

// ---- fixtures written for these tests, in the shapes of the real files ----

const seedTask = (i: number, input = '', cls = false) => ({
	id: `seed_task_${i}`,
	name: `task_${i}`,
	instruction: `Instruction number ${i}.`,
	instances: [{ input, output: `Output ${i}.` }],
	is_classification: cls
});
const userOrientedTask = {
	id: 'user_oriented_task_0',
	motivation_app: 'Grammarly',
	instruction: 'Make the sentence shorter.',
	instances: [{ input: 'It is the case that it rains.', output: 'It rains.' }]
};
const unnaturalCore = {
	instruction: 'You are given a word. Write its plural.',
	instances: [
		{
			instruction_with_input: 'You are given a word. Write its plural.\nWord: cat',
			input: 'Word: cat',
			constraints: 'The output should be one word.',
			output: 'cats'
		}
	]
};
const unnaturalFull = {
	...unnaturalCore,
	reformulations: [
		{
			instruction: 'Give the plural form of the word {Word}.',
			instruction_with_input: 'Give the plural form of the word cat.',
			input: 'Word: cat',
			output: 'cats'
		}
	]
};
const prediction = {
	prompt: 'Make the sentence shorter.\n\nInput: It is the case that it rains.\nOutput:',
	instruction: 'Make the  sentence shorter. ',
	input: 'It is the case that it rains.',
	response: ' It rains.\n',
	target: 'It rains.'
};

describe('happy paths, each format as JSON Lines and as a JSON array', () => {
	it('Self-Instruct seed task file', async () => {
		const file = jsonl(seedTask(0), seedTask(1, 'Some input.', true));
		const records = await tasks(file, { fileName: 'seed_tasks.jsonl' });
		expect(records).toEqual([
			{
				kind: 'task',
				location: { line: 1 },
				instruction: 'Instruction number 0.',
				sourceId: 'seed_task_0',
				name: 'task_0',
				isClassification: false,
				metadata: null,
				instances: [{ input: '', output: 'Output 0.' }]
			},
			{
				kind: 'task',
				location: { line: 2 },
				instruction: 'Instruction number 1.',
				sourceId: 'seed_task_1',
				name: 'task_1',
				isClassification: true,
				metadata: null,
				instances: [{ input: 'Some input.', output: 'Output 1.' }]
			}
		]);
		const fromArray = await tasks(array(seedTask(0), seedTask(1, 'Some input.', true)), { fileName: 'seed.json' });
		expect(fromArray.map((t) => t.location)).toEqual([
			{ line: 1, index: 0, column: 2 },
			{ line: 1, index: 1, column: 2 + JSON.stringify(seedTask(0)).length + 1 }
		]);
		expect(fromArray.map(({ location: _, ...t }) => t)).toEqual(records.map(({ location: _, ...t }) => t));
	});

	it('user-oriented task file: extra fields become metadata, classification unknown', async () => {
		for (const file of [jsonl(userOrientedTask), array(userOrientedTask)]) {
			const [task] = await tasks(file);
			expect(task).toMatchObject({
				instruction: 'Make the sentence shorter.',
				sourceId: 'user_oriented_task_0',
				name: null,
				isClassification: null,
				metadata: { motivation_app: 'Grammarly' },
				instances: [{ input: 'It is the case that it rains.', output: 'It rains.' }]
			});
		}
	});

	it('per-instance rows (Alpaca / Self-Instruct 82K), input optional', async () => {
		const rows = [
			{ instruction: 'Give three tips.', input: '', output: '1. Eat. 2. Sleep. 3. Move.' },
			{ instruction: 'Add the numbers.', input: '2, 3', output: '5' },
			{ instruction: 'Say hi.', output: 'Hi!' }
		];
		for (const file of [jsonl(...rows), array(...rows)]) {
			const records = await tasks(file);
			expect(records.map((t) => [t.instruction, t.instances, t.isClassification])).toEqual([
				['Give three tips.', [{ input: '', output: '1. Eat. 2. Sleep. 3. Move.' }], null],
				['Add the numbers.', [{ input: '2, 3', output: '5' }], null],
				['Say hi.', [{ input: '', output: 'Hi!' }], null]
			]);
		}
	});

	it('an Alpaca-style pretty-printed JSON array (items over several lines) places items by line', async () => {
		const file = '[\n    {\n        "instruction": "A.",\n        "input": "",\n        "output": "a"\n    },\n    {\n        "instruction": "B.",\n        "input": "x",\n        "output": "b"\n    }\n]\n';
		const records = await tasks(file);
		expect(records.map((r) => r.location)).toEqual([
			{ line: 2, index: 0, column: 5 },
			{ line: 7, index: 1, column: 5 }
		]);
	});

	it('Unnatural Instructions core and full', async () => {
		for (const file of [jsonl(unnaturalCore), array(unnaturalCore)]) {
			const [task] = await tasks(file, { fileName: 'core_data.jsonl' });
			expect(task.instances).toEqual([
				{
					input: 'Word: cat',
					output: 'cats',
					constraints: 'The output should be one word.',
					instructionWithInput: 'You are given a word. Write its plural.\nWord: cat'
				}
			]);
			expect(task.formulations).toBeUndefined();
			expect(task.isClassification).toBeNull();
		}
		for (const file of [jsonl(unnaturalFull), array(unnaturalFull)]) {
			const [task] = await tasks(file, { fileName: 'full_data.jsonl' });
			expect(task.formulations).toEqual([
				{
					instruction: 'Give the plural form of the word {Word}.',
					instructionWithInput: 'Give the plural form of the word cat.',
					input: 'Word: cat',
					output: 'cats'
				}
			]);
		}
	});

	it('Self-Instruct prediction rows become responses, text kept raw', async () => {
		for (const file of [jsonl(prediction), array(prediction)]) {
			const [r] = (await parse(file, { fileName: 'davinci_predictions.jsonl' })) as ParsedResponse[];
			expect(r).toMatchObject({
				kind: 'response',
				instruction: 'Make the  sentence shorter. ',
				input: 'It is the case that it rains.',
				response: ' It rains.\n',
				target: 'It rains.',
				prompt: prediction.prompt
			});
		}
	});

	it('a prediction row without input takes it from the prompt', async () => {
		const { input: _, ...row } = prediction;
		const [r] = (await parse(jsonl(row))) as ParsedResponse[];
		expect(r.input).toBe('It is the case that it rains.');
	});

	it('{prompt, completion} pairs: Self-Instruct shape split, <|endoftext|> dropped, other prompts kept whole', async () => {
		const rows = [
			{ prompt: 'Sort the numbers.\n\nInput: 3, 1, 2\n\nOutput:', completion: ' 1, 2, 3<|endoftext|>' },
			{ prompt: 'Name a prime number.\nOutput:', completion: ' 7<|endoftext|>' },
			{ prompt: 'Sort the numbers.\n\n3, 1, 2\n\n', completion: '1, 2, 3<|endoftext|>' }
		];
		for (const file of [jsonl(...rows), array(...rows)]) {
			const records = await tasks(file);
			expect(records.map((t) => [t.instruction, t.instances])).toEqual([
				['Sort the numbers.', [{ input: '3, 1, 2', output: '1, 2, 3' }]],
				['Name a prime number.', [{ input: '', output: '7' }]],
				['Sort the numbers.\n\n3, 1, 2', [{ input: '', output: '1, 2, 3' }]]
			]);
		}
	});

	it('OpenAI chat rows: system → metadata, first user → instruction (+ input), first assistant after it → output', async () => {
		const rows = [
			{
				messages: [
					{ role: 'system', content: 'You are terse.' },
					{ role: 'user', content: 'Translate to French.\n\nInput: good morning' },
					{ role: 'assistant', content: 'bonjour' },
					{ role: 'user', content: 'And good night?' },
					{ role: 'assistant', content: 'bonne nuit' }
				]
			},
			{
				messages: [
					// Text parts are separate pieces of text: joined with a line break, not run together.
					{ role: 'user', content: [{ type: 'text', text: 'Look at this:' }, { type: 'text', text: 'Name a colour.' }] },
					{ role: 'assistant', content: 'Blue.' }
				]
			}
		];
		for (const file of [jsonl(...rows), array(...rows)]) {
			const records = await tasks(file);
			expect(records.map((t) => [t.instruction, t.metadata, t.instances])).toEqual([
				['Translate to French.', { system: 'You are terse.' }, [{ input: 'good morning', output: 'bonjour' }]],
				['Look at this:\nName a colour.', null, [{ input: '', output: 'Blue.' }]]
			]);
		}
	});

	it('a forced format overrides detection', async () => {
		// {instruction, instances} without is_classification would be read as a task file either way;
		// forcing "unnatural" keeps constraints (here absent → null).
		const row = { instruction: 'Do it.', instances: [{ input: 'a', output: 'b' }] };
		const [auto] = await tasks(jsonl(row));
		expect(auto.instances[0]).toEqual({ input: 'a', output: 'b' });
		const [forced] = await tasks(jsonl(row), { format: 'unnatural' });
		expect(forced.instances[0]).toEqual({ input: 'a', output: 'b', constraints: null, instructionWithInput: null });
	});

	it('reports the format once and the bytes read after every chunk', async () => {
		const file = jsonl(seedTask(0), seedTask(1), seedTask(2));
		const formats: FormatId[] = [];
		const progress: number[] = [];
		await parse(file, { onFormat: (f) => formats.push(f), onProgress: (b) => progress.push(b) }, 50);
		expect(formats).toEqual(['self-instruct-tasks']);
		expect(progress.length).toBe(Math.ceil(enc.encode(file).length / 50));
		expect(progress.at(-1)).toBe(enc.encode(file).length);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
	});

	it('the synchronous ImportParser gives the same records as parseImport', async () => {
		const file = array(seedTask(0), seedTask(1));
		const parser = new ImportParser({ fileName: 'x.json' });
		const records = [...parser.push(enc.encode(file).subarray(0, 40)), ...parser.push(enc.encode(file).subarray(40)), ...parser.end()];
		expect(records).toEqual(await parse(file, { fileName: 'x.json' }));
		expect(parser.detectedFormat).toBe('self-instruct-tasks');
		expect(parser.container).toBe('array');
	});
});

describe('streaming: chunk boundaries, UTF-8, line endings, BOM', () => {
	// Multi-byte characters (2, 3 and 4 bytes), escapes, brackets and commas inside strings,
	// nested arrays: everything a chunk boundary could cut badly.
	const tricky = [
		{ instruction: 'Café — naïve "quotes" \\ backslash', input: 'x, [y], {z}', output: '中文 😀 \u00e9' },
		{ instruction: 'Escapes \\" and \\\\', input: '\\', output: 'a\\\\' },
		{ instruction: 'Ω', input: '', output: ']' }
	];
	const asJsonl = jsonl(...tricky);
	const asArray = JSON.stringify(tricky, null, 2);

	for (const [name, file] of [
		['JSON Lines', asJsonl],
		['JSON array', asArray]
	] as const) {
		it(`${name}: 1-byte, 7-byte and whole-file chunks give identical records`, async () => {
			const whole = await parse(file);
			expect(whole).toHaveLength(3);
			expect((whole[0] as ParsedTask).instances[0].output).toBe('中文 😀 é');
			expect((whole[1] as ParsedTask).instruction).toBe('Escapes \\" and \\\\');
			expect(await parse(file, {}, 1)).toEqual(whole);
			expect(await parse(file, {}, 7)).toEqual(whole);
			for (let size = 2; size <= 13; size++) expect(await parse(file, {}, size)).toEqual(whole);
		});
	}

	it('a 4-byte character split across every possible chunk boundary', async () => {
		const file = enc.encode(jsonl({ instruction: '😀😀', output: '😀' }));
		for (let cut = 1; cut < file.length; cut++) {
			async function* twoChunks() {
				yield file.subarray(0, cut);
				yield file.subarray(cut);
			}
			const out: ParsedRecord[] = [];
			for await (const r of parseImport(twoChunks(), { fileName: 'x.jsonl' })) out.push(r);
			expect((out[0] as ParsedTask).instruction).toBe('😀😀');
		}
	});

	it('CRLF line endings: same records, same line numbers', async () => {
		const lf = jsonl(seedTask(0), seedTask(1)) + '\n' + jsonl(seedTask(2));
		const crlf = lf.replace(/\n/g, '\r\n');
		const a = await parse(lf);
		const b = await parse(crlf, {}, 3);
		expect(b).toEqual(a);
		expect(b.map((r) => r.location.line)).toEqual([1, 2, 4]);
		const prettyCrlf = JSON.stringify([seedTask(0), seedTask(1)], null, 2).replace(/\n/g, '\r\n');
		expect((await parse(prettyCrlf)).map((r) => r.location)).toEqual([
			{ line: 2, index: 0, column: 3 },
			{ line: 14, index: 1, column: 3 }
		]);
	});

	it('a UTF-8 byte order mark is skipped, in either container', async () => {
		for (const file of [jsonl(seedTask(0)), array(seedTask(0))]) {
			const plain = await parse(file);
			expect(await parse('\uFEFF' + file)).toEqual(plain);
			expect(await parse('\uFEFF' + file, {}, 1)).toEqual(plain);
		}
	});

	it('blank and whitespace-only lines are skipped but counted', async () => {
		const file = '\n\n' + JSON.stringify(seedTask(0)) + '\n   \n\t\n' + JSON.stringify(seedTask(1)) + '\n\n';
		expect((await parse(file)).map((r) => r.location.line)).toEqual([3, 6]);
	});

	it('the last line needs no newline', async () => {
		expect(await parse(JSON.stringify(seedTask(0)))).toHaveLength(1);
	});

	it('does not keep the whole file: a large file streams with bounded buffering', async () => {
		// 20,000 records through 64 KiB chunks: each push returns only what that chunk completed.
		const row = JSON.stringify({ instruction: 'Summarise the text.', input: 'x'.repeat(200), output: 'y'.repeat(100) }) + '\n';
		const parser = new ImportParser({ fileName: 'big.jsonl' });
		const bytes = enc.encode(row.repeat(20_000));
		let most = 0;
		let total = 0;
		for (let at = 0; at < bytes.length; at += 65_536) {
			const got = parser.push(bytes.subarray(at, at + 65_536)).length;
			most = Math.max(most, got);
			total += got;
		}
		total += parser.end().length;
		expect(total).toBe(20_000);
		expect(most).toBeLessThanOrEqual(Math.ceil(65_536 / row.length) + 1);
	});
});

describe('bad input: an ImportError naming file, place and field', () => {
	it('malformed JSON in JSON Lines: line and column', async () => {
		const file = jsonl(seedTask(0)) + '{"instruction": "x", "output": "y",}\n';
		const e = await failure(file, { fileName: 'rows.jsonl' });
		expect(e.message).toBe(`rows.jsonl: line 2, column 36: malformed JSON: Expected double-quoted property name`);
		expect([e.file, e.line, e.column, e.index]).toEqual(['rows.jsonl', 2, 36, undefined]);
	});

	it('malformed JSON in an array: item index, line and column', async () => {
		const file = '[\n{"instruction": "a", "output": "b"},\n{"instruction": "c" "output": "d"}\n]';
		const e = await failure(file, { fileName: 'rows.json' });
		expect(e.message).toBe(`rows.json: item 1 (line 3, column 21): malformed JSON: Expected ',' or '}' after property value`);
		expect([e.index, e.line]).toEqual([1, 3]);
	});

	it('a pretty-printed object in a JSON Lines file gets a hint', async () => {
		const e = await failure('{\n  "instruction": "a",\n  "output": "b"\n}\n');
		expect(e.message).toMatch(/^data\.jsonl: line 1, column 2: malformed JSON: .*pretty-printed object .* not supported/);
	});

	it('truncated JSON array: cut after a complete item, inside an item, inside a string', async () => {
		const whole = array(seedTask(0), seedTask(1));
		const afterItem = await failure(whole.slice(0, whole.lastIndexOf('}') + 1), { fileName: 'a.json' });
		expect(afterItem.message).toMatch(/^a\.json: line 1, column \d+: the file ends before the JSON array's closing '\]' \(truncated file\?\)$/);
		const insideItem = await failure(whole.slice(0, whole.length - 2), { fileName: 'a.json' });
		expect(insideItem.message).toMatch(/^a\.json: item 1 \(line 1, column \d+\): malformed JSON: the JSON ends too early/);
		const cut = whole.indexOf('Output 1') + 3;
		const insideString = await failure(whole.slice(0, cut), { fileName: 'a.json' });
		expect(insideString.message).toMatch(/^a\.json: line 1, column \d+: the file ends inside a string of item 1 \(line 1, column \d+\)/);
	});

	it('mismatched brackets in an array item', async () => {
		const e = await failure('[{"instruction": "a", "output": "b"]');
		expect(e.message).toMatch(/^data\.jsonl: item 0 \(line 1, column 36\): malformed JSON: Expected ',' or '}'/);
		const e2 = await failure('[{"instruction": "a", "output": "b"}}]');
		expect(e2.message).toMatch(/item 0 \(line 1, column 37\): unexpected '}'/);
	});

	it('trailing garbage after the array', async () => {
		const e = await failure(array(seedTask(0)) + '\n\n  oops', { fileName: 'a.json' });
		expect(e.message).toBe('a.json: line 3, column 3: unexpected "oops" after the JSON array\'s closing \']\' (trailing garbage)');
		expect(e.index).toBeUndefined();
		expect((await failure(array(seedTask(0)) + '[]')).message).toMatch(/trailing garbage/);
	});

	it('commas with nothing between them, and a trailing comma', async () => {
		expect((await failure(`[${JSON.stringify(seedTask(0))},,${JSON.stringify(seedTask(1))}]`)).message).toMatch(
			/item 1 \(line 1, column \d+\): two commas in a row/
		);
		expect((await failure('[,{}]')).message).toMatch(/item 0 \(line 1, column 2\): a comma right after '\['/);
		expect((await failure(`[${JSON.stringify(seedTask(0))},]`)).message).toMatch(/line 1, column \d+: a comma before the closing '\]' \(trailing comma\)/);
	});

	it('a record that is not an object', async () => {
		const e = await failure(jsonl(seedTask(0)) + '["instruction", "output"]\n');
		expect(e.message).toBe('data.jsonl: line 2: expected a JSON object, got array');
		const e2 = await failure(`[${JSON.stringify(seedTask(0))}, 42]`, { fileName: 'a.json' });
		expect(e2.message).toMatch(/^a\.json: item 1 \(line 1, column \d+\): expected a JSON object, got number$/);
		expect((await failure('[null]')).message).toMatch(/item 0 .*got null/);
	});

	it('a wrong field type: a number instead of a string', async () => {
		const rows = Array.from({ length: 13 }, (_, i) => ({ instruction: `Task ${i}.`, input: '', output: i === 12 ? 5 : 'ok' }));
		const e = await failure(array(...rows), { fileName: 'alpaca.json' });
		const column = array(...rows).indexOf('{"instruction":"Task 12.') + 1;
		expect(e.message).toBe(`alpaca.json: item 12 (line 1, column ${column}): field "output" must be a string, got number`);
		expect([e.index, e.field]).toEqual([12, 'output']);
	});

	it('instances that are not an array', async () => {
		const e = await failure(jsonl({ ...seedTask(0), instances: { input: '', output: 'x' } }));
		expect(e.message).toBe('data.jsonl: line 1: field "instances" must be an array, got object');
		expect(e.field).toBe('instances');
	});

	it('is_classification that is not a boolean', async () => {
		const e = await failure(jsonl(seedTask(0), { ...seedTask(1), is_classification: 'Yes' }));
		expect(e.message).toBe('data.jsonl: line 2: field "is_classification" must be true or false, got string');
	});

	it('a nested instance with a wrong type or shape', async () => {
		const instances = [{ input: '', output: 'a' }, { input: '', output: 'b' }, { input: 'x', output: ['c'] }];
		const e = await failure(jsonl({ ...seedTask(0), instances }));
		expect(e.message).toBe('data.jsonl: line 1: field "instances[2].output" must be a string, got array');
		expect(e.field).toBe('instances[2].output');
		const e2 = await failure(jsonl({ ...seedTask(0), instances: [{ input: '', output: 'a' }, 'b'] }));
		expect(e2.message).toBe('data.jsonl: line 1: field "instances[1]" must be an object, got string');
		const e3 = await failure(jsonl({ ...unnaturalFull, reformulations: [{ instruction: 'x', input: 'y' }] }));
		expect(e3.message).toBe('data.jsonl: line 1: missing required field "reformulations[0].output"');
	});

	it('a missing required field: instruction, output', async () => {
		const e = await failure(jsonl({ instruction: 'a', output: 'b' }, { input: 'x', output: 'y' }));
		expect(e.message).toBe('data.jsonl: line 2: missing required field "instruction"');
		const e2 = await failure(jsonl({ instruction: 'a', input: 'x' }));
		expect(e2.message).toBe('data.jsonl: line 1: missing required field "output"');
		const e3 = await failure(jsonl({ ...seedTask(0), instances: [{ input: 'x' }] }));
		expect(e3.message).toBe('data.jsonl: line 1: missing required field "instances[0].output"');
	});

	it('an empty or blank instruction', async () => {
		const e = await failure(jsonl({ instruction: 'a', output: 'b' }, { instruction: '  \n', output: 'y' }));
		expect(e.message).toBe('data.jsonl: line 2: field "instruction" is empty');
		expect(e.field).toBe('instruction');
	});

	it('a prediction row missing its response', async () => {
		const { response: _, ...row } = prediction;
		const e = await failure(jsonl(prediction, row), { fileName: 'davinci_predictions.jsonl' });
		expect(e.message).toBe('davinci_predictions.jsonl: line 2: missing required field "response"');
		expect((await failure(jsonl({ ...prediction, response: null }))).message).toBe(
			'data.jsonl: line 1: field "response" must be a string, got null'
		);
	});

	it('a chat row without an assistant reply (or without a user message)', async () => {
		const e = await failure(jsonl({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'Hi.' }] }));
		expect(e.message).toBe('data.jsonl: line 1: field "messages" has no assistant message after the first user message (messages[1])');
		const e2 = await failure(jsonl({ messages: [{ role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Hi.' }] }));
		expect(e2.message).toMatch(/no assistant message after the first user message/);
		const e3 = await failure(jsonl({ messages: [{ role: 'assistant', content: 'Hello.' }] }));
		expect(e3.message).toBe('data.jsonl: line 1: field "messages" has no message with role "user"');
		const e4 = await failure(jsonl({ messages: [{ role: 'user', content: 3 }] }));
		expect(e4.message).toBe('data.jsonl: line 1: field "messages[0].content" must be a string or an array of text parts, got number');
	});

	it('an empty file, a whitespace-only file, an empty array, only blank lines', async () => {
		expect((await failure('', { fileName: 'e.jsonl' })).message).toBe('e.jsonl: the file is empty');
		expect((await failure(' \n\t\r\n ', { fileName: 'e.jsonl' })).message).toBe('e.jsonl: the file contains only whitespace, no records');
		expect((await failure('\uFEFF', { fileName: 'e.jsonl' })).message).toBe('e.jsonl: the file contains only whitespace, no records');
		expect((await failure(' [ \n ] \n', { fileName: 'e.json' })).message).toBe('e.json: the JSON array is empty, no records');
	});

	it('invalid UTF-8, named by line (and item in an array), also when split across chunks', async () => {
		const good = enc.encode(jsonl(seedTask(0)));
		const bad = enc.encode('{"instruction": "caf');
		const rest = enc.encode('", "output": "x"}\n');
		const file = new Uint8Array([...good, ...bad, 0xc3, 0x28, ...rest]);
		for (const size of [1, 7, file.length]) {
			const e = await failure(file, { fileName: 'u.jsonl' }, size);
			expect(e.message).toBe(`u.jsonl: line 2, column ${bad.length + 1}: invalid UTF-8 (byte 0xC3); the file must be saved as UTF-8`);
		}
		const inArray = new Uint8Array([...enc.encode('[\n{"instruction": "a", "output": "b"},\n{"instruction": "'), 0xff, ...enc.encode('"}]')]);
		const e = await failure(inArray, { fileName: 'u.json' }, 5);
		expect(e.message).toMatch(/^u\.json: item 1 \(line 3, column 18\): invalid UTF-8 \(byte 0xFF\)/);
		// A multi-byte sequence cut off by the end of the file.
		const cut = new Uint8Array([...enc.encode(JSON.stringify(seedTask(0)) + '\n'), 0xe2, 0x82]);
		expect((await failure(cut, { fileName: 'u.jsonl' })).message).toBe('u.jsonl: line 2, column 1: invalid UTF-8 (byte 0xE2); the file must be saved as UTF-8');
	});

	it('a UTF-16 file is named as such', async () => {
		const e = await failure(new Uint8Array([0xff, 0xfe, 0x7b, 0x00]), { fileName: 'w.jsonl' });
		expect(e.message).toBe('w.jsonl: line 1: the file looks like UTF-16 (it starts with 0xFF 0xFE); save it as UTF-8');
	});

	it('a file that is not JSON at all', async () => {
		const e = await failure('instruction,input,output\nA,,b\n', { fileName: 'd.txt' });
		expect(e.message).toBe(`d.txt: line 1, column 1: not a JSON Lines file or a JSON array: expected '{' or '[' first, found "instruction,input,ou"`);
	});

	it('CSV and Parquet files (which the app exports) are named as not importable', async () => {
		const csv = await failure('instruction,input,output\nA,,b\n', { fileName: 'd.csv' });
		expect(csv.message).toBe('d.csv: line 1, column 1: CSV and TSV files cannot be imported (the CSV exports are for spreadsheets); import the JSON Lines export (or another JSON Lines / JSON array file) instead');
		const parquet = await failure(new Uint8Array([0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15]), { fileName: 'd.parquet' });
		expect(parquet.message).toMatch(/^d\.parquet: line 1, column 1: Parquet files cannot be imported; import the JSON Lines export/);
	});

	it('a byte-order mark inside the file is named with its line and column', async () => {
		const row = JSON.stringify({ instruction: 'A', input: '', output: '1' });
		const e = await failure(`${row}\n\uFEFF${row}\n`, { fileName: 'bom_mid.jsonl' });
		expect(e.message).toBe('bom_mid.jsonl: line 2, column 1: a byte-order mark (U+FEFF), which is allowed only at the very start of a file (files joined together often carry one each); remove it');
		expect(e.line).toBe(2);
	});

	it('an unknown format: says which fields were found', async () => {
		const e = await failure(jsonl({ question: 'Why?', answer: 'Because.' }), { fileName: 'qa.jsonl' });
		expect(e.message).toMatch(/^qa\.jsonl: line 1: unknown format: the first record has the fields question, answer, which match none of the known formats/);
		expect((await failure('[{}]')).message).toMatch(/item 0 .*the fields none \(an empty object\)/);
	});

	it('mixed formats: record N has a different shape than the first', async () => {
		const e = await failure(jsonl(seedTask(0), seedTask(1), { instruction: 'A.', input: '', output: 'b' }), { fileName: 'm.jsonl' });
		expect(e.message).toBe(
			"m.jsonl: line 3: mixed formats: this record (fields instruction, input, output) looks like Instruction / input / output rows, but the file's first record (line 1) is Self-Instruct task file; one file must hold one format"
		);
		// A record that would pass as the first format but clearly is another one.
		const e2 = await failure(array({ instruction: 'A.', output: 'b' }, { ...prediction, output: 'x' }), { fileName: 'm.json' });
		expect(e2.message).toMatch(/^m\.json: item 1 \(line 1, column \d+\): mixed formats: .* looks like Model predictions .* first record \(item 0\) is Instruction/);
	});

	it('a forced format that does not fit names the field and what the record looks like', async () => {
		const e = await failure(jsonl(prediction), { format: 'instances' });
		expect(e.message).toBe(
			'data.jsonl: line 1: missing required field "output" (the record looks like Model predictions (Self-Instruct human evaluation), but the format was set to Instruction / input / output rows)'
		);
	});

	it('a file over the size limit says the limit', async () => {
		const file = jsonl(...Array.from({ length: 50 }, (_, i) => seedTask(i)));
		const e = await failure(file, { fileName: 'big.jsonl', maxBytes: 1024 }, 256);
		expect(e.message).toBe('big.jsonl: the file is larger than the import limit of 1 KiB (1,024 bytes)');
		const e2 = await failure(file, { fileName: 'big.jsonl', maxBytes: 500 });
		expect(e2.message).toBe('big.jsonl: the file is larger than the import limit of 500 bytes');
		expect(formatByteSize(250 * 1024 * 1024)).toBe('250 MiB');
		expect(formatByteSize(1536)).toBe('1.5 KiB');
		expect(await parse(file, { maxBytes: enc.encode(file).length })).toHaveLength(50);
	});
});

describe('bad input: more cases', () => {
	it('a JSON Lines file cut in the middle of its last record', async () => {
		const e = await failure(jsonl(seedTask(0)) + '{"instruction": "a", "output": "b', { fileName: 'cut.jsonl' });
		expect(e.message).toMatch(/^cut\.jsonl: line 2, column \d+: malformed JSON: the JSON ends too early \(truncated record\?\)$/);
	});
	it('an array nested in a JSON Lines line is not an object', async () => {
		expect((await failure('{"instruction": "a", "output": "b"}\n"just a string"\n')).message).toBe('data.jsonl: line 2: expected a JSON object, got string');
	});
});

describe('bad input: placing JSON.parse complaints', () => {
	it('garbage after a record on its line is placed by column', async () => {
		const e = await failure('{"instruction":"a","output":"b"} x\n');
		expect(e.message).toBe('data.jsonl: line 1, column 34: malformed JSON: Unexpected non-whitespace character after JSON');
	});
	it('a raw newline inside a string of a pretty-printed array item is placed on its line', async () => {
		const e = await failure('[\n  {\n    "instruction": "a\nb",\n    "output": "c"\n  }\n]');
		expect(e.message).toBe(
			"data.jsonl: item 0 (line 3, column 22): malformed JSON: Bad control character in string literal: '\\u000a' (a raw control character, such as a NUL byte, cannot stand in JSON text; inside a string write it as an escape)"
		);
	});
	it('invalid UTF-8 before the first record is placed by line', async () => {
		const e = await failure(new Uint8Array([0x0a, 0x20, 0x0a, 0xff]), {}, 3);
		expect(e.message).toBe('data.jsonl: line 3, column 1: invalid UTF-8 (byte 0xFF); the file must be saved as UTF-8');
	});
});

describe('bad input: a field named twice in one object', () => {
	it('a JSON Lines record naming "output" twice is refused at the second name, not read as its last value', async () => {
		const e = await failure('{"instruction":"a","input":"","output":"b"}\n{"instruction":"c","output":"first","output":"second"}\n');
		expect(e.message).toBe(
			'data.jsonl: line 2, column 37: field "output" appears twice in one object; a JSON reader keeps only the last value, so the first would be lost. Keep one of them (or rename it)'
		);
		expect(e.field).toBe('output');
	});
	it('a repeated field inside a conversation turn of a pretty-printed array is placed on its line', async () => {
		const e = await failure('[\n {"messages": [\n  {"role": "user", "content": "hi"},\n  {"role": "assistant", "content": "a", "content": "b"}\n ]}\n]');
		expect(e.field).toBe('messages[1].content');
		expect(e.message).toMatch(/^data\.jsonl: item 0 \(line 4, column 41\): field "messages\[1\]\.content" appears twice/);
	});
	it('the same name written with an escape is the same name', async () => {
		const e = await failure('{"instruction":"a","output":"b","\\u006futput":"c"}\n');
		expect(e.field).toBe('output');
	});
	it('a SuperNI instance naming "output" twice is refused with its place in the task', async () => {
		const task = '{\n "Definition": ["Say it."],\n "Positive Examples": [],\n "Negative Examples": [],\n "Instances": [\n  {"id": "t-1", "input": "x", "output": ["y"], "output": ["z"]}\n ]\n}\n';
		const e = await failure(task, { fileName: 'task001_x.json' });
		expect(e.field).toBe('Instances[0].output');
		expect(e.message).toContain('line 6');
	});
	it('records whose values hold ":" or spaced colons, but no repeated name, are read as written', async () => {
		const records = await parse(
			'{"instruction":"Quote \\"a\\": b","input":"x\\":y\\":z","output":"ok"}\n{"instruction" : "spaced", "input" :"", "output": "fine"}\n'
		);
		expect(records).toHaveLength(2);
		expect((records[0] as ParsedTask).instruction).toBe('Quote "a": b');
	});
});

describe('errors that name what is wrong', () => {
	it('a raw NUL byte is shown as \\u0000 with its place (it was printed raw, invisible)', async () => {
		const e = await failure('{"instruction":"a","output":"b"}\n\u0000\n');
		expect(e.message).toBe("data.jsonl: line 2, column 1: malformed JSON: Unexpected token '\\u0000' (a raw control character, such as a NUL byte, cannot stand in JSON text; inside a string write it as an escape)");
		expect(e.message).not.toContain('\u0000');
	});

	it('a bare word (V8 names no position for it) is placed at the word, and V8\'s quote of the text is left out', async () => {
		const e = await failure('[\n {"instruction": "a", "input": "None", "output": None}\n]', { fileName: 'data.json' });
		expect(e.message).toBe("data.json: item 0 (line 2, column 50): malformed JSON: Unexpected token 'N'");
	});

	it('a raw NUL byte inside a string is named too (V8 says only "Bad control character")', async () => {
		const e = await failure('{"instruction":"a","output":"b"}\n\n{"instruction":"a\u0000b","output":"c"}\n');
		expect(e.message).toBe(
			"data.jsonl: line 3, column 18: malformed JSON: Bad control character in string literal: '\\u0000' (a raw control character, such as a NUL byte, cannot stand in JSON text; inside a string write it as an escape)"
		);
	});

	it('a missing value is placed by column without V8\'s quoted snippet (it read: line 2: … ..." "output":}" is not valid JSON)', async () => {
		const bad = '{"instruction":"bad", "input":"", "output":}';
		const e = await failure(`{"instruction":"a","output":"b"}\n${bad}\n`);
		expect(e.message).toBe(`data.jsonl: line 2, column ${bad.length}: malformed JSON: Unexpected token '}'`);
		expect([e.line, e.column]).toEqual([2, bad.length]);
		// A short record is quoted whole by V8, and a fault before the tenth character is quoted from the start.
		expect((await failure('{"a":tru}\n')).message).toBe("data.jsonl: line 1, column 9: malformed JSON: Unexpected token '}'");
		const early = await failure('{"a":tru, "instruction":"a much longer record than ten characters","output":"b"}\n');
		expect(early.message).toBe("data.jsonl: line 1, column 9: malformed JSON: Unexpected token ','");
		// In an array item, the column is on the item's own line.
		const inArray = await failure(`[\n{"instruction":"a","output":"b"},\n  ${bad}\n]`);
		expect(inArray.message).toBe(`data.jsonl: item 1 (line 3, column ${bad.length + 2}): malformed JSON: Unexpected token '}'`);
	});

	it('UTF-16 without a byte-order mark says so (it read "Expected property name or \'}\'")', async () => {
		const utf16le = (text: string) => new Uint8Array([...text].flatMap((c) => [c.charCodeAt(0), 0]));
		const utf16be = (text: string) => new Uint8Array([...text].flatMap((c) => [0, c.charCodeAt(0)]));
		const row = '{"instruction":"a","output":"b"}\n';
		for (const bytes of [utf16le(row), utf16be(row)])
			expect((await failure(bytes)).message).toBe('data.jsonl: line 1: the file looks like UTF-16 without a byte-order mark (every other byte is 0); save it as UTF-8');
		expect(await parse(row)).toHaveLength(1);
	});
});
