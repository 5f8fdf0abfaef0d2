/**
 * Admin → Backups and Admin → Endpoints on a phone (390 px): each row is a block of labelled lines,
 * as Admin → Users is, so backup names (which differ only at their end) are read whole and every
 * action is on screen; on a wide screen they stay tables, a clipped name carrying the whole one.
 */
import { test, expect, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let admin: Account;
const endpointName = `phone-${randomUUID().slice(0, 6)}`;
test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Phone Admin');
	createEndpoint({ name: endpointName, baseUrl: 'http://127.0.0.1:9/v1', apiStyle: 'chat', model: 'a-rather-long-model-name-for-a-phone', concurrency: 4 }, admin.id, db);
});
test.afterAll(() => db?.$client.close());

/** The element lies within the page's width: nothing to scroll sideways to. */
async function withinWidth(page: Page, selector: ReturnType<Page['locator']>, width: number) {
	const box = (await selector.boundingBox())!;
	expect(box.x).toBeGreaterThanOrEqual(0);
	expect(box.x + box.width).toBeLessThanOrEqual(width);
}

test('on a phone, backups show their whole names and when they were taken; endpoints their actions', async ({ browser }) => {
	const wide = await signedInContext(browser, admin);
	const desk = await wide.newPage();
	await desk.goto('/admin/backups');
	const listed = desk.getByTestId('backup-table').locator('tbody tr');
	const before = await listed.count();
	for (let i = 1; i <= 2; i++) {
		await desk.getByRole('button', { name: 'Create a backup' }).click();
		await expect(listed).toHaveCount(before + i);
	}
	// Wide: a table; a clipped name has the whole name as its title.
	const firstLink = desk.getByTestId('backup-table').locator('tbody a').first();
	await expect(firstLink).toHaveAttribute('title', (await firstLink.textContent())!);
	await expect(desk.getByTestId('backup-table').locator('thead')).toBeVisible();
	await wide.close();

	const phone = await signedInContext(browser, admin, { width: 390, height: 844 });
	const page = await phone.newPage();
	await page.goto('/admin/backups');
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	const rows = page.getByTestId('backup-table').locator('tbody tr');
	await expect(rows).toHaveCount(before + 2);
	for (const row of (await rows.all()).slice(0, 2)) {
		const link = row.locator('a');
		// The whole name is laid out (wrapped, not cut): its box holds all of its text.
		expect(await link.evaluate((a) => a.scrollWidth <= a.parentElement!.clientWidth + 1)).toBe(true);
		await withinWidth(page, link, 390);
		const taken = row.locator('td[data-label="Taken"]');
		await expect(taken).toBeVisible();
		await withinWidth(page, taken, 390);
	}

	await page.goto('/admin/endpoints');
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	const row = page.locator(`tr[data-endpoint="${endpointName}"]`);
	for (const name of ['Test connection', 'Edit', 'Remove']) await withinWidth(page, row.getByRole('button', { name }), 390);
	await expect(row.locator('td[data-label="Model"]')).toContainText('a-rather-long-model-name-for-a-phone');
	// A row is as tall as its lines, not padded out by the widest column.
	expect((await row.boundingBox())!.height).toBeLessThan(400);
	await phone.close();
});
