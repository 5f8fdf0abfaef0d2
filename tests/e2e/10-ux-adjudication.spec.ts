/**
 * #15 defect 7: settling a disagreement keeps the researcher's place (the item stays where it was,
 * confirmed in place, even in the "Tied" list it no longer belongs to), the Majority column shows
 * the reviewers' own majority and never the adjudicated reason, and the whole flow runs from the
 * keyboard: ← / → between disagreements, Y / N / 1–4 for the final answer, Enter to set it.
 * At desktop size by keyboard and at 390×844 by touch.
 */
import { test, expect, type Page } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let researcher: Account;
let audit: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Adjudicator');
	audit = await buildQualityAudit(db, { datasetName: 'e2e adjudication flow', name: 'E2E adjudication flow', ...QUALITY_AUDIT_PLAN });
});
test.afterAll(() => db?.$client.close());

const order = (page: Page) => page.locator('article[data-item]').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-item'))));

test('desktop: the keyboard settles a tied item, which stays in place with its confirmation', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 900 });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}/disagreements?filter=open`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('adjudication-keys')).toBeVisible();
	const before = await order(page);
	expect(before.length).toBeGreaterThan(2);
	const t5 = audit.items.t5;
	const index = before.indexOf(t5);
	expect(index).toBeGreaterThanOrEqual(0);

	// → moves from item to item (focus on its heading), ← back.
	await page.keyboard.press('ArrowRight');
	await expect(page.locator(`article[data-item="${before[0]}"]`)).toHaveAttribute('aria-current', 'true');
	await page.keyboard.press('ArrowRight');
	await expect(page.locator(`article[data-item="${before[1]}"]`)).toHaveAttribute('aria-current', 'true');
	await page.keyboard.press('ArrowLeft');
	await expect(page.locator(`article[data-item="${before[0]}"]`)).toHaveAttribute('aria-current', 'true');
	for (let i = 0; i < index; i++) await page.keyboard.press('ArrowRight');
	const card = page.locator(`article[data-item="${t5}"]`);
	await expect(card).toHaveAttribute('aria-current', 'true');
	await expect(card.getByRole('heading', { level: 2 })).toBeFocused();

	// The reviewers split on all-valid (Ana: input and output wrong, Ben: all fine): no majority reason.
	await expect(card.locator('[data-cell="majority-reason"]')).toHaveText('—');
	const form = card.getByRole('form', { name: /Final label/ });
	// Y, Y, N answer the three questions in turn; 4 picks "Other" over the suggested reason.
	await page.keyboard.press('y');
	await page.keyboard.press('y');
	await page.keyboard.press('n');
	await page.keyboard.press('4');
	await expect(form.getByRole('group', { name: 'Instruction describes a valid task' }).getByLabel('yes')).toBeChecked();
	await expect(form.getByRole('group', { name: 'Input is appropriate' }).getByLabel('yes')).toBeChecked();
	await expect(form.getByRole('group', { name: 'Output is correct and acceptable' }).getByLabel('no')).toBeChecked();
	await expect(form.getByLabel('What is wrong')).toHaveValue('other');
	await page.screenshot({ path: '/tmp/e2e-adjudication-desktop-before.png', fullPage: false });
	await page.keyboard.press('Enter');

	// Confirmed in place: same card, same position, still on screen, in a list it no longer belongs to.
	await expect(card.getByRole('status')).toContainText('Saved');
	await expect(page.getByRole('link', { name: /Adjudicated/ })).toContainText('1');
	await expect(page.getByRole('link', { name: /Tied, to settle/ })).toContainText(String(before.length - 1));
	expect(await order(page)).toEqual(before);
	await expect(card).toBeInViewport();
	await expect(card.locator('.badge.info')).toHaveText('adjudicated');
	// The final label has its own column; the Majority column still shows the reviewers' own.
	await expect(card.locator('thead th').last()).toHaveText('Final (adjudicated)');
	await expect(card.locator('[data-cell="majority-reason"]')).toHaveText('—');
	await expect(card.locator('tbody tr').filter({ hasText: 'What is wrong' }).locator('td').last()).toHaveText('Other error');
	await page.screenshot({ path: '/tmp/e2e-adjudication-desktop-saved.png', fullPage: false });

	// → goes on to the next one from where the researcher is.
	if (index + 1 < before.length) {
		await page.keyboard.press('ArrowRight');
		await expect(page.locator(`article[data-item="${before[index + 1]}"]`)).toHaveAttribute('aria-current', 'true');
	}
	// ? lists the keys.
	await page.keyboard.press('?');
	await expect(page.getByRole('dialog', { name: 'Keyboard' })).toContainText('Previous / next disagreement');
	await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

	// A fresh visit lists the tied items left, the settled one under Adjudicated.
	await page.reload();
	expect(await order(page)).toEqual(before.filter((id) => id !== t5));
	await context.close();
});

test('phone 390×844: a tied item is settled by touch, confirmed in place, nothing wider than the screen', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 390, height: 844, hasTouch: true, isMobile: true });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}/disagreements`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const before = await order(page);
	const t3 = audit.items.t3;
	const card = page.locator(`article[data-item="${t3}"]`);
	// Key hints are for keyboards: none on a touch screen.
	await expect(page.getByTestId('adjudication-keys')).toBeHidden();
	await card.scrollIntoViewIfNeeded();
	await page.screenshot({ path: '/tmp/e2e-adjudication-390-before.png', fullPage: false });
	const form = card.getByRole('form', { name: /Final label/ });
	await form.getByRole('group', { name: 'Instruction describes a valid task' }).getByLabel('yes').tap();
	await form.getByRole('group', { name: 'Input is appropriate' }).getByLabel('yes').tap();
	await form.getByRole('group', { name: 'Output is correct and acceptable' }).getByLabel('yes').tap();
	await form.getByLabel('What is wrong').selectOption('');
	await form.getByRole('button', { name: 'Set final label' }).tap();
	await expect(card.getByRole('status')).toContainText('Saved');
	expect(await order(page)).toEqual(before);
	await expect(card.getByRole('status')).toBeInViewport();
	await page.screenshot({ path: '/tmp/e2e-adjudication-390-saved.png', fullPage: false });
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(width).toBeLessThanOrEqual(390);
	await context.close();
});
