/** #15 defect 1: every admin page carries one sub-navigation to the others. */
import { test, expect } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let admin: Account;
test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Nav Admin');
});
test.afterAll(() => db?.$client.close());

test('Admin → Users, Endpoints and Backups are one click from each other, the current one marked', async ({ browser }) => {
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await page.goto('/admin');
	await expect(page).toHaveURL(/\/admin\/users$/);
	const pages = [
		{ label: 'Users', path: '/admin/users', url: /\/admin\/users$/, heading: 'Users' },
		{ label: 'Endpoints', path: '/admin/endpoints', url: /\/admin\/endpoints$/, heading: 'Endpoints' },
		{ label: 'Backups', path: '/admin/backups', url: /\/admin\/backups$/, heading: 'Backups' }
	];
	for (const from of pages) {
		await page.goto(from.path);
		const nav = page.getByRole('navigation', { name: 'Admin' });
		await expect(nav).toHaveCount(1);
		await expect(nav.getByRole('link')).toHaveText(pages.map((p) => p.label));
		await expect(nav.getByRole('link', { name: from.label })).toHaveAttribute('aria-current', 'page');
		for (const to of pages) {
			await nav.getByRole('link', { name: to.label }).click();
			await expect(page).toHaveURL(to.url);
			await expect(page.getByRole('heading', { level: 1, name: to.heading })).toBeVisible();
			await page.goto(from.path);
		}
	}
	await context.close();
});
