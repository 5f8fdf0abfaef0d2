import { describe, expect, it } from 'vitest';
import { buildRunParams } from './params';
import { runParamsView } from './view';
import { buildJudgeParams } from '../judge/params';
import { normalizeInstruction, filterPreset } from '$lib/filters';

const seeds = { kind: 'self-instruct' as const, tasks: [] };

describe('runParamsView', () => {
	it('says how a run stores its instructions\' casing: lower-cased after the first letter under the Self-Instruct preset, as written under Alpaca\'s', () => {
		const casing = (params: ReturnType<typeof buildRunParams>) => runParamsView({ params: params as unknown as Record<string, unknown>, seeds }).extra.find((e) => e.label === 'Instruction casing')?.value;
		expect(casing(buildRunParams({ pipeline: 'self-instruct', target: 5 }))).toMatch(/^lower-cased after the first letter, as Python's str\.capitalize\(\)/);
		expect(casing(buildRunParams({ pipeline: 'self-instruct', target: 5, filterPreset: 'alpaca' }))).toBe('as the model wrote it');
		expect(casing(buildRunParams({ pipeline: 'alpaca', target: 5 }))).toBe('as the model wrote it');
		// The example the page gives is what the rules do.
		expect(normalizeInstruction('Plan a trip to New Orleans using SQL', filterPreset('self-instruct').normalize)).toBe('Plan a trip to new orleans using sql');
	});
	it("a judge run names what it judges in its mode's unit: rows, responses, pairs", () => {
		const covers = (mode: 'quality' | 'rating' | 'pairwise') => {
			const params = buildJudgeParams({ mode, selection: { kind: 'dataset', includeRejected: false }, upToInstanceId: 10 });
			return runParamsView({ params: params as unknown as Record<string, unknown>, seeds }).extra.find((e) => e.value === 'the whole dataset')?.label;
		};
		expect(covers('quality')).toBe('Rows judged');
		expect(covers('rating')).toBe('Responses judged');
		expect(covers('pairwise')).toBe('Pairs judged');
	});
});
