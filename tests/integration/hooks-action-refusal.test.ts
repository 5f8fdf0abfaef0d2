/**
 * A form action the hook refuses (the role a page needs, checked before any route code) answers
 * an enhanced form in the shape it reads — an ActionResult `{type: "error"}` the page shows — as a
 * refusal raised inside the route does; a plain form post still gets the error page.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOverHttp, startBuiltApp, type BuiltApp } from '../support/built-app';
import { CLI_ENTRY } from '../support/cli-bundle';

const RESEARCHER = { email: 'res@x.org', password: 'researcher-pw-1' };
let app: BuiltApp;
let cookie: string;

beforeAll(async () => {
	app = await startBuiltApp();
	const made = spawnSync(process.execPath, [CLI_ENTRY, 'users', 'create', '--email', RESEARCHER.email, '--role', 'researcher', '--password', RESEARCHER.password], {
		env: { ...process.env, DATABASE_PATH: app.databasePath },
		encoding: 'utf8'
	});
	expect(made.status, made.stderr).toBe(0);
	cookie = await signInOverHttp(app, RESEARCHER);
}, 300_000);
afterAll(async () => app?.stop());

async function clearFailedSignIns(enhanced: boolean): Promise<Response> {
	return fetch(`${app.url}/admin/users?/unlock`, {
		method: 'POST',
		headers: {
			cookie,
			origin: app.url,
			'content-type': 'application/x-www-form-urlencoded',
			...(enhanced ? { 'x-sveltekit-action': 'true', accept: 'application/json' } : { accept: 'text/html' })
		},
		body: new URLSearchParams({ id: '1' }),
		redirect: 'manual'
	});
}

describe('an admin action posted by a researcher (refused in hooks.server.ts)', () => {
	it('answers an enhanced form with an ActionResult of type error', async () => {
		const res = await clearFailedSignIns(true);
		expect(res.status).toBe(403);
		expect(await res.json()).toEqual({ type: 'error', error: { message: 'You do not have access to this page.' } });
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
	});

	it('answers a plain form post with the error page', async () => {
		const res = await clearFailedSignIns(false);
		expect(res.status).toBe(403);
		expect(res.headers.get('content-type')).toMatch(/^text\/html/);
		expect(await res.text()).toContain('You do not have access to this page.');
	});
});
