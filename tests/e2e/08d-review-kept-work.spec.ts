/**
 * Nothing a reviewer typed is lost, and no work is offered that cannot count: a label refused after
 * the lease lapsed, a reviewer removed mid-item (and added back), a skip taken back.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { addReviewers, removeReviewer } from '../../src/lib/server/audits/audits';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let datasetId = 0;

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const ALL_YES = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };

test.beforeAll(async () => {
	db = openE2eDatabase();
	const tasks = Array.from({ length: 6 }, (_, i) => ({ instruction: `Kept task ${i}: summarise idea ${i} for a newcomer.`, input: '', output: `Idea ${i} in short.` }));
	datasetId = (await importFile(once(jsonl(tasks)), { datasetName: `kept ${randomUUID().slice(0, 6)}`, fileName: 'tasks.jsonl' }, db)).datasetId;
});
test.afterAll(() => db?.$client.close());

function audit(size: number, overlap: number, reviewers: Account[]): number {
	return createAudit({ datasetId, kind: 'quality', name: `Kept ${randomUUID().slice(0, 6)}`, sampleSize: size, seed: 3, overlap, reviewerIds: reviewers.map((r) => r.id) }, db).id;
}

async function open(browser: Browser, reviewer: Account, auditId: number): Promise<Page> {
	const page = await (await signedInContext(browser, reviewer)).newPage();
	await page.goto(`/review/${auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	return page;
}

async function refOf(page: Page): Promise<string> {
	await expect(page).toHaveURL(/\/items\/[A-Za-z0-9_-]{12}$/);
	return /\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)![1];
}

/** y, y, n and a comment; waits until the server has the draft. */
async function answerAndComment(page: Page, auditId: number, reviewer: Account, comment: string) {
	const ref = await refOf(page);
	for (const k of ['y', 'y', 'n']) await page.keyboard.press(k);
	await page.keyboard.press('/');
	await page.keyboard.type(comment);
	await expect.poll(() => draftOf(auditId, reviewer, ref)).toContain(comment);
	return ref;
}

function draftOf(auditId: number, reviewer: Account, ref: string): string | null {
	return db.$client
		.prepare('SELECT s.draft FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE i.audit_id = ? AND i.ref = ? AND s.reviewer_id = ?')
		.pluck()
		.get(auditId, ref, reviewer.id) as string | null;
}

test('a label refused after the lease lapsed: not announced as submitted, answers and comment kept, no lapsed item offered', async ({ browser }) => {
	const [r1, r2] = [await makeAccount(db, 'reviewer', 'Lapse one'), await makeAccount(db, 'reviewer', 'Lapse two')];
	const auditId = audit(2, 1, [r1, r2]);
	// A lease of 2 s (the screen reads it on load): r1's leases lapse while they think.
	db.$client.prepare('UPDATE audits SET lease_seconds = 2 WHERE id = ?').run(auditId);
	const page = await open(browser, r1, auditId);
	await answerAndComment(page, auditId, r1, 'the summary drops the key point');
	await page.waitForTimeout(2500);
	// Meanwhile r2 takes and labels both items (the one on r1's screen and the one prefetched behind it).
	for (let i = 0; i < 2; i++) {
		const next = nextAssignment(auditId, r2.id, {}, db);
		expect(next.status).toBe('assigned');
		if (next.status === 'assigned') submitLabel(auditId, r2.id, { ref: next.ref, submissionId: randomUUID(), answer: ALL_YES }, {}, db);
	}
	await page.keyboard.press('Control+Enter');

	const kept = page.getByTestId('kept-answers');
	await expect(kept).toContainText('Not counted: Your hold on this item had lapsed, and meanwhile other reviewers completed it or took it up (or a researcher brought earlier labels back), so there was no room left for your label and it was not counted.');
	await expect(kept).not.toContainText('kept on record');
	await expect(kept).toContainText('yes · yes · no — incorrect output; your comment: “the summary drops the key point”');
	await expect(kept).not.toContainText('not saved');
	const announcer = page.getByTestId('announcer');
	await expect(announcer).toContainText('Not counted');
	await expect(announcer).not.toContainText('Submitted');
	// Nothing left for r1, and the screen says so from the facts (no label of theirs counts).
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'done');
	await expect(page.getByTestId('all-done')).toContainText('This audit has no item left for you.');
	await expect(page.getByTestId('all-done')).not.toContainText('You have labelled every item');
	// The done screen points to the answers, which stay until dismissed.
	await expect(page.getByTestId('all-done')).toContainText('Your answers that were not counted stay in the notice above until you dismiss it.');
	await expect(kept).toBeVisible();
	await page.getByRole('button', { name: 'Dismiss' }).click();
	await expect(kept).toHaveCount(0);
	expect(db.$client.prepare(`SELECT count(*) FROM audit_submissions WHERE audit_id = ? AND reviewer_id = ? AND outcome = 'refused'`).pluck().get(auditId, r1.id)).toBe(1);
	await page.context().close();
});

test('a reviewer removed mid-item is told so, keeps the answers, is offered nothing; added back, gets every item they never labelled', async ({ browser }) => {
	const [a, b] = [await makeAccount(db, 'reviewer', 'Stays'), await makeAccount(db, 'reviewer', 'Removed')];
	const auditId = audit(3, 2, [a, b]);
	const page = await open(browser, b, auditId);
	const held = await answerAndComment(page, auditId, b, 'I would ask the author');
	removeReviewer(auditId, b.id, {}, db);
	await page.keyboard.press('Control+Enter');

	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'removed');
	await expect(page.getByTestId('removed')).toContainText('You were removed from this audit');
	await expect(page.getByTestId('kept-answers')).toContainText('yes · yes · no — incorrect output; your comment: “I would ask the author”');
	// Esc leaves the kept answers; their own Dismiss button removes them.
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('kept-answers')).toBeVisible();
	await expect(page.getByTestId('announcer')).toContainText('removed you from this audit');
	await expect(page.getByRole('button', { name: /Submit/ })).toHaveCount(0);
	// The server kept the draft of the lease the removal ended.
	expect(draftOf(auditId, b, held)).toContain('I would ask the author');

	// The other reviewer labels all three; b, added back, gets each of them (k = 2 = the reviewers).
	for (let next = nextAssignment(auditId, a.id, {}, db); next.status === 'assigned'; next = nextAssignment(auditId, a.id, {}, db)) {
		submitLabel(auditId, a.id, { ref: next.ref, submissionId: randomUUID(), answer: ALL_YES }, {}, db);
	}
	addReviewers(auditId, [b.id], db);
	await page.goto(`/review/${auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.getByTestId('my-left')).toHaveText('3');
	for (let i = 0; i < 3; i++) {
		const ref = await refOf(page);
		if (ref === held) await expect(page.locator('textarea')).toHaveValue('I would ask the author');
		for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
		if (i < 2) await expect(page).not.toHaveURL(new RegExp(ref));
	}
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'done');
	await expect.poll(() => db.$client.prepare('SELECT group_concat(label_count) FROM audit_items WHERE audit_id = ?').pluck().get(auditId)).toBe('2,2,2');
	await page.context().close();
});

test('a skipped item taken back under My labels comes back with its answers and comment', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Skipper');
	const auditId = audit(3, 1, [reviewer]);
	const page = await open(browser, reviewer, auditId);
	const skipped = await answerAndComment(page, auditId, reviewer, 'needs a domain expert');
	await page.keyboard.press('Escape');
	await page.locator('[data-item-heading]').focus();
	await page.keyboard.press('s');
	await page.keyboard.press('Enter');
	await expect(page).not.toHaveURL(new RegExp(skipped));
	await page.goto(`/review/${auditId}/labels`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByTestId('my-skips').getByRole('button', { name: 'Review now' }).click();
	await expect(page).toHaveURL(new RegExp(`/items/${skipped}$`));
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.locator('textarea')).toHaveValue('needs a domain expert');
	expect(await page.getByRole('radio', { checked: true }).count()).toBeGreaterThanOrEqual(3);
	await page.context().close();
});
