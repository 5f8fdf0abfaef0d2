import { describe, expect, it } from 'vitest';
import { describeTemplateUse, PROMPT_STEPS } from '$lib/prompts';
import { RunParamsError } from '../errors';
import { buildRunParams } from './params';
import { parseUnnaturalSeedSets, readSeedFile, seedTasksFromFile } from './seeds';
import { mergedSeedsText } from '$lib/runs/seeds';

describe('buildRunParams', () => {
	it("defaults to the papers' values", () => {
		const si = buildRunParams({ pipeline: 'self-instruct', target: 100 });
		if (si.pipeline !== 'self-instruct') throw new Error('wrong pipeline');
		expect(si.shots).toEqual({ human: 6, machine: 2 });
		expect(si.filters.instruction.rougeL.threshold).toBe(0.7);
		expect(si.steps['self-instruct/instruction-generation'].decoding).toEqual({ ...PROMPT_STEPS['self-instruct/instruction-generation'].decoding });
		expect(si.steps['self-instruct/classification'].template).toEqual(describeTemplateUse('self-instruct/classification'));
		expect(si.maxInstructionCalls).toBe(210);
		const un = buildRunParams({ pipeline: 'unnatural', target: 10 });
		if (un.pipeline !== 'unnatural') throw new Error('wrong pipeline');
		expect(un.rephrasings).toBe(2);
		expect(un.steps['unnatural/core'].decoding.topP).toBe(0.99);
		expect(un.steps['unnatural/output'].decoding.temperature).toBe(0);
		expect(un.filters).toEqual({ missingFields: true, copies: true, duplicates: true });
	});

	it('takes edited templates and decoding, and records the template as edited', () => {
		const params = buildRunParams({
			pipeline: 'self-instruct',
			target: 5,
			templates: { 'self-instruct/classification': 'Is this a classification task?\nTask: {{task}}\nClassification:' },
			decoding: { 'self-instruct/instruction-generation': { temperature: 1, stop: [] } },
			filterPreset: 'alpaca',
			rougeThreshold: 0.8
		});
		if (params.pipeline !== 'self-instruct') throw new Error('wrong pipeline');
		expect(params.steps['self-instruct/classification'].template).toMatchObject({ isDefault: false });
		expect(params.steps['self-instruct/instruction-generation'].decoding).toMatchObject({ temperature: 1, topP: 0.5 });
		expect(params.steps['self-instruct/instruction-generation'].decoding.stop).toBeUndefined();
		expect(params.filters.instruction.blacklist.words).toContain('flowchart');
		expect(params.filters.instruction.rougeL.threshold).toBe(0.8);
	});

	it('refuses bad input, naming the field', () => {
		const bad = (request: Parameters<typeof buildRunParams>[0]) => {
			try {
				buildRunParams(request);
			} catch (err) {
				expect(err).toBeInstanceOf(RunParamsError);
				return { field: (err as RunParamsError).field, message: (err as Error).message };
			}
			throw new Error('accepted');
		};
		expect(bad({ pipeline: 'self-instruct', target: 0 }).field).toBe('target');
		expect(bad({ pipeline: 'self-instruct', target: 1.5 }).field).toBe('target');
		const template = bad({ pipeline: 'self-instruct', target: 5, templates: { 'self-instruct/classification': 'Task: {{tsak}}' } });
		expect(template.field).toBe('template:self-instruct/classification');
		expect(template.message).toMatch(/Unknown placeholder \{\{tsak\}\}/);
		expect(bad({ pipeline: 'unnatural', target: 5, decoding: { 'unnatural/core': { topP: 0 } } }).field).toBe('decoding:unnatural/core');
		expect(bad({ pipeline: 'unnatural', target: 5, decoding: { 'unnatural/core': { stop: ['a', 'b', 'c', 'd', 'e'] } } }).message).toMatch(/at most 4 stop sequences \(5 given\)/);
		// Every problem, once, in words: not the validator's text, not only the first.
		expect(bad({ pipeline: 'alpaca', target: 5, decoding: { 'alpaca/generation': { temperature: 3, stop: ['a', 'b', 'c', 'd', 'e'] } } }).message).toBe(
			'Task generation (Alpaca) decoding: temperature is at most 2 (got 3); at most 4 stop sequences (5 given).'
		);
		expect(bad({ pipeline: 'alpaca', target: 5, decoding: { 'alpaca/generation': { maxTokens: 1.5, topP: 0 } } }).message).toBe(
			'Task generation (Alpaca) decoding: max_tokens must be a whole number (got 1.5); top_p is above 0 (got 0).'
		);
		expect(bad({ pipeline: 'unnatural', target: 5, rephrasings: 11 }).field).toBe('rephrasings');
		expect(bad({ pipeline: 'self-instruct', target: 5, rougeThreshold: 2 }).field).toBe('rougeThreshold');
	});
});

describe('seed pools', () => {
	it('reads a task file, grouping instances by instruction', async () => {
		const file = [
			{ id: 'seed_task_0', name: 'a', instruction: 'Say hello in French.', instances: [{ input: '', output: 'Bonjour' }], is_classification: false },
			{ id: 'seed_task_1', name: 'b', instruction: 'Is the number even?', instances: [{ input: '4', output: 'Yes' }], is_classification: true }
		]
			.map((r) => JSON.stringify(r))
			.join('\n');
		const tasks = await seedTasksFromFile('seeds.jsonl', file);
		expect(tasks).toEqual([
			{ instruction: 'Say hello in French.', isClassification: false, instances: [{ input: '', output: 'Bonjour' }] },
			{ instruction: 'Is the number even?', isClassification: true, instances: [{ input: '4', output: 'Yes' }] }
		]);
	});

	it('counts the records merged into an earlier one with the same instruction (said on the run page and by the CLI)', async () => {
		const file = [
			{ instruction: 'Translate the sentence into French.', instances: [{ input: 'Good morning.', output: 'Bonjour.' }] },
			{ instruction: 'Translate the sentence into French.', instances: [{ input: 'Thank you.', output: 'Merci.' }] },
			{ instruction: 'Give a synonym for the word.', instances: [] }
		]
			.map((r) => JSON.stringify(r))
			.join('\n');
		const { tasks, merged } = await readSeedFile('seeds_edge.jsonl', file);
		expect(tasks).toHaveLength(2);
		expect(tasks[0].instances).toHaveLength(2);
		expect(merged).toBe(1);
		expect((await readSeedFile('seeds.txt', 'Say hello.\nSay hello.\nCount to ten.\n')).merged).toBe(1);
		expect((await readSeedFile('seeds.txt', 'Say hello.\nCount to ten.\n')).merged).toBe(0);
		expect(mergedSeedsText(1)).toBe("1 record of the seed file repeated an earlier record's instruction: merged into that task, its instances pooled.");
	});

	it('reads plain text as one instruction per line, without duplicates', async () => {
		const tasks = await seedTasksFromFile('seeds.txt', 'Say hello.\n\nSay hello.\r\nCount to ten.\n');
		expect(tasks.map((t) => t.instruction)).toEqual(['Say hello.', 'Count to ten.']);
	});

	it('refuses a seed file that is too small or malformed', async () => {
		await expect(seedTasksFromFile('one.txt', 'Only one.')).rejects.toThrow(/needs at least 2/);
		await expect(seedTasksFromFile('bad.jsonl', '{"instruction": "x", "input": ')).rejects.toThrow(RunParamsError);
	});

	it('parses Unnatural seed sets, splitting a flat list into sets of 3 (sets of another size: seeds.test.ts)', () => {
		const d = (i: number) => ({ instruction: `Do ${i}.`, input: `in ${i}`, constraints: 'None.' });
		expect(parseUnnaturalSeedSets(JSON.stringify([d(1), d(2), d(3), d(4), d(5), d(6)]))).toEqual([[d(1), d(2), d(3)], [d(4), d(5), d(6)]]);
		expect(() => parseUnnaturalSeedSets([[d(1)], [d(2), d(3)]])).toThrow(/set 1 has 1 demonstration; each set has exactly 3/);
		expect(() => parseUnnaturalSeedSets('[[{"instruction": "x", "input": ""}]]')).toThrow(/set 1 has 1 demonstration/);
		expect(() => parseUnnaturalSeedSets('not json')).toThrow(/^Seed sets: line 1, column 2: malformed JSON/);
	});
});
