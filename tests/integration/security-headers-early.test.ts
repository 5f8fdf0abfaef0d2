/**
 * The security headers (nosniff, Referrer-Policy, frame blocking, a Content-Security-Policy) are
 * on every answer of the built app, not only on pages a route rendered: the refusals and
 * redirects made before a route runs — SvelteKit's own cross-site form 403, a redirect or error
 * thrown in hooks.server.ts, adapter-node's body cap, a static file — carry them too.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';

function expectSecured(res: Response | http.IncomingMessage, what: string): void {
	const get = (name: string) => (res instanceof Response ? res.headers.get(name) : ((res.headers[name] as string | undefined) ?? null));
	expect(get('x-content-type-options'), what).toBe('nosniff');
	expect(get('referrer-policy'), what).toBe('same-origin');
	expect(get('x-frame-options'), what).toBe('DENY');
	expect(get('content-security-policy'), what).toMatch(/frame-ancestors 'none'/);
	expect(get('content-security-policy'), what).toMatch(/script-src 'self'/);
}

/** A POST announcing `length` bytes of which only the first few are sent: the answer comes on the headers alone. */
function announcedPost(app: BuiltApp, path: string, length: number, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
	const url = new URL(path, app.url);
	return new Promise((resolve, reject) => {
		const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-length': length, ...headers } });
		req.on('response', (res) => {
			res.resume();
			resolve(res);
			req.destroy();
		});
		req.on('error', reject);
		req.write(Buffer.alloc(1024, 'a'));
	});
}

describe('security headers on answers made before a route runs (built app)', () => {
	let app: BuiltApp;
	let admin: string;
	beforeAll(async () => {
		app = await startBuiltApp({ MAX_BODY_MB: '1', MAX_IMPORT_MB: '2' });
		admin = await signInOverHttp(app);
	}, 600_000);
	afterAll(async () => {
		await app?.stop();
	});

	it("SvelteKit's 403 for a cross-site form post", async () => {
		const res = await fetch(`${app.url}/login`, {
			method: 'POST',
			headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
			body: 'email=a&password=b',
			redirect: 'manual'
		});
		expect(res.status).toBe(403);
		expectSecured(res, 'cross-site form post');
	});

	it('the API 403 for a cross-site write', async () => {
		const res = await fetch(`${app.url}/api/review/1/heartbeat`, { method: 'POST', headers: { origin: 'http://evil.example', cookie: admin } });
		expect(res.status).toBe(403);
		expectSecured(res, 'cross-site API write');
	});

	it('404s: a page, an API path, a removed asset', async () => {
		for (const path of ['/no-such-page', '/datasets/999999', '/api/no-such-thing', '/_app/immutable/gone-123.js']) {
			const res = await fetch(`${app.url}${path}`, { headers: { cookie: admin, accept: 'text/html' }, redirect: 'manual' });
			expect(res.status, path).toBe(404);
			expectSecured(res, path);
		}
	});

	it('the sign-in redirect and the 401 for a signed-out visitor', async () => {
		const redirect = await fetch(`${app.url}/datasets`, { redirect: 'manual' });
		expect(redirect.status).toBe(303);
		expectSecured(redirect, 'signed-out redirect');
		const api = await fetch(`${app.url}/api/datasets/import?dataset=x`, { method: 'POST', headers: { origin: app.url }, body: 'x' });
		expect(api.status).toBe(401);
		expectSecured(api, 'signed-out API');
	});

	it("413s: the app's body limit and adapter-node's outer cap", async () => {
		const overAppLimit = await announcedPost(app, '/login', 2 * 1024 * 1024, { origin: app.url, 'content-type': 'application/x-www-form-urlencoded' });
		expect(overAppLimit.statusCode).toBe(413);
		expectSecured(overAppLimit, 'over MAX_BODY_MB');
		// BODY_SIZE_LIMIT is MAX_IMPORT_MB + 1: adapter-node refuses on the length before the app sees it.
		const overCap = await announcedPost(app, '/api/datasets/import?dataset=x', 10 * 1024 * 1024, { origin: app.url, cookie: admin, 'content-type': 'application/octet-stream' });
		expect(overCap.statusCode).toBe(413);
		expectSecured(overCap, 'over BODY_SIZE_LIMIT');
	});

	it("a rendered page keeps SvelteKit's policy, with the nonce of its start-up script", async () => {
		const res = await fetch(`${app.url}/datasets`, { headers: { cookie: admin } });
		expect(res.status).toBe(200);
		expectSecured(res, 'page');
		expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/);
	});

	it('a static file', async () => {
		const res = await fetch(`${app.url}/favicon.svg`);
		expect(res.status).toBe(200);
		expectSecured(res, 'favicon');
	});
});
