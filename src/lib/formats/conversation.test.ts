import { describe, expect, it } from 'vitest';
import { ImportError } from './import-error';
import { chunksOf, parseImport } from './parse-import';
import { readRecord } from './records';
import type { ParseOptions, ParsedRecord, ParsedTask } from './types';
import { carriesCall } from './conversation';

const jsonl = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function parse(data: string, options: Partial<ParseOptions> = {}): Promise<ParsedRecord[]> {
	const out: ParsedRecord[] = [];
	for await (const r of parseImport(chunksOf(data, 13), { fileName: 'sharegpt.json', ...options })) out.push(r);
	return out;
}

async function failure(data: string, options: Partial<ParseOptions> = {}): Promise<ImportError> {
	try {
		await parse(data, options);
	} catch (e) {
		expect(e).toBeInstanceOf(ImportError);
		return e as ImportError;
	}
	throw new Error('expected an ImportError, but the file was accepted');
}

// Rows written for these tests in the shape of FastChat's cleaned ShareGPT files.
const sixTurns = {
	id: 'QWJhYvA_0',
	conversations: [
		{ from: 'human', value: 'Summarise the plot of Hamlet.' },
		{ from: 'gpt', value: 'A prince avenges his father.' },
		{ from: 'human', value: 'Shorter?' },
		{ from: 'gpt', value: 'Revenge.' },
		{ from: 'human', value: 'In French?' },
		{ from: 'gpt', value: 'Vengeance.' }
	]
};

describe('ShareGPT / FastChat conversations', () => {
	it('keeps every turn; the first human turn is the instruction and the first reply the output', async () => {
		for (const file of [JSON.stringify([sixTurns], null, 2), jsonl(sixTurns)]) {
			let format = '';
			const [task] = (await parse(file, { onFormat: (f) => (format = f) })) as ParsedTask[];
			expect(format).toBe('sharegpt');
			expect(task).toMatchObject({
				kind: 'task',
				instruction: 'Summarise the plot of Hamlet.',
				sourceId: 'QWJhYvA_0',
				metadata: null,
				instances: [{ input: '', output: 'A prince avenges his father.' }]
			});
			expect(task.conversation).toEqual({
				turns: [
					{ role: 'user', content: 'Summarise the plot of Hamlet.' },
					{ role: 'assistant', content: 'A prince avenges his father.' },
					{ role: 'user', content: 'Shorter?' },
					{ role: 'assistant', content: 'Revenge.' },
					{ role: 'user', content: 'In French?' },
					{ role: 'assistant', content: 'Vengeance.' }
				],
				warnings: []
			});
		}
	});

	it('maps raw ShareGPT speaker names and keeps them; a system turn goes first and into the metadata', () => {
		const task = readRecord('sharegpt', {
			id: 7,
			model: 'gpt-4',
			conversations: [
				{ from: 'system', value: 'Be brief.' },
				{ from: 'user', value: 'Hi' },
				{ from: 'chatgpt', value: 'Hello', markdown: '<p>Hello</p>' },
				{ from: 'human', value: 'Bye' },
				{ from: 'bard', value: 'Bye' }
			]
		}) as ParsedTask;
		expect(task.sourceId).toBe('7');
		expect(task.metadata).toEqual({ model: 'gpt-4', system: 'Be brief.' });
		expect(task.conversation?.turns).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi', sourceRole: 'user' },
			{ role: 'assistant', content: 'Hello', sourceRole: 'chatgpt', extra: { markdown: '<p>Hello</p>' } },
			{ role: 'user', content: 'Bye' },
			{ role: 'assistant', content: 'Bye', sourceRole: 'bard' }
		]);
	});

	it('records broken alternation as warnings per conversation and drops no turn', () => {
		const task = readRecord('sharegpt', {
			conversations: [
				{ from: 'gpt', value: 'Welcome!' },
				{ from: 'human', value: 'Hi' },
				{ from: 'human', value: 'Anyone?' },
				{ from: 'gpt', value: '' },
				{ from: 'system', value: 'Late rule.' },
				{ from: 'gpt', value: 'Yes.' },
				{ from: 'human', value: 'Thanks' }
			]
		}) as ParsedTask;
		expect(task.conversation?.turns).toHaveLength(7);
		expect(task.instances).toEqual([{ input: '', output: '' }]);
		expect(task.conversation?.warnings).toEqual([
			'the conversation opens with an assistant turn (conversations[0]) before any user turn',
			'conversations[1] and conversations[2] are both user turns (turns should alternate)',
			'conversations[3] (assistant) is empty',
			'conversations[4] is a system turn after the conversation started',
			'conversations[3] and conversations[5] are both assistant turns (turns should alternate)',
			'the last user turn (conversations[6]) has no reply'
		]);
	});

	it('an assistant turn answering tool results is not "two assistant turns in a row"', () => {
		const task = readRecord('chat', {
			messages: [
				{ role: 'user', content: 'Weather in Paris?' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: '18°C' },
				{ role: 'assistant', content: 'It is 18°C.' },
				{ role: 'assistant', content: 'Anything else?' }
			]
		}) as ParsedTask;
		expect(task.conversation?.warnings).toEqual([
			'messages[3] and messages[4] are both assistant turns (turns should alternate)',
			"the first reply (messages[1]) only calls a tool, so the instance's output is empty (single-turn exports leave it out; the whole conversation is kept)"
		]);
		expect(task.instances[0].output).toBe('');
	});

	it('a reply with "tool_calls": null (or []), as API logs write on plain replies, calls nothing: empty is empty', () => {
		const task = readRecord('chat', {
			messages: [
				{ role: 'user', content: 'Hello?' },
				{ role: 'assistant', content: '', tool_calls: null, function_call: null },
				{ role: 'user', content: 'Still there?' },
				{ role: 'assistant', content: '', tool_calls: [] }
			]
		}) as ParsedTask;
		expect(task.conversation?.warnings).toEqual(['messages[1] (assistant) is empty', 'messages[3] (assistant) is empty']);
		expect(carriesCall({ tool_calls: null })).toBe(false);
		expect(carriesCall({ tool_calls: [] })).toBe(false);
		expect(carriesCall({ function_call: null })).toBe(false);
		expect(carriesCall({ tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] })).toBe(true);
		expect(carriesCall({ function_call: { name: 'f', arguments: '{}' } })).toBe(true);
	});

	it('with strictTurns the first such problem fails the file, naming the turn', async () => {
		const row = { id: 'x', conversations: [{ from: 'human', value: 'a' }, { from: 'human', value: 'b' }, { from: 'gpt', value: 'c' }] };
		expect((await parse(jsonl(row))).length).toBe(1);
		const e = await failure(jsonl(sixTurns, row), { strictTurns: true });
		expect(e.message).toBe('sharegpt.json: line 2: conversations[0] and conversations[1] are both user turns (turns should alternate)');
		expect(e.field).toBe('conversations[1]');
	});

	it('errors name the conversation and the turn', async () => {
		const cases: [unknown, string][] = [
			[{ id: 'a', conversations: [] }, 'field "conversations" is empty (a conversation needs turns)'],
			[{ id: 'a', conversations: [{ from: 'robot', value: 'x' }] }, 'field "conversations[0].from" is "robot", not a speaker this format knows (system, human, user, gpt, assistant, chatgpt, bing, bard, model, function_call, tool, observation, function)'],
			[{ id: 'a', conversations: [{ from: 'human', value: 'x' }, { from: 'gpt' }] }, 'missing required field "conversations[1].value"'],
			[{ id: 'a', conversations: [{ from: 'human', value: 'x' }, { from: 'gpt', value: null }] }, 'field "conversations[1].value" must be a string, got null'],
			[{ id: 'a', conversations: [{ from: 'gpt', value: 'x' }] }, 'field "conversations" has no turn from "human"'],
			[{ id: 'a', conversations: [{ from: 'human', value: 'x' }] }, 'field "conversations" has no reply from "gpt" after the first human turn (conversations[0])'],
			[{ id: 'a', conversations: [{ from: 'human', value: ' ' }, { from: 'gpt', value: 'y' }] }, 'field "conversations[0].value" is empty'],
			[{ id: ['a'], conversations: [{ from: 'human', value: 'x' }, { from: 'gpt', value: 'y' }] }, 'field "id" must be a string or a number, got array']
		];
		for (const [row, detail] of cases) {
			const e = await failure(jsonl(sixTurns, row));
			expect(e.message).toBe(`sharegpt.json: line 2: ${detail}`);
		}
	});
});

describe('OpenAI chat rows keep every turn (the existing first-exchange task is unchanged)', () => {
	const chat = {
		messages: [
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'Translate to French.\n\nInput: good morning' },
			{ role: 'assistant', content: 'bonjour', weight: 1 },
			{ role: 'user', content: 'And good night?', name: 'ana' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'dict', arguments: '{}' } }] },
			{ role: 'tool', content: 'bonne nuit', tool_call_id: 't1' },
			{ role: 'assistant', content: [{ type: 'text', text: 'bonne nuit' }, { type: 'text', text: 'à demain' }], weight: 0 }
		],
		tools: [{ type: 'function' }]
	};

	it('every message becomes a turn with its name, weight and other fields', async () => {
		const [task] = (await parse(jsonl(chat), { fileName: 'chat.jsonl' })) as ParsedTask[];
		expect(task.instruction).toBe('Translate to French.');
		expect(task.instances).toEqual([{ input: 'good morning', output: 'bonjour' }]);
		expect(task.metadata).toEqual({ tools: [{ type: 'function' }], system: 'You are terse.' });
		expect(task.conversation).toEqual({
			turns: [
				{ role: 'system', content: 'You are terse.' },
				{ role: 'user', content: 'Translate to French.\n\nInput: good morning' },
				{ role: 'assistant', content: 'bonjour', weight: 1 },
				{ role: 'user', content: 'And good night?', name: 'ana' },
				{ role: 'assistant', content: '', extra: { tool_calls: chat.messages[4].tool_calls } },
				{ role: 'tool', content: 'bonne nuit', extra: { tool_call_id: 't1' } },
				// Text parts are joined with a line break (they are separate pieces of text).
				{ role: 'assistant', content: 'bonne nuit\nà demain', weight: 0 }
			],
			// A tool call, its result, then the assistant's answer to it: the usual pattern, no warning.
			warnings: [],
			metadata: { tools: [{ type: 'function' }] }
		});
	});

	it('developer and function roles are kept as their source names', () => {
		const task = readRecord('chat', {
			messages: [
				{ role: 'developer', content: 'Rules.' },
				{ role: 'user', content: 'Q' },
				{ role: 'assistant', content: 'A' },
				{ role: 'function', content: 'result', name: 'f' }
			]
		}) as ParsedTask;
		expect(task.conversation?.turns.map((t) => [t.role, t.sourceRole ?? null])).toEqual([
			['system', 'developer'],
			['user', null],
			['assistant', null],
			['tool', 'function']
		]);
	});

	it('an unknown role or a bad weight names the message', () => {
		expect(() => readRecord('chat', { messages: [{ role: 'narrator', content: 'x' }] })).toThrow('field "messages[0].role" is "narrator", not a speaker this format knows');
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y', weight: 2 }] })).toThrow(
			'field "messages[1].weight" must be 0 or 1, got 2'
		);
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null }] })).toThrow(
			'field "messages[1].content" must be a string or an array of text parts, got null'
		);
	});
});

describe('the import stores every shape', () => {
	it('every format is importable, the richer shapes included', async () => {
		const { FORMATS, isImportable } = await import('./types');
		expect(FORMATS.filter((f) => !f.importable).map((f) => f.id)).toEqual([]);
		expect(isImportable('sharegpt')).toBe(true);
	});
});

describe('toolCallsText', () => {
	it('writes each call as name(arguments), one a line, and nothing for a turn without a call', async () => {
		const { toolCallsText } = await import('./conversation');
		expect(toolCallsText({ tool_calls: [{ function: { name: 'a', arguments: '{"x":1}' } }, { function: { name: 'b', arguments: { y: 2 } } }] })).toBe('a({"x":1})\nb({"y":2})');
		expect(toolCallsText({ function_call: { name: 'f', arguments: '{}' } })).toBe('f({})');
		for (const extra of [null, {}, { tool_calls: [] }, { tool_calls: [{ function: { name: '' } }] }, { name: 'x' }]) expect(toolCallsText(extra)).toBeNull();
	});
});
