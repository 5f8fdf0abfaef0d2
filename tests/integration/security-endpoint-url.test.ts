/**
 * Credentials in an endpoint's base URL: refused when an endpoint is added or edited (the API key
 * field is the place), and blanked wherever one stored before the rule is listed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { createEndpoint, listEndpoints } from '../../src/lib/server/runs/endpoints';

describe('endpoint base URLs never carry secrets', () => {
	let t: ReturnType<typeof createTestDb>;
	beforeEach(() => (t = createTestDb()));
	afterEach(() => t.cleanup());

	it('refuses user:password@ and ?query, naming the field', () => {
		for (const baseUrl of ['http://user:URLSECRETPW@127.0.0.1:9/v1', 'http://127.0.0.1:9/v1?api-key=QUERYSECRET']) {
			let error: unknown;
			try {
				createEndpoint({ name: 'secret', baseUrl, apiStyle: 'chat', model: 'm', concurrency: 1 } as never);
			} catch (err) {
				error = err;
			}
			expect(error).toMatchObject({ field: 'baseUrl', message: expect.stringContaining('put the key in the API key field') });
		}
		expect(listEndpoints()).toHaveLength(0);
	});

	it('lists an endpoint stored before the rule with its secrets blanked', () => {
		const now = Date.now();
		const insert = t.db.$client.prepare(
			`INSERT INTO endpoints (name, base_url, api_style, model, concurrency, api_key, created_at, updated_at) VALUES (?, ?, 'chat', 'm', 1, '', ?, ?)`
		);
		insert.run('old userinfo', 'http://user:URLSECRETPW@127.0.0.1:9/v1', now, now);
		insert.run('old query', 'http://127.0.0.1:9/v1?api-key=QUERYSECRET', now, now);
		const listed = JSON.stringify(listEndpoints());
		expect(listed).not.toContain('URLSECRETPW');
		expect(listed).not.toContain('QUERYSECRET');
		expect(listEndpoints().map((e) => e.baseUrl)).toEqual(['http://127.0.0.1:9/v1?api-key=***', 'http://***:***@127.0.0.1:9/v1']);
	});
});
