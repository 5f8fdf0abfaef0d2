import { describe, expect, it } from 'vitest';
import { GoldParseError, parseGold } from './gold';

describe('parseGold', () => {
	it('reads quality gold with yes/no or booleans and a default reason', () => {
		const text = [
			'{"instance": 5, "instruction": "yes", "input": "yes", "output": "no"}',
			'',
			'{"instance": 6, "instruction": true, "input": false, "output": false, "reason": "other", "note": "odd"}',
			'{"instance": 7, "instruction": "Yes", "input": "yes", "output": "yes", "reason": "other"}'
		].join('\r\n');
		expect(parseGold(text, 'quality')).toEqual([
			{ kind: 'quality', instanceId: 5, instruction: true, input: true, output: false, reason: 'incorrect_output', note: '' },
			{ kind: 'quality', instanceId: 6, instruction: true, input: false, output: false, reason: 'other', note: 'odd' },
			{ kind: 'quality', instanceId: 7, instruction: true, input: true, output: true, reason: null, note: '' }
		]);
	});

	it('reads rating gold', () => {
		expect(parseGold('{"task": 3, "ratings": {"m1": "A", "m2": "D"}}', 'rating')).toEqual([
			{ kind: 'rating', taskId: 3, instanceId: null, ratings: { m1: 'A', m2: 'D' }, note: '' }
		]);
	});

	it('names the line and the field of a mistake', () => {
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "input": "yes", "output": "maybe"}', 'quality')).toThrow(/line 1: "output"/);
		expect(() => parseGold('\n{oops', 'quality')).toThrow(GoldParseError);
		expect(() => parseGold('\n{oops', 'quality')).toThrow(/line 2: not valid JSON/);
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "input": "yes", "output": "yes", "extra": 1}', 'quality')).toThrow(/line 1/);
		expect(() => parseGold('{"task": 1, "ratings": {}}', 'rating')).toThrow(/ratings/);
		expect(() => parseGold('{"task": 1, "ratings": {"m": "E"}}', 'rating')).toThrow(/line 1/);
	});
});
