/**
 * #15 defect 11 (polish): the 403 page has the app's header; a base URL without /v1 is warned
 * about; the audit page's "sampling notes" link opens them; a rating audit's sample is not
 * described as "one random instance each"; a reviewer with nothing left is not offered
 * "Continue reviewing".
 */
import { test, expect } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { createSession } from '../../src/lib/server/auth/session';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let admin: Account;
let researcher: Account;
let reviewer: Account;
let quality: BuiltAudit;
let rating: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Polish Admin');
	researcher = await makeAccount(db, 'researcher', 'Polish Researcher');
	reviewer = await makeAccount(db, 'reviewer', 'Polish Reviewer');
	quality = await buildQualityAudit(db, { datasetName: 'e2e polish quality', name: 'E2E polish quality', ...QUALITY_AUDIT_PLAN });
	rating = await buildRatingAudit(db, {
		datasetName: 'e2e polish rating',
		name: 'E2E polish rating',
		tasks: ['p1', 'p2'].map((key) => ({ key, classification: null })),
		models: ['m-one', 'm-two'],
		reviewers: ['Ivy'],
		overlap: 1,
		labels: { p1: { Ivy: { ratings: { 'm-one': 'A', 'm-two': 'B' } } }, p2: { Ivy: { ratings: { 'm-one': 'C', 'm-two': 'D' } } } }
	});
});
test.afterAll(() => db?.$client.close());

test('a 403 keeps the app header: home, My reviews, Sign out', async ({ browser }) => {
	const context = await signedInContext(browser, reviewer);
	const page = await context.newPage();
	const response = await page.goto('/datasets');
	expect(response?.status()).toBe(403);
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instruct Audit' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
	await expect(page.getByText('Error 403')).toBeVisible();
	await context.close();
});

test('a base URL without /v1 gets a warning under the field, one with it none', async ({ browser }) => {
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await page.goto('/admin/endpoints');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Base URL').fill('http://127.0.0.1:8000');
	await expect(page.getByTestId('base-url-warning')).toContainText('/v1');
	await page.getByLabel('Base URL').fill('http://127.0.0.1:8000/v1');
	await expect(page.getByTestId('base-url-warning')).toHaveCount(0);
	await context.close();
});

test('the audit page links to its sampling notes; a rating audit is not "one random instance each"', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/${quality.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('sample-description')).toContainText('one random instance each');
	await page.getByRole('link', { name: 'sampling notes' }).click();
	await expect(page.getByTestId('sampling-notes')).toHaveAttribute('open', '');
	await expect(page.getByTestId('sampling-notes')).toContainText('Fisher–Yates');
	await page.goto(`/audits/${rating.auditId}`);
	await expect(page.getByTestId('sample-description')).toContainText("each instruction with its models' responses");
	await expect(page.getByTestId('sample-description')).not.toContainText('instance');
	await context.close();
});

test('My labels offers "Continue reviewing" only while items are left', async ({ browser }) => {
	// Ivy labelled both items of the rating audit: nothing is left for her.
	const ivy = { id: rating.reviewers.Ivy, email: '', role: 'reviewer' as const, token: createSession(rating.reviewers.Ivy, 'e2e', db).token };
	const context = await signedInContext(browser, ivy);
	const page = await context.newPage();
	await page.goto(`/review/${rating.auditId}/labels`);
	await expect(page.getByRole('heading', { name: 'My labels (2)' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Continue reviewing' })).toHaveCount(0);
	await expect(page.getByRole('link', { name: 'Back to the audit' })).toBeVisible();
	await context.close();
});

test('browse: readable rule names, rows numbered within the list, search words marked', async ({ browser }) => {
	db.$client.prepare(`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'noInstances' WHERE id = ?`).run(quality.tasks.t1);
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/datasets/${quality.datasetId}?status=all`);
	const rows = page.locator('tbody tr').filter({ has: page.locator('td[data-cell="row"]') });
	await expect(rows.first().locator('td[data-cell="row"]')).toHaveText('1');
	await expect(page.getByText('rejected: No instance left')).toBeVisible();
	await expect(page.locator('main')).not.toContainText('noInstances');
	await page.goto(`/datasets/${quality.datasetId}?q=t5`);
	await expect(page.locator('tbody mark').first()).toHaveText('t5');
	await context.close();
});

test('import: upload then the second step named; the form lets go of the file after success', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto('/datasets/import');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Dataset').fill(`e2e polish import ${Date.now()}`);
	await page.getByLabel('File', { exact: true }).setInputFiles({
		name: 'rows.jsonl',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify({ instruction: 'Name a colour.', input: '', output: 'Blue.' }) + '\n')
	});
	await page.getByRole('button', { name: 'Import' }).click();
	await expect(page.getByTestId('import-summary')).toContainText('Imported rows.jsonl');
	await expect(page.getByLabel('File', { exact: true })).toHaveValue('');
	await expect(page.getByRole('button', { name: 'Import' })).toBeDisabled();
	await context.close();
});

test('export: the format is chosen above the fold, the manifest can be read in the page', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto(`/exports?dataset=${quality.datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByLabel('Format', { exact: true })).toBeInViewport();
	await page.getByRole('button', { name: 'View manifest' }).click();
	await expect(page.getByTestId('manifest-view')).toContainText('"dataset"');
	await page.getByRole('button', { name: 'Hide manifest' }).click();
	await expect(page.getByTestId('manifest-view')).toHaveCount(0);
	await context.close();
});
