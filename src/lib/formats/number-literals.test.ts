import { describe, expect, it } from 'vitest';
import { isExactNumber, mayHoldInexactNumber, memberNumberText, numberAsWritten, parseKeepingNumbers, stringifyKeepingNumbers } from './number-literals';

describe('numbers a double cannot hold as written', () => {
	it('tells exact literals (kept by value) from ones a double changes', () => {
		for (const exact of ['1', '1.0', '2.50', '-0.5', '9007199254740992', '0.30000000000000004', '1e21', '1.5e-7', '123456789012345'])
			expect(isExactNumber(exact), exact).toBe(true);
		for (const inexact of ['1234567890123456789', '9007199254740993', '1e400', '-1e400', '1e-400', '0.1000000000000000055511151231257827'])
			expect(isExactNumber(inexact), inexact).toBe(false);
	});

	it('keeps them as {"$number": text}, anywhere in the value, and not inside strings', () => {
		const line = '{"instruction":"a","output":"b","tweet_id":1234567890123456789,"conv":{"msg_id":9007199254740993},"f":1e400,"s":"12345678901234567890","n":[1.0, 2]}';
		expect(mayHoldInexactNumber(line)).toBe(true);
		expect(parseKeepingNumbers(line)).toEqual({
			instruction: 'a',
			output: 'b',
			tweet_id: { $number: '1234567890123456789' },
			conv: { msg_id: { $number: '9007199254740993' } },
			f: { $number: '1e400' },
			s: '12345678901234567890',
			n: [1, 2]
		});
		// Only digits inside strings: nothing to keep, the caller keeps JSON.parse's value.
		expect(parseKeepingNumbers('{"s":"12345678901234567890","e":"x\\"1e400"}')).toBeNull();
		expect(mayHoldInexactNumber('{"instruction":"a","input":"","output":"b","id":123}')).toBe(false);
	});

	it('writes them back as the bare literal (a value without one is plain JSON.stringify)', () => {
		const line = '{"tweet_id":1234567890123456789,"conv":{"msg_id":9007199254740993},"f":1e400,"k":{"$number":"x"}}';
		expect(stringifyKeepingNumbers(parseKeepingNumbers(line))).toBe(line);
		expect(stringifyKeepingNumbers({ a: [1, 'x'] }, 4)).toBe(JSON.stringify({ a: [1, 'x'] }, null, 4));
		expect(stringifyKeepingNumbers(parseKeepingNumbers('{"a":[1e400]}'), 2)).toBe('{\n  "a": [\n    1e400\n  ]\n}');
	});
});

describe('a member\'s number as written', () => {
	it('reads the outer object\'s member, not a nested one or one inside a string', () => {
		expect(memberNumberText('{"meta": {"id": 100}, "note": "\\"id\\": 7", "id" : 1e2}', 'id')).toBe('1e2');
		expect(memberNumberText('{"\\u0069d": -0.50}', 'id')).toBe('-0.50');
		expect(memberNumberText('{"id": "12"}', 'id')).toBeNull();
		expect(memberNumberText('{"other": 1}', 'id')).toBeNull();
	});

	it('keeps a number that writes back as itself, and any other as its literal', () => {
		expect(numberAsWritten('11')).toBe(11);
		for (const text of ['1e2', '1.0', '-0', '9007199254740993']) expect(stringifyKeepingNumbers({ id: numberAsWritten(text) })).toBe(`{"id":${text}}`);
	});
});
