import { test, expect } from '@playwright/test';
import { ADMIN, RESEARCHER, gotoReady, signIn, signOut } from './helpers';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';

// One call at a time: the first seven answer in 400 ms, the eighth takes 10 s, so the run is
// still running, with no status change, while the page should already list the calls made.
let fake: FakeOpenAI;
let calls = 0;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: () => (++calls === 8 ? 10_000 : 400) });
});
test.afterAll(async () => {
	await fake?.close();
});

test('the latest model calls follow the run with its counters, not frozen at page load', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await page.getByLabel('Name', { exact: true }).fill('one at a time');
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('1');
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint one at a time');
	await signOut(page);

	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'one at a time — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('40');
	await page.getByLabel('Output dataset').fill('e2e live calls');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });

	// While the eighth call is out: seven answered and one pending, listed as the counter says.
	const rows = page.getByTestId('recent-calls').locator('tbody tr');
	await expect(rows).toHaveCount(8, { timeout: 8_000 });
	await expect(rows.first()).toContainText('pending');
	await expect(page.getByTestId('run-requests')).toHaveText('7');
	await expect(page.getByTestId('run-status')).toHaveText('running');
	// Leave nothing running for the next specs.
	page.once('dialog', (d) => void d.accept());
	await page.getByRole('button', { name: 'Cancel' }).click();
	await expect(page.getByTestId('run-status')).toHaveText('cancelled', { timeout: 15_000 });
	// A cancelled run says so once: no "Cancelling…" left beside it.
	await expect(page.getByTestId('run-message')).toHaveText('Cancelled.');
	await expect(page.getByTestId('run-stopping')).toHaveCount(0);
	await expect(page.getByText('Cancelling…')).toHaveCount(0);
	// A cancelled run makes no more calls: its share of failed calls allowed is shown, not editable.
	await expect(page.getByTestId('run-failed-share')).toContainText('(the run has ended)');
	await expect(page.getByTestId('run-failed-share').getByRole('button', { name: 'Save' })).toHaveCount(0);
});

test('the new-run form states every decoding problem of a step once, in words', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new?pipeline=alpaca');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'one at a time — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('5');
	await page.getByLabel('Output dataset').fill('e2e decoding problems');
	await page.getByText('Task generation (Alpaca)').first().click();
	await page.locator('[id="d-alpaca/generation-temperature"]').fill('3');
	await page.locator('[id="d-alpaca/generation-stop"]').fill('["a", "b", "c", "d", "e"]');
	await page.getByRole('button', { name: 'Start run' }).click();
	// The first problem is named beside Start, linked to its field; each problem is said once, beside its own field.
	await expect(page.getByTestId('start-error')).toHaveText('The run did not start — Task generation (Alpaca): Temperature is at most 2 (got 3).');
	await expect(page.locator('[id="d-alpaca/generation-temperature"] ~ .field-error')).toHaveText('Temperature is at most 2 (got 3).');
	await expect(page.locator('[id="d-alpaca/generation-stop"] ~ .field-error')).toHaveText(/at most 4 stop sequences \(5 given\)/i);
});
