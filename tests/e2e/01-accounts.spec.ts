import { test, expect } from '@playwright/test';
import { ADMIN, RESEARCHER, REVIEWER, signIn, signOut, gotoReady } from './helpers';

test('first visit creates the administrator account', async ({ page }) => {
	await gotoReady(page, '/');
	await expect(page).toHaveURL(/\/setup$/);
	await expect(page.getByRole('heading', { name: 'Welcome to Instruct Audit' })).toBeVisible();
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password', { exact: false }).first().fill(ADMIN.password);
	await page.getByLabel('Repeat password').fill('something-else-1');
	await page.getByRole('button', { name: 'Create administrator' }).click();
	await expect(page.getByText('The passwords do not match.')).toBeVisible();
	await page.getByLabel('Password', { exact: false }).first().fill(ADMIN.password);
	await page.getByLabel('Repeat password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Create administrator' }).click();
	await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
	// The setup page is gone once an account exists.
	await page.goto('/setup');
	await expect(page).not.toHaveURL(/\/setup$/);
});

test('login and logout, with a wrong password refused', async ({ page }) => {
	await gotoReady(page, '/login');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill('not-the-password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toContainText('Wrong email or password');
	await signIn(page, ADMIN);
	await expect(page.getByRole('link', { name: 'Admin' })).toBeVisible();
	await signOut(page);
	await page.goto('/datasets');
	await expect(page).toHaveURL(/\/login\?next=%2Fdatasets/);
});

test('an admin creates a researcher and a reviewer', async ({ page }) => {
	await signIn(page, ADMIN);
	await page.getByRole('link', { name: 'Admin' }).click();
	await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
	for (const [who, role] of [
		[RESEARCHER, 'researcher'],
		[REVIEWER, 'reviewer']
	] as const) {
		await page.getByLabel('Email', { exact: true }).fill(who.email);
		await page.getByLabel('Role', { exact: true }).selectOption(role);
		await page.getByLabel('Initial password').fill(who.password);
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.getByRole('status')).toContainText(`Created ${role} account ${who.email}`);
		await expect(page.locator(`tr[data-user="${who.email}"]`)).toBeVisible();
	}
	// Choosing in a role menu changes nothing yet (WCAG 3.2.2): an arrow key on it only moves the choice.
	const ownRole = page.getByLabel(`Role of ${ADMIN.email}`);
	await ownRole.focus();
	await page.keyboard.press('ArrowDown');
	await expect(ownRole).not.toHaveValue('admin');
	await page.waitForTimeout(300);
	await expect(ownRole).toBeFocused();
	await expect(page.getByRole('status')).toHaveText(`Created reviewer account ${REVIEWER.email}.`);
	await expect(page.getByRole('alert')).toHaveText('');
	// The Change button does it. The only administrator cannot be demoted: the page says why,
	// its menu shows the role kept, and focus stays on the button.
	await ownRole.selectOption('reviewer');
	const ownChange = page.getByRole('button', { name: `Change role of ${ADMIN.email}` });
	await ownChange.click();
	await expect(page.getByRole('alert')).toContainText('administrator');
	await expect(ownRole).toHaveValue('admin');
	await expect(ownChange).toBeFocused();
	// Another account's role changes, is confirmed by name, and changes back.
	const theirRole = page.getByLabel(`Role of ${RESEARCHER.email}`);
	const theirChange = page.getByRole('button', { name: `Change role of ${RESEARCHER.email}` });
	for (const role of ['reviewer', 'researcher']) {
		await theirRole.selectOption(role);
		await theirChange.press('Enter');
		await expect(page.getByRole('status')).toHaveText(`${RESEARCHER.email} is now a ${role}.`);
		await expect(theirRole).toHaveValue(role);
		await expect(theirChange).toBeFocused();
	}
	await page.reload();
	await expect(page.getByLabel(`Role of ${RESEARCHER.email}`)).toHaveValue('researcher');
	await expect(page.getByLabel(`Role of ${ADMIN.email}`)).toHaveValue('admin');
});

test('a reviewer is refused on researcher and admin pages and endpoints', async ({ page }) => {
	await signIn(page, REVIEWER);
	await expect(page.getByRole('link', { name: 'Datasets' })).toHaveCount(0);
	for (const path of ['/datasets', '/datasets/import', '/admin/users', '/audits']) {
		const response = await page.goto(path);
		expect(response?.status(), path).toBe(403);
		await expect(page.getByText('No access').or(page.getByText('Error 403'))).toBeVisible();
	}
	const api = await page.request.post('/api/datasets/import?dataset=x&fileName=a.jsonl', { data: '{"instruction":"a","input":"","output":"b"}' });
	expect(api.status()).toBe(403);
	expect(await api.text()).not.toContain('instruction');
});
