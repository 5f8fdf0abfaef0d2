/**
 * Running an audit: archiving it while a reviewer works is handled as closing is (the screen says
 * so, keeps the answers to copy and offers nothing more), and the audit page says what archiving
 * stops; the Reviewers table keeps keyboard focus through Remove… / Cancel / Remove and through an
 * empty Add.
 */
import { test, expect, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { heartbeat, nextAssignment } from '../../src/lib/server/audits/routing';
import { archiveAudit } from '../../src/lib/server/archive';
import { jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let datasetId = 0;
let researcher: Account;

test.beforeAll(async () => {
	db = openE2eDatabase();
	const rows = Array.from({ length: 8 }, (_, i) => ({ instruction: `Name the fruit number ${i + 1}.`, input: '', output: `fruit ${i + 1}` }));
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e archive ${randomUUID().slice(0, 6)}`, fileName: 'fruit.jsonl' }, db)).datasetId;
	researcher = await makeAccount(db, 'researcher', 'Archive Researcher');
});
test.afterAll(() => db?.$client.close());

function newAudit(reviewers: Account[], size = 5) {
	return createAudit({ datasetId, kind: 'quality', name: `Archive ${randomUUID().slice(0, 6)}`, sampleSize: size, seed: 5, reviewerIds: reviewers.map((r) => r.id) }, db);
}

async function ready(page: Page, url: string) {
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

test('an audit archived under the reviewer: the screen says so, keeps the answers to copy and offers no more items', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Archive Reviewer');
	const audit = newAudit([reviewer]);
	const context = await signedInContext(browser, reviewer);
	const page = await context.newPage();
	await ready(page, `/review/${audit.id}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	archiveAudit(audit.id, researcher.id, db);
	for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
	const card = page.getByTestId('closed');
	await expect(card.getByRole('heading')).toHaveText('This audit is archived');
	await expect(page.getByTestId('kept-answers')).toContainText('Label not saved: This audit is archived: labels can no longer be given or changed.');
	await expect(page.getByTestId('kept-answers')).toContainText('yes · yes · yes');
	// Not the prefetched next item with a Submit that can only fail the same way.
	await expect(page.getByRole('button', { name: /^Submit/ })).toHaveCount(0);
	await expect(page.getByTestId('my-left')).toHaveCount(0);
	await expect(page.getByText('No such audit')).toHaveCount(0);
	// A reload says it plainly too, not a bare 404.
	await page.reload();
	await expect(page.getByText('This audit is archived: labels can no longer be given or changed.')).toBeVisible();
	await context.close();
});

test('archiving says how many items were being labelled (the one on screen, not the prefetched next one)', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Archive Holder');
	const audit = newAudit([reviewer]);
	const onScreen = nextAssignment(audit.id, reviewer.id, {}, db) as { ref: string };
	heartbeat(audit.id, reviewer.id, onScreen.ref, {}, db);
	nextAssignment(audit.id, reviewer.id, { exclude: [onScreen.ref] }, db);
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await ready(page, `/audits/${audit.id}`);
	await expect(page.locator('[data-stat="being-reviewed"]')).toHaveText('1');
	await expect(page.locator(`tr[data-reviewer="${reviewer.email}"] td`).nth(3)).toHaveText('1');
	await expect(page.getByTestId('close-consequence')).toContainText('Closing or archiving: 1 item is being labelled now (1 reviewer)');
	await page.getByRole('button', { name: 'Archive audit' }).click();
	await expect(page.getByRole('status')).toHaveText(
		"Archived: hidden from lists and read-only until restored. 1 item was being labelled (1 reviewer): their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is restored."
	);
	await context.close();
});

test('Remove… names its reviewer; focus goes into the form, back on Cancel, and to the table heading once removed', async ({ browser }) => {
	const [one, two] = [await makeAccount(db, 'reviewer', 'Focus One'), await makeAccount(db, 'reviewer', 'Focus Two')];
	const audit = newAudit([one, two]);
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await ready(page, `/audits/${audit.id}`);
	const table = page.getByTestId('reviewer-table');
	const open = table.getByRole('button', { name: `Remove… ${one.email}`, exact: true });
	await expect(table.getByRole('button', { name: `Remove… ${two.email}`, exact: true })).toBeVisible();
	await open.focus();
	await page.keyboard.press('Enter');
	await expect(table.getByRole('checkbox', { name: /also set aside/ })).toBeFocused();
	await table.getByRole('button', { name: `Cancel removing ${one.email}`, exact: true }).focus();
	await page.keyboard.press('Enter');
	await expect(open).toBeFocused();
	await page.keyboard.press('Enter');
	await table.getByRole('button', { name: `Remove ${one.email}`, exact: true }).focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('status')).toContainText('Removed:');
	await expect(page.locator('#reviewers-heading')).toBeFocused();
	await expect(table.locator(`tr[data-reviewer="${one.email}"]`)).toContainText('removed');
	await context.close();
});

test('an empty Add reviewers marks the list invalid and moves focus to it', async ({ browser }) => {
	const audit = newAudit([await makeAccount(db, 'reviewer', 'Lone')]);
	await makeAccount(db, 'reviewer', 'Candidate');
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await ready(page, `/audits/${audit.id}`);
	await page.getByRole('button', { name: 'Add', exact: true }).focus();
	await page.keyboard.press('Enter');
	const list = page.getByLabel('Add reviewers');
	await expect(page.getByText('Choose at least one account.')).toBeVisible();
	await expect(list).toHaveAttribute('aria-invalid', 'true');
	await expect(list).toBeFocused();
	await context.close();
});
