/**
 * #15 defect 8: the compare page draws no rect of negative width (an error in the console), at
 * desktop or phone size, and strata one audit has no decided items in are left out with a note
 * instead of rows of "— 0/0 [0.0%, 100.0%]".
 */
import { test, expect, type Page } from '@playwright/test';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let researcher: Account;
let first: BuiltAudit;
let second: BuiltAudit;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Comparer');
	first = await buildQualityAudit(db, { datasetName: 'e2e compare first', name: 'Compare first', ...QUALITY_AUDIT_PLAN });
	// The second audit's tasks have no classification at all: its classification strata are empty.
	second = await buildQualityAudit(db, {
		datasetName: 'e2e compare second',
		name: 'Compare second',
		tasks: ['u1', 'u2', 'u3', 'u4'].map((key) => ({ key, classification: null })),
		reviewers: ['Flo', 'Gus'],
		overlap: 2,
		labels: { u1: { Flo: 'YYY', Gus: 'YYY' }, u2: { Flo: 'YYN', Gus: 'YYN' }, u3: { Flo: 'YYY', Gus: 'YYY' }, u4: { Flo: 'NYY', Gus: 'NYY' } }
	});
});
test.afterAll(() => db?.$client.close());

async function openCompare(page: Page): Promise<string[]> {
	const errors: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push(m.text());
	});
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(`/reports/compare?a=${first.auditId}&b=${second.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.locator('.plot svg').first()).toBeVisible();
	// Plot draws after layout; give a resize a moment to settle.
	await page.waitForTimeout(500);
	return errors;
}

for (const size of [
	{ name: 'desktop', width: 1280, height: 900 },
	{ name: 'phone', width: 390, height: 844 }
]) {
	test(`${size.name}: no console errors, empty strata left out with a note`, async ({ browser }) => {
		const context = await signedInContext(browser, researcher, { width: size.width, height: size.height });
		const page = await context.newPage();
		const errors = await openCompare(page);
		expect(errors, errors.join('\n')).toEqual([]);
		const widths = await page.locator('.plot svg rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width') ?? '0')));
		expect(widths.filter((w) => w < 0)).toEqual([]);

		// Shown: all tasks and the classification-unknown stratum both audits have.
		await expect(page.getByTestId('compare-all')).toBeVisible();
		await expect(page.getByTestId('compare-unknown')).toBeVisible();
		await expect(page.getByTestId('compare-classification')).toHaveCount(0);
		await expect(page.getByTestId('compare-non-classification')).toHaveCount(0);
		const note = page.getByTestId('empty-strata');
		await expect(note).toContainText('Classification tasks (none in Compare second)');
		await expect(note).toContainText('Non-classification tasks (none in Compare second)');
		await expect(page.locator('main')).not.toContainText('0/0');
		await page.screenshot({ path: `/tmp/e2e-compare-${size.name}.png`, fullPage: true });
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
		await context.close();
	});
}
