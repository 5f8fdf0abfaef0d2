/**
 * The bundle import page is a form post, held to MAX_BODY_MB like every request but the streamed
 * dataset import: it says so before upload and names the CLI for a larger bundle.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { createUser } from '../../src/lib/server/auth/users';

describe('/audits/import states its limit', () => {
	let cleanup: () => void;
	let locals: App.Locals;
	beforeEach(async () => {
		({ cleanup } = createTestDb());
		const u = await createUser({ email: 'r@x.org', password: 'researcher-pass-1', role: 'researcher' });
		locals = { user: { id: u.id, email: u.email, name: '', role: 'researcher' }, sessionId: null };
	});
	afterEach(() => cleanup());

	it('gives the page the limit and refuses a larger file with the CLI to use', async () => {
		const { load, actions } = await import('../../src/routes/audits/import/+page.server');
		const url = new URL('http://app.test/audits/import');
		const data = (await (load as (e: unknown) => unknown)({ locals, url })) as { maxBytes: number };
		expect(data.maxBytes).toBe(4 * 1024 * 1024);
		const form = new FormData();
		form.set('bundle', new File([new Uint8Array(data.maxBytes + 1)], 'big.jsonl'));
		form.set('dataset', '1');
		const result = (await (actions.default as (e: unknown) => Promise<unknown>)({ locals, request: new Request(url, { method: 'POST', body: form }) })) as {
			status: number;
			data: { error: string };
		};
		expect(result.status).toBe(413);
		expect(result.data.error).toBe('big.jsonl is larger than the 4 MB a form may send (MAX_BODY_MB): import it with npx instruct-audit audit import <bundle.jsonl> --dataset <name|id>.');
	});
});
