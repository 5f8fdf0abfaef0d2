/**
 * Issue #17 item 4: request bodies are limited before they are read. Against the built app
 * started as `npm start` starts it, 200 MB bodies (with a length, and chunked without one) are
 * refused early — the answer arrives while the client is still sending — and the server's peak
 * memory grows by less than 50 MB (by less than half the body for the import, which parses up
 * to its limit). Only the streamed import takes large bodies, and it stops
 * at MAX_IMPORT_MB while streaming.
 */
import http from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBuiltApp, signInOverHttp, peakRssBytes, resetPeakRss, type BuiltApp } from '../support/built-app';
import { readConfig } from '../../src/lib/server/config';

const MB = 1024 * 1024;
const HUGE = 200 * MB;

interface BigPostResult {
	status: number | null;
	body: string;
	/** Bytes the client had written when the answer (or the connection's end) arrived. */
	sentBeforeAnswer: number;
	error?: string;
}

/** POSTs `total` bytes, written as fast as the server takes them, and stops writing as soon as an answer arrives. */
function bigPost(app: BuiltApp, path: string, total: number, options: { chunked?: boolean; headers?: Record<string, string>; chunk?: Buffer } = {}): Promise<BigPostResult> {
	const url = new URL(path, app.url);
	return new Promise((resolve) => {
		let sent = 0;
		let answered = false;
		let sentAtAnswer = 0;
		const headers: Record<string, string | number> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
		if (!options.chunked) headers['content-length'] = total;
		const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers });
		const chunk = options.chunk ?? Buffer.alloc(MB, 'a');
		const finish = (result: Omit<BigPostResult, 'sentBeforeAnswer'>) => {
			if (!answered) sentAtAnswer = sent;
			answered = true;
			resolve({ ...result, sentBeforeAnswer: sentAtAnswer });
		};
		req.on('response', (res) => {
			if (!answered) sentAtAnswer = sent;
			answered = true;
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d) => (body += d));
			res.on('end', () => {
				req.destroy();
				resolve({ status: res.statusCode ?? null, body, sentBeforeAnswer: sentAtAnswer });
			});
			res.on('error', () => resolve({ status: res.statusCode ?? null, body, sentBeforeAnswer: sentAtAnswer }));
		});
		req.on('error', (err) => finish({ status: null, body: '', error: err.message }));
		const write = () => {
			while (!answered && sent < total) {
				const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
				sent += piece.length;
				if (!req.write(piece)) return void req.once('drain', write);
			}
			if (!answered) req.end();
		};
		write();
	});
}

describe('request body limits (built app, as `npm start` runs it)', () => {
	let app: BuiltApp;
	let cookie: string;
	beforeAll(async () => {
		app = await startBuiltApp({ MAX_IMPORT_MB: '20' });
		cookie = await signInOverHttp(app);
		// Warm up the pages the test hits, so their first-load cost is not counted as growth.
		for (const path of ['/login', '/datasets', '/datasets/import']) await fetch(`${app.url}${path}`, { headers: { cookie } });
	}, 300_000);
	afterAll(async () => app?.stop());

	async function refusedEarly(label: string, run: () => Promise<BigPostResult>, statuses: number[], maxGrowth = 50 * MB): Promise<BigPostResult> {
		const before = resetPeakRss(app.pid);
		const result = await run();
		const growth = peakRssBytes(app.pid) - before;
		expect(result.status, `${label}: ${result.error ?? result.body.slice(0, 200)}`).toBeOneOf(statuses);
		expect(result.sentBeforeAnswer, `${label}: answered only after ${result.sentBeforeAnswer} bytes`).toBeLessThan(HUGE / 2);
		expect(growth, `${label}: peak memory grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(maxGrowth);
		return result;
	}

	it('a 200 MB anonymous POST to /login is refused from its Content-Length', async () => {
		const r = await refusedEarly('login, length', () => bigPost(app, '/login', HUGE, { headers: { origin: app.url } }), [413]);
		expect(r.body).toContain('more than the limit of 4 MiB');
	});

	it('a 200 MB chunked anonymous POST to /login (no length) is refused before it is read', async () => {
		await refusedEarly('login, chunked', () => bigPost(app, '/login', HUGE, { chunked: true, headers: { origin: app.url } }), [411]);
	});

	it('a 200 MB JSON body to the review API, signed in, is refused before it is parsed', async () => {
		const r = await refusedEarly(
			'draft',
			() => bigPost(app, '/api/review/1/items/abc/draft', HUGE, { headers: { origin: app.url, cookie, 'content-type': 'application/json' } }),
			[413]
		);
		expect(JSON.parse(r.body).message).toMatch(/more than the limit/);
	});

	it('a 200 MB anonymous POST to the import is refused (413 on its length)', async () => {
		await refusedEarly('import, anonymous', () => bigPost(app, '/api/datasets/import?dataset=x', HUGE, { headers: { origin: app.url, 'content-type': 'application/octet-stream' } }), [413]);
	});

	it('an import larger than MAX_IMPORT_MB is refused from its length, or while streaming when it has none', async () => {
		const headers = { origin: app.url, cookie, 'content-type': 'application/octet-stream' };
		const byLength = await refusedEarly('import, length', () => bigPost(app, '/api/datasets/import?dataset=big', HUGE, { headers }), [413]);
		expect(JSON.parse(byLength.body).message).toMatch(/import limit of 20 MiB/);
		// Valid JSON Lines, so the import reads on until the limit stops it.
		const line = '{"instruction": "Repeat the word.", "input": "echo", "output": "echo echo"}\n';
		const chunk = Buffer.from(line.repeat(Math.floor(MB / line.length)));
		// This one parses and stores 20 MiB before the limit stops it, and V8 collects that garbage
		// lazily where memory is plentiful (77 MB of growth was seen on CI, 13–22 MB here), so its
		// bound is half the body: what reading the whole body into memory would exceed.
		const streamed = await refusedEarly(
			'import, chunked',
			() => bigPost(app, '/api/datasets/import?dataset=big&fileName=big.jsonl', HUGE, { chunked: true, headers, chunk }),
			[413],
			HUGE / 2
		);
		expect(JSON.parse(streamed.body).message).toBe('big.jsonl: the file is larger than the import limit of 20 MiB (20,971,520 bytes)');
	});

	it('an upload cut off midway (the client gone) leaves no dataset and is not logged as a server error', async () => {
		const line = '{"instruction": "Repeat the word.", "input": "echo", "output": "echo echo"}\n';
		const part = Buffer.from(line.repeat(Math.floor(MB / line.length)));
		const url = new URL('/api/datasets/import?dataset=cut&fileName=cut.jsonl', app.url);
		await new Promise<void>((resolve) => {
			const req = http.request({
				host: url.hostname,
				port: url.port,
				path: url.pathname + url.search,
				method: 'POST',
				headers: { origin: app.url, cookie, 'content-type': 'application/octet-stream', 'content-length': 10 * part.length }
			});
			req.on('error', () => resolve());
			// Three of the ten announced parts, then the connection goes.
			req.write(Buffer.concat([part, part, part]), () => setTimeout(() => (req.destroy(), resolve()), 300));
		});
		// The import removes what it wrote, then its request ends (and an error would be logged).
		const watch = new Database(app.databasePath, { readonly: true });
		try {
			const unfinished = () => watch.prepare<[], number>("SELECT count(*) FROM datasets WHERE status <> 'ready'").pluck().get();
			const deadline = Date.now() + 10_000;
			while (Date.now() < deadline && unfinished() !== 0) await new Promise((r) => setTimeout(r, 50));
			expect(unfinished()).toBe(0);
		} finally {
			watch.close();
		}
		await new Promise((r) => setTimeout(r, 300));
		expect((await fetch(`${app.url}/datasets`, { headers: { cookie } }).then((r) => r.text()))).not.toMatch(/>cut</);
		expect((await fetch(`${app.url}/healthz`)).ok).toBe(true);
		expect(app.log()).not.toMatch(/\/api\/datasets\/import: Error|ECONNRESET/);
	});

	it('ordinary requests under the limits still work', async () => {
		const ok = await fetch(`${app.url}/api/datasets/import?dataset=small&fileName=small.jsonl`, {
			method: 'POST',
			headers: { origin: app.url, cookie, 'content-type': 'application/octet-stream' },
			body: '{"instruction": "Say hi.", "input": "", "output": "hi"}\n'
		});
		expect(ok.status).toBe(200);
		const form = await fetch(`${app.url}/login`, {
			method: 'POST',
			headers: { origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ email: 'x@y.org', password: 'p'.repeat(3 * MB) }),
			redirect: 'manual'
		});
		expect(form.status).toBe(400); // read and checked: a wrong password, not a refused body
	});
});

describe('configuration', () => {
	it('MAX_BODY_MB sets the limit for every body but the import (default 4 MB)', () => {
		expect(readConfig({}).maxBodyBytes).toBe(4 * MB);
		expect(readConfig({ MAX_BODY_MB: '16' }).maxBodyBytes).toBe(16 * MB);
		expect(readConfig({ MAX_IMPORT_MB: '20' }).maxImportBytes).toBe(20 * MB);
	});
});
