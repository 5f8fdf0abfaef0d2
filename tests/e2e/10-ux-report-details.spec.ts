/**
 * Report details found by exploratory testers: an imported audit's report does not scroll sideways
 * on a phone (the bundle's SHA-256 wraps), a removed reviewer's set-aside labels are named in the
 * Reviewers table, the latent model's sensitivity / specificity is shown for every question,
 * estimator names keep their capitals, a comparison with nothing to compare draws no figure, and
 * an audit with one reviewer per item says why it has no disagreements.
 */
import { test, expect } from '@playwright/test';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { gotoReady } from './helpers';
import { createAudit } from '../../src/lib/server/audits/create';
import { removeReviewer } from '../../src/lib/server/audits';
import type { Db } from '../../src/lib/server/db';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
let db: Db;
let researcher: Account;
let imported: BuiltAudit;
let removed: BuiltAudit;
let empty: number;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Details researcher');
	imported = await buildQualityAudit(db, { datasetName: 'details imported', name: 'Details imported audit', ...QUALITY_AUDIT_PLAN });
	// What an audit bundle's import records (src/lib/server/bundles/provenance.ts), with a real-length digest.
	db.$client.prepare('UPDATE audits SET imported_at = ?, imported_file_name = ?, imported_file_sha256 = ? WHERE id = ?').run(Date.now(), 'QA.jsonl', SHA, imported.auditId);
	removed = await buildQualityAudit(db, { datasetName: 'details removed', name: 'Details removed audit', ...QUALITY_AUDIT_PLAN });
	// Cy labelled t1, t2, t4 and t9: four labels set aside.
	removeReviewer(removed.auditId, removed.reviewers.Cy, { setAsideLabels: true, actorId: researcher.id }, db);
	empty = createAudit({ datasetId: removed.datasetId, kind: 'quality', name: 'Details empty audit', sampleSize: 3, seed: 2, overlap: 1, reviewerIds: [removed.reviewers.Ana] }, db).id;
});
test.afterAll(() => db?.$client.close());

test("an imported audit's report and audit page do not scroll sideways on a phone", async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 390, height: 844 });
	const page = await context.newPage();
	for (const [url, notice] of [
		[`/reports/${imported.auditId}`, 'report-imported'],
		[`/audits/${imported.auditId}`, 'audit-imported']
	]) {
		await gotoReady(page, url);
		await expect(page.getByTestId(notice)).toContainText(SHA);
		const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
		expect(scrollWidth, url).toBeLessThanOrEqual(clientWidth);
	}
	await context.close();
});

test('the Reviewers table gives sensitivity / specificity for every question, and estimator names keep their capitals', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await gotoReady(page, `/reports/${imported.auditId}`);
	const cell = page.getByTestId('reviewer-table').locator('tr[data-reviewer="Ana"] [data-cell="error-rates"]');
	await expect(cell.locator('.rate')).toHaveText([/^Instruction valid:/, /^Input appropriate:/, /^Output correct:/, /^All fields valid:/]);
	// Overlap 3: the data choose latent truth where they identify it, else the majority bounds; a proper name is not lowercased in the sentence.
	const auto = page.getByLabel('Headline estimator').locator('option[value="auto"]');
	await expect(auto).toHaveText(/^Chosen by the data \((latent truth \(Dawid–Skene\)|item majority, ties as bounds)/);
	expect(await auto.textContent()).not.toContain('dawid');
	const notes = page.getByTestId('headline-estimator').getByRole('listitem');
	await expect(notes.first()).toBeVisible();
	for (const note of await notes.allTextContents()) expect(note).not.toContain('dawid');
	// Several notes each name the questions they apply to.
	if ((await notes.count()) > 1) for (const note of await notes.allTextContents()) expect(note).toMatch(/^Headline for /);
	await context.close();
});

test("a removed reviewer's set-aside labels are named in the Reviewers table", async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await gotoReady(page, `/reports/${removed.auditId}`);
	const table = page.getByTestId('reviewer-table');
	await expect(table.locator('tr[data-reviewer="Cy"] [data-flag="removed"]')).toHaveText('removed · 4 labels set aside');
	await expect(table.locator('tr[data-reviewer="Ana"] [data-flag="removed"]')).toHaveCount(0);
	await expect(page.getByTestId('reviewers-set-aside')).toContainText('Cy (4 labels)');
	await context.close();
});

test('comparing with an audit that has no labels draws no figure and says why once; its disagreements page says why it has none', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await gotoReady(page, `/reports/compare?a=${removed.auditId}&b=${empty}`);
	await expect(page.getByTestId('nothing-compared')).toContainText('Nothing is compared');
	await expect(page.getByTestId('empty-strata')).toHaveCount(0);
	await expect(page.getByText('Save this figure')).toHaveCount(0);
	await expect(page.getByText('Values in the chart')).toHaveCount(0);
	await expect(page.locator('.plot')).toHaveCount(0);

	await gotoReady(page, `/reports/${empty}/disagreements`);
	await expect(page.getByTestId('one-reviewer-per-item')).toContainText('labelled by one reviewer, so no labels can differ');
	await expect(page.getByText('No item has differing labels so far')).toHaveCount(0);

	// The reports list keeps the space before "audit page".
	await gotoReady(page, '/reports');
	await expect(page.locator(`tr[data-audit="${removed.auditId}"] .small`).first()).toContainText('Details removed audit · audit page');
	await context.close();
});
