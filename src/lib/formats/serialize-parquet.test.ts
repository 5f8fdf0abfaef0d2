import { describe, expect, it } from 'vitest';
import { parquetReadObjects } from 'hyparquet';
import { PARQUET_SNAPPY, ParquetFileWriter, splitByLengths } from './serialize-parquet';

const utf8 = new TextEncoder();

describe('splitByLengths', () => {
	it('cuts the bytes into one view per length, empty values included', () => {
		const bytes = utf8.encode('abü😀');
		const parts = splitByLengths(bytes, '1,0,3,4', 4);
		expect(parts.map((p) => new TextDecoder().decode(p))).toEqual(['a', '', 'bü', '😀']);
		expect(parts[3].buffer).toBe(bytes.buffer);
		expect(splitByLengths(new Uint8Array(0), null, 0)).toEqual([]);
		expect(splitByLengths(new Uint8Array(0), '0,0', 2).map((p) => p.length)).toEqual([0, 0]);
	});

	it('refuses lengths that do not account for every value and every byte', () => {
		expect(() => splitByLengths(utf8.encode('abc'), '1,1', 2)).toThrow(/do not match/);
		expect(() => splitByLengths(utf8.encode('abc'), '1,3', 2)).toThrow(/do not match/);
		expect(() => splitByLengths(utf8.encode('abc'), '1,2', 3)).toThrow(/do not match/);
		expect(() => splitByLengths(utf8.encode('abc'), '1,1,1', 2)).toThrow(/do not match/);
		expect(() => splitByLengths(utf8.encode('a'), null, 1)).toThrow(/do not match/);
	});
});

describe('ParquetFileWriter', () => {
	it('writes row groups of strings or UTF-8 bytes that read back as the same rows', async () => {
		const file = new ParquetFileWriter('test');
		const parts = [
			file.begin(),
			file.writeGroup([['Write a poem.'], [''], ['Roses.']]),
			file.writeGroup([[utf8.encode('Résumé ✓'), 'b'], [utf8.encode(''), 'x'], [utf8.encode('ok'), '😀']]),
			file.end()
		];
		const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
		let at = 0;
		for (const p of parts) {
			bytes.set(p, at);
			at += p.length;
		}
		expect(await parquetReadObjects({ file: bytes.buffer })).toEqual([
			{ instruction: 'Write a poem.', input: '', output: 'Roses.' },
			{ instruction: 'Résumé ✓', input: '', output: 'ok' },
			{ instruction: 'b', input: 'x', output: '😀' }
		]);
		expect(() => new ParquetFileWriter().writeGroup([['a'], [], ['c']])).toThrow(/differ in length/);
	});

	it('compresses its pages with the native Snappy here, pages that read back over several megabytes', async () => {
		// The JavaScript fallback took a third longer over a million rows: the bench's figures assume the native one.
		expect(PARQUET_SNAPPY).toBe('native');
		const rows = 20_000;
		const column = (name: string) => Array.from({ length: rows }, (_, i) => `${name} ${i} ${'word '.repeat(i % 50)}${i % 7 === 0 ? 'é😀' : ''}`);
		const group = [column('instruction'), column('input'), column('output')] as const;
		const file = new ParquetFileWriter('test');
		const parts = [file.begin(), file.writeGroup([group[0], group[1], group[2]]), file.end()];
		const bytes = Buffer.concat(parts);
		const text = group.reduce((n, c) => n + c.reduce((m, v) => m + Buffer.byteLength(v), 0), 0);
		expect(text).toBeGreaterThan(5_000_000);
		expect(bytes.length).toBeLessThan(text / 4);
		const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer });
		expect(back.length).toBe(rows);
		for (const i of [0, 1, 6_999, 7_000, rows - 1]) expect(back[i]).toEqual({ instruction: group[0][i], input: group[1][i], output: group[2][i] });
		expect(back.every((r, i) => r.output === group[2][i])).toBe(true);
	});
});
