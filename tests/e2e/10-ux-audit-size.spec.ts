/**
 * The new-audit form asked for more instructions than the dataset holds: the audit records the
 * size it drew, and its page says so instead of quietly keeping the number asked for.
 */
import { test, expect } from '@playwright/test';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let datasetId: number;
let researcher: Account;
let reviewer: Account;

test.beforeAll(async () => {
	db = openE2eDatabase();
	const rows = Array.from({ length: 7 }, (_, i) => ({ instruction: `Count to ${i + 2}.`, input: '', output: `1 to ${i + 2}` }));
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e small ${Date.now()}`, fileName: 'small.jsonl' }, db)).datasetId;
	researcher = await makeAccount(db, 'researcher', 'Size Researcher');
	reviewer = await makeAccount(db, 'reviewer', 'Size Reviewer');
});
test.afterAll(() => db?.$client.close());

test('asking for 100,000 instructions of a 7-row dataset draws all 7 and says so', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/new?dataset=${datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Instructions to sample').fill('100000');
	// The filter appears only with more than 8 accounts (the shared e2e world has them, a lone run not).
	const filter = page.getByLabel('Filter accounts');
	if (await filter.count()) await filter.fill(reviewer.email);
	await page.locator(`input[name="reviewers"][value="${reviewer.id}"]`).check();
	await page.getByRole('button', { name: 'Create audit' }).click();
	await page.waitForURL(/\/audits\/\d+\?asked=100000$/);
	await expect(page.getByTestId('sample-size-note')).toHaveText('100,000 instructions were asked for, but there were only 7 to draw from: drew all 7.');
	await expect(page.getByTestId('sample-description')).toContainText('7 items from 7 instructions drawn (all there were);');
	// Without the link's ?asked= the page no longer knows the size asked for, and never calls 7 "requested".
	await page.goto(page.url().replace(/\?asked=\d+$/, ''));
	await expect(page.getByTestId('sample-description')).toContainText('7 items from 7 instructions drawn;');
	await expect(page.getByTestId('sample-description')).not.toContainText('requested');
	const id = Number(/\/audits\/(\d+)/.exec(page.url())![1]);
	expect(db.$client.prepare('SELECT sample_size FROM audits WHERE id = ?').pluck().get(id)).toBe(7);
	await context.close();
});
