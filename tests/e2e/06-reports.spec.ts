/**
 * Reports in the browser: audits with known labels are written into the running app's database
 * through the same domain functions the app uses (fixture builder), then a researcher reads the
 * data-quality report and the A–D chart, settles a tie, and downloads the numbers.
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESEARCHER, REVIEWER, gotoReady, signIn, signOut } from './helpers';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { setAdjudication } from '../../src/lib/server/reports';
import { createAudit } from '../../src/lib/server/audits/create';
import { createUser } from '../../src/lib/server/auth/users';

/**
 * The served app's database file. playwright.config.ts names its folder after the runner's pid;
 * test workers re-evaluate the config under their own pid, so look beside the parent's too.
 */
function e2eDatabasePath(): string {
	const candidates = [process.env.E2E_DATA_DIR, path.join(os.tmpdir(), `instruct-audit-e2e-${process.ppid}`)]
		.filter((d): d is string => !!d)
		.map((d) => path.join(d, 'e2e.db'));
	const found = candidates.find((f) => fs.existsSync(f));
	if (!found) throw new Error(`The e2e database was not found (looked at ${candidates.join(', ')})`);
	return found;
}

let db: Db;
let quality: BuiltAudit;
let rating: BuiltAudit;

test.beforeAll(async () => {
	db = openDatabase(e2eDatabasePath(), path.resolve('migrations'));
	// Same plan as tests/integration/report.test.ts: the numbers below are worked out there.
	quality = await buildQualityAudit(db, {
		datasetName: 'e2e report quality',
		name: 'E2E quality audit',
		...QUALITY_AUDIT_PLAN
	});
	rating = await buildRatingAudit(db, {
		datasetName: 'e2e report rating',
		name: 'E2E rating audit',
		tasks: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((key) => ({ key, classification: null })),
		models: ['model-one', 'model-two', 'model-three'],
		reviewers: ['Dee', 'Eli'],
		overlap: 2,
		labels: {
			r1: { Dee: { ratings: { 'model-one': 'A', 'model-two': 'C', 'model-three': 'B' } }, Eli: { ratings: { 'model-one': 'A', 'model-two': 'B', 'model-three': 'B' } } },
			r2: { Dee: { ratings: { 'model-one': 'B', 'model-two': 'B', 'model-three': 'D' } }, Eli: { ratings: { 'model-one': 'B', 'model-two': 'B', 'model-three': 'D' } } },
			r3: { Dee: { ratings: { 'model-one': 'A', 'model-two': 'D', 'model-three': 'C' } }, Eli: { ratings: { 'model-one': 'B', 'model-two': 'D', 'model-three': 'C' } } },
			r4: { Dee: { ratings: { 'model-one': 'C', 'model-two': 'A', 'model-three': 'A' } }, Eli: { ratings: { 'model-one': 'C', 'model-two': 'A', 'model-three': 'A' } } },
			r5: { Dee: { ratings: { 'model-one': 'A', 'model-two': 'C', 'model-three': 'D' } } }
		}
	});
	// r3's model-one ratings tie (A / B); the researcher's final label is A (the others as rated).
	const finals: Record<string, 'A' | 'B' | 'C' | 'D'> = { 'model-one': 'A', 'model-two': 'D', 'model-three': 'C' };
	setAdjudication(
		rating.auditId,
		rating.items.r3,
		null,
		{
			kind: 'rating',
			ratings: Object.entries(rating.responses.r3).map(([model, responseId]) => ({ responseId, rating: finals[model] }))
		},
		db
	);
});
test.afterAll(() => db?.$client.close());

async function openReport(page: Page, name: string) {
	await gotoReady(page, '/reports');
	await page.getByRole('link', { name, exact: true }).click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

test('a researcher opens a data-quality report: rates with intervals, references, breakdown, agreement', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await openReport(page, 'E2E quality audit');
	await expect(page.getByRole('heading', { name: 'Data-quality report: E2E quality audit' })).toBeVisible();

	const summary = page.getByTestId('report-summary');
	await expect(summary.locator('[data-stat="labelled"]')).toHaveText('7 / 8');
	await expect(summary.locator('[data-stat="adjudicated"]')).toHaveText('0');
	// Tied on a yes/no judgement (items whose reviewers tie only on the reason named are decided).
	await expect(summary.locator('[data-stat="tied"]')).toHaveText('2');
	await expect(page.getByTestId('report-basis')).toContainText('majority of its reviewers');

	const rates = page.getByTestId('quality-rates');
	const allValid = rates.locator('tr[data-rate="allValid"]');
	// Three estimators side by side. t5 is not adjudicated yet: its reviewers' own all-valid
	// answers (YNN / YYY) tie, as do t3's; t1 and t6 are valid; t2, t4 and t9 are not (t9: two of
	// three reviewers found fault, naming different fields) — so the majority is 2 to 4 of 7.
	await expect(allValid.locator('[data-cell="majority"]')).toContainText('28.6%–57.1%');
	await expect(allValid.locator('[data-cell="majority"]')).toContainText('2 yes, 3 no, 2 tied of 7');
	await expect(allValid.locator('[data-cell="majority"]')).toContainText('[8.2%, 84.2%]');
	// Label level: 9 of the 17 labels say all three fields are valid.
	await expect(allValid.locator('[data-cell="label"]')).toContainText('52.9%');
	await expect(allValid.locator('[data-cell="label"]')).toContainText('9 of 17 labels on 7 items');
	// Latent truth: fitted, but a few items seen by three reviewers do not identify the model, so it is
	// shown with that caveat and the headline chosen by the data is the majority bounds, with the reason.
	await expect(allValid.locator('[data-cell="latent"]')).toHaveAttribute('data-status', 'ok');
	await expect(allValid.locator('[data-cell="latent"]')).toContainText('n = 7 items');
	await expect(allValid.getByTestId('latent-caveat')).toContainText(/Not identified: (Only \d+ items were|No item was) labelled by three or more reviewers/);
	await expect(allValid.locator('[data-cell="headline"]')).toHaveAttribute('data-estimator', 'majority');
	await expect(page.getByTestId('headline-estimator')).toContainText(/Item majority, ties as bounds — latent truth \(Dawid–Skene\) not shown: (Only \d+ items were|No item was) labelled by three or more reviewers/);
	await expect(allValid).toContainText('54%');
	// The selector names what the data chose, not the latent truth they did not identify.
	await expect(rates.getByLabel('Headline estimator').locator('option[value="auto"]')).toHaveText('Chosen by the data (item majority, ties as bounds: latent truth is not identified by these data)');
	await expect(rates.locator('tr[data-rate="output"] [data-cell="majority"]')).toContainText('4 yes, 2 no, 1 tied of 7');

	// A researcher picks the majority bounds as the headline; the page says so; back to the data's choice.
	await rates.getByLabel('Headline estimator').selectOption('majority');
	await rates.getByRole('button', { name: 'Use as headline' }).click();
	await expect(allValid.locator('[data-cell="headline"]')).toHaveAttribute('data-estimator', 'majority');
	await expect(allValid.locator('[data-cell="headline"]')).toContainText('28.6%–57.1% [8.2%, 84.2%]');
	await expect(page.getByTestId('headline-estimator')).toContainText('Item majority, ties as bounds (chosen by a researcher)');
	await page.screenshot({ path: '/tmp/e2e-report-estimators-majority.png', fullPage: true });
	await rates.getByLabel('Headline estimator').selectOption('auto');
	await rates.getByRole('button', { name: 'Use as headline' }).click();
	await expect(page.getByTestId('headline-estimator')).toContainText('latent truth (Dawid–Skene) not shown');
	// The interval chart is drawn in the browser: a dot per question and task group (4 × 4).
	await expect(rates.locator('.plot svg circle')).toHaveCount(16);

	await expect(page.getByTestId('quality-breakdown').locator('tr[data-category="correct"]')).toContainText('113 of 200 (56.5%)');
	await expect(page.getByTestId('quality-split').locator('td[data-group="classification"][data-rate="allValid"]')).toContainText('n = 2');
	await expect(page.getByTestId('agreement-table').locator('tr[data-agreement="instruction"]')).toContainText('Fleiss');
	await expect(page.getByTestId('tie-list').getByRole('listitem')).toHaveCount(2);
	// The headline is not latent truth, so the note on ties does not lean on it.
	await expect(page.getByTestId('ties-note')).not.toContainText('latent');
	await expect(page.getByTestId('reviewer-table').locator('tr[data-reviewer="Ana"]')).toContainText('100.0%');
	await expect(page.getByTestId('reviewer-table').locator('tr[data-reviewer="Ana"] [data-cell="error-rates"]')).toContainText('All fields valid:');
	// Error rates from the unidentified fit are marked, with a note; no "looks random" flag from them.
	await expect(page.getByTestId('reviewer-table').locator('tr[data-reviewer="Ana"] [data-key="allValid"] [data-flag="not-identified"]')).toHaveText('not identified');
	await expect(page.getByTestId('error-rates-not-identified')).toContainText('not identified — read with care');
	await expect(page.getByTestId('reviewer-table').locator('[data-flag="random"]')).toHaveCount(0);
	await page.screenshot({ path: '/tmp/e2e-report-quality.png', fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: '/tmp/e2e-report-quality-390.png', fullPage: true });
});

test('a response-rating report draws the A–D bars per model with a sortable table and a paired test', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await openReport(page, 'E2E rating audit');
	const card = page.getByTestId('model-ratings');
	const chart = card.getByTestId('rating-chart');
	// Three models × four levels.
	await expect(chart.locator('svg g[aria-label="bar"] rect')).toHaveCount(12);
	await expect(chart).toContainText('A: valid and satisfying');
	await expect(chart).toContainText('D: irrelevant or invalid');
	const rows = card.getByTestId('rating-table').locator('tbody tr');
	// Sorted by the share rated A or B at the label level: model-one 4/5 (r3 adjudicated A), model-two
	// 2.5/5 (r1's C and B count half each: no response left out), model-three 2/5.
	await expect(card.getByTestId('rating-basis')).toContainText('Every rated response counts once');
	await expect(rows.locator('th')).toHaveText(['model-one', 'model-two', 'model-three']);
	await expect(card.locator('tr[data-model="model-one"] [data-cell="aOrB"]')).toHaveText('80.0%');
	await expect(card.locator('tr[data-model="model-two"] [data-cell="aOrB"]')).toHaveText('50.0%');
	// The share with one decimal, as every export prints it (1.5 of 5).
	await expect(card.locator('tr[data-model="model-two"] td[data-level="B"]')).toContainText('1.5 30.0%');
	await expect(card.locator('tr[data-model="model-two"]')).toContainText('n = 5');
	await card.getByRole('button', { name: 'Model' }).click();
	await expect(rows.locator('th')).toHaveText(['model-one', 'model-three', 'model-two']);
	await chart.screenshot({ path: '/tmp/e2e-rating-chart.png' });

	const pair = page.getByTestId('model-comparison');
	await pair.getByLabel('First model').selectOption('model-one');
	await pair.getByLabel('Second model').selectOption('model-two');
	// Every task both are rated on (r1–r5; r6 unrated), each side its reviewers' mean: +1.5, 0, +3, −2, +2.
	await expect(pair.locator('[data-stat="pairs"]')).toHaveText('5 of 6');
	await expect(pair.getByTestId('pairs-left-out')).toContainText('1 of 6 tasks are left out because a response of one model is not rated yet');
	await expect(pair.locator('[data-stat="firstBetter"]')).toHaveText('3');
	await expect(pair.locator('[data-stat="wilcoxonP"]')).toHaveText('0.46');
	await expect(pair.locator('[data-stat="signP"]')).toHaveText('0.63');
	// Swapping the models swaps who is better; the two-sided p stays.
	await pair.getByLabel('First model').selectOption('model-two');
	await pair.getByLabel('Second model').selectOption('model-one');
	await expect(pair.locator('[data-stat="firstBetter"]')).toHaveText('1');
	await expect(pair.locator('[data-stat="wilcoxonP"]')).toHaveText('0.46');
	await page.screenshot({ path: '/tmp/e2e-report-rating.png', fullPage: true });
});

test('a researcher settles tied items; the report uses and counts the final labels', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, `/reports/${quality.auditId}/disagreements?filter=open`);
	await expect(page.getByRole('heading', { name: 'Disagreements' })).toBeVisible();
	const t5 = page.locator(`article[data-item="${quality.items.t5}"]`);
	await expect(t5).toContainText('input of t5');
	// Labels side by side: one column per reviewer.
	await expect(t5.locator('table thead th')).toHaveText(['Question', 'Ana', 'Ben', 'Majority']);
	const form = t5.getByRole('form', { name: /Final label/ });
	await form.getByRole('group', { name: 'Instruction describes a valid task' }).getByLabel('yes').check();
	await form.getByRole('group', { name: 'Input is appropriate' }).getByLabel('yes').check();
	await form.getByRole('group', { name: 'Output is correct and acceptable' }).getByLabel('no').check();
	await form.getByLabel('What is wrong').selectOption('incorrect_output');
	await form.getByLabel('Comment').fill('checked against the source');
	await form.getByRole('button', { name: 'Set final label' }).click();
	await expect(page.getByRole('link', { name: /Adjudicated/ })).toContainText('1');

	// Leaving out "what is wrong" after a "no" is refused with a message.
	const t3 = page.locator(`article[data-item="${quality.items.t3}"]`);
	const t3form = t3.getByRole('form', { name: /Final label/ });
	await t3form.getByRole('group', { name: 'Instruction describes a valid task' }).getByLabel('no').check();
	await t3form.getByRole('group', { name: 'Input is appropriate' }).getByLabel('yes').check();
	await t3form.getByRole('group', { name: 'Output is correct and acceptable' }).getByLabel('yes').check();
	await t3form.getByLabel('What is wrong').selectOption('');
	await t3form.getByRole('button', { name: 'Set final label' }).click();
	await expect(t3.getByRole('alert')).toContainText('Choose what is wrong');

	await gotoReady(page, `/reports/${quality.auditId}`);
	await expect(page.getByTestId('report-summary').locator('[data-stat="adjudicated"]')).toHaveText('1');
	await expect(page.getByTestId('report-basis')).toContainText("1 item uses a researcher's adjudicated label");
	// With t5's final label (all-valid: no): 2 to 3 of 7, as in the integration test.
	const allValid = page.getByTestId('quality-rates').locator('tr[data-rate="allValid"]');
	await expect(allValid.locator('[data-cell="majority"]')).toContainText('28.6%–42.9%');
	await expect(allValid.locator('[data-cell="majority"]')).toContainText('1 adjudicated');
});

test('the report and every label download as JSON and CSV; reviewers cannot read reports', async ({ page }) => {
	await signIn(page, RESEARCHER);
	const report = await page.request.get(`/api/reports/${quality.auditId}/report.json`);
	expect(report.status()).toBe(200);
	expect(report.headers()['content-disposition']).toContain(`audit-${quality.auditId}-report.json`);
	const json = await report.json();
	expect(json.basis).toMatchObject({ overlap: 3, adjudicated: 1 });
	expect(json.quality.groups[0].rates[3]).toMatchObject({ key: 'allValid', yes: 2, no: 4, ties: 1, majority: { n: 7 }, label: { yes: 9, labels: 17 }, headline: { estimator: 'majority' } });
	const csv = await (await page.request.get(`/api/reports/${quality.auditId}/report.csv`)).text();
	expect(csv.split('\r\n')[0]).toBe('section,group,key,label,value,successes,n,lower,upper,reference,note');
	const labels = await (await page.request.get(`/api/reports/${quality.auditId}/labels.jsonl`)).text();
	expect(labels.trimEnd().split('\n')).toHaveLength(19);
	expect(JSON.parse(labels.split('\n')[0])).toHaveProperty('duration_ms');
	const labelCsv = await page.request.get(`/api/reports/${rating.auditId}/labels.csv`);
	expect(await labelCsv.text()).toContain('rating:model-one');
	expect((await page.request.get(`/api/reports/${quality.auditId}/nope.txt`)).status()).toBe(404);
	await signOut(page);

	await signIn(page, REVIEWER);
	expect((await page.goto('/reports'))?.status()).toBe(403);
	expect((await page.request.get(`/api/reports/${quality.auditId}/labels.csv`)).status()).toBe(403);
});

test('a pilot audit fills each item to k before starting new ones; the audit page says so', async ({ browser }) => {
	// Two reviewers of this spec's own, and two audits of the same sample: pilot and default.
	const pilotReviewers = [
		{ email: `pilot-a-${Date.now()}@example.org`, password: 'pilot-reviewer-1' },
		{ email: `pilot-b-${Date.now()}@example.org`, password: 'pilot-reviewer-2' }
	];
	const ids: number[] = [];
	for (const who of pilotReviewers) ids.push((await createUser({ ...who, role: 'reviewer' }, db)).id);
	const make = (routing: 'depth' | 'breadth') =>
		createAudit({ datasetId: quality.datasetId, kind: 'quality', name: `E2E ${routing} routing`, sampleSize: 8, seed: 7, overlap: 2, reviewerIds: ids, routing }, db).id;
	const pilot = make('depth');
	const breadth = make('breadth');

	const pages = [];
	for (const who of pilotReviewers) {
		const context = await browser.newContext();
		const page = await context.newPage();
		await signIn(page, who);
		pages.push(page);
	}
	const firstItem = async (page: Page, auditId: number) => {
		await gotoReady(page, `/review/${auditId}`);
		const text = await page.getByTestId('item-instruction').textContent();
		expect(text).toBeTruthy();
		return text;
	};
	// What the first reviewer holds (the item on screen and the one prefetched behind it).
	const held = (auditId: number) =>
		(db.$client
			.prepare('SELECT t.instruction FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id JOIN tasks t ON t.id = i.task_id WHERE s.audit_id = ? AND s.reviewer_id = ?')
			.all(auditId, ids[0]) as Array<{ instruction: string }>).map((r) => r.instruction);
	// Pilot: the second reviewer gets an item the first one has started (filled to k = 2 first).
	await firstItem(pages[0], pilot);
	const b = await firstItem(pages[1], pilot);
	expect(held(pilot)).toContain(b);
	// Default: every item gets its first label before any gets a second — a fresh item.
	await firstItem(pages[0], breadth);
	const d = await firstItem(pages[1], breadth);
	expect(held(breadth)).not.toContain(d);
	for (const page of pages) await page.context().close();

	const researcher = await (await browser.newContext()).newPage();
	await signIn(researcher, RESEARCHER);
	await gotoReady(researcher, `/audits/${pilot}`);
	await expect(researcher.getByTestId('routing')).toContainText('pilot: each item filled to k before new ones start');
	await expect(researcher.getByTestId('agreement-so-far')).toContainText('Shown once 10 items have all 2 labels (0 so far)');
	await researcher.context().close();
});
