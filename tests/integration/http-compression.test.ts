/**
 * Issue #18 item 11 (compression part): pages, scripts, styles and JSON go out compressed —
 * brotli or gzip as the client accepts — while downloads stream uncompressed as written.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonl } from '../support/db';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';

interface RawResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
	/** Milliseconds from the request to each chunk's arrival. */
	chunkTimes: number[];
}

/** A GET without any automatic decompression, so the bytes on the wire are what we see. */
function rawGet(app: BuiltApp, path: string, headers: Record<string, string>): Promise<RawResponse> {
	const url = new URL(path, app.url);
	const started = Date.now();
	return new Promise((resolve, reject) => {
		http
			.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
				const parts: Buffer[] = [];
				const chunkTimes: number[] = [];
				res.on('data', (d: Buffer) => {
					parts.push(d);
					chunkTimes.push(Date.now() - started);
				});
				res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts), chunkTimes }));
			})
			.on('error', reject);
	});
}

function decode(r: RawResponse): string {
	const encoding = r.headers['content-encoding'];
	if (encoding === 'br') return zlib.brotliDecompressSync(r.body).toString('utf8');
	if (encoding === 'gzip') return zlib.gunzipSync(r.body).toString('utf8');
	return r.body.toString('utf8');
}

describe('compressed responses (built app)', () => {
	let app: BuiltApp;
	let cookie: string;
	let datasetId: number;
	beforeAll(async () => {
		app = await startBuiltApp();
		cookie = await signInOverHttp(app);
		const rows = Array.from({ length: 3000 }, (_, i) => ({ instruction: `Task number ${i}: write a sentence about ${i}.`, input: `input ${i}`, output: `output ${i} `.repeat(20) }));
		const res = await fetch(`${app.url}/api/datasets/import?dataset=many&fileName=many.jsonl`, {
			method: 'POST',
			headers: { cookie, origin: app.url, 'content-type': 'application/octet-stream' },
			body: jsonl(rows)
		});
		datasetId = ((await res.json()) as { summary: { datasetId: number } }).summary.datasetId;
	}, 300_000);
	afterAll(async () => app?.stop());

	it.each([
		['br, gzip', 'br'],
		['gzip, deflate', 'gzip'],
		['gzip;q=1, br;q=0.5', 'gzip']
	])('a page asked for with Accept-Encoding "%s" comes as %s, and decodes to the same HTML', async (accept, expected) => {
		const plain = await rawGet(app, `/datasets/${datasetId}`, { cookie, 'accept-encoding': 'identity' });
		const packed = await rawGet(app, `/datasets/${datasetId}`, { cookie, 'accept-encoding': accept });
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(packed.headers['content-encoding']).toBe(expected);
		expect(packed.headers.vary).toMatch(/accept-encoding/i);
		expect(packed.body.length).toBeLessThan(plain.body.length / 4);
		// Same page apart from the per-response CSP nonce.
		const strip = (html: string) => html.replace(/nonce-[^';"\s]+|nonce="[^"]+"/g, '');
		expect(strip(decode(packed))).toBe(strip(decode(plain)));
	});

	it('JSON from the API and page data are compressed', async () => {
		const api = await rawGet(app, `/api/exports/count?dataset=${datasetId}`, { cookie, 'accept-encoding': 'br, gzip' });
		expect(api.status).toBe(200);
		// Small answers (under 1 KiB) are not worth compressing; the data of a page is.
		const data = await rawGet(app, `/datasets/${datasetId}/__data.json`, { cookie, 'accept-encoding': 'br, gzip' });
		expect(data.status).toBe(200);
		expect(data.headers['content-encoding']).toBe('br');
		expect(JSON.parse(decode(data)).type).toBe('data');
	});

	it('scripts and styles come precompressed', async () => {
		const html = decode(await rawGet(app, '/login', { 'accept-encoding': 'identity' }));
		const asset = /(\/_app\/immutable\/[^"]+\.js)"/.exec(html)![1];
		const js = await rawGet(app, asset, { 'accept-encoding': 'br, gzip' });
		expect(js.headers['content-encoding']).toBe('br');
	});

	it('a download streams as written, uncompressed', async () => {
		const r = await rawGet(app, `/api/exports/download?dataset=${datasetId}&format=jsonl`, { cookie, 'accept-encoding': 'br, gzip' });
		expect(r.status).toBe(200);
		expect(r.headers['content-disposition']).toMatch(/attachment/);
		expect(r.headers['content-encoding']).toBeUndefined();
		expect(r.body.toString('utf8').trim().split('\n')).toHaveLength(3000);
		expect(r.chunkTimes.length).toBeGreaterThan(1);
	});
});
