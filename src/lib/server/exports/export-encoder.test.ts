import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { parquetReadObjects } from 'hyparquet';
import { ExportEncoder, type EncoderMessage, type EncoderReply } from './export-encoder';

const { EXPORT_ENCODER_THREAD_URL } = await import('./export-encoder-thread');
const THREAD = { url: EXPORT_ENCODER_THREAD_URL, entry: 'serveExportEncoder' };

/** Deterministic text of `n` values, as a column block: UTF-8 bytes end to end and their lengths. */
function column(prefix: string, n: number, seed: number) {
	const values = Array.from({ length: n }, (_, i) => `${prefix} ${i} ${'é…'.repeat((i * 7 + seed) % 5)}${'x'.repeat((i * 13 + seed) % 40)}`);
	const encoded = values.map((v) => Buffer.from(v, 'utf8'));
	return { values, block: { bytes: Buffer.concat(encoded), lengths: encoded.map((b) => b.length).join(',') } };
}

/** Every message sent in order, the replies taken as an export takes them (ready ones at once, the rest at the end). */
function run(encoder: ExportEncoder, messages: EncoderMessage[]): EncoderReply[] {
	const replies: EncoderReply[] = [];
	for (const m of messages) {
		encoder.send(m);
		for (let r; (r = encoder.ready()) !== undefined; ) replies.push(r);
	}
	while (encoder.waiting) replies.push(encoder.next());
	encoder.close();
	return replies;
}

function bytesOf(replies: EncoderReply[]): Buffer {
	return Buffer.concat(replies.filter((r): r is Uint8Array => r instanceof Uint8Array));
}

describe('ExportEncoder', () => {
	// 40 row groups of ~180 KB wrap the thread's 4 MB ring several times; one of 6 MB does not fit it.
	const groups = Array.from({ length: 41 }, (_, g) => {
		const rows = g === 20 ? 40_000 : 1_500;
		return [column('instruction', rows, g), column('input', rows, g + 1), column('output', rows, g + 2)] as const;
	});
	const parquetMessages: EncoderMessage[] = [
		{ kind: 'parquet-begin', createdBy: 'test' },
		...groups.map((cols): EncoderMessage => ({ kind: 'parquet-group', columns: cols.map((c) => c.block), rows: cols[0].values.length })),
		{ kind: 'parquet-end' },
		{ kind: 'digest' }
	];

	it('encodes Parquet on a worker thread byte for byte as in this thread, with the digest of what it wrote', async () => {
		const here = new ExportEncoder(null);
		expect(here.threaded).toBe(false);
		const expected = run(here, parquetMessages);
		const thread = new ExportEncoder(THREAD);
		expect(thread.threaded).toBe(true);
		const replies = run(thread, parquetMessages);
		expect(replies.length).toBe(parquetMessages.length);
		const file = bytesOf(replies);
		expect(file.equals(bytesOf(expected))).toBe(true);
		expect(replies.at(-1)).toBe(createHash('sha256').update(file).digest('hex'));
		expect(replies.at(-1)).toBe(expected.at(-1));
		const rows = await parquetReadObjects({ file: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer });
		expect(rows.length).toBe(groups.reduce((n, cols) => n + cols[0].values.length, 0));
		expect(rows[1_500 * 20 + 39_999]).toEqual({ instruction: groups[20][0].values[39_999], input: groups[20][1].values[39_999], output: groups[20][2].values[39_999] });
	});

	it.each([
		['on the thread', THREAD],
		['here, when the thread cannot load its module', { url: new URL('./no-such-module.ts', import.meta.url).href, entry: 'serveExportEncoder' }]
	])('hashes bytes the caller reuses at once, in order, through the ring and past it: %s', (_, where) => {
		const scratch = Buffer.alloc(5 * 1024 * 1024);
		const hash = createHash('sha256');
		const thread = new ExportEncoder(where);
		expect(thread.threaded).toBe(true);
		for (let k = 0; k < 60; k++) {
			// The same scratch buffer, overwritten after every send: the thread must have its own copy.
			// The first is larger than the ring, sent before the thread can have loaded its module.
			const size = k === 0 || k === 30 ? scratch.length : 100_000 + ((k * 7919) % 900_000);
			const bytes = scratch.subarray(0, size).fill(k);
			hash.update(bytes);
			thread.send({ kind: 'hash', bytes });
			scratch.fill(255);
			while (thread.ready() !== undefined);
		}
		thread.send({ kind: 'digest' });
		while (thread.waiting > 1) expect(thread.next()).toBeNull();
		expect(thread.next()).toBe(hash.digest('hex'));
		thread.close();
	});

	it('does the work in this thread when the worker cannot load its module, with nothing lost', () => {
		const expected = run(new ExportEncoder(null), parquetMessages);
		const broken = new ExportEncoder({ url: new URL('./no-such-module.ts', import.meta.url).href, entry: 'serveExportEncoder' });
		expect(broken.threaded).toBe(true);
		const replies = run(broken, parquetMessages);
		expect(broken.threaded).toBe(false);
		expect(bytesOf(replies).equals(bytesOf(expected))).toBe(true);
		expect(replies.at(-1)).toBe(expected.at(-1));
		// A module without the entry is one the thread cannot run either.
		const noEntry = new ExportEncoder({ url: EXPORT_ENCODER_THREAD_URL, entry: 'noSuchEntry' });
		expect(bytesOf(run(noEntry, parquetMessages)).equals(bytesOf(expected))).toBe(true);
		expect(noEntry.threaded).toBe(false);
	});

	it("passes on the thread's error", () => {
		const thread = new ExportEncoder(THREAD);
		thread.send({ kind: 'parquet-group', columns: groups[0].map((c) => c.block), rows: groups[0][0].values.length });
		expect(() => thread.next()).toThrow(/a Parquet group before the file began/);
		thread.close();
	});
});
