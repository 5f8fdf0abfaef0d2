import { describe, expect, it } from 'vitest';
import { ImportError } from './import-error';
import { chunksOf, parseImport, parseTaskFiles } from './parse-import';
import type { ParseOptions, ParsedRecord, ParsedTask } from './types';

// A task file written for these tests in the shape of the released ones (allenai/natural-instructions,
// tasks/taskNNN_*.json): the same members in the same order, pretty-printed with 4 spaces.
const superniTask = (instances = 3) => ({
	Contributors: ['A. Contributor'],
	Source: ['synthetic'],
	URL: ['https://example.org/task'],
	Categories: ['Text Generation'],
	Reasoning: [],
	Definition: ['In this task, you are given a list and a number i. Output the first i elements of the list.'],
	Input_language: ['English'],
	Output_language: ['English'],
	Instruction_language: ['English'],
	Domains: ['Mathematics'],
	'Positive Examples': [
		{ input: "2, ['a', 'b', 'c']", output: 'a, b', explanation: 'The first 2 elements are a and b.' },
		{ input: "1, ['x', 'y']", output: 'x', explanation: 'The first element is x.' }
	],
	'Negative Examples': [{ input: "2, ['a', 'b', 'c']", output: 'a, b, c', explanation: 'That is three elements, not two.' }],
	Instances: Array.from({ length: instances }, (_, i) => ({
		id: `task063-${i.toString(16).padStart(8, '0')}`,
		input: `${(i % 3) + 1}, ['é${i}', "q\\"${i}", '東${i}', 'z']`,
		output: i === 1 ? ['é1, q"1', 'é1, q"1.'] : [`é${i}`]
	})),
	'Instance License': ['Apache 2.0']
});

const pretty = (o: unknown) => JSON.stringify(o, null, 4);

async function parse(data: string | Uint8Array, options: Partial<ParseOptions> = {}, chunkSize?: number): Promise<ParsedRecord[]> {
	const out: ParsedRecord[] = [];
	for await (const r of parseImport(chunksOf(data, chunkSize), { fileName: 'task063_first_i_elements.json', ...options })) out.push(r);
	return out;
}

async function failure(data: string, options: Partial<ParseOptions> = {}, chunkSize?: number): Promise<ImportError> {
	try {
		await parse(data, options, chunkSize);
	} catch (e) {
		expect(e).toBeInstanceOf(ImportError);
		return e as ImportError;
	}
	throw new Error('expected an ImportError, but the file was accepted');
}

/** 1-based line of the first occurrence of `needle` in `text`. */
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('SuperNI task files', () => {
	it('reads a pretty-printed task file as one task: definition, every instance and output, examples, metadata', async () => {
		const file = pretty(superniTask());
		let format = '';
		const records = await parse(file, { onFormat: (f) => (format = f) });
		expect(format).toBe('superni');
		expect(records).toHaveLength(1);
		const task = records[0] as ParsedTask;
		expect(task).toEqual({
			kind: 'task',
			location: { line: 1 },
			instruction: 'In this task, you are given a list and a number i. Output the first i elements of the list.',
			sourceId: 'task063_first_i_elements',
			name: 'task063_first_i_elements',
			isClassification: null,
			metadata: {
				Contributors: ['A. Contributor'],
				Source: ['synthetic'],
				URL: ['https://example.org/task'],
				Categories: ['Text Generation'],
				Reasoning: [],
				Input_language: ['English'],
				Output_language: ['English'],
				Instruction_language: ['English'],
				Domains: ['Mathematics'],
				'Instance License': ['Apache 2.0']
			},
			instances: [
				{ input: `1, ['é0', "q\\"0", '東0', 'z']`, output: 'é0', sourceId: 'task063-00000000' },
				{ input: `2, ['é1', "q\\"1", '東1', 'z']`, output: 'é1, q"1', outputs: ['é1, q"1', 'é1, q"1.'], sourceId: 'task063-00000001' },
				{ input: `3, ['é2', "q\\"2", '東2', 'z']`, output: 'é2', sourceId: 'task063-00000002' }
			],
			examples: [
				{ kind: 'positive', input: "2, ['a', 'b', 'c']", output: 'a, b', explanation: 'The first 2 elements are a and b.' },
				{ kind: 'positive', input: "1, ['x', 'y']", output: 'x', explanation: 'The first element is x.' },
				{ kind: 'negative', input: "2, ['a', 'b', 'c']", output: 'a, b, c', explanation: 'That is three elements, not two.' }
			]
		});
	});

	it('gives the same task whatever the chunking, compact or pretty, with a BOM and CRLF line ends', async () => {
		const expected = (await parse(pretty(superniTask(40))))[0];
		for (const file of [pretty(superniTask(40)), JSON.stringify(superniTask(40)), '\uFEFF' + pretty(superniTask(40)).replace(/\n/g, '\r\n')]) {
			for (const size of [1, 3, 7, 64, 1 << 16]) {
				const [task] = await parse(file, {}, size);
				expect(task).toEqual(expected);
			}
		}
	});

	it('holds a task larger than MAX_RECORD_CHARS: the limit applies to each instance, not the file', async () => {
		const file = pretty(superniTask(200));
		expect(file.length).toBeGreaterThan(20_000);
		const [task] = (await parse(file, { maxRecordChars: 2_000 }, 4096)) as ParsedTask[];
		expect(task.instances).toHaveLength(200);
		const big = superniTask(2);
		big.Instances[1].input = 'x'.repeat(3_000);
		const e = await failure(pretty(big), { maxRecordChars: 2_000 }, 512);
		expect(e.message).toBe(
			`task063_first_i_elements.json: line ${lineOf(pretty(big), '"id": "task063-00000001"') - 1}, column 9: item 1 of "Instances" is longer than 2,000 characters, the most one record may hold (MAX_RECORD_CHARS)`
		);
	});

	it('is detected by its first field, and also read when forced, as an array item or a JSON Lines line', async () => {
		const { Contributors: _, ...startsWithSource } = superniTask(1);
		expect((await parse(pretty(startsWithSource)))[0]).toMatchObject({ kind: 'task', instances: [{ output: 'é0' }] });
		expect((await parse(pretty(superniTask(1)), { format: 'superni' }))[0]).toMatchObject({ sourceId: 'task063_first_i_elements' });
		const inArray = (await parse(JSON.stringify([{ ...superniTask(1), id: 'task1' }, superniTask(2)]), { fileName: 'tasks.json' })) as ParsedTask[];
		expect(inArray.map((t) => [t.sourceId, t.instances.length, t.location])).toEqual([
			['task1', 1, { line: 1, index: 0, column: 2 }],
			[null, 2, { line: 1, index: 1, column: expect.any(Number) }]
		]);
	});

	it('reads JSON Lines of tasks whatever field comes first ("Definition" first was refused as a second task in one file)', async () => {
		const task = (definition: string, id: string) => ({ Definition: [definition], 'Positive Examples': [], 'Negative Examples': [], Instances: [{ id, input: 'x', output: ['y'] }] });
		const definitionFirst = [task('Def A', 'a-1'), task('Def B', 'b-1')].map((t) => JSON.stringify(t)).join('\n') + '\n';
		const idFirst = [{ id: 't0', ...task('Def A', 'a-1') }, { id: 't1', ...task('Def B', 'b-1') }].map((t) => JSON.stringify(t)).join('\n') + '\n';
		for (const [text, ids] of [
			[definitionFirst, [null, null]],
			[idFirst, ['t0', 't1']]
		] as const) {
			for (const chunk of [7, 1 << 16]) {
				const tasks = (await parse(text, { fileName: 'tasks.jsonl' }, chunk)) as ParsedTask[];
				expect(tasks.map((t) => [t.sourceId, t.instruction, t.location.line])).toEqual([
					[ids[0], 'Def A', 1],
					[ids[1], 'Def B', 2]
				]);
				expect((await parse(text, { fileName: 'tasks.jsonl', format: 'superni' }, chunk)).length).toBe(2);
			}
		}
		// One task on one line (a compact task file) is still one task file, named after the file.
		expect((await parse(JSON.stringify(superniTask(2)) + '\n'))[0]).toMatchObject({ sourceId: 'task063_first_i_elements', name: 'task063_first_i_elements' });
	});

	it('a task line with both "id" and "name" keeps both (the name was replaced by the id)', async () => {
		const line = JSON.stringify({ id: 'task001', name: 'quoref_question_generation', ...superniTask(1) });
		const [task] = (await parse(`[${line}]`, { fileName: 'tasks.json' })) as ParsedTask[];
		expect([task.sourceId, task.name]).toEqual(['task001', 'quoref_question_generation']);
		const [named] = (await parse(`[${JSON.stringify({ name: 'only_a_name', ...superniTask(1) })}]`, { fileName: 'tasks.json' })) as ParsedTask[];
		expect([named.sourceId, named.name]).toEqual(['only_a_name', 'only_a_name']);
	});

	it('keeps several definition strings as the list they were, joining them for the instruction', async () => {
		const [task] = (await parse(pretty({ ...superniTask(1), Definition: ['First part.', 'Second part.'] }))) as ParsedTask[];
		expect(task.instruction).toBe('First part.\n\nSecond part.');
		expect(task.metadata?.Definition).toEqual(['First part.', 'Second part.']);
	});

	it('keeps extra fields of an example', async () => {
		const t = superniTask(1);
		(t['Negative Examples'][0] as Record<string, unknown>).suggestion = 'Count again.';
		const [task] = (await parse(pretty(t))) as ParsedTask[];
		expect(task.examples?.[2]).toEqual({
			kind: 'negative',
			input: "2, ['a', 'b', 'c']",
			output: 'a, b, c',
			explanation: 'That is three elements, not two.',
			extra: { suggestion: 'Count again.' }
		});
	});
});

describe('malformed SuperNI task files: the file, the place, the field and the instance index', () => {
	it('a wrong type in an instance names Instances[i].field and the instance id', async () => {
		const t = superniTask(3);
		(t.Instances[2] as Record<string, unknown>).output = 'not a list';
		(t.Instances[2] as Record<string, unknown>).output = 7;
		const file = pretty(t);
		const e = await failure(file);
		const line = lineOf(file, '"id": "task063-00000002"') - 1;
		expect(e.message).toBe(`task063_first_i_elements.json: line ${line}, column 9: field "Instances[2].output" (id "task063-00000002") must be a list of strings, got number`);
		expect(e.field).toBe('Instances[2].output');
		expect(e.line).toBe(line);
	});

	it('an empty output list, a missing input, an unknown instance field, a non-string output', async () => {
		const cases: [(t: ReturnType<typeof superniTask>) => void, RegExp][] = [
			[(t) => ((t.Instances[0] as Record<string, unknown>).output = []), /field "Instances\[0\]\.output" \(id "task063-00000000"\) is an empty list/],
			[(t) => delete (t.Instances[1] as Record<string, unknown>).input, /missing required field "Instances\[1\]\.input" \(id "task063-00000001"\)$/],
			[(t) => ((t.Instances[1] as Record<string, unknown>).neg_output = ['x']), /field "Instances\[1\]\.neg_output" \(id "task063-00000001"\): not a field of a SuperNI instance/],
			[(t) => ((t.Instances[2] as Record<string, unknown>).output = ['a', 3]), /field "Instances\[2\]\.output\[1\]" \(id "task063-00000002"\) must be a string, got number/],
			[(t) => ((t.Instances as unknown[])[1] = 'text'), /field "Instances\[1\]" must be an object \{id, input, output\}, got string/]
		];
		for (const [spoil, message] of cases) {
			const t = superniTask(3);
			spoil(t);
			expect((await failure(pretty(t))).message).toMatch(message);
		}
	});

	it('a missing or empty definition, a definition of the wrong type, a missing Instances member', async () => {
		const { Definition: _, ...noDefinition } = superniTask(1);
		expect((await failure(pretty(noDefinition))).message).toBe('task063_first_i_elements.json: line 1: missing required field "Definition"');
		const blank = pretty({ ...superniTask(1), Definition: ['  '] });
		expect((await failure(blank)).message).toBe(
			`task063_first_i_elements.json: line ${lineOf(blank, '"Definition"')}, column 19: field "Definition" is empty (the definition is the task's instruction)`
		);
		expect((await failure(pretty({ ...superniTask(1), Definition: 3 }))).message).toMatch(/field "Definition" must be a list of strings, got number/);
		const { Instances: __, ...noInstances } = superniTask(1);
		expect((await failure(pretty(noInstances))).message).toMatch(/missing required field "Instances"/);
		expect((await failure(pretty({ ...superniTask(1), Instances: 'none' }))).message).toMatch(/field "Instances" must be a list of instances, got string/);
	});

	it('bad examples name the example', async () => {
		const t = superniTask(1);
		(t['Positive Examples'][1] as Record<string, unknown>).output = ['x'];
		expect((await failure(pretty(t))).message).toMatch(/field "Positive Examples\[1\]\.output" must be a string, got array/);
	});

	it('broken JSON inside an instance is placed at its line and column, with the field', async () => {
		const file = pretty(superniTask(3)).replace('"id": "task063-00000001",', '"id": "task063-00000001",,');
		const e = await failure(file, {}, 5);
		const line = lineOf(file, ',,');
		expect(e.message).toMatch(new RegExp(`^task063_first_i_elements\\.json: line ${line}, column \\d+: field "Instances\\[1\\]": malformed JSON`));
		expect(e.field).toBe('Instances[1]');
	});

	it('structural problems: a truncated file, a trailing comma, a missing colon, two tasks in one file, a duplicate member', async () => {
		const file = pretty(superniTask(3));
		expect((await failure(file.slice(0, file.indexOf('"task063-00000002"')))).message).toMatch(
			/the file ends before the closing '}' of the task object inside item 2 of "Instances" \(line \d+, column 9\) \(truncated file\?\)$/
		);
		expect((await failure(file.slice(0, -2)))).toBeInstanceOf(ImportError);
		expect((await failure(file.replace(/\}\n {4}\],\n {4}"Instance License"/, '},\n    ],\n    "Instance License"'))).message).toMatch(
			/a comma before the closing '\]' of "Instances" \(trailing comma\)/
		);
		expect((await failure(file.replace('"Source": [', '"Source" ['))).message).toBe(`task063_first_i_elements.json: line 5, column 14: expected ':' after the field name "Source"`);
		expect((await failure(file + '\n' + file)).message).toMatch(/a second JSON object after the end of the task object; a SuperNI task file holds one task/);
		expect((await failure(file.replace('"Domains"', '"Categories"'))).message).toMatch(/field "Categories" appears twice/);
	});
});

describe('a folder of task files', () => {
	it('reads each file in turn, each task named after its file; a bad file fails with its own name', async () => {
		const files = [
			{ name: 'tasks/task001_a.json', data: pretty(superniTask(2)) },
			{ name: 'tasks/task002_b.json', data: pretty({ ...superniTask(1), Definition: ['Another task.'] }) }
		];
		const out: ParsedTask[] = [];
		for await (const { fileName, record } of parseTaskFiles(files.map((f) => ({ fileName: f.name, source: chunksOf(f.data, 100) })))) {
			expect(fileName).toMatch(/^tasks\/task00[12]_[ab]\.json$/);
			out.push(record as ParsedTask);
		}
		expect(out.map((t) => [t.sourceId, t.instruction.slice(0, 13), t.instances.length])).toEqual([
			['task001_a', 'In this task,', 2],
			['task002_b', 'Another task.', 1]
		]);
		const bad = superniTask(2);
		(bad.Instances[1] as Record<string, unknown>).input = null;
		try {
			for await (const _ of parseTaskFiles([...files, { name: 'tasks/task003_c.json', data: pretty(bad) }].map((f) => ({ fileName: f.name, source: chunksOf(f.data) })))) {
				// read on
			}
			throw new Error('expected a failure');
		} catch (e) {
			expect((e as Error).message).toMatch(/^tasks\/task003_c\.json: line \d+, column 9: field "Instances\[1\]\.input" \(id "task063-00000001"\) must be a string, got null$/);
		}
	});
});
