import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, type Page } from '@playwright/test';
import { ADMIN, RESEARCHER, gotoReady, signIn, signOut } from './helpers';
import { CONTENT_FILTERED_REPLY, contextLengthError, startFakeOpenAI, type FakeGenerationRequest, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';

// A scripted endpoint whose base model refuses some instance prompts as too long for its context
// and cuts some replies with its content filter; a "larger" model answers them all.
let fake: FakeOpenAI;
const instances = (r: FakeGenerationRequest) => /\nTask: [^\n]*\n$/.test(r.prompt) && r.model === 'fake-base';

test.beforeAll(async () => {
	fake = await startFakeOpenAI({
		script: pipelineScript(),
		latencyMs: 30,
		promptFaults: [
			{ share: 0.25, match: instances, reply: (r) => contextLengthError(r, 90) },
			{ share: 0.1, match: instances, reply: CONTENT_FILTERED_REPLY }
		]
	});
});
test.afterAll(async () => {
	await fake?.close();
});

async function shoot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: `/tmp/e2e-run-failures-${name}-desktop.png`, fullPage: true });
	const size = page.viewportSize();
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: `/tmp/e2e-run-failures-${name}-phone.png`, fullPage: true });
	// Nothing of the page's own content runs off sideways at phone width.
	const wide = await page.evaluate(() =>
		[...document.querySelectorAll('main *')]
			.filter((el) => el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap'))
			.map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
	);
	expect(wide).toEqual([]);
	if (size) await page.setViewportSize(size);
}

test('with two endpoints and none marked default, New run preselects one and states a problem next to Start', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	// The endpoint of the earlier specs stops being the default…
	const scripted = page.locator('tr[data-endpoint="scripted"]');
	await scripted.getByRole('button', { name: 'Edit' }).click();
	await page.getByLabel('default endpoint for new runs').uncheck();
	await page.getByRole('button', { name: 'Save endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Saved endpoint scripted');
	// …and a second one is added, not default either.
	await page.getByLabel('Name', { exact: true }).fill('flaky');
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('4');
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint flaky');
	await signOut(page);

	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	const endpoint = page.getByLabel('Endpoint', { exact: true });
	// Not blank: the endpoint the latest run used.
	await expect(endpoint.locator('option:checked')).toHaveText(/^scripted — fake-base/);
	// A problem the server finds is said at its field and again next to Start.
	await page.getByLabel(/^Target/).fill('5');
	await page.getByLabel('Output dataset').fill('e2e generated');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page.locator('#datasetName ~ .field-error')).toContainText('already exists');
	// …and a screen reader hears it with the field (aria-describedby), which is marked invalid.
	await expect(page.getByLabel('Output dataset')).toHaveAccessibleDescription(/already exists/);
	await expect(page.getByLabel('Output dataset')).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByTestId('start-error')).toContainText('The run did not start — Output dataset: A dataset named "e2e generated" already exists');
	await expect(endpoint.locator('option:checked')).toHaveText(/^scripted/);
	// What was typed is still there to correct.
	await expect(page.getByLabel(/^Target/)).toHaveValue('5');
	await expect(page.getByLabel('Output dataset')).toHaveValue('e2e generated');
	await page.getByTestId('start-error').scrollIntoViewIfNeeded();
	await shoot(page, 'new-run');
});

test('failed calls: shown by reason on the run page and in the calls list, and retried with a larger model', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'flaky — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('24');
	await page.getByLabel('Output dataset').fill('e2e failures');
	await page.getByLabel(/^Failed calls allowed/).fill('60');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 });
	await expect(page.getByTestId('run-accepted')).toContainText('24 / 24 instructions kept');
	// Tasks waiting on a failed call are counted beside what was kept, with the words apart.
	const held = Number(await page.getByTestId('run-held').textContent());
	expect(held).toBeGreaterThan(0);
	await expect(page.getByTestId('run-accepted')).toHaveText(`24 / 24 instructions kept · ${held} held back`);

	// The run went on past its failed calls and says so, by reason.
	const section = page.getByTestId('failed-calls');
	await expect(section).toBeVisible();
	const failed = Number(await page.getByTestId('run-failed').textContent());
	expect(failed).toBeGreaterThan(0);
	await expect(page.getByTestId('run-message')).toContainText(`Completed with ${failed} failed call`);
	const byReason = page.getByTestId('failed-by-reason');
	await expect(byReason).toContainText('Prompt too long for the model');
	await expect(section).toContainText('held back');
	await expect(page.getByTestId('run-failed-share')).toContainText('');
	await expect(page.getByLabel('Pause when more than')).toHaveValue('60');
	await shoot(page, 'run');

	// The calls list, filtered to one reason; then one failed call with what the server said.
	await byReason.getByRole('link', { name: 'Prompt too long for the model' }).click();
	await expect(page.getByRole('heading', { name: 'Model calls' })).toBeVisible();
	await expect(page.getByTestId('failed-calls-note')).toContainText(`${failed} call`);
	const rows = page.locator('tbody tr');
	await expect(rows.first()).toContainText('failed');
	await expect(rows.first()).toContainText('Prompt too long for the model');
	await expect(rows.first()).toContainText("over the model's limit of 90");
	await shoot(page, 'calls');
	await rows.first().getByRole('link').click();
	const failure = page.getByTestId('call-failure');
	await expect(failure).toContainText("Failed: Prompt too long for the model. Too long for the model's context (400): the prompt is");
	await expect(failure).toContainText('larger context');
	await expect(page.getByTestId('call-error-detail')).toContainText('"code": "context_length_exceeded"');
	await expect(failure.getByRole('link', { name: 'The task it was for' })).toBeVisible();
	await shoot(page, 'call');

	// Retry with a larger-context model: only the failed calls go out again, and the run completes clean.
	await page.getByRole('link', { name: /^Run #\d+$/ }).click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const answered = new Set(fake.generationRequests().filter((r) => r.outcome === 200 && r.finishReason !== 'content_filter').map((r) => String(r.headers['x-client-request-id'])));
	const before = fake.generationRequests().length;
	await page.getByLabel(/^Model for the retry/).fill('fake-large');
	await page.getByRole('button', { name: `Retry ${failed} failed call${failed === 1 ? '' : 's'}` }).click();
	await expect(page.getByRole('status').filter({ hasText: `Sending ${failed} failed call` })).toContainText('with model fake-large');
	// The page follows the run again until it completes with every call answered.
	const runId = /\/runs\/(\d+)/.exec(page.url())![1];
	await expect
		.poll(async () => {
			const summary = await (await page.request.get(`/api/runs/${runId}`)).json();
			return `${summary.status} ${summary.progress.calls.failed} ${summary.progress.tasksFailed}`;
		}, { timeout: 60_000 })
		.toBe('completed 0 0');
	await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 10_000 });
	await expect(page.getByTestId('run-failed')).toHaveText('0');
	await expect(page.getByTestId('failed-calls')).toHaveCount(0);
	const resent = fake.generationRequests().slice(before);
	expect(resent.length).toBeGreaterThanOrEqual(failed);
	expect(resent.filter((r) => answered.has(String(r.headers['x-client-request-id'])))).toEqual([]);
	expect(resent.every((r) => r.body?.model === 'fake-large')).toBe(true);
	await signOut(page);

	// Leave the earlier specs' endpoint as the default again.
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await page.locator('tr[data-endpoint="scripted"]').getByRole('button', { name: 'Make default' }).click();
	await expect(page.getByRole('status').first()).toContainText('Default endpoint changed');
});

test('a run against an unreachable endpoint shows its retries and the last error while it retries', async ({ page }) => {
	// A port nobody listens on.
	const probe = http.createServer();
	await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
	const { port } = probe.address() as AddressInfo;
	await new Promise<void>((r) => probe.close(() => r()));

	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await page.getByLabel('Name', { exact: true }).fill('down');
	await page.getByLabel('Base URL').fill(`http://127.0.0.1:${port}/v1`);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('2');
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint down');
	await signOut(page);

	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'down — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('5');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	// Within seconds, while the run still retries, the page shows the retries and why.
	await expect.poll(async () => Number(await page.getByTestId('run-retries').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
	await expect(page.getByTestId('run-status')).toHaveText('running');
	await expect(page.getByTestId('run-last-error')).toContainText('Could not reach the server (ECONNREFUSED)');
	await page.screenshot({ path: '/tmp/e2e-run-failures-retrying-desktop.png', fullPage: true });
	page.once('dialog', (dialog) => void dialog.accept());
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-status')).toHaveText('cancelled', { timeout: 15_000 });
	// What it saw is kept after it stopped.
	await expect(page.getByTestId('run-last-error')).toContainText('ECONNREFUSED');
	// The failed-calls rule of an ended run, its note a word apart.
	const share = page.getByTestId('run-failed-share');
	await expect(share).toContainText('(the run has ended)');
	expect((await share.textContent())!.replace(/\s+/g, ' ').trim()).toMatch(/% of recent calls fail \(the run has ended\)$/);
	expect(Number(await page.getByTestId('run-retries').textContent())).toBeGreaterThan(0);
});

test('a run that completes short of its target says so as a warning, not as a success', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'flaky — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('40');
	await page.getByLabel(/^Instruction-call limit/).fill('1');
	await page.getByLabel('Output dataset').fill('e2e short run');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 });
	const message = page.getByTestId('run-message');
	await expect(message).toContainText('Stopped short of the target');
	await expect(message).toHaveClass(/\bwarn\b/);
	await expect(message).not.toHaveClass(/\bok\b/);
	await expect(page.getByTestId('run-status')).toHaveClass(/\bwarn\b/);
});
