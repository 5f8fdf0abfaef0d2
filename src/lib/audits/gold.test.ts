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
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "input": "yes", "output": "maybe"}', 'quality')).toThrow('Gold line 1: field "output" must be yes or no');
		// Missing and wrong are told apart (zod says "Invalid input" for both).
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "output": "no"}', 'quality')).toThrow('Gold line 1: field "input" is missing');
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "input": "maybe", "output": "no"}', 'quality')).toThrow('Gold line 1: field "input" must be yes or no');
		expect(() => parseGold('{"conversation": 3}', 'conversation')).toThrow('Gold line 1: field "valid" is missing');
		expect(() => parseGold('{"instance": "x", "instruction": "yes", "input": "yes", "output": "no"}', 'quality')).toThrow('Gold line 1: field "instance" must be a number');
		expect(() => parseGold('{"pair": 1, "preference": "left"}', 'pairwise')).toThrow(/^Gold line 1: field "preference" must be one of a, /);
		expect(() => parseGold('\n{oops', 'quality')).toThrow(GoldParseError);
		expect(() => parseGold('\n{oops', 'quality')).toThrow(/line 2: not valid JSON/);
		expect(() => parseGold('{"instance": 1, "instruction": "yes", "input": "yes", "output": "yes", "extra": 1}', 'quality')).toThrow(/line 1/);
		expect(() => parseGold('{"task": 1, "ratings": {}}', 'rating')).toThrow(/ratings/);
		expect(() => parseGold('{"task": 1, "ratings": {"m": "E"}}', 'rating')).toThrow(/line 1/);
	});

	it('reads conversation gold (the verdict on the whole) and pairwise gold (the pair’s own order)', () => {
		expect(parseGold('{"conversation": 4, "valid": "No"}\n\n{"conversation": 5, "valid": true, "note": "fine"}', 'conversation')).toEqual([
			{ kind: 'conversation', conversationId: 4, valid: false, note: '' },
			{ kind: 'conversation', conversationId: 5, valid: true, note: 'fine' }
		]);
		expect(parseGold('{"pair": 9, "preference": "both_bad"}', 'pairwise')).toEqual([{ kind: 'pairwise', pairId: 9, preference: 'both_bad', note: '' }]);
		expect(() => parseGold('{"conversation": 4}', 'conversation')).toThrow(/line 1: field "valid" is missing/);
		expect(() => parseGold('{"pair": 9, "preference": "A"}', 'pairwise')).toThrow(/line 1: field "preference" must be one of a, b, tie, both_bad/);
		// Each kind takes its own shape only.
		expect(() => parseGold('{"pair": 9, "preference": "a"}', 'conversation')).toThrow(/line 1/);
	});
});
