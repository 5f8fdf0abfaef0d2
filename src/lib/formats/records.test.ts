import { describe, expect, it } from 'vitest';
import { detectFormat, readRecord } from './records';

describe('detectFormat', () => {
	it('recognises each format by its first record', () => {
		expect(detectFormat({ id: 'seed_task_0', name: 'n', instruction: 'i', instances: [{ input: '', output: 'o' }], is_classification: false })).toBe('self-instruct-tasks');
		expect(detectFormat({ id: 'user_oriented_task_0', motivation_app: 'Gmail', instruction: 'i', instances: [{ input: '', output: 'o' }] })).toBe('self-instruct-tasks');
		expect(detectFormat({ instruction: 'i', input: '', output: 'o' })).toBe('instances');
		expect(detectFormat({ instruction: 'i', output: 'o' })).toBe('instances');
		expect(detectFormat({ instruction: 'i', instances: [{ instruction_with_input: 'x', input: 'x', constraints: 'None', output: 'o' }] })).toBe('unnatural');
		expect(detectFormat({ instruction: 'i', instances: [], reformulations: [] })).toBe('unnatural');
		expect(detectFormat({ prompt: 'p', instruction: 'i', input: '', response: 'r', target: 't' })).toBe('predictions');
		expect(detectFormat({ prompt: 'p', completion: 'c' })).toBe('prompt-completion');
		expect(detectFormat({ messages: [] })).toBe('chat');
	});
	it('still names the format when a required field is missing, so the reader can say which', () => {
		expect(detectFormat({ prompt: 'p', instruction: 'i', input: '', target: 't' })).toBe('predictions');
		expect(detectFormat({ instruction: 'i', input: 'x' })).toBe('instances');
		expect(detectFormat({ input: 'x', output: 'y' })).toBe('instances');
	});
	it('returns null for anything else', () => {
		expect(detectFormat({ question: 'q', answer: 'a' })).toBeNull();
		expect(detectFormat({})).toBeNull();
		expect(detectFormat([{ instruction: 'i' }])).toBeNull();
		expect(detectFormat('instruction')).toBeNull();
		expect(detectFormat(null)).toBeNull();
	});
	it('looks only at own fields', () => {
		expect(detectFormat(Object.create({ messages: [] }))).toBeNull();
	});
});

describe('readRecord', () => {
	it('reads a numeric task id as a string and null name as null', () => {
		const task = readRecord('self-instruct-tasks', { id: 7, name: null, instruction: 'i', instances: [] });
		expect(task).toMatchObject({ sourceId: '7', name: null, isClassification: null, instances: [] });
	});
	it('reads a null input as empty, but refuses a null output', () => {
		expect(readRecord('instances', { instruction: 'i', input: null, output: 'o' })).toMatchObject({ instances: [{ input: '', output: 'o' }] });
		expect(() => readRecord('instances', { instruction: 'i', output: null })).toThrow('field "output" must be a string, got null');
	});
	it('refuses a lone surrogate escape, which has no UTF-8 form, naming the field; a proper pair is text', () => {
		const bad = JSON.parse('{"instruction":"i","output":"bad \\ud800 here"}');
		expect(() => readRecord('instances', bad)).toThrow('field "output" holds an unpaired surrogate escape');
		const chat = JSON.parse('{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"x\\udfff"}]}');
		expect(() => readRecord(detectFormat(chat)!, chat)).toThrow('field "messages[1].content" holds an unpaired surrogate escape');
		const emoji = JSON.parse('{"instruction":"i","output":"ok \\ud83d\\ude00"}');
		expect(readRecord('instances', emoji)).toMatchObject({ instances: [{ output: 'ok 😀' }] });
	});
	it('reads is_classification on instance rows when present', () => {
		expect(readRecord('instances', { instruction: 'i', output: 'o', is_classification: true })).toMatchObject({ isClassification: true });
	});
	it("keeps an instance row's id and other fields on its instance (source id, metadata); a plain row has neither", () => {
		const row = { instruction: 'i', input: '', output: 'o', id: 'row-10', category: 'weird', score: 3.5, tags: ['a'] };
		expect(readRecord('instances', row)).toMatchObject({ instances: [{ sourceId: 'row-10', metadata: { category: 'weird', score: 3.5, tags: ['a'] } }] });
		expect(readRecord('instances', row)).not.toHaveProperty('sourceId');
		expect(readRecord('instances', { instruction: 'i', output: 'o', id: 7 })).toMatchObject({ instances: [{ sourceId: '7' }] });
		expect((readRecord('instances', { instruction: 'i', output: 'o', id: 7 }) as { instances: object[] }).instances[0]).not.toHaveProperty('metadata');
		expect(readRecord('instances', { instruction: 'i', output: 'o', category: 'c' })).toMatchObject({ instances: [{ metadata: { category: 'c' } }] });
		const plain = readRecord('instances', { instruction: 'i', input: '', output: 'o', is_classification: false }) as { instances: object[] };
		expect(plain.instances[0]).toEqual({ input: '', output: 'o' });
		expect(() => readRecord('instances', { instruction: 'i', output: 'o', id: { x: 1 } })).toThrow('field "id" must be a string or a number, got object');
	});
	it('joins several system messages and ignores turns after the first exchange', () => {
		const task = readRecord('chat', {
			messages: [
				{ role: 'system', content: 'A.' },
				{ role: 'developer', content: 'B.' },
				{ role: 'user', content: 'Q1' },
				{ role: 'assistant', content: 'A1' },
				{ role: 'user', content: 'Q2' },
				{ role: 'assistant', content: 'A2' }
			]
		});
		expect(task).toMatchObject({ instruction: 'Q1', metadata: { system: 'A.\n\nB.' }, instances: [{ input: '', output: 'A1' }] });
	});
	it('names the field of a bad message', () => {
		expect(() => readRecord('chat', { messages: [{ content: 'x' }] })).toThrow('missing required field "messages[0].role"');
		expect(() => readRecord('chat', { messages: 'hi' })).toThrow('field "messages" must be an array, got string');
		// A non-text part is named by its type, not left out.
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image_url', image_url: { url: 'x' } }] }] })).toThrow(
			'field "messages[0].content[1]" is a "image_url" part; only text parts {type: "text", text: "…"} can be imported'
		);
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: [{ text: 3 }] }] })).toThrow('field "messages[0].content[0]" must be a text part');
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: '  ' }, { role: 'assistant', content: 'x' }] })).toThrow('field "messages[0].content" is empty');
	});
	it('keeps the extra fields of every format where they have a place, and names those with none', () => {
		const pc = readRecord('prompt-completion', { id: 7, source: 'web', prompt: 'Say hi.\nOutput:', completion: ' hi' }) as { instances: object[] };
		expect(pc.instances[0]).toMatchObject({ sourceId: '7', metadata: { source: 'web' } });
		const si = readRecord('self-instruct-tasks', { id: 't', instruction: 'i', instances: [{ input: '', output: 'o', explanation: 'why' }] }) as { instances: object[] };
		expect(si.instances[0]).toEqual({ input: '', output: 'o', metadata: { explanation: 'why' } });
		const un = readRecord('unnatural', {
			instruction: 'i',
			source: 'gen',
			instances: [{ input: 'a', output: 'b', score: 1 }],
			reformulations: [{ instruction: 'j', input: 'a', output: 'b', note: 'x' }]
		}) as { metadata: object; instances: object[]; unkeptFields: string[] };
		expect(un.metadata).toEqual({ source: 'gen' });
		expect(un.instances[0]).toMatchObject({ metadata: { score: 1 } });
		expect(un.unkeptFields).toEqual(['reformulations[0].note']);
		const prediction = readRecord('predictions', { instruction: 'i', input: '', response: 'r', rating: 'A', id: 3 });
		expect(prediction).toMatchObject({ unkeptFields: ['rating', 'id'] });
		expect(readRecord('predictions', { instruction: 'i', response: 'r' })).not.toHaveProperty('unkeptFields');
	});
	it('reads HH-RLHF transcripts: the shared transcript is the prompt, the last Assistant turns the responses', () => {
		const pair = readRecord('comparison', { chosen: '\n\nHuman: What is 2+2?\n\nAssistant: 4.', rejected: '\n\nHuman: What is 2+2?\n\nAssistant: 5.' });
		expect(pair).toMatchObject({ kind: 'pair', prompt: '\n\nHuman: What is 2+2?\n\nAssistant:', instruction: 'What is 2+2?', input: '', responseA: '4.', responseB: '5.', preferred: 'a' });
		const multi = { chosen: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: 2+2?\n\nAssistant: 4', rejected: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: 2+2?\n\nAssistant: 5' };
		expect(() => readRecord('comparison', multi)).toThrow('field "chosen": a multi-turn HH-RLHF transcript');
		expect(() => readRecord('comparison', { chosen: '\n\nHuman: A\n\nAssistant: x', rejected: '\n\nHuman: B\n\nAssistant: y' })).toThrow('share no prompt');
		// {chosen, rejected} in no known form: the missing prompt is named, with the form that needs none.
		expect(() => readRecord('comparison', { chosen: 'x', rejected: 'y' })).toThrow('missing required field "prompt" ({chosen, rejected} without a prompt is read only as HH-RLHF transcripts');
	});
	it('refuses a prompt with no instruction in it', () => {
		expect(() => readRecord('prompt-completion', { prompt: '\nOutput:', completion: ' x' })).toThrow('field "prompt" is empty');
	});
	it('refuses a wrong id type, a wrong constraints type, a wrong target type', () => {
		expect(() => readRecord('self-instruct-tasks', { id: true, instruction: 'i', instances: [] })).toThrow('field "id" must be a string or a number, got boolean');
		expect(() => readRecord('unnatural', { instruction: 'i', instances: [{ input: '', output: 'o', constraints: 3 }] })).toThrow(
			'field "instances[0].constraints" must be a string or null, got number'
		);
		expect(() => readRecord('predictions', { instruction: 'i', response: 'r', target: {} })).toThrow('field "target" must be a string or null, got object');
	});
});

describe('new shapes: detection', () => {
	it('recognises SuperNI tasks, ShareGPT conversations and preference pairs', () => {
		expect(detectFormat({ Definition: ['d'], Instances: [] })).toBe('superni');
		expect(detectFormat({ Contributors: [], Source: [] })).toBe('superni');
		expect(detectFormat({ id: 'x', conversations: [] })).toBe('sharegpt');
		expect(detectFormat({ user_input: 'p', completion_a: 'a', completion_b: 'b' })).toBe('comparison');
		expect(detectFormat({ prompt: 'p', chosen: 'a', rejected: 'b' })).toBe('comparison');
		// One side of a pair missing: still a pair, so the reader names the missing side.
		expect(detectFormat({ prompt: 'p', chosen: 'a' })).toBe('comparison');
		expect(detectFormat({ prompt: 'p', rejected: 'b' })).toBe('comparison');
		expect(detectFormat({ chosen: 'a' })).toBe('comparison');
		expect(() => readRecord('comparison', { prompt: 'p1', chosen: 'a' })).toThrow('missing required field "rejected"');
		expect(() => readRecord('comparison', { prompt: 'p1', rejected: 'b' })).toThrow('missing required field "chosen"');
		// A row with another format's field and only a `chosen` beside it stays that format's row.
		expect(detectFormat({ prompt: 'p', instruction: 'i', response: 'r', chosen: 'a' })).toBe('predictions');
		expect(detectFormat({ instruction: 'i', output: 'o', chosen: 'a' })).toBe('instances');
		expect(detectFormat({ prompt: 'p', completion: 'c', rejected: 'b' })).toBe('prompt-completion');
	});
});

describe('comparison: GPT-4-LLM comparison data and {prompt, chosen, rejected}', () => {
	// The shape of comparision_data.json (GPT-4-LLM): an Alpaca prompt and two completions, a ranked above b.
	const alpacaPrompt =
		'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n' +
		'### Instruction:\nEvaluate this sentence for spelling and grammar mistakes\n\n### Input:\nHe finnished his meal and left the resturant\n\n### Response:';
	it('reads a GPT-4-LLM row: prompt kept exactly, task read out of it, completion_a preferred', () => {
		expect(readRecord('comparison', { user_input: alpacaPrompt, completion_a: 'He finished his meal.', completion_b: 'Two errors.' })).toEqual({
			kind: 'pair',
			prompt: alpacaPrompt,
			instruction: 'Evaluate this sentence for spelling and grammar mistakes',
			input: 'He finnished his meal and left the resturant',
			responseA: 'He finished his meal.',
			responseB: 'Two errors.',
			modelA: null,
			modelB: null,
			preferred: 'a',
			scoreA: null,
			scoreB: null,
			sourceId: null,
			metadata: null
		});
	});
	it('keeps scores, model names and any other field', () => {
		const pair = readRecord('comparison', { user_input: 'Q?', completion_a: 'A', completion_b: 'B', score_a: 9, score_b: 4.5, model_a: 'gpt-4', model_b: 'opt-iml', rank: [1, 2] });
		expect(pair).toMatchObject({ instruction: 'Q?', input: '', modelA: 'gpt-4', modelB: 'opt-iml', scoreA: 9, scoreB: 4.5, metadata: { rank: [1, 2] } });
	});
	it('reads an HH-RLHF transcript prompt (as the preference export writes it) with its Human turn as the instruction', () => {
		const transcripts = readRecord('comparison', { chosen: '\n\nHuman: How do I bake bread?\n\nAssistant: Knead.', rejected: '\n\nHuman: How do I bake bread?\n\nAssistant: Buy it.' });
		const exported = readRecord('comparison', { prompt: '\n\nHuman: How do I bake bread?\n\nAssistant:', chosen: ' Knead.', rejected: ' Buy it.' });
		expect(exported).toEqual(transcripts);
		// Written by an earlier version, without the tag's space: the same pair.
		expect(readRecord('comparison', { prompt: '\n\nHuman: How do I bake bread?\n\nAssistant:', chosen: 'Knead.', rejected: 'Buy it.' })).toEqual(transcripts);
		expect(exported).toMatchObject({ instruction: 'How do I bake bread?', input: '', prompt: '\n\nHuman: How do I bake bread?\n\nAssistant:' });
		// A prompt with earlier turns, or in no transcript form, is read as before: the prompt whole.
		const multi = '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: 2+2?\n\nAssistant:';
		expect(readRecord('comparison', { prompt: multi, chosen: '4', rejected: '5' })).toMatchObject({ instruction: multi.trim() });
		expect(readRecord('comparison', { prompt: 'Human: Hi', chosen: 'a', rejected: 'b' })).toMatchObject({ instruction: 'Human: Hi' });
		expect(() => readRecord('comparison', { prompt: '\n\nHuman: \n\nAssistant:', chosen: 'a', rejected: 'b' })).toThrow('field "prompt" is empty');
	});
	it('reads {prompt, chosen, rejected} back, a tie flag as a tie', () => {
		expect(readRecord('comparison', { prompt: 'Q?', chosen: 'A', rejected: 'B' })).toMatchObject({ responseA: 'A', responseB: 'B', preferred: 'a' });
		expect(readRecord('comparison', { prompt: 'Q?', chosen: 'A', rejected: 'B', tie: true, chosen_model: 'm1', rejected_model: 'm2' })).toMatchObject({
			preferred: 'tie',
			modelA: 'm1',
			modelB: 'm2',
			metadata: null
		});
	});
	it('names the field of a bad pair', () => {
		expect(() => readRecord('comparison', { user_input: 'Q', completion_a: 'A' })).toThrow('missing required field "completion_b"');
		expect(() => readRecord('comparison', { user_input: ' ', completion_a: 'A', completion_b: 'B' })).toThrow('field "user_input" is empty');
		expect(() => readRecord('comparison', { user_input: 'Q', completion_a: 'A', completion_b: 3 })).toThrow('field "completion_b" must be a string, got number');
		expect(() => readRecord('comparison', { user_input: 'Q', completion_a: 'A', completion_b: 'B', score_a: '9' })).toThrow('field "score_a" must be a number, got string');
		expect(() => readRecord('comparison', { prompt: 'Q', chosen: 'A', rejected: 'B', tie: 'yes' })).toThrow('field "tie" must be true or false, got string');
	});
});
