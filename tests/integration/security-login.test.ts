/**
 * Issue #17 items 2, 3 and 9: the sign-in rate limit cannot be raced, it limits accounts and
 * addresses separately (and reads the client address from the configured proxy header), and
 * `?next=` after sign-in never leaves the site.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as runUsersCommand } from '../../src/cli/commands/users';
import { isRedirect } from '@sveltejs/kit';
import { createTestDb } from '../support/db';
import { APP_ADMIN, startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import { changeOwnPassword, clearSignInFailures, createUser, findUserByEmail } from '../../src/lib/server/auth/users';
import { createSession, validateSession } from '../../src/lib/server/auth/session';
import { signIn } from '../../src/lib/server/auth/login';
import { safeNext } from '../../src/lib/server/auth/redirects';
import { readConfig } from '../../src/lib/server/config';

const cookies = { get: () => undefined, set: () => {}, delete: () => {}, getAll: () => [], serialize: () => '' } as never;
const attemptWith = (recording: unknown, origin: string) =>
	signIn('bystander@x.org', 'bystander-password-1', { address: `10.1.${origin.length}.1`, userAgent: null, cookies: recording as never, secure: origin.startsWith('https:') });
const attempt = (email: string, password: string, address: string) => signIn(email, password, { address, userAgent: null, cookies, secure: false });

describe('sign-in rate limit (in process, real argon2)', () => {
	let cleanup: () => void;
	beforeEach(async () => {
		({ cleanup } = createTestDb());
		for (const who of ['victim', 'bystander', 'other']) await createUser({ email: `${who}@x.org`, password: `${who}-password-1`, role: 'reviewer' });
	});
	afterEach(() => cleanup());

	it('60 parallel wrong passwords for one account get at most 10 real password checks', async () => {
		const results = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt('victim@x.org', `guess-${i}`, '10.0.0.1')));
		const checked = results.filter((r) => !r.ok && r.status === 400).length; // 400 = the password was checked and wrong
		const limited = results.filter((r) => !r.ok && r.status === 429).length;
		expect(checked).toBeLessThanOrEqual(10);
		expect(checked).toBe(10);
		expect(limited).toBe(50);
		// The guessing address stays locked out of the account, even with its right password…
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.0.1')).toMatchObject({ ok: false, status: 429 });
		// …while its owner, from their own address, signs in: guessing cannot lock them out.
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.0.2')).toMatchObject({ ok: true });
	});

	it("an admin clears an account's failed sign-ins from every address", async () => {
		for (let i = 0; i < 10; i++) await attempt('victim@x.org', `wrong-${i}`, '10.0.5.1');
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.5.1')).toMatchObject({ status: 429 });
		await new Promise((r) => setTimeout(r, 2));
		clearSignInFailures(findUserByEmail('victim@x.org')!.id);
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.5.1')).toMatchObject({ ok: true });
		// The same from the command line (another process: it reaches the server's limiter through the database).
		for (let i = 0; i < 10; i++) await attempt('victim@x.org', `wrong-${i}`, '10.0.5.1');
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.5.1')).toMatchObject({ status: 429 });
		await new Promise((r) => setTimeout(r, 2));
		const log = vi.spyOn(console, 'log').mockImplementation(() => {});
		await runUsersCommand(['unlock', '--email', 'victim@x.org']);
		expect(log).toHaveBeenCalledWith('Failed sign-ins of victim@x.org cleared; it can sign in again from any address.');
		log.mockRestore();
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.5.1')).toMatchObject({ ok: true });
	});

	it('failures from one address do not lock out the other accounts', async () => {
		const address = '10.0.1.1';
		for (let i = 0; i < 10; i++) expect(await attempt('other@x.org', `wrong-${i}`, address)).toMatchObject({ status: 400 });
		expect(await attempt('other@x.org', 'wrong-again', address)).toMatchObject({ status: 429 });
		// Another account from the same address (one shared proxy address, say) still signs in.
		expect(await attempt('bystander@x.org', 'bystander-password-1', address)).toMatchObject({ ok: true });
	});

	it('one address trying many accounts is stopped by the per-address limit (100 by default)', async () => {
		const address = '10.0.2.1';
		const results = await Promise.all(Array.from({ length: 120 }, (_, i) => attempt(`nobody-${i}@x.org`, 'whatever-password', address)));
		expect(results.filter((r) => !r.ok && r.status === 400)).toHaveLength(100);
		expect(results.filter((r) => !r.ok && r.status === 429)).toHaveLength(20);
		// Other addresses are not affected.
		expect(await attempt('bystander@x.org', 'bystander-password-1', '10.0.2.2')).toMatchObject({ ok: true });
	});

	it('an oversized email or password is refused before the limiter counts or keeps it', async () => {
		const address = '10.0.3.1';
		const huge = 'a'.repeat(3 * 1024 * 1024);
		// Far more than the per-address limit (100): none of them is counted.
		for (let i = 0; i < 150; i++) {
			const result = await attempt(`${i}${huge}@x.org`, 'whatever-password', address);
			expect(result).toEqual({ ok: false, status: 400, message: 'Wrong email or password, or the account is disabled.' });
		}
		expect(await attempt('bystander@x.org', 'x'.repeat(513), address)).toMatchObject({ ok: false, status: 400 });
		expect(await attempt('bystander@x.org', 'bystander-password-1', address)).toMatchObject({ ok: true });
	});

	it('the login page refuses a 3 MiB email and echoes at most 254 characters of it', async () => {
		const { actions } = await import('../../src/routes/login/+page.server');
		const url = new URL('http://app.test/login');
		const form = new FormData();
		form.set('email', `${'b'.repeat(3 * 1024 * 1024)}@x.org`);
		form.set('password', 'whatever-password');
		const event = { request: new Request(url, { method: 'POST', body: form }), url, cookies, getClientAddress: () => '10.0.3.2' };
		const result = (await (actions.default as (e: unknown) => Promise<unknown>)(event)) as { status: number; data: { errors: Record<string, string>; values: { email: string } } };
		expect(result.status).toBe(400);
		expect(result.data.errors.email).toBe('An email address is at most 254 characters long.');
		expect(result.data.values.email).toHaveLength(254);
		expect(JSON.stringify(result).length).toBeLessThan(1000);
	});

	it('accounts cannot be made with an email over 254 characters or a password over 512', async () => {
		await expect(createUser({ email: `${'c'.repeat(250)}@x.org`, password: 'long-enough-password', role: 'reviewer' })).rejects.toThrow('at most 254 characters');
		await expect(createUser({ email: 'fine@x.org', password: 'p'.repeat(513), role: 'reviewer' })).rejects.toThrow('at most 512 characters');
	});

	it('a user changes their own password with the current one; their other sessions end, this one stays', async () => {
		const id = findUserByEmail('victim@x.org')!.id;
		const here = createSession(id, null);
		const elsewhere = createSession(id, null);
		const bystander = createSession(findUserByEmail('bystander@x.org')!.id, null);
		const keep = validateSession(here.token)!.sessionId;
		await expect(changeOwnPassword(id, { current: 'wrong-password', password: 'brand-new-password', keepSessionId: keep, address: '10.0.4.9' })).rejects.toThrow('The current password is wrong.');
		await expect(changeOwnPassword(id, { current: 'victim-password-1', password: 'short', keepSessionId: keep, address: '10.0.4.9' })).rejects.toThrow('at least 10 characters');
		expect(validateSession(elsewhere.token)).not.toBeNull();
		await changeOwnPassword(id, { current: 'victim-password-1', password: 'brand-new-password', keepSessionId: keep, address: '10.0.4.9' });
		expect(validateSession(here.token)).not.toBeNull();
		expect(validateSession(elsewhere.token)).toBeNull();
		expect(validateSession(bystander.token)).not.toBeNull();
		expect(await attempt('victim@x.org', 'victim-password-1', '10.0.4.1')).toMatchObject({ ok: false, status: 400 });
		expect(await attempt('victim@x.org', 'brand-new-password', '10.0.4.1')).toMatchObject({ ok: true });
	});

	it('guessing the current password on Your account is limited as sign-in is: counted before the check, 10 per account and address', async () => {
		const id = findUserByEmail('other@x.org')!.id;
		const change = (current: string, address = '10.0.6.1') => changeOwnPassword(id, { current, password: 'brand-new-password', keepSessionId: null, address });
		const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => change(`guess-${i}`)));
		const messages = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'changed'));
		expect(messages.filter((m) => m === 'The current password is wrong.')).toHaveLength(10);
		expect(messages.filter((m) => /^Too many wrong passwords\. Try again in 15 minutes\.$/.test(m))).toHaveLength(15);
		// The right password from the guessing address is refused too, and sign-in from there shares the count…
		await expect(change('other-password-1')).rejects.toMatchObject({ message: /^Too many wrong passwords/, field: 'current', code: 'rate_limited' });
		expect(await attempt('other@x.org', 'other-password-1', '10.0.6.1')).toMatchObject({ ok: false, status: 429 });
		// …while the owner's own address still works.
		await change('other-password-1', '10.0.6.2');
		expect(await attempt('other@x.org', 'brand-new-password', '10.0.6.2')).toMatchObject({ ok: true });
	});

	it('sign-out deletes the session cookie with the attributes it was set with (no Secure on plain http)', async () => {
		const { actions } = await import('../../src/routes/logout/+page.server');
		for (const origin of ['http://audit.lan', 'https://audit.example.org']) {
			const calls: { op: string; options: Record<string, unknown> }[] = [];
			const recording = {
				set: (_: string, __: string, options: Record<string, unknown>) => calls.push({ op: 'set', options }),
				delete: (_: string, options: Record<string, unknown>) => calls.push({ op: 'delete', options })
			};
			await attemptWith(recording, origin);
			await Promise.resolve()
				.then(() => (actions.default as (e: unknown) => unknown)({ cookies: recording, locals: { sessionId: null }, url: new URL(`${origin}/logout`) }))
				.catch((e: unknown) => e);
			const [set, del] = calls;
			expect(set.op).toBe('set');
			expect(del.op).toBe('delete');
			const { expires: _, ...setWithoutExpiry } = set.options;
			expect(del.options).toEqual(setWithoutExpiry);
			expect(del.options.secure).toBe(origin.startsWith('https:'));
		}
	});

	it('reads the limits from the environment', () => {
		const c = readConfig({ LOGIN_MAX_ATTEMPTS: '5', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '40', LOGIN_WINDOW_MINUTES: '30' });
		expect(c).toMatchObject({ loginMaxAttempts: 5, loginMaxAttemptsPerAddress: 40, loginWindowMs: 30 * 60_000 });
		expect(readConfig({})).toMatchObject({ loginMaxAttempts: 10, loginMaxAttemptsPerAddress: 100 });
	});
});

// Every variant a browser could be made to follow off-site, or that used to crash the redirect.
const NEXT_VARIANTS = [
	'/\t/evil.example/x',
	'/%09/evil.example/x',
	'/\n/evil.example',
	'/\r/evil.example',
	'/\r\n/evil.example',
	'\t//evil.example',
	' //evil.example',
	'//evil.example',
	'///evil.example',
	'////evil.example/',
	'/\\evil.example',
	'\\\\evil.example',
	'\\/evil.example',
	'/\\/evil.example',
	'/%5Cevil.example',
	'/%2F/evil.example',
	'%2F%2Fevil.example',
	'http://evil.example/',
	'https://evil.example/',
	'HTTP://evil.example',
	'http:evil.example',
	'http:/evil.example',
	'https:\\\\evil.example',
	'javascript:alert(1)',
	'JaVaScRiPt:alert(1)',
	'java\tscript:alert(1)',
	'data:text/html,<script>alert(1)</script>',
	'vbscript:x',
	'//evil.example@app.test/',
	'/@evil.example',
	'//app.test@evil.example',
	'/.evil.example',
	'.evil.example',
	'evil.example',
	'/ünïcödé/ﬁle',
	'/naïve?q=ü',
	'/\u2028/evil.example',
	'/\u0000/x',
	'/\u202e/x',
	'/ＥＶＩＬ',
	'／／evil.example',
	'/x\n\rSet-Cookie: a=b',
	'/datasets/1?q=a b#frag',
	'',
	' ',
	'/',
	'?next=//evil.example',
	'#//evil.example',
	'/%0d%0aLocation:%20http://evil.example'
];

const APP = 'http://app.test';

describe('?next= after sign-in stays on the site', () => {
	it.each(NEXT_VARIANTS.map((v) => [JSON.stringify(v), v]))('safeNext(%s) is a same-origin path a browser resolves on-site', (_, next) => {
		const location = safeNext(next, APP);
		expect(location.startsWith('/')).toBe(true);
		expect(location.startsWith('//')).toBe(false);
		// Safe as a header value: printable ASCII only (no CR, LF, tab or non-ASCII).
		expect(location).toMatch(/^[\x21-\x7e]*$/);
		// Browsers resolve Location with the URL parser: it must land on our origin.
		expect(new URL(location, APP).origin).toBe(APP);
	});

	it('keeps ordinary paths, queries and fragments', () => {
		expect(safeNext('/datasets/3?q=snake_case&page=2')).toBe('/datasets/3?q=snake_case&page=2');
		expect(safeNext('/review/4#item')).toBe('/review/4#item');
		expect(safeNext('/ünï')).toBe('/%C3%BCn%C3%AF');
		expect(safeNext(null)).toBe('/');
	});

	describe('the login page (in process)', () => {
		let cleanup: () => void;
		beforeEach(async () => {
			({ cleanup } = createTestDb());
			await createUser({ email: 'next@x.org', password: 'next-password-1', role: 'reviewer' });
		});
		afterEach(() => cleanup());

		it('redirects a signed-in visitor and a fresh sign-in on-site for every variant', async () => {
			const { load, actions } = await import('../../src/routes/login/+page.server');
			let i = 0;
			for (const next of NEXT_VARIANTS) {
				const url = new URL(`${APP}/login`);
				url.searchParams.set('next', next);
				// Already signed in: the load redirects.
				const thrown = await Promise.resolve()
					.then(() => (load as (e: unknown) => unknown)({ locals: { user: { id: 1 } }, url }))
					.catch((e: unknown) => e);
				expect(isRedirect(thrown), next).toBe(true);
				expect(new URL((thrown as { location: string }).location, APP).origin, next).toBe(APP);
				// Signing in: the action redirects.
				const form = new FormData();
				form.set('email', 'next@x.org');
				form.set('password', 'next-password-1');
				const event = {
					request: new Request(url, { method: 'POST', body: form }),
					url,
					cookies,
					getClientAddress: () => `10.9.0.${i++ % 250}`
				};
				const result = await (actions.default as (e: unknown) => Promise<unknown>)(event).catch((e) => e);
				expect(isRedirect(result), next).toBe(true);
				const location = (result as { location: string }).location;
				expect(location, next).toMatch(/^[\x21-\x7e]*$/);
				expect(new URL(location, APP).origin, next).toBe(APP);
			}
		});
	});
});

describe('over HTTP (built app)', () => {
	let app: BuiltApp;
	beforeAll(async () => {
		// Behind a proxy: the client address is the last X-Forwarded-For entry; 3 attempts per address.
		app = await startBuiltApp({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '3' });
	}, 300_000);
	afterAll(async () => app?.stop());

	async function post(path: string, fields: Record<string, string>, forwardedFor: string): Promise<Response> {
		return fetch(`${app.url}${path}`, {
			method: 'POST',
			headers: { origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
			body: new URLSearchParams(fields),
			redirect: 'manual'
		});
	}

	it('the per-address limit follows ADDRESS_HEADER / XFF_DEPTH', async () => {
		// With XFF_DEPTH=1 the address is the entry our proxy appended (the last); what the client
		// put before it is its own claim and changes nothing.
		for (let i = 0; i < 3; i++) expect((await post('/login', { email: `u${i}@x.org`, password: 'wrong-password' }, `10.0.0.${i}, 203.0.113.5`)).status).toBe(400);
		// The same client is now limited on any account, whatever it claims…
		expect((await post('/login', { email: 'u9@x.org', password: 'wrong-password' }, '10.0.0.99, 203.0.113.5')).status).toBe(429);
		// …another client behind the same proxy is not.
		expect((await post('/login', { email: 'u9@x.org', password: 'wrong-password' }, '203.0.113.6')).status).toBe(400);
	});

	it('POST /account?/password: wrong current passwords count against the limit and then answer 429, the right one too', async () => {
		const client = '192.0.2.77';
		const cookie = await signInOverHttp(app, undefined, { 'x-forwarded-for': client });
		const change = (current: string) =>
			fetch(`${app.url}/account?/password`, {
				method: 'POST',
				headers: { origin: app.url, accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client },
				body: new URLSearchParams({ current, password: 'another-password-9', confirm: 'another-password-9' }),
				redirect: 'manual'
			});
		// This app allows 3 attempts per address (LOGIN_MAX_ATTEMPTS_PER_ADDRESS above).
		for (let i = 0; i < 3; i++) {
			const res = await change(`wrong-${i}`);
			expect(res.status).toBe(400);
			expect(await res.text()).toContain('The current password is wrong.');
		}
		const limited = await change(APP_ADMIN.password);
		expect(limited.status).toBe(429);
		expect(await limited.text()).toMatch(/Too many wrong passwords\. Try again in \d+ minutes?\./);
	});

	it.each(['/%09/evil.example/x', '/%0A/evil.example', '/%0D/evil.example', '%2F%2Fevil.example', '/%C3%BC', '%5C%5Cevil.example', 'https%3A%2F%2Fevil.example'])(
		'POST /login?next=%s answers 303 to an on-site Location, never 500',
		async (encoded) => {
			const res = await post(`/login?next=${encoded}`, { email: 'admin@example.org', password: 'admin-password-1' }, `198.51.100.${encoded.length}`);
			expect(res.status).toBe(303);
			expect(new URL(res.headers.get('location')!, app.url).origin).toBe(app.url);
		}
	);

	it('GET /login?next=… for a signed-in user redirects on-site', async () => {
		const cookie = await signInOverHttp(app, undefined, { 'x-forwarded-for': '8.8.8.8' });
		for (const encoded of ['/%09/evil.example/x', '/%0A/x', '/%E2%80%A8/x', '//evil.example']) {
			const res = await fetch(`${app.url}/login?next=${encoded}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
			expect(res.status, encoded).toBe(303);
			expect(new URL(res.headers.get('location')!, app.url).origin, encoded).toBe(app.url);
		}
	});
});
