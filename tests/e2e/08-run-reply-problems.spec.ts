import { test, expect } from '@playwright/test';
import { ADMIN, RESEARCHER, gotoReady, signIn, signOut } from './helpers';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';

// A model that answers two classification prompts with neither Yes nor No and opens with a lone
// lead-in: the run page says how many answers were unclear and links to their raw replies.
let fake: FakeOpenAI;

test.beforeAll(async () => {
	const base = pipelineScript();
	const unclear = [' Maybe', ''];
	fake = await startFakeOpenAI({
		latencyMs: 20,
		script: (request) => {
			const key = String(request.headers['x-client-request-id'] ?? '');
			if (/si-instructions\/1$/.test(key)) return 'Here are some more tasks:';
			if (/si-classification\//.test(key) && unclear.length) return unclear.shift()!;
			return base(request);
		}
	});
});
test.afterAll(async () => {
	await fake?.close();
});

test('unclear classification answers and a lone lead-in are counted on the run page and found with their raw text', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await page.getByLabel('Name', { exact: true }).fill('unclear replies');
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('1');
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint unclear replies');
	await signOut(page);

	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'unclear replies — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('4');
	await page.getByLabel('Output dataset').fill('e2e unclear replies');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 });

	await expect(page.getByTestId('run-classification')).toContainText('2 unclear');
	const problems = page.getByTestId('reply-problems');
	await expect(problems).toContainText('Only a line announcing a list');
	await expect(problems).toContainText('Classification answer neither Yes nor No');

	// The unclear count leads to the classification calls with pieces not read, and each shows its raw reply.
	await page.getByTestId('run-classification').getByRole('link', { name: '2 unclear' }).click();
	await expect(page.getByRole('heading', { name: 'Model calls' })).toBeVisible();
	const rows = page.locator('tbody tr');
	await expect(rows).toHaveCount(2);
	await rows.filter({ hasText: 'si-classification' }).first().getByRole('link').first().click();
	await expect(page.getByTestId('call-problems')).toContainText('unclear_answer');
});
