/**
 * Keyboard and screen-reader defects found by an audit (axe, keyboard only, the accessibility
 * tree): the Disagreements page's key list is a real modal dialog (focus in, Tab kept inside,
 * Escape closes, focus back where it was), and every box that scrolls sideways at phone width
 * is a named tab stop (axe's scrollable-region-focusable).
 */
import { test, expect, type Page } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let researcher: Account;
let admin: Account;
let audit: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Keyboard Researcher');
	admin = await makeAccount(db, 'admin', 'Keyboard Admin');
	audit = await buildQualityAudit(db, { datasetName: 'e2e a11y keyboard', name: 'E2E a11y keyboard', ...QUALITY_AUDIT_PLAN });
});
test.afterAll(() => db?.$client.close());

const hydrated = (page: Page) => page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
const focusedInDialog = (page: Page) => page.evaluate(() => !!document.activeElement?.closest('dialog[open]'));

test('Disagreements: ? opens a modal key list that holds focus, closes with Escape and gives focus back', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}/disagreements`);
	await hydrated(page);
	await page.keyboard.press('ArrowRight');
	const heading = page.locator('article[data-item][aria-current="true"]').getByRole('heading', { level: 2 });
	await expect(heading).toBeFocused();

	await page.keyboard.press('?');
	const dialog = page.getByRole('dialog', { name: 'Keyboard' });
	await expect(dialog).toBeVisible();
	await expect(dialog).toContainText('Previous / next disagreement');
	expect(await focusedInDialog(page)).toBe(true);
	// Tab goes round inside the dialog, never to the page behind it.
	for (let i = 0; i < 4; i++) {
		await page.keyboard.press('Tab');
		expect(await page.evaluate(() => !document.activeElement || document.activeElement === document.body || !!document.activeElement.closest('dialog[open]'))).toBe(true);
	}
	// The page's keys do nothing while it is open.
	await page.keyboard.press('ArrowRight');
	await expect(heading).toHaveCount(1);
	await page.screenshot({ path: '/tmp/fix-a11y-disagreements-help-1280.png' });
	await page.keyboard.press('Escape');
	await expect(dialog).toBeHidden();
	await expect(heading).toBeFocused();

	// The Close button too, and at phone width the list fits the screen.
	await page.setViewportSize({ width: 390, height: 844 });
	await page.keyboard.press('?');
	await expect(dialog).toBeVisible();
	const box = await dialog.boundingBox();
	expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
	await page.screenshot({ path: '/tmp/fix-a11y-disagreements-help-390.png' });
	await dialog.getByRole('button', { name: 'Close' }).press('Enter');
	await expect(dialog).toBeHidden();
	await expect(heading).toBeFocused();
	await context.close();
});
