/**
 * Keyboard and screen-reader defects found by an audit (axe, keyboard only, the accessibility
 * tree): the Disagreements page's key list is a real modal dialog (focus in, Tab kept inside,
 * Escape closes, focus back where it was), and every box that scrolls sideways at phone width
 * is a named tab stop (axe's scrollable-region-focusable).
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let db: Db;
let researcher: Account;
let admin: Account;
let reviewer: Account;
let audit: BuiltAudit;
let ratingAuditId: number;
let ratingAuditName: string;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Keyboard Researcher');
	admin = await makeAccount(db, 'admin', 'Keyboard Admin');
	reviewer = await makeAccount(db, 'reviewer', 'Keyboard Reviewer');
	audit = await buildQualityAudit(db, { datasetName: 'e2e a11y keyboard', name: 'E2E a11y keyboard', ...QUALITY_AUDIT_PLAN });
	// A rating audit for the reviewer: three models' responses per task.
	const built = await buildRatingAudit(db, {
		datasetName: 'e2e a11y ratings',
		tasks: ['k1', 'k2'].map((key) => ({ key, classification: null })),
		models: ['model-one', 'model-two', 'model-three'],
		reviewers: ['Fay'],
		overlap: 1,
		labels: {}
	});
	ratingAuditName = 'E2E a11y rating for the keyboard reviewer';
	ratingAuditId = createAudit({ datasetId: built.datasetId, kind: 'rating', name: ratingAuditName, sampleSize: 2, seed: 1, reviewerIds: [reviewer.id] }, db).id;
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

/** Boxes that scroll sideways: each must be a tab stop with a name (axe: scrollable-region-focusable). */
async function scrollBoxesAt390(page: Page, url: string) {
	await page.goto(url);
	await hydrated(page);
	// Collapsed "values" tables are opened, as a reader would, so they are checked too.
	await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
	await page.waitForTimeout(200);
	const boxes = await page.evaluate(() =>
		[...document.querySelectorAll<HTMLElement>('.table-wrap, pre')]
			.filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
			.map((el) => ({ html: el.outerHTML.slice(0, 80), tabindex: el.getAttribute('tabindex'), name: el.getAttribute('aria-label') ?? el.getAttribute('aria-labelledby') }))
	);
	await page.evaluate(AXE_SOURCE);
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
		const r = await axe.run(document, { runOnly: ['scrollable-region-focusable', 'aria-allowed-attr', 'aria-prohibited-attr'], resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
	});
	return { boxes, violations };
}

test('390 px: every box that scrolls sideways is a named tab stop (report, disagreements, audit, backups)', async ({ browser }) => {
	const pages: [Account, string][] = [
		[researcher, `/reports/${audit.auditId}`],
		[researcher, `/reports/${audit.auditId}/disagreements`],
		[researcher, `/audits/${audit.auditId}`],
		[researcher, '/audits'],
		[researcher, '/reports'],
		[admin, '/admin/backups'],
		[admin, '/admin/users']
	];
	let scrolling = 0;
	for (const [who, url] of pages) {
		const context = await signedInContext(browser, who, { width: 390, height: 844, hasTouch: true, isMobile: true });
		const page = await context.newPage();
		const { boxes, violations } = await scrollBoxesAt390(page, url);
		expect(violations, url).toEqual([]);
		for (const b of boxes) {
			expect(b.tabindex, `${url}: ${b.html}`).toBe('0');
			expect(b.name, `${url}: ${b.html}`).toBeTruthy();
		}
		scrolling += boxes.length;
		if (url.endsWith(`/reports/${audit.auditId}`)) await page.screenshot({ path: '/tmp/fix-a11y-report-390.png' });
		await context.close();
	}
	// The check looked at real scrolling boxes, not none.
	expect(scrolling).toBeGreaterThan(3);
});

test('Disagreements: the keys are spoken, and after Enter focus stays on the item and "Saved" is announced', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.goto(`/reports/${audit.auditId}/disagreements?filter=open`);
	await hydrated(page);
	await page.keyboard.press('ArrowRight');
	const card = page.locator('article[data-item][aria-current="true"]');
	const heading = card.getByRole('heading', { level: 2 });
	await expect(heading).toBeFocused();
	const announcer = page.getByTestId('announcer');
	await page.keyboard.press('y');
	await expect(announcer).toHaveText('Instruction: yes');
	await page.keyboard.press('k');
	await expect(announcer).toHaveText('Question 1 of 3: Instruction describes a valid task');
	await page.keyboard.press('j');
	await page.keyboard.press('y');
	await expect(announcer).toHaveText('Input: yes');
	await page.keyboard.press('n');
	await expect(announcer).toHaveText('Output: no — reason: incorrect output');
	await page.keyboard.press('4');
	await expect(announcer).toHaveText('What is wrong: Other error');
	// The live region is there, empty, before the outcome is written into it.
	const status = card.getByRole('status');
	await expect(status).toHaveText('');
	await page.keyboard.press('Enter');
	await expect(status).toContainText('Saved');
	await expect(heading).toBeFocused();
	await page.waitForTimeout(300);
	await expect(heading).toBeFocused();
	await context.close();
});

test('forced colours (high contrast): the chosen rating and the highlighted response stand out without colour; radio names read "A: valid and satisfying"', async ({ browser }) => {
	const context = await signedInContext(browser, reviewer, { width: 1280, height: 800 });
	const page = await context.newPage();
	await page.emulateMedia({ forcedColors: 'active' });
	await page.goto('/review');
	await hydrated(page);
	// Each row's link names its audit (visible text stays "Start").
	await page.getByRole('link', { name: `Start ${ratingAuditName}` }).click();
	await hydrated(page);
	const first = page.getByRole('radiogroup', { name: 'Rating for response 1' });
	await expect(first.getByRole('radio', { name: 'A: valid and satisfying', exact: true })).toBeVisible();
	await page.keyboard.press('b');
	const chosen = first.getByRole('radio', { name: /^B/ });
	await expect(chosen).toHaveAttribute('aria-checked', 'true');
	const other = first.getByRole('radio', { name: /^C/ });
	const look = (l: typeof chosen) => l.evaluate((el) => { const c = getComputedStyle(el); return `${c.backgroundColor} ${c.outlineStyle}`; });
	expect(await look(chosen)).not.toBe(await look(other));
	// The highlighted response (the second, after B moved on) has an outline the others lack.
	const rows = page.locator('article.response');
	const outline = (i: number) => rows.nth(i).evaluate((el) => getComputedStyle(el).outlineStyle);
	await expect(rows.nth(1)).toHaveAttribute('aria-current', 'true');
	expect(await outline(1)).toBe('solid');
	expect(await outline(0)).toBe('none');
	await page.screenshot({ path: '/tmp/fix-a11y-forced-colors-review.png' });
	await context.close();
});

test('repeated links name their audit: "report" on /audits, "audit page" on /reports', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto('/audits');
	await expect(page.getByRole('link', { name: 'report of E2E a11y keyboard', exact: true })).toHaveAttribute('href', `/reports/${audit.auditId}`);
	await page.goto('/reports');
	await expect(page.getByRole('link', { name: 'audit page of E2E a11y keyboard', exact: true })).toHaveAttribute('href', `/audits/${audit.auditId}`);
	await expect(page.getByRole('link', { name: 'Disagreements in E2E a11y keyboard', exact: true })).toBeVisible();
	await context.close();
});
