/**
 * Issue #17 item 1: a failed form action never sends a secret back. Failed saves return an
 * allow-list of fields; every test searches the whole response (the action's data as the page
 * gets it, and the HTTP body of the built app) for the secret.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import { createFirstAdmin, createUser } from '../../src/lib/server/auth/users';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import type { SessionUser } from '../../src/lib/server/auth/session';
import { echoValues, parseForm } from '../../src/lib/server/forms';
import { z } from 'zod';

const SECRET = 'sk-live-THIS-KEY-MUST-NEVER-COME-BACK-1234567890';

type AnyAction = (event: unknown) => Promise<unknown>;

function formOf(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	return form;
}

/** Runs a form action in process with a signed-in user, as SvelteKit would; returns its result or the thrown value. */
async function runAction(action: AnyAction, user: SessionUser | null, fields: Record<string, string>, params: Record<string, string> = {}): Promise<unknown> {
	const url = new URL('http://app.test/form');
	const request = new Request(url, { method: 'POST', body: formOf(fields) });
	const cookies = { get: () => undefined, set: () => {}, delete: () => {}, getAll: () => [], serialize: () => '' };
	try {
		return await action({ request, url, params, locals: { user, sessionId: null }, cookies, getClientAddress: () => '127.0.0.1' });
	} catch (thrown) {
		return thrown;
	}
}

/** The whole of what the page receives, as text. */
function whole(result: unknown): string {
	return JSON.stringify(result);
}

describe('parseForm / echoValues', () => {
	it('echo only the fields named, whatever else was submitted', () => {
		const form = formOf({ name: 'box', apiKey: SECRET, password: SECRET, token: SECRET, newField: SECRET });
		expect(echoValues(form, ['name'])).toEqual({ name: 'box' });
		const parsed = parseForm(z.object({ name: z.string().min(10) }), form, ['name']);
		expect(parsed.ok).toBe(false);
		expect(parsed.values).toEqual({ name: 'box' });
		expect(whole(parsed)).not.toContain(SECRET);
		// With no allow-list nothing comes back.
		expect(parseForm(z.object({ name: z.string().min(10) }), form).values).toEqual({});
	});
});

describe('failed form actions never echo a secret (in process)', () => {
	let cleanup: () => void;
	let admin: SessionUser;
	let researcher: SessionUser;
	beforeEach(async () => {
		({ cleanup } = createTestDb());
		const a = await createFirstAdmin({ email: 'admin@x.org', password: 'admin-password-1' });
		admin = { id: a.id, email: a.email, name: '', role: 'admin' };
		const r = await createUser({ email: 'res@x.org', password: 'research-pass-1', role: 'researcher' });
		researcher = { id: r.id, email: r.email, name: '', role: 'researcher' };
	});
	afterEach(() => cleanup());

	const endpointBase = { name: 'box', preset: '', baseUrl: 'http://localhost:8000/v1', apiKey: SECRET, apiStyle: 'chat', model: 'm', concurrency: '4' };

	it.each([
		['an empty name', { name: '' }],
		['a name with forbidden characters', { name: '<bad name>' }],
		['a base URL that is not a URL', { baseUrl: 'not a url' }],
		['a base URL with a bad scheme', { baseUrl: 'ftp://x/v1' }],
		['a concurrency that is not a number', { concurrency: 'many' }],
		['an unknown API style', { apiStyle: 'telepathy' }],
		['a negative price', { priceInputPer1M: '-1' }],
		['the reserved name env', { name: 'env' }]
	])('Admin → Endpoints save with %s', async (_, change) => {
		const { actions } = await import('../../src/routes/admin/endpoints/+page.server');
		const result = await runAction(actions.save as AnyAction, admin, { ...endpointBase, ...change });
		expect(result).toMatchObject({ status: 400 });
		expect(whole(result)).not.toContain(SECRET);
		// What the page refills comes back (the allow-list is not empty).
		expect((result as { data: { values: Record<string, string> } }).data.values.model).toBe('m');
	});

	it('Admin → Endpoints save of a duplicate name (the store refuses it)', async () => {
		createEndpoint({ ...endpointBase, apiKey: 'other', preset: null, concurrency: 4 } as never, admin.id);
		const { actions } = await import('../../src/routes/admin/endpoints/+page.server');
		const result = await runAction(actions.save as AnyAction, admin, endpointBase);
		expect(result).toMatchObject({ status: 400 });
		expect(whole(result)).toContain('already exists');
		expect(whole(result)).not.toContain(SECRET);
	});

	it('every other failing form: users, setup, login, audits, runs, filters', async () => {
		const extra = { apiKey: SECRET, token: SECRET, secret: SECRET, password: SECRET, confirm: SECRET };
		const cases: Array<[string, () => Promise<unknown>]> = [
			['admin create user (bad email)', async () => runAction((await import('../../src/routes/admin/users/+page.server')).actions.create as AnyAction, admin, { ...extra, email: 'nope', role: 'reviewer' })],
			['admin create user (bad role)', async () => runAction((await import('../../src/routes/admin/users/+page.server')).actions.create as AnyAction, admin, { ...extra, email: 'a@b.org', role: 'king' })],
			['admin reset password (too short)', async () => runAction((await import('../../src/routes/admin/users/+page.server')).actions.reset as AnyAction, admin, { ...extra, id: String(researcher.id), password: SECRET.slice(0, 5) })],
			['setup (already done)', async () => runAction((await import('../../src/routes/setup/+page.server')).actions.default as AnyAction, null, { ...extra, email: 'x@y.org' })],
			['login (empty email)', async () => runAction((await import('../../src/routes/login/+page.server')).actions.default as AnyAction, null, { ...extra, email: '' })],
			['login (wrong password)', async () => runAction((await import('../../src/routes/login/+page.server')).actions.default as AnyAction, null, { ...extra, email: 'admin@x.org' })],
			['new audit (no dataset)', async () => runAction((await import('../../src/routes/audits/new/+page.server')).actions.default as AnyAction, researcher, { ...extra, kind: 'quality' })],
			['new run (bad target)', async () => runAction((await import('../../src/routes/runs/new/+page.server')).actions.default as AnyAction, researcher, { ...extra, pipeline: 'self-instruct', target: 'lots', name: 'my run' })]
		];
		for (const [label, run] of cases) {
			const result = await run();
			expect(whole(result), label).not.toContain(SECRET);
			expect((result as { status?: number }).status, label).toBeGreaterThanOrEqual(400);
		}
	});
});

describe('failed Admin → Endpoints saves over HTTP (built app)', () => {
	let app: BuiltApp;
	let cookie: string;
	beforeAll(async () => {
		app = await startBuiltApp();
		cookie = await signInOverHttp(app);
	}, 300_000);
	afterAll(async () => app?.stop());

	async function save(fields: Record<string, string>, enhanced: boolean): Promise<{ status: number; body: string }> {
		const res = await fetch(`${app.url}/admin/endpoints?/save`, {
			method: 'POST',
			headers: {
				cookie,
				origin: app.url,
				'content-type': 'application/x-www-form-urlencoded',
				...(enhanced ? { 'x-sveltekit-action': 'true', accept: 'application/json' } : { accept: 'text/html' })
			},
			body: new URLSearchParams(fields),
			redirect: 'manual'
		});
		return { status: res.status, body: await res.text() };
	}

	it.each([
		['a bad name', { name: '<x>' }],
		['a bad base URL', { baseUrl: 'not a url' }],
		['a missing model', { model: '' }]
	])('with %s: neither the action JSON nor the page HTML holds the key', async (_, change) => {
		const fields = { name: 'box', baseUrl: 'http://localhost:8000/v1', apiKey: SECRET, apiStyle: 'chat', model: 'm', concurrency: '4', ...change };
		for (const enhanced of [true, false]) {
			const { status, body } = await save(fields, enhanced);
			expect(status).toBe(enhanced ? 200 : 400); // enhanced actions answer 200 with {type: "failure"}
			if (enhanced) expect(body).toContain('"type":"failure"');
			expect(body).not.toContain(SECRET);
			expect(body).not.toContain(SECRET.slice(-12));
		}
	});
});
