import { test, expect } from '@playwright/test';
import { ADMIN, RESEARCHER, gotoReady, signIn, signOut } from './helpers';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';

// The scripted OpenAI-compatible server runs in this test process on 127.0.0.1; the app (its
// own process) reaches it through an endpoint the admin adds in the UI.
let fake: FakeOpenAI;
const SECRET = 'sk-e2e-secret-key-987654';

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: 40 });
});
test.afterAll(async () => {
	await fake?.close();
});

test('an admin adds an endpoint, sees its key masked, and tests the connection', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await expect(page.getByRole('heading', { name: 'Endpoints', exact: true })).toBeVisible();
	await page.getByLabel('Name', { exact: true }).fill('scripted');
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('API key').fill(SECRET);
	await page.getByLabel('Concurrency').fill('4');
	await page.getByLabel('Price per 1M input tokens, USD').fill('1');
	await page.getByLabel('Price per 1M output tokens, USD').fill('2');
	await page.getByLabel('default endpoint for new runs').check();
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint scripted');
	const row = page.locator('tr[data-endpoint="scripted"]');
	await expect(row).toContainText('sk-…7654');
	expect(await page.content()).not.toContain(SECRET);

	await row.getByRole('button', { name: 'Test connection' }).click();
	await expect(page.getByTestId('test-result')).toContainText('Connected: model fake-base answered');
	// The key reached the endpoint, and only the endpoint.
	expect(fake.generationRequests().at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
	// On a phone the result stays inside the screen, though its table scrolls sideways.
	await page.setViewportSize({ width: 390, height: 844 });
	const box = await page.getByTestId('test-result').boundingBox();
	expect(box!.x).toBeGreaterThanOrEqual(0);
	expect(box!.x + box!.width).toBeLessThanOrEqual(390);
	await page.setViewportSize({ width: 1280, height: 720 });
	await signOut(page);
});

test('a researcher starts a Self-Instruct run and watches it reach completion', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Generation' }).click();
	await page.getByRole('link', { name: 'New run' }).click();
	await expect(page.getByRole('heading', { name: 'New generation run' })).toBeVisible();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel(/^Target/).fill('12');
	await page.getByLabel('Output dataset').fill('e2e generated');
	// Every step's template is on the page and checked as it is edited.
	await page.getByText('Classification identification').click();
	const template = page.locator('textarea[name="template:self-instruct/classification"]');
	const original = await template.inputValue();
	await template.fill(original.replace('{{task}}', '{{tsak}}'));
	await expect(page.getByText('Unknown placeholder {{tsak}}')).toBeVisible();
	// A screen reader hears the problems with the template itself, each apart.
	await expect(template).toHaveAccessibleDescription(/Unknown placeholder \{\{tsak\}\};.* The template must contain \{\{task\}\}/);
	await expect(page.getByRole('button', { name: 'Start run' })).toBeDisabled();
	await page.getByRole('button', { name: /Reset to the default/ }).click();
	await expect(page.getByRole('button', { name: 'Start run' })).toBeEnabled();
	await page.getByRole('button', { name: 'Start run' }).click();

	await expect(page).toHaveURL(/\/runs\/\d+$/);
	const status = page.getByTestId('run-status');
	const requests = page.getByTestId('run-requests');
	// The live view follows the run: the request count grows while it runs, then it completes.
	await expect.poll(async () => Number((await requests.textContent())?.replace(/,/g, '')), { timeout: 20_000 }).toBeGreaterThan(0);
	await expect(status).toHaveText('completed', { timeout: 60_000 });
	await expect(page.getByTestId('run-accepted')).toContainText('12 / 12 instructions kept');
	await expect(page.getByTestId('run-cost')).toContainText('$');
	expect(Number((await requests.textContent())?.replace(/,/g, ''))).toBeGreaterThan(12);

	// The candidates download: one JSON line per generated instruction, the 12 accepted among them.
	const candidates = await page.request.get(`${new URL(page.url()).pathname}/candidates.jsonl`);
	expect(candidates.status()).toBe(200);
	const lines = (await candidates.text()).trim().split('\n').map((line) => JSON.parse(line) as { instruction: string });
	expect(lines.length).toBeGreaterThanOrEqual(12);
	expect(lines.every((line) => line.instruction.length > 0)).toBe(true);

	// Provenance: a call with its prompt and reply.
	await page.getByRole('link', { name: 'All calls, with prompts and replies' }).click();
	await page.getByLabel('Step').selectOption('self-instruct/instruction-generation');
	await page.getByRole('button', { name: 'Show' }).click();
	await page.getByRole('link', { name: /si-instructions\/1$/ }).click();
	await expect(page.getByTestId('call-detail')).toContainText('Brainstorm a numbered list');
	await expect(page.getByTestId('call-detail')).toContainText('default v1');

	// The output is a dataset like an imported one.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
	await page.getByRole('link', { name: 'e2e generated' }).click();
	await expect(page.getByRole('heading', { name: 'e2e generated' })).toBeVisible();
	await expect(page.getByRole('link', { name: /run \d+/ }).or(page.locator('table tbody tr').first())).toBeVisible();
});

test('a researcher starts an Alpaca run from New run and it completes with tasks, inputs and outputs', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByRole('radio', { name: /^Alpaca/ }).check();
	// Alpaca's own settings: seed tasks per prompt, its filter preset, its one step with the paper's decoding.
	await expect(page.getByLabel(/^Seed tasks per prompt/)).toHaveValue('3');
	await expect(page.getByLabel('Filters', { exact: true })).toHaveValue('alpaca');
	await expect(page.getByLabel(/^Similarity records/)).toHaveValue('on');
	await expect(page.locator('textarea[name="template:alpaca/generation"]')).toHaveValue(/\{\{seed_tasks\}\}/);
	await expect(page.locator('textarea[name="template:self-instruct/classification"]')).toHaveCount(0);
	// A template set from a file fills the step; a bad one is refused with the step and field named.
	await page.getByLabel(/^Load a template set/).setInputFiles({
		name: 'bad.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify({ steps: { 'alpaca/generation': { template: 'only {{next_number}}' } } }))
	});
	await expect(page.getByTestId('template-set-message')).toContainText('step "alpaca/generation" template: The template must contain {{seed_tasks}}');
	const wording = 'Team wording: continue the list.\n{{seed_tasks}}\n{{next_number}}. Instruction:';
	await page.getByLabel(/^Load a template set/).setInputFiles({
		name: 'team.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify({ name: 'team', steps: { 'alpaca/generation': { template: wording, decoding: { temperature: 0.9 } } } }))
	});
	await expect(page.getByTestId('template-set-message')).toContainText('Loaded "team": 1 step');
	await expect(page.locator('textarea[name="template:alpaca/generation"]')).toHaveValue(wording);
	await expect(page.locator('input[name="decoding:alpaca/generation:temperature"]')).toHaveValue('0.9');
	await page.screenshot({ path: test.info().outputPath('new-run-alpaca-desktop.png'), fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: test.info().outputPath('new-run-alpaca-phone.png'), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 720 });
	await page.getByLabel(/^Target/).fill('20');
	await page.getByLabel('Output dataset').fill('e2e alpaca');
	await page.getByRole('button', { name: 'Start run' }).click();

	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await expect(page.getByText(/^Alpaca · model/)).toBeVisible();
	await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 });
	await expect(page.getByTestId('run-accepted')).toContainText('20 / 20 instructions kept');

	// Every generated instruction, kept or rejected, with its 10 most similar pool instructions and mean ROUGE-L.
	const href = await page.getByRole('link', { name: /^Download the candidates/ }).getAttribute('href');
	const response = await page.request.get(href!);
	expect(response.headers()['content-type']).toContain('application/jsonl');
	const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as { most_similar_instructions: Record<string, number>; avg_similarity_score: number });
	expect(lines.length).toBeGreaterThanOrEqual(20);
	for (const line of lines) {
		expect(Object.keys(line.most_similar_instructions)).toHaveLength(10);
		expect(line.avg_similarity_score).toBeGreaterThan(0);
	}

	// The call: 3 seed tasks in full separated by ###, the model's list after "4. Instruction:".
	await page.getByRole('link', { name: 'All calls, with prompts and replies' }).click();
	await page.getByRole('link', { name: /alpaca\/1$/ }).click();
	const detail = page.getByTestId('call-detail');
	await expect(detail).toContainText('3. Output:');
	await expect(detail).toContainText('4. Instruction:');
	await expect(detail).toContainText('Team wording: continue the list.');
	await expect(detail).toContainText('"temperature":0.9');
	await expect(detail).toContainText('"maxTokens":3072');

	// The dataset holds the kept tasks with their inputs and outputs.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
	await page.getByRole('link', { name: 'e2e alpaca' }).click();
	await expect(page.getByRole('heading', { name: 'e2e alpaca' })).toBeVisible();

	// Apply filters starts from the run's own (Alpaca) filters, not the Self-Instruct preset, and says the seed pool is missing.
	await gotoReady(page, `${new URL(page.url()).pathname}/filters`);
	await expect(page.getByRole('radio', { name: 'alpaca' })).toBeChecked();
	await expect(page.getByTestId('run-filters-start')).toContainText('(alpaca) judged these rows with');
	await expect(page.getByTestId('run-filters-start')).toContainText('this dataset holds none');
});

test('a run can be paused and resumed from its page', async ({ page }) => {
	fake.setLatency(250);
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Unnatural Instructions').check();
	await page.getByLabel(/^Target/).fill('20');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const status = page.getByTestId('run-status');
	await expect(status).toHaveText('running');
	await expect.poll(async () => Number(await page.getByTestId('run-requests').textContent()), { timeout: 20_000 }).toBeGreaterThan(2);
	await page.getByRole('button', { name: 'Pause' }).click();
	await expect(status).toHaveText('paused');
	const pausedAt = Number(await page.getByTestId('run-requests').textContent());
	await page.waitForTimeout(1500);
	expect(Number(await page.getByTestId('run-requests').textContent())).toBe(pausedAt);
	fake.setLatency(20);
	await page.getByRole('button', { name: 'Resume' }).click();
	await expect(status).toHaveText('completed', { timeout: 60_000 });
	await expect(page.getByTestId('run-accepted')).toContainText('20 / 20 examples kept');
});
