import { test, expect } from '@playwright/test';
import { ADMIN, RESEARCHER, gotoReady, signIn, signOut } from './helpers';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';

// A refused new-run form names each field by its visible label, next to the field (described
// by it and marked invalid) and again next to Start — never by an internal path ("shots.human").
let fake: FakeOpenAI;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: pipelineScript() });
});
test.afterAll(async () => {
	await fake?.close();
});

test('the new-run form states a shots or ROUGE-L problem at its field, by its label', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/endpoints');
	await page.getByLabel('Name', { exact: true }).fill('form errors');
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('2');
	await page.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(page.getByRole('status').first()).toContainText('Added endpoint form errors');
	await signOut(page);

	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'form errors — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('5');
	await page.getByLabel('Seed instructions per prompt').fill('0');
	await page.getByLabel(/^Machine instructions per prompt/).fill('0');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page.getByTestId('start-error')).toHaveText('The run did not start — Seed instructions per prompt: A prompt needs at least one example instruction.');
	await expect(page.getByTestId('start-error').getByRole('link')).toHaveAttribute('href', '#shotsHuman');
	const human = page.getByLabel('Seed instructions per prompt');
	await expect(human).toHaveAttribute('aria-invalid', 'true');
	await expect(human).toHaveAccessibleDescription('A prompt needs at least one example instruction.');
	await expect(page.locator('#shotsHuman ~ .field-error')).toHaveText('A prompt needs at least one example instruction.');

	// The browser's own range check is set aside, so the server's is what answers.
	await human.fill('6');
	await page.getByLabel(/^ROUGE-L threshold/).fill('2');
	await page.locator('form[enctype="multipart/form-data"]').evaluate((f) => ((f as HTMLFormElement).noValidate = true));
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page.getByTestId('start-error')).toHaveText('The run did not start — ROUGE-L threshold: The ROUGE-L threshold is between 0 and 1.');
	const rouge = page.getByLabel(/^ROUGE-L threshold/);
	await expect(rouge).toHaveAttribute('aria-invalid', 'true');
	await expect(rouge).toHaveAccessibleDescription('The ROUGE-L threshold is between 0 and 1.');
	await expect(human).toHaveAttribute('aria-invalid', 'false');
	await expect(page.getByTestId('start-error')).not.toContainText('rougeThreshold');
});

test('the new-run form shows every decoding problem beside its field and focuses the first', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: 'form errors — fake-base (completions)' });
	await page.getByLabel(/^Target/).fill('5');
	await page.locator('summary', { hasText: 'Instruction generation' }).click();
	const temperature = page.locator('[name="decoding:self-instruct/instruction-generation:temperature"]');
	const stop = page.locator('[name="decoding:self-instruct/instruction-generation:stop"]');
	await temperature.fill('5');
	await stop.fill('["\\n", ');
	await page.locator('form[enctype="multipart/form-data"]').evaluate((f) => ((f as HTMLFormElement).noValidate = true));
	await page.getByRole('button', { name: 'Start run' }).click();

	// Both problems at once, each beside its own field and read with it.
	await expect(temperature).toHaveAttribute('aria-invalid', 'true');
	await expect(temperature).toHaveAccessibleDescription('Temperature is at most 2 (got 5).');
	await expect(temperature.locator('~ .field-error')).toHaveText('Temperature is at most 2 (got 5).');
	await expect(stop).toHaveAttribute('aria-invalid', 'true');
	await expect(stop).toHaveAccessibleDescription(/^Stop sequences are a JSON array of strings/);
	await expect(stop.locator('~ .field-error')).toContainText('Stop sequences are a JSON array of strings');
	// Not under the template, and the other fields are not marked.
	await expect(page.locator('.template-errors')).toHaveCount(0);
	await expect(page.locator('[name="decoding:self-instruct/instruction-generation:topP"]')).toHaveAttribute('aria-invalid', 'false');
	// Focus is on the first invalid field; what was typed is still there.
	await expect(temperature).toBeFocused();
	await expect(stop).toHaveValue('["\\n", ');
	await expect(page.getByTestId('start-error')).toHaveText('The run did not start — Instruction generation: Temperature is at most 2 (got 5).');
	await expect(page.getByTestId('start-error').getByRole('link')).toHaveAttribute('href', '#d-self-instruct/instruction-generation-temperature');
});

test('the new-run form says the Self-Instruct preset lower-cases instructions after their first letter', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	await expect(page.getByTestId('filter-casing')).toContainText("self-instruct: lower-cased after the first letter, as Python's str.capitalize()");
	await expect(page.getByTestId('filter-casing')).toContainText('alpaca: as the model wrote it');
	await expect(page.getByRole('radiogroup', { name: 'Pipeline' })).toContainText('instructions are stored lower-cased after their first letter');
});

test('a step template is edited by typing: its section stays open and keeps the focus, with or without problems', async ({ page }) => {
	await signIn(page, RESEARCHER);
	await gotoReady(page, '/runs/new');
	const summary = page.locator('summary', { hasText: 'Instruction generation' });
	await summary.click();
	const step = page.locator('details.step', { has: summary });
	await expect(step).toHaveAttribute('open', '');
	const template = page.locator('[name="template:self-instruct/instruction-generation"]');
	await template.click();
	await page.keyboard.press('End');
	await page.keyboard.type(' more');
	await expect(step).toHaveAttribute('open', '');
	await expect(template).toBeFocused();
	await expect(template).toHaveValue(/ more$/);
	// A problem, then none again: still open, still typing into the template.
	await page.keyboard.type(' {{');
	await expect(template).toHaveAttribute('aria-invalid', 'true');
	await page.keyboard.press('Backspace');
	await page.keyboard.press('Backspace');
	await expect(template).toHaveAttribute('aria-invalid', 'false');
	await expect(step).toHaveAttribute('open', '');
	await expect(template).toBeFocused();
	// Closing it by its summary still works.
	await summary.click();
	await expect(step).not.toHaveAttribute('open', '');
});
