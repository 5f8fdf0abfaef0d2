/**
 * The bundle import page is a form post, held to MAX_BODY_MB like every request but the streamed
 * dataset import: it says so before upload and names the CLI for a larger bundle.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { createUser } from '../../src/lib/server/auth/users';
import { buildReviewedWork } from '../support/reviewed-work';
import { auditBundleLines } from '../../src/lib/server/bundles';
import type { Db } from '../../src/lib/server/db';

describe('/audits/import states its limit', () => {
	let cleanup: () => void;
	let db: Db;
	let locals: App.Locals;
	beforeEach(async () => {
		({ cleanup, db } = createTestDb());
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

	it('refuses a bundle uploaded into the database it was exported from, naming the audit it is', async () => {
		const { actions } = await import('../../src/routes/audits/import/+page.server');
		const work = await buildReviewedWork(db, 'home');
		const { auditId, datasetId } = work.quality;
		const form = new FormData();
		form.set('bundle', new File([[...auditBundleLines(auditId, db)].join('')], 'b1.jsonl'));
		form.set('dataset', String(datasetId));
		const url = new URL('http://app.test/audits/import');
		const result = (await (actions.default as (e: unknown) => Promise<unknown>)({ locals, request: new Request(url, { method: 'POST', body: form }) })) as {
			status: number;
			data: { error: string };
		};
		expect(result.status).toBe(409);
		expect(result.data.error).toMatch(new RegExp(`^This bundle holds an audit dataset ".+" already has: audit ${auditId} ".+", the audit it was exported from, with the same \\d+ items and the same \\d+ labels`));
		expect(db.$client.prepare('SELECT count(*) FROM audits WHERE dataset_id = ?').pluck().get(datasetId)).toBe(1);
	});
});
