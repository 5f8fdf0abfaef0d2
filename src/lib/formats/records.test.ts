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
	it('reads is_classification on instance rows when present', () => {
		expect(readRecord('instances', { instruction: 'i', output: 'o', is_classification: true })).toMatchObject({ isClassification: true });
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
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: [{ type: 'image_url' }] }] })).toThrow('field "messages[0].content[0]" must be a text part');
		expect(() => readRecord('chat', { messages: [{ role: 'user', content: '  ' }, { role: 'assistant', content: 'x' }] })).toThrow('field "messages[0].content" is empty');
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
