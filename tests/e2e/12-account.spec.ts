/**
 * Every signed-in user changes their own password from the header's account link: the current
 * password is required, the new one follows the usual rules, the user's other sessions are
 * signed out and this one stays. Self-sufficient: its own account, written into the served
 * database through the app's domain functions.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gotoReady, signIn, signOut } from './helpers';
import { openDatabase } from '../../src/lib/server/db';
import { createUser, findUserByEmail } from '../../src/lib/server/auth/users';

const WHO = { email: `account-${Date.now().toString(36)}@example.org`, password: 'account-pass-old-1' };
const NEW_PASSWORD = 'account-pass-new-2';

test.beforeAll(async () => {
	const dir = [process.env.E2E_DATA_DIR, path.join(os.tmpdir(), `instruct-audit-e2e-${process.ppid}`)].find((d) => d && fs.existsSync(path.join(d, 'e2e.db')));
	if (!dir) throw new Error('The e2e database was not found');
	const db = openDatabase(path.join(dir, 'e2e.db'), path.resolve('migrations'));
	if (!findUserByEmail(WHO.email, db)) await createUser({ ...WHO, role: 'reviewer' }, db);
	db.$client.close();
});

test('a reviewer changes their password: other sessions end, this one stays', async ({ page, browser }) => {
	// A second session of the same user, in another browser.
	const other = await browser.newContext();
	const otherPage = await other.newPage();
	await signIn(otherPage, WHO);

	await signIn(page, WHO);
	await page.getByRole('link', { name: 'Your account' }).click();
	await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
	await expect(page.locator('body[data-hydrated]')).toBeAttached();

	// A wrong current password changes nothing.
	await page.getByLabel('Current password').fill('not-my-password');
	await page.getByLabel('New password', { exact: false }).first().fill(NEW_PASSWORD);
	await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.locator('#current-error')).toHaveText('The current password is wrong.');
	await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');

	// Too short a new password is refused with the usual rule.
	await page.getByLabel('Current password').fill(WHO.password);
	await page.getByLabel('New password', { exact: false }).first().fill('short');
	await page.getByLabel('Repeat the new password').fill('short');
	await page.getByLabel('New password', { exact: false }).first().evaluate((el) => el.removeAttribute('minlength'));
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.locator('#password-error')).toHaveText('Password must be at least 10 characters long.');

	await page.getByLabel('Current password').fill(WHO.password);
	await page.getByLabel('New password', { exact: false }).first().fill(NEW_PASSWORD);
	await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByRole('status')).toHaveText('Password changed. Your other sessions were signed out; this one stays signed in.');
	// The fields are emptied, and this session still works.
	await expect(page.getByLabel('Current password')).toHaveValue('');
	await gotoReady(page, '/account');
	await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();

	// The other session was signed out.
	await otherPage.goto('/account');
	await expect(otherPage).toHaveURL(/\/login\?next=%2Faccount/);
	await other.close();

	// The old password no longer works; the new one does.
	await signOut(page);
	await gotoReady(page, '/login');
	await page.getByLabel('Email').fill(WHO.email);
	await page.getByLabel('Password').fill(WHO.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toContainText('Wrong email or password');
	await signIn(page, { email: WHO.email, password: NEW_PASSWORD });
});
