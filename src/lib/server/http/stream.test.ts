import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sveltejs/kit';
import { DomainError } from '$lib/errors';
import { textDownload } from './stream';

describe('textDownload', () => {
	it('writes every chunk, in pieces of about 256 KB', async () => {
		const chunks = Array.from({ length: 100 }, (_, n) => `${n}:${'x'.repeat(10_000)}\n`);
		const response = textDownload(chunks.values(), { 'content-type': 'text/plain' });
		expect(response.headers.get('content-type')).toBe('text/plain');
		const reader = response.body!.getReader();
		const pieces: number[] = [];
		for (let r = await reader.read(); !r.done; r = await reader.read()) pieces.push(r.value.length);
		expect(pieces.reduce((a, b) => a + b, 0)).toBe(chunks.join('').length);
		expect(pieces.length).toBe(4);
	});

	it('lets other work run between pieces (pulls chained by a fast reader would not)', async () => {
		let consumed = 0;
		function* chunks() {
			for (let n = 0; n < 40; n++) {
				consumed++;
				yield 'y'.repeat(300_000);
			}
		}
		const response = textDownload(chunks(), {});
		let seenAt: number | null = null;
		setImmediate(() => (seenAt = consumed));
		await response.text();
		expect(consumed).toBe(40);
		expect(seenAt).not.toBeNull();
		expect(seenAt!).toBeLessThan(10);
	});

	it('an error on the first chunk is an error status with its message, before any response', () => {
		function* failing(): Generator<string> {
			throw new DomainError('No audit 99.', 404, 'not_found');
		}
		try {
			textDownload(failing(), {});
			expect.unreachable();
		} catch (err) {
			expect(isHttpError(err)).toBe(true);
			expect(err).toMatchObject({ status: 404, body: { message: 'No audit 99.' } });
		}
	});

	it('stops the chunks when the download is abandoned', async () => {
		let closed = false;
		function* chunks() {
			try {
				for (;;) yield 'z'.repeat(300_000);
			} finally {
				closed = true;
			}
		}
		const reader = textDownload(chunks(), {}).body!.getReader();
		await reader.read();
		await reader.cancel();
		expect(closed).toBe(true);
	});
});
