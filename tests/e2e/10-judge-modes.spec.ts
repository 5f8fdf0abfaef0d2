/**
 * The rating judge in the browser: a rating audit of two models' responses (written through the
 * domain functions into the served app's database) and a scripted judge endpoint in this
 * process. A researcher starts the rating judge from the report's "Model as judge" panel (the
 * mode chosen by the audit's kind), the app runs it, and the panel shows the A–D confusion
 * matrix and agreement worked out in tests/integration/judge-modes-support.ts.
 */
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import type { Db } from '../../src/lib/server/db';
import { expectedRatingConfusion, modesScript, ratingWorld, RATING_TASKS } from '../integration/judge-modes-support';
import { percent } from '../../src/lib/reports/format';

let fake: FakeOpenAI;
let db: Db;
let world: Awaited<ReturnType<typeof ratingWorld>>;
let researcher: Account;
const endpointName = `rating-judge-fake-${Date.now()}`;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: modesScript, latencyMs: 10 });
	db = openE2eDatabase();
	world = await ratingWorld(db, `e2e rated ${Date.now()}`);
	createEndpoint({ name: endpointName, baseUrl: fake.url, apiKey: '', apiStyle: 'chat', model: 'judge-model', concurrency: 4 }, null, db);
	researcher = await makeAccount(db, 'researcher', 'Rating Judge Researcher');
});
test.afterAll(async () => {
	await fake?.close();
});

test('a researcher starts the rating judge from a rating audit’s report and reads its A–D calibration', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/reports/${world.auditId}`);
	const section = page.getByTestId('judge');
	await expect(section.getByTestId('judge-mode')).toContainText('Rating judge');
	await section.getByLabel('Endpoint', { exact: true }).selectOption({ label: `${endpointName} (judge-model)` });
	await section.getByLabel(/The whole dataset: all \d+ model responses the audit sampled from/).check();
	await section.getByRole('button', { name: 'Start rating judge run' }).click();
	await expect(page).toHaveURL(/\?judge=\d+/);

	const total = RATING_TASKS * 2;
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('judge-run-status')).toContainText(`completed, ${total} of ${total} responses judged`, { timeout: 1000 });
	}).toPass({ timeout: 60_000 });

	const want = expectedRatingConfusion(world.audited);
	const n = want.confusion.flat().reduce((a, b) => a + b, 0);
	const exact = want.confusion.reduce((s, row, i) => s + row[i], 0);
	await expect(page.getByTestId('judge-rating-calibration').locator('[data-stat="exact"]')).toContainText(percent(exact / n));
	const matrix = page.getByTestId('judge-rating-confusion');
	for (const [i, judge] of ['A', 'B', 'C', 'D'].entries())
		for (const [j, human] of ['A', 'B', 'C', 'D'].entries())
			await expect(matrix.locator(`tr[data-judge="${judge}"] td[data-human="${human}"]`)).toHaveText(String(want.confusion[i][j]));

	// The run's page speaks of responses and A–D, as `judge status` does, not of rows all valid.
	const runId = Number(/\?judge=(\d+)/.exec(page.url())![1]);
	const runPage = await context.newPage();
	await runPage.goto(`/runs/${runId}`);
	await expect(runPage.getByTestId('run-judged')).toContainText(`${total} / ${total} responses judged: ${total - 2} readable (11 A, 0 B, 11 C, 0 D)`);
	await expect(runPage.getByTestId('judge-rating-A')).toHaveText('11');
	await expect(runPage.getByTestId('judge-all-valid')).toHaveCount(0);
	// Its target and what it covers are counted in responses too.
	await expect(runPage.getByTestId('run-target')).toHaveText(`${total} responses`);
	const runParams = runPage.getByRole('region', { name: 'Parameters' });
	await expect(runParams.getByText('Responses judged', { exact: true })).toBeVisible();
	await expect(runParams.getByText('Rows judged', { exact: true })).toHaveCount(0);
	await runPage.close();

	await section.scrollIntoViewIfNeeded();
	await section.screenshot({ path: path.join('test-results', 'judge-rating-report-desktop.png') });
	await page.setViewportSize({ width: 390, height: 844 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	expect(overflow).toBe(false);
	await context.close();
});
