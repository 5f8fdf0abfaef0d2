import { createRng } from '../random';
import { describe, expect, it } from 'vitest';
import { checkInstances } from './instance-rules';
import { filterPreset } from './presets';

const config = filterPreset('self-instruct').instance;
const inst = (id: number, input: string, output: string) => ({ id, input, output });

describe('instance rules', () => {
	it('drops input identical to output, empty output, and a trailing colon', () => {
		const v = checkInstances(
			[inst(1, 'abc', ' abc '), inst(2, 'x', '  '), inst(3, 'Sentence:', 'out'), inst(4, 'in', 'Answer:'), inst(5, '', 'fine')],
			config
		);
		expect(v.map((x) => x.rule ?? 'kept')).toEqual(['inputEqualsOutput', 'emptyOutput', 'endsWithColon', 'endsWithColon', 'kept']);
		expect(v[3].detail).toBe('output ends with ":" (cut off?)');
	});

	it('names an empty output as such even when the input is empty too, dropping the same instances', () => {
		const v = checkInstances([inst(1, '', ''), inst(2, ' ', '\n'), inst(3, 'abc', 'abc')], config);
		expect(v.map((x) => x.rule)).toEqual(['emptyOutput', 'emptyOutput', 'inputEqualsOutput']);
		expect(v[0].detail).toBe('input and output are empty');
		// With the empty-output rule off, the identical-fields rule still drops them.
		const off = structuredClone(config);
		off.emptyOutput.enabled = false;
		expect(checkInstances([inst(1, '', '')], off)[0]).toMatchObject({ keep: false, rule: 'inputEqualsOutput' });
	});

	it('drops every instance of a task when one non-empty input has different outputs', () => {
		const v = checkInstances([inst(1, 'q', 'a'), inst(2, 'r', 'b'), inst(3, 'q', 'c'), inst(4, '', 'x'), inst(5, '', 'y')], config);
		expect(v.filter((x) => x.rule === 'conflictingOutputs').map((x) => x.id)).toEqual([1, 2, 3, 4, 5]);
		expect(v[0].detail).toBe('input "q" has different outputs');
	});

	it('lets empty inputs have different outputs, and ignores already invalid instances', () => {
		const v = checkInstances([inst(1, '', 'x'), inst(2, '', 'y'), inst(3, 'q', 'q'), inst(4, 'q', 'z')], config);
		expect(v.map((x) => x.rule ?? 'kept')).toEqual(['kept', 'kept', 'inputEqualsOutput', 'kept']);
	});

	it('drops exact duplicates after the first (compared stripped)', () => {
		const v = checkInstances([inst(1, 'q', 'a'), inst(2, ' q', 'a\n'), inst(3, 'q2', 'a')], config);
		expect(v[1]).toEqual({ id: 2, keep: false, rule: 'duplicate', detail: 'same as instance 1' });
		expect(v[2].keep).toBe(true);
	});

	it('keeps at most 5 valid instances per task', () => {
		const many = Array.from({ length: 8 }, (_, k) => inst(k, `in ${k}`, `out ${k}`));
		many[1] = inst(1, 'bad', 'bad');
		const v = checkInstances(many, config);
		expect(v.filter((x) => x.keep).map((x) => x.id)).toEqual([0, 2, 3, 4, 5]);
		expect(v.filter((x) => x.rule === 'maxPerTask').map((x) => x.id)).toEqual([6, 7]);
	});

	it('with a seeded generator keeps a random 5 of the valid ones, the same for the same seed', () => {
		const many = Array.from({ length: 9 }, (_, k) => inst(k, `in ${k}`, `out ${k}`));
		const kept = (seed: number) => checkInstances(many, config, createRng(seed)).filter((x) => x.keep).map((x) => x.id);
		expect(kept(1)).toHaveLength(5);
		expect(kept(1)).toEqual(kept(1));
		const sets = new Set(Array.from({ length: 10 }, (_, s) => kept(s).join(',')));
		expect(sets.size).toBeGreaterThan(1);
		expect(sets.has('0,1,2,3,4') && sets.size === 1).toBe(false);
	});

	it('applies only enabled rules', () => {
		const off = structuredClone(config);
		off.emptyOutput.enabled = false;
		off.maxPerTask.enabled = false;
		expect(checkInstances([inst(1, 'x', '')], off)[0].keep).toBe(true);
	});
});

describe('the Alpaca preset', () => {
	it('runs no instance rule (Alpaca never did): an instance Self-Instruct drops is kept', () => {
		const alpaca = filterPreset('alpaca').instance;
		expect(Object.values(alpaca).every((rule) => rule.enabled === false)).toBe(true);
		const v = checkInstances([inst(1, 'Translate:', 'Translate:'), inst(2, 'x', '')], alpaca);
		expect(v.every((x) => x.keep)).toBe(true);
	});
});
