/**
 * A model as judge in the browser: a dataset with a one-reviewer audit (written through the
 * domain functions into the served app's database), a scripted judge endpoint on 127.0.0.1 in
 * this process. A researcher starts a judge run from the report page, the app runs it, and the
 * report then shows the judge's agreement with the audit and the whole-dataset estimate beside
 * the audit-only rate — the figures worked out in tests/integration/judge-support.ts.
 */
import { test, expect } from '@playwright/test';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import type { Db } from '../../src/lib/server/db';
import { buildJudgeWorld, expectedFigures, humanSays, judgeSays, judgeScript, TASKS, type JudgeWorld } from '../integration/judge-support';
import { percent } from '../../src/lib/reports/format';

let fake: FakeOpenAI;
let db: Db;
let world: JudgeWorld;
let researcher: Account;
const endpointName = `judge-fake-${Date.now()}`;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: judgeScript, latencyMs: 20 });
	db = openE2eDatabase();
	world = await buildJudgeWorld(db, `e2e judged ${Date.now()}`);
	createEndpoint({ name: endpointName, baseUrl: fake.url, apiKey: '', apiStyle: 'chat', model: 'judge-model', concurrency: 4 }, null, db);
	researcher = await makeAccount(db, 'researcher', 'Judge Researcher');
});
test.afterAll(async () => {
	await fake?.close();
});

test('a researcher starts a judge run from the report and reads its calibration and the whole-dataset estimate', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/reports/${world.auditId}`);
	const section = page.getByTestId('judge');
	await expect(section.getByRole('heading', { name: 'Model as judge' })).toBeVisible();
	await section.getByLabel('Endpoint', { exact: true }).selectOption({ label: `${endpointName} (judge-model)` });
	await section.getByLabel(/The whole dataset: all \d+ rows the audit sampled from \(needed for the whole-dataset estimate\)/).check();
	await section.getByRole('button', { name: 'Start judge run' }).click();
	await expect(page).toHaveURL(/\?judge=\d+/);
	await expect(page.getByTestId('judge-run-status')).toBeVisible();

	// The app runs it in the background: reload until it has judged every row.
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('judge-run-status')).toContainText(`completed, ${TASKS} of ${TASKS} rows judged`, { timeout: 1000 });
	}).toPass({ timeout: 60_000 });

	const want = expectedFigures(world.audited);
	const estimate = page.getByTestId('judge-estimate');
	await expect(estimate.locator('[data-stat="ppi"]')).toContainText(percent(want.estimate));
	await expect(estimate.locator('[data-stat="human"]')).toContainText(percent(want.humanRate));
	const all = page.getByTestId('judge-calibration').locator('tr[data-question="allValid"]');
	const c = want.confusion;
	await expect(all.locator('[data-cell="confusion"]')).toHaveText(`${c.truePositives} / ${c.falseNegatives} / ${c.falsePositives} / ${c.trueNegatives}`);
	await expect(all.locator('[data-cell="agreement"]')).toContainText(percent(want.agreement));
	await expect(all.locator('[data-cell="sensitivity"]')).toHaveText(percent(want.sensitivity));
	await expect(all.locator('[data-cell="specificity"]')).toHaveText(percent(want.specificity));

	// The JSON download holds what the page shows, the judge included (it never did).
	const download = page.getByRole('link', { name: 'Report (JSON)' });
	const judgeShown = Number(new URL(page.url()).searchParams.get('judge'));
	await expect(download).toHaveAttribute('href', `/api/reports/${world.auditId}/report.json?judge=${judgeShown}`);
	const json = await (await page.request.get((await download.getAttribute('href'))!)).json();
	expect(json.judge.run.id).toBe(judgeShown);
	expect(percent(json.judge.estimate.estimate)).toBe(percent(want.estimate));

	await section.scrollIntoViewIfNeeded();
	await section.screenshot({ path: path.join('test-results', 'judge-report-desktop.png') });
	await page.setViewportSize({ width: 390, height: 844 });
	await section.screenshot({ path: path.join('test-results', 'judge-report-phone.png') });
	// Nothing wider than the phone's screen but the table, which scrolls in its own box.
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	expect(overflow).toBe(false);

	// A stopped run says why on the report, and where to resume it, instead of "reload to update".
	await page.setViewportSize({ width: 1280, height: 900 });
	const judgeRunId = Number(new URL(page.url()).searchParams.get('judge'));
	const why = 'Failed: the endpoint rejected the API key (401).';
	db.$client.prepare("UPDATE generation_runs SET status = 'failed', message = ? WHERE id = ?").run(why, judgeRunId);
	await page.reload();
	await expect(page.getByTestId('judge-run-message')).toHaveText(why);
	await expect(page.getByTestId('judge-run-status').getByRole('link', { name: 'Resume it from its run page' })).toHaveAttribute('href', `/runs/${judgeRunId}`);
	db.$client.prepare("UPDATE generation_runs SET status = 'completed', message = NULL WHERE id = ?").run(judgeRunId);
	await page.reload();

	// The judge run has its run page like any run: its template, what it covers, its calls.
	await page.getByTestId('judge-run-status').getByRole('link').click();
	await expect(page.getByText('the whole dataset', { exact: true })).toBeVisible();
	await expect(page.getByTestId('run-judged')).toContainText(`${TASKS} / ${TASKS} rows judged: ${TASKS - 1} readable`);
	// Judge tiles, not the generation ones: judged, unparsed, asked again (tasks 4 and 7), cost, batch state.
	const tiles = page.getByTestId('judge-tiles');
	await expect(tiles.getByTestId('judge-judged')).toContainText(`${TASKS} of ${TASKS}`);
	await expect(tiles.getByTestId('judge-unparsed')).toHaveText('1');
	await expect(tiles.getByTestId('judge-retried')).toHaveText('2');
	await expect(tiles.getByTestId('run-cost')).toContainText('no prices');
	await expect(tiles.getByTestId('judge-batch-state')).toHaveText('live calls (no batch)');
	await expect(page.getByTestId('run-kept')).toHaveCount(0);
	// Nor the generation-only sections: candidates rejected by rule, seeds, filters, candidates per call.
	await expect(page.getByRole('heading', { name: /rejected, by rule/ })).toHaveCount(0);
	await expect(page.getByText('Seeds', { exact: true })).toHaveCount(0);
	await expect(page.getByRole('columnheader', { name: 'Candidates' })).toHaveCount(0);
	await expect(page.getByText(`${TASKS} rows`, { exact: true })).toBeVisible();
	// Named as a judge run, not under "Generation".
	await expect(page.getByTestId('run-breadcrumbs')).toHaveText('Reports / Model judge /');
	// The main nav agrees with the breadcrumbs: Reports is the current section, not Generation.
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav.getByRole('link', { name: 'Reports' })).toHaveAttribute('aria-current', 'page');
	await expect(nav.getByRole('link', { name: 'Generation' })).not.toHaveAttribute('aria-current');
	await expect(page).toHaveTitle(/· Model judge ·/);
	await page.screenshot({ path: path.join('test-results', 'judge-run-page.png'), fullPage: true });
	const runId = Number(new URL(page.url()).pathname.split('/').pop());
	// A Batch API submission's table scrolls in its own region on a phone, never the page; verdicts
	// from two models (failed calls retried with another) are named with their counts.
	const batchKey = `judge run ${runId} batch 1`;
	db.$client
		.prepare("INSERT INTO judge_batches (run_id, key, phase, call_ids, batch_id, remote_status, request_counts, created_at, updated_at) VALUES (?, ?, 'done', '[]', 'batch_0123456789abcdef0123456789', 'completed', '{\"completed\":20,\"failed\":0}', 0, 0)")
		.run(runId, batchKey);
	const retried = db.$client.prepare("UPDATE judge_labels SET model = 'big' WHERE id IN (SELECT id FROM judge_labels WHERE run_id = ? ORDER BY id DESC LIMIT 3)").run(runId).changes;
	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await expect(page.getByTestId('judge-batches')).toBeVisible();
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await expect(page.getByRole('group', { name: 'Batch API submissions' })).toBeVisible();
	// A judge run has no analyses (they are of generation runs): no link to a 404 (/analyses?run=N).
	await expect(page.getByRole('link', { name: 'analyses' })).toHaveCount(0);
	await expect(page.getByTestId('run-model')).toHaveText(`verdicts from judge-model (${TASKS - retried} verdicts) and big (${retried} verdicts)`);
	// As a Batch API run: requests sent again are counted apart from HTTP retries, and stray and conflicting result lines are named.
	const progressBefore = db.$client.prepare<[number], string>('SELECT progress FROM generation_runs WHERE id = ?').pluck().get(runId)!;
	db.$client
		.prepare("UPDATE generation_runs SET params = json_set(params, '$.batch', json('true')), progress = json_set(progress, '$.batchLines', json(?), '$.retries', 0) WHERE id = ?")
		.run(JSON.stringify({ resent: 12, unexpected: 1, unexpectedIds: ['judge-999-call-999'], conflicting: 1 }), runId);
	await page.reload();
	await expect(page.getByTestId('run-retries')).toHaveText('0');
	await expect(page.getByTestId('judge-batch-resent')).toHaveText('12');
	await expect(page.getByTestId('judge-batch-conflicting')).toHaveText('1');
	await expect(page.getByTestId('judge-batch-unexpected')).toHaveText('1 judge-999-call-999');
	db.$client.prepare("UPDATE generation_runs SET params = json_set(params, '$.batch', json('false')), progress = ? WHERE id = ?").run(progressBefore, runId);
	db.$client.prepare('DELETE FROM judge_batches WHERE run_id = ?').run(runId);
	db.$client.prepare("UPDATE judge_labels SET model = 'judge-model' WHERE run_id = ?").run(runId);
	await page.setViewportSize({ width: 1280, height: 900 });
	// Its calls whose replies were not read: task 7's two and task 4's first (read on retry), each flagged; no candidates column.
	await page.goto(`/runs/${runId}/calls?problems=1`);
	// The same breadcrumbs as the run page, and each call's model.
	await expect(page.getByTestId('calls-breadcrumbs')).toHaveText(`Reports / Model judge / Run #${runId} /`);
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' })).toHaveAttribute('aria-current', 'page');
	await expect(page.getByTestId('call-model').first()).toHaveText('judge-model');
	const callRows = page.locator('section[aria-label="Model calls"] tbody tr');
	await expect(callRows).toHaveCount(3);
	for (let i = 0; i < 3; i++) await expect(callRows.nth(i).locator('td').nth(-2)).toHaveText('1');
	await expect(page.getByRole('columnheader', { name: 'Candidates' })).toHaveCount(0);
	await page.goBack();
	// A judge run generated nothing: no candidates or template set to download, and asked for
	// anyway, a clear refusal (it was a 200 whose body broke off).
	await expect(page.getByRole('link', { name: /Download the candidates|Download the template set/ })).toHaveCount(0);
	for (const file of ['candidates.jsonl', 'templates.json']) {
		const response = await page.request.get(`/runs/${runId}/${file}`);
		expect(response.status(), file).toBe(400);
		expect(await response.text(), file).toContain('This is a judge run');
	}

	// Export: "judge says all valid" with this run; the count and the judge's precision on the audit beside it.
	await page.goto(`/exports?dataset=${world.datasetId}`);
	const judgeBox = page.getByTestId('judge-filter');
	await judgeBox.getByLabel('Judge run').selectOption(String(runId));
	await judgeBox.getByLabel('Judge says all valid').check();
	const judgedValid = Array.from({ length: TASKS }, (_, k) => k).filter((k) => judgeSays(k) === true).length;
	const count = page.getByTestId('export-count');
	await expect(count.locator('[data-count="instances"]')).toHaveText(String(judgedValid));
	const tp = world.audited.filter((k) => judgeSays(k) === true && humanSays(k)).length;
	const jy = world.audited.filter((k) => judgeSays(k) === true).length;
	const precision = page.getByTestId('judge-precision');
	await expect(precision).toContainText(`Judge precision on audit ${world.auditId}: ${percent(tp / jy)}`);
	await expect(precision).toContainText(`of the ${jy} audited items judge run ${runId} called all valid, the final human label also says all valid on ${tp}.`);
	await expect(page.getByTestId('cli-command')).toContainText(`--where judge-run=${runId} --where judge-valid`);
	// No human-label filter: the file is the audited population, and the page says how its figure is found.
	await expect(page.getByTestId('export-quality-file')).toContainText('This file: the file is the audited population (no human-label filter)');
	await page.screenshot({ path: path.join('test-results', 'judge-export-filter.png'), fullPage: true });
	await context.close();
});
