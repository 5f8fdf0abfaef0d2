import { describe, expect, it } from 'vitest';
import { chunksOf, parseImport } from './parse-import';
import {
	chatConversationSerializer,
	conversationExportOf,
	shapeLeftOutSummary,
	preferencePairSerializer,
	reviewersVerdictsText,
	shareGptSerializer,
	superNiExportOf,
	superNiTaskFile,
	type ConversationExport,
	type ShapeSerializer
} from './serialize-shapes';
import type { FormatId, ParsedPair, ParsedRecord, ParsedTask } from './types';
import { isFunctionCallTurn, toolCallsOf } from './conversation';

async function parse(text: string, fileName: string, format?: FormatId): Promise<{ format: FormatId | null; records: ParsedRecord[] }> {
	let detected: FormatId | null = null;
	const records: ParsedRecord[] = [];
	for await (const r of parseImport(chunksOf(text, 11), { fileName, format, onFormat: (f) => (detected = f) })) records.push(r);
	return { format: detected, records };
}

const withoutLocation = (records: ParsedRecord[]) => records.map(({ location: _, ...r }) => r);

function writeAll<T>(serializer: ShapeSerializer<T>, records: Iterable<T>): string {
	let text = serializer.begin();
	for (const r of records) text += serializer.write(r);
	return text + serializer.end();
}

// ---- fixtures in the shapes of the real files, with the characters that break serialisers ----

const TRICKY = ['plain', 'quote " and \\ backslash', 'line\nbreak\r\nCRLF', 'emoji 🌊 and 東京, e\u0301', '\u2028 separators \u2029', '  spaces  ', ''];

const superniFile = JSON.stringify(
	{
		Contributors: ['Someone'],
		Source: ['synthetic'],
		URL: ['https://example.org'],
		Categories: ['Question Answering'],
		Reasoning: ['Commonsense Reasoning'],
		Definition: ['Answer the question about the passage. Quote "exactly".'],
		Input_language: ['English'],
		Output_language: ['English'],
		Instruction_language: ['English'],
		Domains: ['Wikipedia'],
		'Positive Examples': [{ input: TRICKY[1], output: TRICKY[2], explanation: TRICKY[3] }],
		'Negative Examples': [{ input: 'x', output: 'y', explanation: 'wrong', suggestion: 'look again' }],
		Instances: TRICKY.slice(0, 6).map((t, i) => ({ id: `task999-${i}`, input: t, output: i % 2 ? [TRICKY[(i + 1) % 7], 'second'] : [TRICKY[i + 1]] })),
		'Instance License': ['CC BY 4.0'],
		'Extra Member': { kept: true }
	},
	null,
	4
);

describe('SuperNI task files', () => {
	it('round-trips: parse → write → parse gives the same task', async () => {
		const first = await parse(superniFile, 'task999_tricky.json');
		const task = first.records[0] as ParsedTask;
		const { task: header, instances } = superNiExportOf(task);
		const written = superNiTaskFile(header, instances);
		const second = await parse(written, 'task999_tricky.json');
		expect(second.format).toBe('superni');
		expect(withoutLocation(second.records)).toEqual(withoutLocation(first.records));
	});

	it('a member\'s number a double cannot hold is written back as written (it was rounded)', async () => {
		const file = '{"Definition": ["Say it."], "Source": ["x"], "Stats": {"hash": 1234567890123456789, "ratio": 1e400}, "Instances": [{"id": "t-1", "input": "a", "output": ["b"]}]}';
		const task = (await parse(file, 'task998_numbers.json')).records[0] as ParsedTask;
		expect(task.metadata?.Stats).toEqual({ hash: { $number: '1234567890123456789' }, ratio: { $number: '1e400' } });
		const { task: header, instances } = superNiExportOf(task);
		expect(superNiTaskFile(header, instances)).toContain('"hash": 1234567890123456789,\n        "ratio": 1e400');
	});

	it('writes the released layout: members in their order, 4-space indentation, ids, lists of outputs', async () => {
		const written = superNiTaskFile(
			{ taskName: 'task1_x', definition: ['Do it.'], examples: [{ kind: 'positive', input: 'a', output: 'b', explanation: 'c' }] },
			[{ input: 'q', outputs: ['r'] }, { input: 'q2', outputs: ['r2', 'r3'] }]
		);
		expect(Object.keys(JSON.parse(written))).toEqual([
			'Contributors',
			'Source',
			'URL',
			'Categories',
			'Reasoning',
			'Definition',
			'Input_language',
			'Output_language',
			'Instruction_language',
			'Domains',
			'Positive Examples',
			'Negative Examples',
			'Instances',
			'Instance License'
		]);
		expect(written).toContain('\n    "Definition": [\n        "Do it."\n    ],\n');
		expect(written).toContain('\n    "Instances": [\n        {\n            "id": "task1_x-0",\n            "input": "q",\n            "output": [\n                "r"\n            ]\n        },\n');
		expect(JSON.parse(written).Instances[1]).toEqual({ id: 'task1_x-1', input: 'q2', output: ['r2', 'r3'] });
		expect(JSON.parse(superNiTaskFile({ taskName: 't', definition: ['D'], examples: [] }, [])).Instances).toEqual([]);
	});

	it('a flat task (one output per instance) writes as a task file and reads back', async () => {
		const flat: ParsedTask = { kind: 'task', location: { line: 1 }, instruction: 'Name a colour.', instances: [{ input: '', output: 'blue' }, { input: 'sky', output: 'blue' }] };
		const { task, instances } = superNiExportOf(flat, 'task_colours');
		const [back] = (await parse(superNiTaskFile(task, instances), 'task_colours.json')).records as ParsedTask[];
		expect(back.instruction).toBe('Name a colour.');
		expect(back.instances).toEqual([
			{ input: '', output: 'blue', sourceId: 'task_colours-0' },
			{ input: 'sky', output: 'blue', sourceId: 'task_colours-1' }
		]);
	});
});

const shareGptRows = [
	{
		id: 'conv_1',
		model: 'gpt-4',
		conversations: [
			{ from: 'system', value: 'Be kind.' },
			{ from: 'human', value: TRICKY[1] },
			{ from: 'gpt', value: TRICKY[2] },
			{ from: 'human', value: TRICKY[3] },
			{ from: 'chatgpt', value: TRICKY[4], markdown: '<b>x</b>' },
			{ from: 'human', value: TRICKY[5] },
			{ from: 'gpt', value: TRICKY[6] }
		]
	},
	{ id: 'conv_2', conversations: [{ from: 'human', value: 'Hi' }, { from: 'human', value: 'Again' }, { from: 'gpt', value: 'Hello' }] }
];

const chatRows = [
	{
		messages: [
			{ role: 'developer', content: 'Rules.' },
			{ role: 'user', content: 'Translate.\n\nInput: chat' },
			{ role: 'assistant', content: 'cat', weight: 0 },
			{ role: 'user', content: [{ type: 'text', text: 'And ' }, { type: 'text', text: 'dog?' }], name: 'ana' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
			{ role: 'tool', content: 'chien', tool_call_id: 'c' },
			{ role: 'assistant', content: TRICKY[2], weight: 1 }
		],
		tools: [{ type: 'function' }]
	}
];

describe('conversations with every turn', () => {
	it('ShareGPT → ShareGPT JSON Lines and JSON array → the same records (turns, names, warnings, ids)', async () => {
		const first = await parse(JSON.stringify(shareGptRows, null, 2), 'sg.json');
		const tasks = first.records as ParsedTask[];
		expect(tasks[1].conversation?.warnings).toHaveLength(1);
		for (const container of ['jsonl', 'array'] as const) {
			const written = writeAll(shareGptSerializer({ container }), tasks.map(conversationExportOf));
			const second = await parse(written, 'sg.out');
			expect(second.format).toBe('sharegpt');
			expect(withoutLocation(second.records)).toEqual(withoutLocation(first.records));
		}
	});

	it('OpenAI chat → chat JSON Lines with every turn → the same records', async () => {
		const first = await parse(chatRows.map((r) => JSON.stringify(r)).join('\n'), 'chat.jsonl');
		const written = writeAll(chatConversationSerializer(), (first.records as ParsedTask[]).map(conversationExportOf));
		expect(JSON.parse(written.trim()).messages[4].content).toBeNull();
		const second = await parse(written, 'chat2.jsonl');
		expect(second.format).toBe('chat');
		expect(withoutLocation(second.records)).toEqual(withoutLocation(first.records));
	});

	it('across shapes: ShareGPT ↔ chat keeps every role and text; names without a counterpart become the usual ones', async () => {
		const sg = (await parse(JSON.stringify(shareGptRows), 'sg.json')).records as ParsedTask[];
		const asChat = writeAll(chatConversationSerializer(), sg.map(conversationExportOf));
		expect(JSON.parse(asChat.split('\n')[0]).messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
		const back = (await parse(asChat, 'c.jsonl')).records as ParsedTask[];
		const strip = (t: ParsedTask) => t.conversation!.turns.map((x) => [x.role, x.content]);
		expect(back.map(strip)).toEqual(sg.map(strip));
		const chat = (await parse(JSON.stringify(chatRows), 'c.json')).records as ParsedTask[];
		const asShareGpt = writeAll(shareGptSerializer(), chat.map(conversationExportOf));
		expect(JSON.parse(asShareGpt).conversations.map((t: { from: string }) => t.from)).toEqual(['system', 'human', 'gpt', 'human', 'gpt', 'tool', 'gpt']);
		expect(((await parse(asShareGpt, 's.jsonl')).records as ParsedTask[]).map(strip)).toEqual(chat.map(strip));
	});

	it('a conversation without an id is written without one (no id is made up); a chat row\'s own `id` field is its ShareGPT id', () => {
		const c: ConversationExport = { turns: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] };
		expect(writeAll(shareGptSerializer(), [c, c]).split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([
			{ conversations: [{ from: 'human', value: 'a' }, { from: 'gpt', value: 'b' }] },
			{ conversations: [{ from: 'human', value: 'a' }, { from: 'gpt', value: 'b' }] }
		]);
		expect(JSON.parse(writeAll(shareGptSerializer(), [{ ...c, metadata: { id: 'row-7', lang: 'fr' } }])).id).toBe('row-7');
	});

	it('ShareGPT → chat with every turn → ShareGPT keeps the conversation ids (sg1–sg3 came back without)', async () => {
		const sg = (await parse(shareGptRows.map((r) => JSON.stringify(r)).join('\n'), 'sg.jsonl')).records as ParsedTask[];
		const asChat = writeAll(chatConversationSerializer(), sg.map(conversationExportOf));
		expect(asChat.split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['conv_1', 'conv_2']);
		const back = (await parse(asChat, 'c.jsonl')).records as ParsedTask[];
		const again = writeAll(shareGptSerializer(), back.map(conversationExportOf));
		expect(again.split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['conv_1', 'conv_2']);
	});

	it('chat → ShareGPT keeps a turn\'s weight and name ("weight": 0 was dropped), and ShareGPT → chat → ShareGPT gives the same file', async () => {
		const chat = (await parse(chatRows.map((r) => JSON.stringify(r)).join('\n'), 'c.jsonl')).records as ParsedTask[];
		const asShareGpt = writeAll(shareGptSerializer(), chat.map(conversationExportOf));
		const turns = JSON.parse(asShareGpt).conversations;
		expect(turns[2]).toEqual({ from: 'gpt', value: 'cat', weight: 0 });
		expect(turns[3]).toMatchObject({ from: 'human', name: 'ana' });
		const back = (await parse(asShareGpt, 's.jsonl')).records as ParsedTask[];
		expect(writeAll(shareGptSerializer(), back.map(conversationExportOf))).toBe(asShareGpt);
	});

	it('a chat row\'s `id` is its source id, not metadata, and import → chat → import gives the same records', async () => {
		const rows = [{ id: 'chat-1', lang: 'fr', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Salut', weight: 1 }] }, { id: 7, ...chatRows[0] }];
		const first = (await parse(rows.map((r) => JSON.stringify(r)).join('\n'), 'c.jsonl')).records as ParsedTask[];
		expect(first.map((t) => t.sourceId)).toEqual(['chat-1', '7']);
		expect(first[0].metadata).toEqual({ lang: 'fr' });
		expect(first[0].conversation?.metadata).toEqual({ lang: 'fr' });
		// A numeric id is written back as the number it was (it came back as "7").
		const written = writeAll(chatConversationSerializer(), first.map(conversationExportOf));
		expect(written.split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['chat-1', 7]);
		expect(first[1].metadata).not.toHaveProperty('id');
		expect(JSON.parse(writeAll(shareGptSerializer(), [conversationExportOf(first[1])])).id).toBe(7);
		const second = await parse(written, 'c2.jsonl');
		expect(withoutLocation(second.records)).toEqual(withoutLocation(first));
	});

	it('a ShareGPT turn\'s weight and name are the turn\'s own (the weight-0 policy reads them), and import → ShareGPT or chat → import gives the same records', async () => {
		const row = { id: 'w1', conversations: [{ from: 'human', value: 'Q', name: 'ana' }, { from: 'gpt', value: 'A', weight: 0, note: 'x' }] };
		const [task] = (await parse(JSON.stringify(row), 'w.jsonl')).records as ParsedTask[];
		expect(task.conversation?.turns).toEqual([
			{ role: 'user', content: 'Q', name: 'ana' },
			{ role: 'assistant', content: 'A', weight: 0, extra: { note: 'x' } }
		]);
		for (const [serializer, name] of [[shareGptSerializer(), 'w2.jsonl'], [chatConversationSerializer(), 'w3.jsonl']] as const) {
			const written = writeAll(serializer, [conversationExportOf(task)]);
			const [back] = (await parse(written, name)).records as ParsedTask[];
			expect(back.conversation?.turns).toEqual(task.conversation?.turns);
			expect(back.sourceId).toBe('w1');
		}
		await expect(parse(JSON.stringify({ conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A', weight: 0.5 }] }), 'bad.jsonl')).rejects.toThrow(
			'field "conversations[1].weight" must be 0 or 1, got 0.5'
		);
	});

	it('a ShareGPT function_call turn is written to chat as tool_calls, the observation after it as the tool message answering it; a call that is not JSON leaves the conversation out', async () => {
		const row = (id: string, call: string) => ({
			id,
			conversations: [
				{ from: 'human', value: 'weather?' },
				{ from: 'function_call', value: call },
				{ from: 'observation', value: 'sunny' },
				{ from: 'gpt', value: 'It is sunny.' }
			]
		});
		const rows = [row('c6', '{"name":"w"}'), row('c7', '[{"name":"a","arguments":"{\\"x\\":1}"},{"name":"b","arguments":{"y":2}}]'), row('c8', 'not json'), row('c9', '{"arguments":{}}')];
		const tasks = (await parse(rows.map((r) => JSON.stringify(r)).join('\n'), 'sg.jsonl')).records as ParsedTask[];
		const serializer = chatConversationSerializer();
		const lines = writeAll(serializer, tasks.map(conversationExportOf)).split('\n').filter(Boolean).map((l) => JSON.parse(l));
		expect(serializer.counts).toEqual({ written: 2, unreadableToolCallsLeftOut: 2 });
		expect(lines[0].messages).toEqual([
			{ role: 'user', content: 'weather?' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'w', arguments: '{}' } }] },
			{ role: 'tool', content: 'sunny', tool_call_id: 'call_0' },
			{ role: 'assistant', content: 'It is sunny.' }
		]);
		expect(lines[1].messages[1].tool_calls.map((c: { id: string; function: unknown }) => [c.id, c.function])).toEqual([
			['call_0', { name: 'a', arguments: '{"x":1}' }],
			['call_1', { name: 'b', arguments: '{"y":2}' }]
		]);
		expect(lines[1].messages[2].tool_call_id).toBe('call_0');
		// Read back as chat, the call is an assistant turn without text: the single-turn policy leaves it out as it does OpenAI's own tool calls.
		const [back] = (await parse(JSON.stringify(lines[0]), 'c.jsonl')).records as ParsedTask[];
		expect(back.conversation?.turns[1]).toEqual({ role: 'assistant', content: '', extra: { tool_calls: lines[0].messages[1].tool_calls } });
		expect(back.conversation?.warnings).toEqual([expect.stringMatching(/^the first reply \(messages\[1\]\) only calls a tool, so the instance's output is empty/)]);
	});

	it('toolCallsOf reads {name, arguments} or a list of them, and nothing else', () => {
		expect(toolCallsOf('{"name":"w","arguments":{"q":1}}', 3)).toEqual([{ id: 'call_3', type: 'function', function: { name: 'w', arguments: '{"q":1}' } }]);
		for (const text of ['sunny', '{}', '[]', '{"name":""}', '[{"name":"a"},7]', 'null']) expect(toolCallsOf(text, 0)).toBeNull();
		expect(isFunctionCallTurn({ role: 'assistant', content: '{}', sourceRole: 'function_call' })).toBe(true);
		expect(isFunctionCallTurn({ role: 'assistant', content: '{}', sourceRole: 'chatgpt' })).toBe(false);
	});
});

describe('preference pairs {prompt, chosen, rejected}', () => {
	const gpt4llm = [
		{
			user_input:
				'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nGive three tips for staying healthy.\n\n### Response:',
			completion_a: TRICKY[2],
			completion_b: TRICKY[3]
		},
		{ user_input: TRICKY[1], completion_a: 'A', completion_b: 'B', score_a: 8, score_b: 3 }
	];

	it('GPT-4-LLM comparison data → pairs JSON Lines → the same pairs', async () => {
		const first = await parse(JSON.stringify(gpt4llm, null, 2), 'comparision_data.json');
		expect(first.format).toBe('comparison');
		const pairs = first.records as ParsedPair[];
		const serializer = preferencePairSerializer();
		const written = writeAll(serializer, pairs);
		expect(serializer.counts).toEqual({ written: 2, tiesLeftOut: 0, bothBadLeftOut: 0, disagreedLeftOut: 0, unjudgedLeftOut: 0 });
		expect(JSON.parse(written.split('\n')[0])).toEqual({ prompt: gpt4llm[0].user_input, chosen: TRICKY[2], rejected: TRICKY[3] });
		const second = (await parse(written, 'pairs.jsonl')).records as ParsedPair[];
		const core = (p: ParsedPair) => [p.prompt, p.instruction, p.input, p.responseA, p.responseB, p.preferred, p.scoreA, p.scoreB];
		expect(second.map(core)).toEqual(pairs.map(core));
		expect(second[0].instruction).toBe('Give three tips for staying healthy.');
	});

	it('a pair judged "b" swaps chosen and rejected (with their models and scores); ties left out or flagged; unjudged never written', () => {
		const base = { prompt: 'Q', responseA: 'A', responseB: 'B', modelA: 'm1', modelB: 'm2', scoreA: 1, scoreB: 2 };
		const rows = [
			{ ...base, preferred: 'b' as const },
			{ ...base, preferred: 'tie' as const },
			{ ...base, preferred: null },
			{ ...base, preferred: 'both-bad' as const },
			{ ...base, preferred: 'disagreed' as const }
		];
		const omit = preferencePairSerializer();
		const lines = writeAll(omit, rows).split('\n').filter(Boolean).map((l) => JSON.parse(l));
		expect(lines).toEqual([{ prompt: 'Q', chosen: 'B', rejected: 'A', chosen_model: 'm2', rejected_model: 'm1', chosen_score: 2, rejected_score: 1 }]);
		expect(omit.counts).toEqual({ written: 1, tiesLeftOut: 1, bothBadLeftOut: 1, disagreedLeftOut: 1, unjudgedLeftOut: 1 });
		const flag = preferencePairSerializer({ ties: 'flag' });
		const flagged = writeAll(flag, rows).split('\n').filter(Boolean).map((l) => JSON.parse(l));
		expect(flagged[1]).toEqual({ prompt: 'Q', chosen: 'A', rejected: 'B', tie: true, chosen_model: 'm1', rejected_model: 'm2', chosen_score: 1, rejected_score: 2 });
		// Only a real tie is flagged: a disagreement between reviewers stays out, counted on its own.
		expect(flagged).toHaveLength(2);
		expect(flag.counts).toEqual({ written: 2, tiesLeftOut: 0, bothBadLeftOut: 1, disagreedLeftOut: 1, unjudgedLeftOut: 1 });
		expect(shapeLeftOutSummary(omit.counts)).toBe('; 1 tie left out; 1 pair the reviewers disagreed on left out; 1 pair judged both bad left out; 1 pair without a verdict left out');
		expect(shapeLeftOutSummary({ tiesLeftOut: 0, unjudgedLeftOut: 2 })).toBe('; 2 pairs without a verdict left out');
	});

	it('a pair\'s source id and other fields are written and read back; they cannot overwrite what the row says', async () => {
		const pair = { prompt: 'Q', responseA: 'A', responseB: 'B', preferred: 'a' as const, sourceId: 'p1', metadata: { extra: 'keep', tie: true, chosen: 'not this' } };
		const written = writeAll(preferencePairSerializer(), [pair]);
		expect(JSON.parse(written)).toEqual({ id: 'p1', prompt: 'Q', chosen: 'A', rejected: 'B', extra: 'keep' });
		const [back] = (await parse(written, 'p.jsonl')).records as ParsedPair[];
		expect(back).toMatchObject({ sourceId: 'p1', metadata: { extra: 'keep' }, preferred: 'a' });
	});

	it('a flagged tie reads back as a tie', async () => {
		const written = writeAll(preferencePairSerializer({ ties: 'flag' }), [{ prompt: 'Q', responseA: 'A', responseB: 'B', preferred: 'tie' }]);
		const [pair] = (await parse(written, 'p.jsonl')).records as ParsedPair[];
		expect(pair).toMatchObject({ preferred: 'tie', responseA: 'A', responseB: 'B' });
	});
});

describe('reviewersVerdictsText (whose verdict a pairs export used)', () => {
	it('names the audits and counts the pairs whose verdict differs from the source, in the singular for one; nothing when no reviewer judged a pair', () => {
		expect(reviewersVerdictsText({ reviewersVerdicts: 1, sourceVerdictsReplaced: 1 }, [2])).toBe(
			"The reviewers' verdict (pairwise audit 2) is used for 1 pair instead of the source's preference; 1 of them differs from it (sides swapped, a source tie given a winner, or left out as disagreed or both bad)."
		);
		expect(reviewersVerdictsText({ reviewersVerdicts: 3, sourceVerdictsReplaced: 0 }, [2, 5])).toBe("The reviewers' verdict (pairwise audits 2, 5) is used for 3 pairs instead of the source's preference; it agrees with the source on every one.");
		expect(reviewersVerdictsText({ reviewersVerdicts: 0, sourceVerdictsReplaced: 0 }, [])).toBe('');
		expect(reviewersVerdictsText({}, [])).toBe('');
	});
});
