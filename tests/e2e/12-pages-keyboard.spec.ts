/**
 * Pages an exploratory tester drove by keyboard and at phone width: Admin → Users (the password
 * form opens next to its button with focus in it, focus comes back after; per-user button names;
 * stacked rows on a phone), the report's "Use as headline" (saved in place with a spoken status),
 * and the quality chart whose range labels ran past the card.
 */
import { test, expect, type Page } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let admin: Account;
let target: Account;
let researcher: Account;
let audit: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Pages Admin');
	target = await makeAccount(db, 'reviewer', 'Pages Reviewer');
	researcher = await makeAccount(db, 'researcher', 'Pages Researcher');
	audit = await buildQualityAudit(db, { datasetName: 'e2e pages keyboard', name: 'E2E pages keyboard', ...QUALITY_AUDIT_PLAN });
});
test.afterAll(() => db?.$client.close());

const hydrated = (page: Page) => page.locator('body[data-hydrated]').waitFor({ state: 'attached' });

test('Users: Reset password opens its field focused, sets the password by keyboard and gives focus back', async ({ browser }) => {
	const context = await signedInContext(browser, admin, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto('/admin/users');
	await hydrated(page);
	const row = page.locator(`tr[data-user="${target.email}"]`);
	// Each account's buttons say whose account they act on.
	const reset = row.getByRole('button', { name: `Reset password of ${target.email}`, exact: true });
	await expect(row.getByRole('button', { name: `Disable ${target.email}`, exact: true })).toBeVisible();
	await expect(row.getByRole('button', { name: `Clear failed sign-ins of ${target.email}`, exact: true })).toBeVisible();

	// Open and cancel with Escape: focus goes back to the button.
	await reset.focus();
	await page.keyboard.press('Enter');
	const field = row.getByLabel(`New password for ${target.email}`);
	await expect(field).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(field).toHaveCount(0);
	await expect(reset).toBeFocused();

	// Open again: the field is the very next tab stop after the button (not past Clear and Disable).
	await page.keyboard.press('Enter');
	await expect(field).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(reset).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(field).toBeFocused();
	// Too short: refused, the form stays open with focus on the field and the reason beside it.
	await page.keyboard.type('short');
	await field.evaluate((el) => el.removeAttribute('minlength'));
	await page.keyboard.press('Enter');
	await expect(row.locator('.field-error')).toBeVisible();
	await expect(field).toBeFocused();
	await expect(field).toHaveAttribute('aria-invalid', 'true');
	await field.fill('');
	await page.keyboard.type('a-new-pass-12345');
	await page.keyboard.press('Enter');
	await expect(page.getByRole('status').first()).toContainText('Password reset');
	await expect(page.getByRole('status').first()).not.toContainText('Failed sign-ins');
	await expect(field).toHaveCount(0);
	await expect(reset).toBeFocused();
	await context.close();
});

test('Users: a refused new account (duplicate email) keeps what was typed (the server echoes no password), and focus goes to the email with its reason', async ({ browser }) => {
	const context = await signedInContext(browser, admin, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto('/admin/users');
	await hydrated(page);
	const create = page.locator('form[action="?/create"]');
	await create.getByLabel('Email').fill(target.email);
	await create.getByLabel('Name').fill('Someone Again');
	await create.getByLabel('Role').selectOption('researcher');
	await create.getByLabel(/Initial password/).fill('a long enough password');
	await create.getByRole('button', { name: 'Create account' }).press('Enter');
	const email = create.getByLabel('Email');
	await expect(create.locator('#new-email-error')).toBeVisible();
	await expect(email).toBeFocused();
	await expect(email).toHaveAttribute('aria-invalid', 'true');
	await expect(email).toHaveAccessibleDescription(/.+/);
	await expect(email).toHaveValue(target.email);
	await expect(create.getByLabel('Name')).toHaveValue('Someone Again');
	await expect(create.getByLabel('Role')).toHaveValue('researcher');
	await context.close();
});

test('Users at 390 px: each account is a stacked block with its actions on screen, no sideways scrolling', async ({ browser }) => {
	const context = await signedInContext(browser, admin, { width: 390, height: 844 });
	const page = await context.newPage();
	await page.goto('/admin/users');
	await hydrated(page);
	const row = page.locator(`tr[data-user="${target.email}"]`);
	for (const name of [`Reset password of ${target.email}`, `Clear failed sign-ins of ${target.email}`, `Disable ${target.email}`]) {
		const box = (await row.getByRole('button', { name, exact: true }).boundingBox())!;
		expect(box.x).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width).toBeLessThanOrEqual(390);
	}
	const wrap = page.locator('section.table-wrap');
	expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
	// The column names come back as each line's label.
	expect(await row.locator('td').first().evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"Email: "');
	await page.screenshot({ path: '/tmp/fix-pages-users-390.png', fullPage: true });
	await context.close();
});

test('Report: "Use as headline" saves in place, keeps scroll and focus, and says so in a status', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}`);
	await hydrated(page);
	const rates = page.getByTestId('quality-rates');
	const select = rates.getByLabel('Headline estimator');
	const button = rates.getByRole('button', { name: 'Use as headline' });
	const status = rates.getByTestId('estimator-status');
	await expect(status).toHaveAttribute('role', 'status');
	await button.scrollIntoViewIfNeeded();
	await select.selectOption('majority');
	await button.focus();
	const before = await page.evaluate(() => window.scrollY);
	expect(before).toBeGreaterThan(100);
	await page.keyboard.press('Enter');
	await expect(status).toHaveText('Saved: the headline now uses item majority, ties as bounds.');
	await expect(rates.locator('tr[data-rate="allValid"] [data-cell="headline"]')).toHaveAttribute('data-estimator', 'majority');
	await expect(button).toBeFocused();
	expect(Math.abs((await page.evaluate(() => window.scrollY)) - before)).toBeLessThan(50);

	// A value the action refuses: its message is shown beside the control.
	// (Chosen after the option is in: Svelte puts a select back on its value when its options change.)
	await select.evaluate((el: HTMLSelectElement) => el.add(new Option('bogus', 'bogus')));
	await select.selectOption('bogus');
	await button.click();
	await expect(status).toHaveText('Choose an estimator.');

	await select.selectOption('auto');
	await button.click();
	await expect(status).toContainText('Saved: the headline now uses the estimator chosen by the data');
	await context.close();
});

for (const width of [1280, 390]) {
	test(`Report at ${width} px: the quality chart's labels stay inside the chart`, async ({ browser }) => {
		const context = await signedInContext(browser, researcher, { width, height: 900 });
		const page = await context.newPage();
		await page.goto(`/reports/${audit.auditId}`);
		await hydrated(page);
		// The majority headline writes tied bounds as ranges ("66.7%–100.0%"), the widest labels.
		const rates = page.getByTestId('quality-rates');
		await rates.getByLabel('Headline estimator').selectOption('majority');
		await rates.getByRole('button', { name: 'Use as headline' }).click();
		await expect(rates.getByTestId('estimator-status')).toContainText('Saved');
		const svg = rates.locator('.plot svg').first();
		await expect(svg).toBeVisible();
		await expect(svg.locator('text', { hasText: '–100.0%' }).first()).toBeAttached();
		const outside = await svg.evaluate((el) => {
			const frame = el.getBoundingClientRect();
			return [...el.querySelectorAll('text')]
				.map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }))
				.filter(({ box }) => box.width > 0 && (box.left < frame.left - 0.5 || box.right > frame.right + 0.5))
				.map(({ text }) => text);
		});
		expect(outside).toEqual([]);
		await svg.scrollIntoViewIfNeeded();
		await page.screenshot({ path: `/tmp/fix-pages-chart-${width}.png` });
		await rates.getByLabel('Headline estimator').selectOption('auto');
		await rates.getByRole('button', { name: 'Use as headline' }).click();
		await expect(rates.getByTestId('estimator-status')).toContainText('chosen by the data');
		await context.close();
	});
}
