import { describe, expect, it } from 'vitest';
import { parseFilterConfig } from './config';
import { filterPreset } from './presets';
import { FilterRun, funnelExampleText, isFilterRule, runFilters, runFiltersAsync, type FilterTask } from './run-filters';

const task = (id: number, instruction: string, instances: [string, string][] = []): FilterTask => ({
	id,
	instruction,
	instances: instances.map(([input, output], k) => ({ id: `${id}.${k}`, input, output }))
});

describe('runFilters', () => {
	it('runs the rules in order, joins kept instructions to the pool at once, and summarises', () => {
		const tasks = [
			task(1, 'Give me a recipe for a chocolate cake.', [['', 'Mix flour, cocoa and sugar.']]),
			task(2, 'Give me a recipe for a chocolate cake please!', [['', 'Bake it.']]), // near-duplicate of 1
			task(3, 'Describe the picture on the wall.', [['', 'A cat.']]),
			task(4, 'Summarize the following article in one sentence.', [
				['Cats sleep a lot.', 'Cats sleep.'],
				['Cats sleep a lot.', 'Cats rest.']
			]),
			task(5, 'Translate the sentence into French for me.', [
				['Hello', 'Bonjour'],
				['Hello', 'Bonjour'],
				['Thanks', 'Thanks']
			]),
			task(6, 'Hi there', [])
		];
		const gen = runFilters(tasks, filterPreset('self-instruct'), { seeds: [{ id: 'seed_0', instruction: 'Write a haiku about autumn leaves.' }] });
		const verdicts = [];
		let step = gen.next();
		while (!step.done) {
			verdicts.push(step.value);
			step = gen.next();
		}
		const funnel = step.value;

		expect(verdicts.map((v) => [v.id, v.keep, v.rule])).toEqual([
			[1, true, undefined],
			[2, false, 'rougeL'],
			[3, false, 'blacklist'],
			[4, false, 'noInstances'],
			[5, true, undefined],
			[6, false, 'wordCount']
		]);
		const v2 = verdicts[1];
		expect(v2.detail).toMatch(/^rougeL 0\.\d\d vs "Give me a recipe for a chocolate cake\."$/);
		expect(v2.rougeL?.mostSimilar[0]).toMatchObject({ id: 1, seed: false, instruction: 'Give me a recipe for a chocolate cake.' });
		expect(v2.rougeL?.max).toBeGreaterThan(0.7);
		expect(v2.instances).toEqual([{ id: '2.0', keep: false, rule: 'taskRejected', detail: 'instruction rejected: Too similar to the pool (ROUGE-L)' }]);
		expect(verdicts[3].instruction.keep).toBe(true);
		expect(verdicts[3].instances.map((i) => i.rule)).toEqual(['conflictingOutputs', 'conflictingOutputs']);
		expect(verdicts[4].instances.map((i) => i.rule ?? 'kept')).toEqual(['kept', 'duplicate', 'inputEqualsOutput']);
		// A kept one reports at most the best pool instruction it examined, never above the threshold.
		for (const v of verdicts) if (v.keep && v.rougeL?.max != null) expect(v.rougeL.max).toBeLessThanOrEqual(0.7);

		expect(funnel.config).toBe('self-instruct');
		expect(funnel.tasks).toEqual({ total: 6, kept: 2 });
		expect(funnel.instances).toEqual({ total: 8, kept: 2 });
		const removed = Object.fromEntries(funnel.steps.filter((s) => s.removed).map((s) => [s.rule, s.removed]));
		expect(removed).toEqual({
			rougeL: 1,
			blacklist: 1,
			noInstances: 1,
			wordCount: 1,
			taskRejected: 2,
			conflictingOutputs: 2,
			duplicate: 1,
			inputEqualsOutput: 1
		});
		const blacklist = funnel.steps.find((s) => s.rule === 'blacklist')!;
		expect(blacklist.examples).toEqual([
			{ taskId: 3, text: 'Describe the picture on the wall.', detail: 'contains "picture"' }
		]);
		expect(funnel.steps.find((s) => s.rule === 'duplicate')!.examples[0]).toMatchObject({ taskId: 5, instanceId: '5.1', text: 'Hello → Bonjour' });
	});

	it('rejects a candidate too similar to a seed', () => {
		const run = new FilterRun(filterPreset('self-instruct'), { seeds: ['Write a haiku about autumn leaves.'] });
		const v = run.push(task(1, 'Write a haiku about the autumn leaves.'));
		expect(v).toMatchObject({ keep: false, rule: 'rougeL' });
		expect(v.rougeL?.mostSimilar).toEqual([{ instruction: 'Write a haiku about autumn leaves.', score: v.rougeL?.max, seed: true }]);
	});

	it('keeps only up to 5 examples per rule and counts the rest', () => {
		const run = new FilterRun(filterPreset('alpaca'), { examplesPerRule: 2 });
		for (let k = 0; k < 7; k++) run.push(task(k, `Plot ${k}`));
		const step = run.funnel().steps.find((s) => s.rule === 'wordCount')!;
		expect(step.removed).toBe(7);
		expect(step.examples).toHaveLength(2);
	});

	it('runs over an async stream', async () => {
		async function* tasks() {
			yield task(1, 'Name three famous painters from Spain.');
			yield task(2, 'Name three famous painters from Spain.');
		}
		const gen = runFiltersAsync(tasks(), filterPreset('alpaca'));
		const seen = [];
		for await (const v of gen) seen.push(v.rule ?? 'kept');
		expect(seen).toEqual(['kept', 'rougeL']);
	});

	it('uses the configured threshold and can disable ROUGE-L', () => {
		const loose = filterPreset('self-instruct');
		loose.instruction.rougeL.threshold = 0.95;
		const run = new FilterRun(loose);
		run.push(task(1, 'Give me a recipe for a chocolate cake.'));
		expect(run.push(task(2, 'Give me a recipe for a chocolate cake please!')).keep).toBe(true);
		const off = filterPreset('self-instruct');
		off.instruction.rougeL.enabled = false;
		const run2 = new FilterRun(off);
		run2.push(task(1, 'Give me a recipe for a chocolate cake.'));
		const v = run2.push(task(2, 'Give me a recipe for a chocolate cake.'));
		expect(v.keep).toBe(true);
		expect(v.rougeL).toBeUndefined();
	});
});

describe('the funnel\'s examples', () => {
	it('counts empty outputs under "Empty output" and links them with words, not an empty link', () => {
		const tasks = [task(1, 'Name a colour that is often seen in the sky.', [['', ''], ['sky', ''], ['blue', 'blue'], ['', 'Blue.']])];
		const gen = runFilters(tasks, filterPreset('self-instruct'), { seeds: [] });
		let step = gen.next();
		while (!step.done) step = gen.next();
		const steps = Object.fromEntries(step.value.steps.map((s) => [s.rule, s]));
		expect(steps.emptyOutput.removed).toBe(2);
		expect(steps.inputEqualsOutput.removed).toBe(1);
		expect(steps.emptyOutput.examples.map(funnelExampleText)).toEqual(['(empty input and output)', 'sky →']);
		expect(steps.inputEqualsOutput.examples.map(funnelExampleText)).toEqual(['blue → blue']);
	});

	it('names an empty instruction, and cuts long text at 160 characters', () => {
		expect(funnelExampleText({ taskId: 1, text: '  ' })).toBe('(empty instruction)');
		expect(funnelExampleText({ taskId: 1, text: 'x'.repeat(200) })).toBe('x'.repeat(159) + '…');
	});

	it('never cuts inside an emoji at the 160-character boundary', () => {
		const text = funnelExampleText({ taskId: 1, text: 'x'.repeat(158) + '😀😀 and more' });
		expect(text).toBe('x'.repeat(158) + '😀…');
		expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
	});
});

describe('rejections that are not the filters\'', () => {
	it('stand: the task is not filtered, its instances keep their verdicts, and the funnel counts them on their own lines', () => {
		const run = new FilterRun(filterPreset('self-instruct'), { standingLabel: (rule) => `Rejected by the generation run (${rule})` });
		const over: FilterTask = { ...task(1, 'Give me a recipe for a chocolate cake.', [['', 'Mix.']]), standing: { rule: 'overTarget', detail: 'the run already had its 12 instructions' } };
		const v = run.push(over);
		expect(v).toMatchObject({ keep: false, rule: 'overTarget', standing: true });
		expect(v.instances).toMatchObject([{ keep: false, standing: true }]);
		// An instance cut by the length limit stays rejected; its sibling is judged by the filters.
		const cut = task(2, 'Name three rivers in Africa.', [['', 'The Nile, the Congo and'], ['', 'Nile, Congo, Niger.']]);
		const mixed: FilterTask = { ...cut, instances: [{ ...cut.instances![0], standing: { rule: 'lengthCut' } }, cut.instances![1]] };
		const w = run.push(mixed);
		expect(w.keep).toBe(true);
		expect(w.instances.map((i) => [i.keep, i.rule, i.standing])).toEqual([[false, 'lengthCut', true], [true, undefined, undefined]]);
		const funnel = run.funnel();
		expect(funnel.tasks).toEqual({ total: 2, kept: 1 });
		expect(funnel.instances).toEqual({ total: 3, kept: 1 });
		expect(funnel.steps.every((s) => s.removed === 0)).toBe(true);
		expect(funnel.standing!.map((s) => [s.label, s.level, s.removed])).toEqual([
			['Rejected by the generation run (overTarget)', 'task', 1],
			['Rejected by the generation run (lengthCut)', 'instance', 1]
		]);
	});

	it('pool a task rejected after it passed the filters (beyond the target, a failed call), as the run did; not one rejected for its own text', () => {
		const cake = 'Give me a recipe for a chocolate cake.';
		const nearCake = 'Give me a recipe for a chocolate cake please!';
		for (const [rule, pooled] of [
			['callFailed', true],
			['overTarget', true],
			['lengthCut', false],
			['missingFields', false]
		] as const) {
			const run = new FilterRun(filterPreset('self-instruct'));
			expect(run.push({ ...task(1, cake, [['', 'Mix.']]), standing: { rule } })).toMatchObject({ keep: false, rule, standing: true });
			// The run compared every later candidate with the pooled one: its near-duplicate was rejected.
			expect(run.push(task(2, nearCake, [['', 'Bake.']])).rule, rule).toBe(pooled ? 'rougeL' : undefined);
		}
		// One the instruction rules reject now does not join the pool.
		const run = new FilterRun(filterPreset('self-instruct'));
		run.push({ ...task(1, 'Draw me a recipe for a chocolate cake.', []), standing: { rule: 'callFailed' } });
		expect(run.push(task(2, cake, [['', 'Mix.']])).keep).toBe(true);
	});

	it('tells the filters\' rules from the others', () => {
		expect(isFilterRule('blacklist')).toBe(true);
		expect(isFilterRule('noInstances')).toBe(true);
		expect(isFilterRule('overTarget')).toBe(false);
		expect(isFilterRule('callFailed')).toBe(false);
		expect(isFilterRule('toString')).toBe(false);
	});
});

describe('filter configuration', () => {
	it('is plain JSON and round-trips through validation', () => {
		for (const name of ['self-instruct', 'alpaca'] as const) {
			const preset = filterPreset(name);
			expect(parseFilterConfig(JSON.parse(JSON.stringify(preset)))).toEqual(preset);
		}
	});
	it('rejects a bad field', () => {
		const bad = JSON.parse(JSON.stringify(filterPreset('alpaca')));
		bad.instruction.rougeL.threshold = 2;
		expect(() => parseFilterConfig(bad)).toThrow(/threshold/);
	});
	it('the presets hold the papers’ numbers', () => {
		const s = filterPreset('self-instruct');
		expect(s.instruction.rougeL.threshold).toBe(0.7);
		expect([s.instruction.wordCount.min, s.instruction.wordCount.max]).toEqual([4, 150]);
		expect(s.instance.maxPerTask.max).toBe(5);
		expect(filterPreset('alpaca').instruction.blacklist.words).toEqual([...s.instruction.blacklist.words, 'video', 'audio', 'music', 'flowchart', 'diagram']);
	});
});
