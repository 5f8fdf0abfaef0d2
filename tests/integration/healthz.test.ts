/** The liveness check answers 200 from the first start, before the administrator account exists (pages lead to setup). */
import { afterAll, describe, expect, it } from 'vitest';
import { startBuiltApp, type BuiltApp } from '../support/built-app';

let app: BuiltApp | undefined;
afterAll(async () => {
	await app?.stop();
});

describe('/healthz on a fresh installation', () => {
	it('answers ok while every page still leads to /setup', async () => {
		// No administrator from the environment: a first start as a user makes it.
		app = await startBuiltApp({ ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
		const health = await fetch(`${app.url}/healthz`, { redirect: 'manual' });
		expect(health.status).toBe(200);
		expect(await health.text()).toBe('ok');
		const home = await fetch(`${app.url}/`, { redirect: 'manual' });
		expect(home.status).toBe(303);
		expect(home.headers.get('location')).toBe('/setup');
	});
});
