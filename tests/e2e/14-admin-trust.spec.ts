/**
 * Admin pages an operator trusts: the restore command names the server's database, files that are
 * no backups are marked, every endpoint field shows its error in the form's units, Disable asks
 * first and names the audits the account was reviewing (whose page then marks it disabled), and a
 * sign-in refused by the cross-site check says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { createEndpoint, deleteEndpoint } from '../../src/lib/server/runs/endpoints';
import { makeDataset } from '../integration/audit-fixtures';
import { e2eDatabasePath, makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { gotoReady } from './helpers';

let db: Db;
let admin: Account;
test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Trust Admin');
});
test.afterAll(() => db?.$client.close());

test('Backups: the restore command names the server database; a file that is no backup is marked', async ({ browser }) => {
	const database = e2eDatabasePath();
	const notABackup = path.join(path.dirname(database), 'backups', 'instruct-audit-manual-20250101-000000-000Z.db');
	fs.mkdirSync(path.dirname(notABackup), { recursive: true });
	fs.writeFileSync(notABackup, 'hello\n');
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await page.goto('/admin/backups');
	await expect(page.getByTestId('restore-command')).toHaveText(`DATABASE_PATH=${database} npx instruct-audit restore ${path.join(path.dirname(database), 'backups')}/<backup file>`);
	const row = page.getByTestId('backup-table').getByRole('row').filter({ hasText: path.basename(notABackup) });
	await expect(row.getByTestId('not-a-backup')).toHaveText('not a backup: not an SQLite database');
	fs.rmSync(notABackup);
	await context.close();
});

test('Endpoints: a timeout below 0.1 s is shown beside its field, in seconds', async ({ browser }) => {
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await gotoReady(page, '/admin/endpoints');
	await page.getByLabel('Name').fill('quick timeout');
	await page.getByLabel('Base URL').fill('http://127.0.0.1:9/v1');
	await page.getByLabel('Model', { exact: true }).fill('m');
	await page.getByLabel(/Timeout per attempt/).fill('0.05');
	// The browser's own min= check would stop the form first; the server's answer is what is tested.
	await page.locator('form[action="?/save"]').evaluate((f: HTMLFormElement) => (f.noValidate = true));
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.locator('#ep-timeout-error')).toHaveText('At least 0.1 seconds (or leave it empty for 120).');
	await expect(page.getByLabel(/Timeout per attempt/)).toHaveAttribute('aria-invalid', 'true');
	await context.close();
});

test('Users: Disable asks first, then names the open audits the reviewer was reviewing; the audit page marks them disabled', async ({ browser }) => {
	const [ana, ben] = [await makeAccount(db, 'reviewer', 'Trust Ana'), await makeAccount(db, 'reviewer', 'Trust Ben')];
	const datasetId = await makeDataset(db, `trust ${Date.now()}`, 4);
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 4, seed: 1, overlap: 2, reviewerIds: [ana.id, ben.id], name: 'Trust audit' }, db);
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await gotoReady(page, '/admin/users');
	const row = page.getByRole('row').filter({ hasText: ben.email });
	const disable = row.getByRole('button', { name: `Disable ${ben.email}`, exact: true });

	const asked: string[] = [];
	page.once('dialog', (dialog) => {
		asked.push(dialog.message());
		void dialog.dismiss();
	});
	await disable.click();
	await expect.poll(() => asked.length).toBe(1);
	expect(asked[0]).toContain(`Disable ${ben.email}?`);
	await expect(row.getByText('active', { exact: true })).toBeVisible();

	page.once('dialog', (dialog) => void dialog.accept());
	await disable.click();
	await expect(page.getByText(`Account disabled and signed out. They were reviewing open audit "Trust audit" (#${audit.id})`)).toBeVisible();
	await expect(row.getByText('disabled', { exact: true })).toBeVisible();

	await page.goto(`/audits/${audit.id}`);
	const reviewer = page.getByTestId('reviewer-table').locator(`tr[data-reviewer="${ben.email}"]`);
	await expect(reviewer.locator('.badge')).toHaveText('disabled');
	await context.close();
});

test('Sign-in refused by the cross-site check (the address is not ORIGIN) says so on the page', async ({ browser }) => {
	const context = await signedInContext(browser, null);
	const page = await context.newPage();
	// SvelteKit's answer to a form post from another address than ORIGIN (the browser will not let
	// a test change Origin; security-origin.test checks the real server sends exactly this).
	await page.route('**/login', (route) =>
		route.request().method() === 'POST'
			? route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ message: 'Cross-site POST form submissions are forbidden' }) })
			: route.continue()
	);
	await gotoReady(page, '/login');
	await page.getByLabel('Email').fill(admin.email);
	await page.getByLabel('Password').fill('whatever password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByTestId('sign-in-refused')).toContainText('The server refused the sign-in (Cross-site POST form submissions are forbidden).');
	await expect(page.getByTestId('sign-in-refused')).toContainText('ORIGIN');
	await context.close();
});

test('Users: an admin giving up their own role is asked first, then told the Admin pages are closed to them (no bare 403)', async ({ browser }) => {
	const self = await makeAccount(db, 'admin', 'Trust Self');
	const context = await signedInContext(browser, self);
	const page = await context.newPage();
	await gotoReady(page, '/admin/users');
	const ownRole = page.getByLabel(`Role of ${self.email}`);
	const ownChange = page.getByRole('button', { name: `Change role of ${self.email}` });

	// Dismissed: nothing changes, the menu is back on admin.
	const asked: string[] = [];
	page.once('dialog', (dialog) => {
		asked.push(dialog.message());
		void dialog.dismiss();
	});
	await ownRole.selectOption('reviewer');
	await ownChange.click();
	await expect.poll(() => asked).toEqual([
		'Make yourself a reviewer? The Admin pages close to you at once; only another administrator can make you an admin again.'
	]);
	await expect(ownRole).toHaveValue('admin');
	await expect(page.getByRole('status')).toHaveText('');

	// Accepted: the role changes and the page says what happened, with the way out.
	page.once('dialog', (dialog) => void dialog.accept());
	await ownRole.selectOption('reviewer');
	await ownChange.click();
	const status = page.getByRole('status');
	await expect(status).toContainText(`You (${self.email}) are now a reviewer: the Admin pages are closed to you from now on.`);
	await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
	await status.getByRole('link', { name: 'Go to the start page' }).click();
	await expect(page).toHaveURL(/\/review$/);
	await context.close();
});

test('Endpoints: each row\'s buttons name their endpoint for a screen reader', async ({ browser }) => {
	const stamp = Date.now();
	const made = ['north', 'south'].map((n) => createEndpoint({ name: `${n}-${stamp}`, baseUrl: 'http://127.0.0.1:9/v1', apiKey: '', apiStyle: 'chat', model: 'm', concurrency: 1 }, null, db));
	const context = await signedInContext(browser, admin);
	const page = await context.newPage();
	await gotoReady(page, '/admin/endpoints');
	for (const { name } of made) {
		const row = page.locator(`tr[data-endpoint="${name}"]`);
		for (const label of [`Test connection of ${name}`, `Edit ${name}`, `Remove ${name}`]) await expect(row.getByRole('button', { name: label, exact: true })).toBeVisible();
		// The default endpoint's row has no Make default; the others say which one they make default.
		const makeDefault = row.getByRole('button', { name: /^Make default/ });
		if (await makeDefault.count()) await expect(makeDefault).toHaveAccessibleName(`Make default for ${name}`);
	}
	await expect(page.getByRole('button', { name: /^Make default for (north|south)-/ })).not.toHaveCount(0);
	await context.close();
	for (const { id } of made) deleteEndpoint(id, db);
});
