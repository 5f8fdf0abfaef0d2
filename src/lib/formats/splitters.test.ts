import { describe, expect, it } from 'vitest';
import { ImportError } from './import-error';
import { JsonArraySplitter, JsonLinesSplitter, type RawRecord } from './splitters';

describe('JsonLinesSplitter', () => {
	it('cuts at newlines across pushes and numbers lines from 1', () => {
		const s = new JsonLinesSplitter('f');
		const out: RawRecord[] = [];
		s.push('{"a":1}\n{"b"', out);
		s.push(':2}\n\n{"c":3}', out);
		s.end(out);
		expect(out).toEqual([
			{ text: '{"a":1}', line: 1 },
			{ text: '{"b":2}', line: 2 },
			{ text: '{"c":3}', line: 4 }
		]);
	});
	it('refuses a line longer than the record limit, before holding the whole of it', () => {
		const s = new JsonLinesSplitter('huge.jsonl', 100);
		const out: RawRecord[] = [];
		s.push('{"a":1}\n', out);
		s.push('{"x":"' + 'y'.repeat(60), out);
		let error: unknown;
		try {
			s.push('y'.repeat(60), out);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ImportError);
		expect((error as ImportError).message).toBe(
			'huge.jsonl: line 2: the line is longer than 100 characters, the most one record may hold (MAX_RECORD_CHARS); expected one JSON object per line (JSON Lines) or a JSON array of objects'
		);
	});
});

describe('JsonArraySplitter', () => {
	it('cuts items at the top-level commas only', () => {
		const s = new JsonArraySplitter('f');
		const out: RawRecord[] = [];
		s.push('[{"a":[1,2],"b":"x,]}"}, {"c":{"d":[]}}', out);
		s.push(' ,"s\\"", 3 ]', out);
		s.end(out);
		expect(out.map((r) => [r.text, r.index, r.column])).toEqual([
			['{"a":[1,2],"b":"x,]}"}', 0, 2],
			['{"c":{"d":[]}} ', 1, 26],
			['"s\\""', 2, 42],
			['3 ', 3, 49]
		]);
	});
	it('refuses an item longer than the record limit', () => {
		const s = new JsonArraySplitter('big.json', 50);
		const out: RawRecord[] = [];
		s.push('[{"x":1},\n {"y":"', out);
		expect(() => s.push('z'.repeat(60), out)).toThrow('big.json: item 1 (line 2, column 2): the item is longer than 50 characters');
	});
});
