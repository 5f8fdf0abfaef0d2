/**
 * Two researchers settle the same item from pages opened before either saved: the second is
 * refused with who set the final label and when, sees that label, and the first's verdict is kept.
 * Each adjudicated item says who set its final label and when; removing a final label that is no
 * longer there is said, not confirmed.
 */
import { test, expect } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let first: Account;
let second: Account;
let audit: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	first = await makeAccount(db, 'researcher', 'First adjudicator');
	second = await makeAccount(db, 'researcher', 'Second adjudicator');
	audit = await buildQualityAudit(db, { datasetName: 'e2e adjudication conflict', name: 'E2E adjudication conflict', ...QUALITY_AUDIT_PLAN });
});
test.afterAll(() => db?.$client.close());

test('the second of two adjudicators is refused and shown the first one\'s final label', async ({ browser }) => {
	const pages = [];
	for (const account of [first, second]) {
		const context = await signedInContext(browser, account, { width: 1280, height: 900 });
		const page = await context.newPage();
		await page.goto(`/reports/${audit.auditId}/disagreements?filter=open`);
		await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
		pages.push(page);
	}
	const [one, two] = pages;
	const t5 = audit.items.t5;
	const answer = async (page: typeof one, output: 'yes' | 'no') => {
		const form = page.locator(`article[data-item="${t5}"]`).getByRole('form', { name: /Final label/ });
		await form.getByRole('group', { name: 'Instruction describes a valid task' }).getByLabel('yes').check();
		await form.getByRole('group', { name: 'Input is appropriate' }).getByLabel('yes').check();
		await form.getByRole('group', { name: 'Output is correct and acceptable' }).getByLabel(output).check();
		if (output === 'no') await form.getByLabel('What is wrong').selectOption('incorrect_output');
		else await form.getByLabel('What is wrong').selectOption('');
		await form.getByRole('button', { name: /final label/ }).first().click();
	};
	await answer(one, 'yes');
	const cardOne = one.locator(`article[data-item="${t5}"]`);
	await expect(cardOne.getByRole('status')).toContainText('Saved');
	await expect(cardOne.getByTestId('adjudicated-by')).toContainText(`Final label set by ${first.email}, `);

	await answer(two, 'no');
	const cardTwo = two.locator(`article[data-item="${t5}"]`);
	await expect(cardTwo.getByRole('alert')).toContainText(`${first.email} set this item's final label on `);
	await expect(cardTwo.getByRole('alert')).toContainText('after you opened it: instruction yes, input yes, output yes (correct). Review it and set it again.');
	// The label that is kept is shown, with who set it.
	await expect(cardTwo.getByTestId('adjudicated-by')).toContainText(`Final label set by ${first.email}, `);
	await expect(cardTwo.locator('tbody tr').filter({ hasText: 'Output is correct' }).locator('td').last()).toHaveText('yes');
	expect(db.$client.prepare('SELECT output_valid FROM audit_adjudications WHERE item_id = ?').pluck().get(t5)).toBe(1);

	// Reviewed, set again from the page as it now stands: saved.
	await cardTwo.getByRole('button', { name: 'Update final label' }).click();
	await expect(cardTwo.getByRole('status')).toContainText('Saved');
	await expect(cardTwo.getByTestId('adjudicated-by')).toContainText(`Final label set by ${second.email}, `);
	expect(db.$client.prepare('SELECT output_valid FROM audit_adjudications WHERE item_id = ?').pluck().get(t5)).toBe(0);

	// The first page still shows the label it saved: removing it is refused, the second's is kept.
	await cardOne.getByRole('button', { name: 'Remove final label' }).click();
	await expect(cardOne.getByRole('alert')).toContainText(`${second.email} set this item's final label on `);
	expect(db.$client.prepare('SELECT count(*) FROM audit_adjudications WHERE item_id = ?').pluck().get(t5)).toBe(1);
	await one.context().close();
	await two.context().close();
});

test('removing a final label that is not there is said, not confirmed', async ({ browser }) => {
	const context = await signedInContext(browser, first, { width: 1280, height: 900 });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}/disagreements?filter=open`);
	const t5 = audit.items.t5;
	const response = await page.request.post(`/reports/${audit.auditId}/disagreements?/clear`, {
		form: { itemId: String(audit.items.t3), basedOn: 'none' },
		headers: { origin: new URL(page.url()).origin, 'x-sveltekit-action': 'true' }
	});
	const body = JSON.parse(await response.text()) as { type: string; status: number; data: string };
	expect(body).toMatchObject({ type: 'failure', status: 409 });
	expect(body.data).toContain('This item has no final label to remove');
	expect(body.data).not.toContain('cleared');
	expect(db.$client.prepare('SELECT count(*) FROM audit_adjudications WHERE item_id = ?').pluck().get(t5)).toBe(1);
	await context.close();
});
