/**
 * Issue #17 in Chromium: the Content-Security-Policy is sent and enforced (markup slipped into a
 * page cannot run script), and every page still works under it — each page of each role loads
 * and hydrates with no policy violation and no console error, charts included. Long fields show
 * clipped with "Show all". Self-sufficient: its own accounts and data, written through the
 * app's domain functions into the served database.
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gotoReady, signIn } from './helpers';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createUser, findUserByEmail } from '../../src/lib/server/auth/users';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { buildQualityAudit, buildRatingAudit } from '../support/audit-fixtures';

const SEC_ADMIN = { email: 'sec-admin@example.org', password: 'sec-admin-pass-1' };
const SEC_RESEARCHER = { email: 'sec-researcher@example.org', password: 'sec-research-pass-1' };
const SEC_REVIEWER = { email: 'sec-reviewer@example.org', password: 'sec-review-pass-1' };

function e2eDatabasePath(): string {
	const candidates = [process.env.E2E_DATA_DIR, path.join(os.tmpdir(), `instruct-audit-e2e-${process.ppid}`)]
		.filter((d): d is string => !!d)
		.map((d) => path.join(d, 'e2e.db'));
	const found = candidates.find((f) => fs.existsSync(f));
	if (!found) throw new Error(`The e2e database was not found (looked at ${candidates.join(', ')})`);
	return found;
}

let db: Db;
let datasetId = 0;
let longTaskId = 0;
let reviewAuditId = 0;
let qualityReportId = 0;
let secondQualityReportId = 0;
let ratingReportId = 0;

test.beforeAll(async () => {
	db = openDatabase(e2eDatabasePath(), path.resolve('migrations'));
	const ids: Record<string, number> = {};
	for (const [who, role] of [
		[SEC_ADMIN, 'admin'],
		[SEC_RESEARCHER, 'researcher'],
		[SEC_REVIEWER, 'reviewer']
	] as const) {
		ids[role] = findUserByEmail(who.email, db)?.id ?? (await createUser({ ...who, role }, db)).id;
	}
	const stamp = Date.now().toString(36);
	const rows = [
		{ instruction: 'Explain snake_case names. <img src=x onerror="window.__pwned = 1">', input: 'my_variable', output: 'x'.repeat(150_000) },
		...Array.from({ length: 8 }, (_, i) => ({ instruction: `Security page task ${i}: say something about ${i}.`, input: i % 2 ? `input ${i}` : '', output: `output ${i}` }))
	];
	const summary = await importFile(
		(async function* () {
			yield new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
		})(),
		{ datasetName: `sec pages ${stamp}`, fileName: 'sec.jsonl', createdBy: ids.researcher },
		db
	);
	datasetId = summary.datasetId;
	longTaskId = (db.$client.prepare("SELECT id FROM tasks WHERE dataset_id = ? AND instruction LIKE 'Explain snake%'").get(datasetId) as { id: number }).id;
	reviewAuditId = createAudit(
		{ datasetId, kind: 'quality', name: `sec review ${stamp}`, sampleSize: 5, seed: 3, overlap: 1, reviewerIds: [ids.reviewer], blind: false },
		db
	).id;
	const plan = { t1: { Ana: 'YYY', Ben: 'YYN' }, t2: { Ana: 'YNY', Ben: 'YNY' }, t3: { Ana: 'NYY', Ben: 'YYY' } };
	const tasks = [
		{ key: 't1', classification: true },
		{ key: 't2', classification: false },
		{ key: 't3', classification: false }
	];
	qualityReportId = (await buildQualityAudit(db, { datasetName: `sec q ${stamp}`, name: `sec quality ${stamp}`, tasks, reviewers: ['Ana', 'Ben'], overlap: 2, labels: plan })).auditId;
	secondQualityReportId = (await buildQualityAudit(db, { datasetName: `sec q2 ${stamp}`, name: `sec quality 2 ${stamp}`, tasks, reviewers: ['Ana', 'Ben'], overlap: 2, labels: plan })).auditId;
	ratingReportId = (
		await buildRatingAudit(db, {
			datasetName: `sec r ${stamp}`,
			name: `sec rating ${stamp}`,
			tasks: [
				{ key: 'r1', classification: null },
				{ key: 'r2', classification: null }
			],
			models: ['m-one', 'm-two'],
			reviewers: ['Dee', 'Eli'],
			overlap: 2,
			labels: {
				r1: { Dee: { ratings: { 'm-one': 'A', 'm-two': 'C' } }, Eli: { ratings: { 'm-one': 'B', 'm-two': 'D' } } },
				r2: { Dee: { ratings: { 'm-one': 'A', 'm-two': 'B' } }, Eli: { ratings: { 'm-one': 'A', 'm-two': 'B' } } }
			}
		})
	).auditId;
});
test.afterAll(() => db?.$client.close());

/** Records CSP violations (before any page script runs) and console errors of a page. */
function watch(page: Page): { problems: string[] } {
	const problems: string[] = [];
	void page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			const w = window as unknown as { __csp?: string[] };
			(w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
		});
	});
	page.on('console', (m) => {
		if (m.type() === 'error') problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	return { problems };
}

async function violations(page: Page): Promise<string[]> {
	return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

async function visitAll(page: Page, paths: string[]): Promise<string[]> {
	const { problems } = watch(page);
	const found: string[] = [];
	for (const p of paths) {
		const response = await page.goto(p);
		expect(response?.status(), p).toBeLessThan(400);
		await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
		await page.waitForTimeout(150); // charts draw after hydration
		for (const v of await violations(page)) found.push(`${p}: CSP ${v}`);
		for (const problem of problems.splice(0)) found.push(`${p}: ${problem}`);
	}
	return found;
}

test('every page carries a Content-Security-Policy with script nonces', async ({ request }) => {
	let checked = 0;
	for (const p of ['/login', '/setup']) {
		const res = await request.get(p, { maxRedirects: 0 });
		const csp = res.headers()['content-security-policy'] ?? '';
		if (res.status() !== 200) continue;
		checked++;
		expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+'/);
		expect(csp).toContain("object-src 'none'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toContain("base-uri 'self'");
	}
	expect(checked).toBeGreaterThan(0);
});

test('markup slipped into a page cannot run script', async ({ page }) => {
	watch(page);
	await signIn(page, SEC_RESEARCHER);
	await gotoReady(page, `/datasets/${datasetId}`);
	const ran = await page.evaluate(async () => {
		const w = window as unknown as { __pwned?: number };
		// As if a rendering slip put untrusted text into the page as HTML.
		document.body.insertAdjacentHTML('beforeend', '<img src="/nowhere.png" onerror="window.__pwned = 1"><a id="js" href="javascript:window.__pwned = 3">x</a>');
		const s = document.createElement('script');
		s.textContent = 'window.__pwned = 2';
		document.body.appendChild(s);
		(document.getElementById('js') as HTMLAnchorElement).click();
		await new Promise((r) => setTimeout(r, 500));
		return w.__pwned ?? null;
	});
	expect(ran).toBeNull();
	expect((await violations(page)).length).toBeGreaterThan(0);
});

test('a researcher and an admin use every page with no policy violation or console error', async ({ page }) => {
	await signIn(page, SEC_ADMIN);
	const runs = await page.request.get('/api/runs');
	const runList = runs.ok() ? ((await runs.json()) as Array<{ id: number }>) : [];
	const runPages = runList.length ? [`/runs/${runList[0].id}`, `/runs/${runList[0].id}/calls`] : [];
	const found = await visitAll(page, [
		'/',
		'/datasets',
		'/datasets/import',
		`/datasets/${datasetId}`,
		`/datasets/${datasetId}?q=snake_case`,
		`/datasets/${datasetId}/tasks/${longTaskId}`,
		`/datasets/${datasetId}/filters`,
		`/datasets/${datasetId}/near-duplicates`,
		'/runs',
		'/runs/new',
		...runPages,
		'/audits',
		'/audits/new',
		`/audits/${reviewAuditId}`,
		'/reports',
		`/reports/${qualityReportId}`,
		`/reports/${qualityReportId}/disagreements`,
		`/reports/${ratingReportId}`,
		`/reports/compare?a=${qualityReportId}&b=${secondQualityReportId}`,
		'/exports',
		`/exports?dataset=${datasetId}`,
		'/admin/users',
		'/admin/endpoints'
	]);
	expect(found).toEqual([]);
	// The charts were drawn under the policy (Observable Plot's inline <style> included).
	await gotoReady(page, `/reports/${ratingReportId}`);
	await expect(page.getByTestId('rating-chart').locator('svg g[aria-label="bar"] rect')).toHaveCount(8);
	await gotoReady(page, `/reports/${qualityReportId}`);
	await expect(page.getByTestId('quality-rates').locator('.plot svg circle').first()).toBeVisible();
	await page.getByRole('button', { name: 'Sign out' }).click();
	await signIn(page, SEC_RESEARCHER);
	expect(await visitAll(page, ['/', '/datasets', `/datasets/${datasetId}`, `/reports/${ratingReportId}`, '/exports'])).toEqual([]);
});

test('a reviewer works the review screen with no policy violation or console error', async ({ page }) => {
	await signIn(page, SEC_REVIEWER);
	const found = await visitAll(page, ['/', '/review', `/review/${reviewAuditId}`, `/review/${reviewAuditId}/labels`]);
	expect(found).toEqual([]);
	// Answer one item with the keyboard: the screen's scripts run under the policy.
	const { problems } = watch(page);
	await gotoReady(page, `/review/${reviewAuditId}`);
	await page.waitForURL(/\/items\//);
	await page.locator('body').press('y');
	await page.locator('body').press('y');
	await page.locator('body').press('y');
	await page.locator('body').press('Enter');
	await expect.poll(async () => (db.$client.prepare('SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?').get(reviewAuditId) as { n: number }).n).toBe(1);
	expect([...problems, ...(await violations(page))]).toEqual([]);
});

test('a long field shows clipped, with Show all (desktop and phone)', async ({ page }) => {
	await signIn(page, SEC_RESEARCHER);
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await gotoReady(page, `/datasets/${datasetId}/tasks/${longTaskId}`);
		const note = page.getByTestId('clip-note');
		await expect(note).toHaveCount(1);
		await expect(note).toContainText('Showing the first 10,000 of 150,000 characters.');
		await expect(page.getByLabel('Output', { exact: true })).toHaveText('x'.repeat(10_000));
		// The markup in the instruction is text.
		await expect(page.locator('pre[aria-label="Instruction"]')).toContainText('<img src=x onerror=');
		await page.screenshot({ path: `/tmp/sec-task-clipped-${width}.png`, fullPage: false });
	}
	await page.getByRole('link', { name: 'Show all of Output' }).click();
	await expect(page.getByTestId('clip-note')).toHaveCount(0);
	await expect(page.getByLabel('Output', { exact: true })).toHaveText('x'.repeat(150_000));
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull();
});

test('the export page offers keeping formula-like CSV cells only for CSV', async ({ page }) => {
	await signIn(page, SEC_RESEARCHER);
	await page.setViewportSize({ width: 1280, height: 900 });
	await gotoReady(page, `/exports?dataset=${datasetId}`);
	const keep = page.getByLabel('Keep cells that start like a formula as they are');
	await expect(keep).toHaveCount(0);
	await page.getByLabel('Format').selectOption('csv');
	await expect(keep).not.toBeChecked();
	await keep.check();
	await expect(page.getByTestId('cli-command')).toContainText('--csv-keep-formulas');
	await page.screenshot({ path: '/tmp/sec-export-csv-option.png', fullPage: true });
});
