/**
 * A reviewer's browser retries a submit whose answer it never got (the connection dropped, the
 * server restarted). If a researcher removed the reviewer meanwhile, keeping their labels, the
 * label still counts: the retry must be answered as the original was (200, duplicate), not with
 * the removal, which the review screen reads as "Label not saved". Over HTTP against the built
 * app, because the progress that came with the answer is the route's.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createUser } from '../../src/lib/server/auth/users';
import { createAudit } from '../../src/lib/server/audits/create';
import { closeAudit, removeReviewer } from '../../src/lib/server/audits/audits';
import { archiveAudit } from '../../src/lib/server/archive';
import { signInOverHttp, startBuiltApp, type BuiltApp } from '../support/built-app';
import { ALL_YES, makeDataset, submissionId } from './audit-fixtures';

let app: BuiltApp;
let db: Db;
let auditId: number;
let reviewerId: number;
let cookie: string;
const reviewer = { email: 'retrying-reviewer@example.org', password: 'reviewer-password-1' };

beforeAll(async () => {
	app = await startBuiltApp();
	db = openDatabase(app.databasePath, path.resolve('migrations'));
	const datasetId = await makeDataset(db, 'retry after removal', 4);
	reviewerId = (await createUser({ ...reviewer, role: 'reviewer' }, db)).id;
	auditId = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 1, overlap: 1, reviewerIds: [reviewerId] }, db).id;
	cookie = await signInOverHttp(app, reviewer);
}, 300_000);
afterAll(async () => {
	db?.$client.close();
	await app?.stop();
});

const post = (url: string, body: unknown) =>
	fetch(`${app.url}${url}`, { method: 'POST', headers: { cookie, origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify(body) });

it('answers a retried submit as the original was after the reviewer was removed (labels kept), without counts', async () => {
	const next = (await (await post(`/api/review/${auditId}/next`, {})).json()) as { item: { ref: string } };
	const submit = { submissionId: submissionId(), answer: ALL_YES, activeMs: 1000, baseRevision: 0 };
	const first = await post(`/api/review/${auditId}/items/${next.item.ref}/submit`, submit);
	expect(first.status).toBe(200);
	expect(((await first.json()) as { result: { outcome: string } }).result.outcome).toBe('created');

	removeReviewer(auditId, reviewerId, {}, db);
	const retry = await post(`/api/review/${auditId}/items/${next.item.ref}/submit`, submit);
	const body = (await retry.json()) as { result?: { outcome: string; duplicate: boolean }; progress?: unknown; code?: string };
	expect(retry.status, JSON.stringify(body)).toBe(200);
	expect(body.result).toMatchObject({ outcome: 'created', duplicate: true });
	expect(body.progress).toBeNull();
	// The label counts, once.
	expect(db.$client.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ?').pluck().get(auditId)).toBe(1);

	// A new item is refused with the removal, as before.
	const after = await post(`/api/review/${auditId}/next`, {});
	expect(after.status).toBe(404);
	expect(((await after.json()) as { code: string }).code).toBe('removed');
});

it('a submit refused because the audit closed meanwhile carries the reviewer’s counts (the screen’s may be stale)', async () => {
	const datasetId = db.$client.prepare('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId) as number;
	const other = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 2, overlap: 1, reviewerIds: [reviewerId] }, db).id;
	const next = (await (await post(`/api/review/${other}/next`, {})).json()) as { item: { ref: string } };
	closeAudit(other, db);
	const refused = await post(`/api/review/${other}/items/${next.item.ref}/submit`, { submissionId: submissionId(), answer: ALL_YES, activeMs: 1000, baseRevision: 0 });
	expect(refused.status).toBe(409);
	const body = (await refused.json()) as { code: string; progress: { mine: number } | null };
	expect(body.code).toBe('closed');
	expect(body.progress).toMatchObject({ mine: 0 });
});

it('after the audit was archived, a retried submit is answered as the original was; a new one is refused as archived', async () => {
	const datasetId = db.$client.prepare('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId) as number;
	const other = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 3, overlap: 1, reviewerIds: [reviewerId] }, db).id;
	const next = (await (await post(`/api/review/${other}/next`, {})).json()) as { item: { ref: string }; next: { ref: string } | null };
	const submit = { submissionId: submissionId(), answer: ALL_YES, activeMs: 1000, baseRevision: 0 };
	expect((await post(`/api/review/${other}/items/${next.item.ref}/submit`, submit)).status).toBe(200);
	const second = (await (await post(`/api/review/${other}/next`, {})).json()) as { item: { ref: string } };

	archiveAudit(other, null, db);
	const retry = await post(`/api/review/${other}/items/${next.item.ref}/submit`, submit);
	const body = (await retry.json()) as { result?: { outcome: string; duplicate: boolean }; progress?: unknown };
	expect(retry.status, JSON.stringify(body)).toBe(200);
	expect(body).toMatchObject({ result: { outcome: 'created', duplicate: true }, progress: null });

	const refused = await post(`/api/review/${other}/items/${second.item.ref}/submit`, { submissionId: submissionId(), answer: ALL_YES, activeMs: 1000, baseRevision: 0 });
	expect(refused.status).toBe(409);
	expect(((await refused.json()) as { code: string }).code).toBe('archived');
	const after = await post(`/api/review/${other}/next`, {});
	expect(after.status).toBe(409);
	expect(((await after.json()) as { code: string }).code).toBe('archived');
});
