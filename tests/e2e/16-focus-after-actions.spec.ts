/**
 * Where focus lands and what is said after an action: SvelteKit moves focus to <body> after a
 * successful enhanced form, and a button disabled while it works drops the focus it has. Each
 * page here gives focus back to the control used, its replacement or the result, and says the
 * result in a live region that was on the page before its text came.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { jsonl, streamOf } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import { startBuiltApp } from '../support/built-app';

let db: Db;
let admin: Account;
let researcher: Account;
let reviewer: Account;
let datasetId = 0;
let datasetName = '';
let fake: FakeOpenAI;

test.beforeAll(async () => {
	db = openE2eDatabase();
	admin = await makeAccount(db, 'admin', 'Focus Admin');
	researcher = await makeAccount(db, 'researcher', 'Focus Researcher');
	reviewer = await makeAccount(db, 'reviewer', 'Focus Reviewer');
	datasetName = `focus actions ${randomUUID().slice(0, 6)}`;
	const rows = Array.from({ length: 6 }, (_, i) => ({ instruction: `Name the colour number ${i}.`, input: i % 2 ? `hint ${i}` : '', output: `Colour ${i}.` }));
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName, fileName: 'colours.jsonl' }, db)).datasetId;
	// Slow enough that a run is still going when it is paused, and long enough to say its progress.
	fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: () => 500 });
});
test.afterAll(async () => {
	await fake?.close();
	db?.$client.close();
});

async function open(browser: Browser, who: Account, url: string): Promise<Page> {
	const page = await (await signedInContext(browser, who)).newPage();
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	return page;
}

/** What has focus, for a readable failure: never <body>. */
const focused = (page: Page) => page.evaluate(() => (document.activeElement === document.body ? 'BODY' : `${document.activeElement?.tagName}:${(document.activeElement?.textContent ?? '').trim().slice(0, 40)}`));

test('endpoints: Add, Test connection and Edit keep focus where the admin is; a refused name takes focus', async ({ browser }) => {
	const page = await open(browser, admin, '/admin/endpoints');
	const name = `focus ep ${randomUUID().slice(0, 4)}`;
	await page.getByLabel('Name', { exact: true }).fill(name);
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await page.getByLabel('Concurrency').fill('1');
	const add = page.getByRole('button', { name: 'Add endpoint' });
	await add.click();
	await expect(page.getByRole('status').filter({ hasText: `Added endpoint ${name}` })).toBeVisible();
	await expect(add).toBeFocused();

	// The same name again: refused on the server, focus on the name with its error.
	await page.getByLabel('Name', { exact: true }).fill(name);
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Model').fill('fake-base');
	await add.click();
	await expect(page.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByLabel('Name', { exact: true })).toBeFocused();

	const row = page.locator(`tr[data-endpoint="${name}"]`);
	const test_ = row.getByRole('button', { name: 'Test connection' });
	await test_.click();
	await expect(page.getByTestId('test-result')).toBeVisible();
	await expect(test_).toBeFocused();
	// Said in the status that was on the page before it (the row's message is inserted with its text).
	await expect(page.getByTestId('endpoints-status')).toContainText(await page.getByTestId('test-result').innerText());

	// Edit fills the form below: focus goes to its heading, which names the endpoint.
	await row.getByRole('button', { name: 'Edit' }).click();
	await expect(page.getByRole('heading', { name: `Edit ${name}` })).toBeFocused();
	expect(await focused(page)).not.toBe('BODY');
});

test('a run says its progress every so often, and focus follows Pause → Resume → Pause → how it ended', async ({ browser }) => {
	const setup = await open(browser, admin, '/admin/endpoints');
	const endpoint = `focus run ${randomUUID().slice(0, 4)}`;
	await setup.getByLabel('Name', { exact: true }).fill(endpoint);
	await setup.getByLabel('Base URL').fill(fake.url);
	await setup.getByLabel('Model').fill('fake-base');
	await setup.getByLabel('Concurrency').fill('1');
	await setup.getByRole('button', { name: 'Add endpoint' }).click();
	await expect(setup.getByTestId('endpoints-status')).toContainText(`Added endpoint ${endpoint}`);

	const page = await open(browser, researcher, '/runs/new');
	await page.getByLabel('Endpoint', { exact: true }).selectOption({ label: `${endpoint} — fake-base (completions)` });
	await page.getByLabel(/^Target/).fill('300');
	await page.getByLabel('Output dataset').fill(`focus run ${randomUUID().slice(0, 4)}`);
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/\d+$/);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('run-status')).toHaveText('running');

	// One live region from page load; the progress comes into it about every 10 s, not every second.
	const live = page.getByTestId('run-live');
	await expect(live).toHaveAttribute('role', 'status');
	const said = page.getByTestId('run-progress-announcement');
	await expect(said).toHaveText('');
	await expect(said).toHaveText(/^\d+ of 300 instructions kept, \d+% of the work/, { timeout: 15_000 });

	const pause = page.getByRole('button', { name: 'Pause' });
	await pause.focus();
	await page.keyboard.press('Enter');
	// Focus stays on Pause while the run stops, then goes to Resume, which replaces it.
	await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 15_000 });
	await expect(page.getByRole('button', { name: 'Resume' })).toBeFocused();
	await expect(live).toContainText('Paused.');
	await expect(said).toHaveText('');

	await page.keyboard.press('Enter');
	await expect(live).toContainText(/Run \d+ resumed\./);
	await expect(page.getByRole('button', { name: 'Pause' })).toBeFocused();

	page.once('dialog', (d) => void d.accept());
	await page.getByRole('button', { name: 'Cancel' }).focus();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('run-status')).toHaveText('cancelled', { timeout: 15_000 });
	// No control left: focus on how the run ended, which the live region says.
	await expect(page.getByTestId('run-message')).toHaveText('Cancelled.');
	await expect(page.getByTestId('run-message')).toBeFocused();
	await expect(live).toContainText('Cancelled.');
});

test('backups, users and account: focus stays on the button used; a wrong current password takes focus', async ({ browser }) => {
	const page = await open(browser, admin, '/admin/backups');
	const create = page.getByRole('button', { name: 'Create a backup' });
	await create.click();
	await expect(page.getByRole('status').filter({ has: page.getByTestId('backup-created') })).toContainText('written and verified', { timeout: 30_000 });
	await expect(create).toBeFocused();

	await page.goto('/admin/users');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.locator('#new-email').fill(`focus-new-${randomUUID().slice(0, 6)}@example.org`);
	await page.locator('#new-password').fill('a-long-password-1');
	const createAccount = page.getByRole('button', { name: 'Create account' });
	await createAccount.click();
	await expect(page.getByRole('status').first()).not.toBeEmpty();
	await expect(createAccount).toBeFocused();

	await page.goto('/account');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Current password').fill('not-my-password');
	await page.getByLabel(/^New password/).fill('another-password-2');
	await page.getByLabel('Repeat the new password').fill('another-password-2');
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByLabel('Current password')).toBeFocused();
});

test('an audit page: Close, Save guidelines and a refused gold line each leave focus in place, the error saying what is wrong', async ({ browser }) => {
	const audit = createAudit({ datasetId, kind: 'quality', name: `Focus audit ${randomUUID().slice(0, 6)}`, sampleSize: 3, seed: 3, reviewerIds: [reviewer.id], guidelines: 'Be fair.' }, db);
	const page = await open(browser, researcher, `/audits/${audit.id}`);

	const editGuidelines = page.locator('section[aria-labelledby="guidelines-heading"]').getByRole('button', { name: 'Edit' });
	await editGuidelines.click();
	await page.getByLabel('Guidelines (Markdown)').fill('Be fair and brief.');
	await page.getByRole('button', { name: 'Save guidelines' }).click();
	await expect(page.getByLabel('Guidelines (Markdown)')).toHaveCount(0);
	// The editor closes: focus back on the Edit button that opened it.
	await expect(editGuidelines).toBeFocused();

	await page.getByLabel('Add gold items (JSON Lines)').fill('{"instance": 1, "instruction": "yes", "output": "no"}');
	await page.getByRole('button', { name: 'Add gold' }).click();
	await expect(page.locator('#gold-error')).toHaveText('Gold line 1: field "input" is missing');
	await expect(page.getByLabel('Add gold items (JSON Lines)')).toBeFocused();

	const close = page.getByRole('button', { name: 'Close audit' });
	await close.click();
	const reopen = page.getByRole('button', { name: 'Reopen audit' });
	await expect(reopen).toBeVisible();
	await expect(reopen).toBeFocused();
});

test('filters: Apply keeps focus on the button and says what the filters kept', async ({ browser }) => {
	const page = await open(browser, researcher, `/datasets/${datasetId}/filters`);
	const said = page.getByTestId('filters-applied');
	await expect(said).toHaveAttribute('role', 'status');
	await expect(said).toHaveText('');
	const apply = page.getByRole('button', { name: 'Apply filters' });
	await apply.click();
	await expect(said).toHaveText(/^Filters applied: \d+ of 6 instructions and \d+ of 6 instances kept\.$/, { timeout: 30_000 });
	await expect(apply).toBeFocused();
});

test('dataset search: a status says how many tasks match, or that none does', async ({ browser }) => {
	const page = await open(browser, researcher, `/datasets/${datasetId}`);
	const matches = page.getByTestId('search-matches');
	await expect(matches).toHaveAttribute('role', 'status');
	await expect(matches).toHaveText('');
	await page.getByLabel(/^Search instructions/).fill('colour');
	await page.keyboard.press('Enter');
	await expect(matches).toHaveText('6 tasks match.');
	await expect(page.getByLabel(/^Search instructions/)).toBeFocused();
	await page.getByLabel(/^Search instructions/).fill('zebra');
	await page.keyboard.press('Enter');
	await expect(matches).toHaveText('No tasks match.');
	// Said to screen readers, and shown once: the empty list below says it on screen.
	const shown = () => page.evaluate(() => [...document.querySelectorAll('p, td, div')].filter((e) => e.textContent?.trim() === 'No tasks match.' && e.childElementCount === 0 && e.getBoundingClientRect().width > 1).length);
	await expect.poll(shown).toBe(1);
});

test('import and export: focus goes to what the import did, stays on Export, and both are said', async ({ browser }) => {
	const page = await open(browser, researcher, '/datasets/import');
	const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'focus-import-')), 'focus-rows.jsonl');
	fs.writeFileSync(file, jsonl([{ instruction: 'Count to three.', input: '', output: '1 2 3' }, { instruction: 'Say hello.', input: '', output: 'Hello.' }]));
	const said = page.getByTestId('import-said');
	await expect(said).toHaveAttribute('role', 'status');
	await page.getByLabel('Dataset').fill(`focus import ${randomUUID().slice(0, 6)}`);
	await page.locator('#file').setInputFiles(file);
	await page.getByRole('button', { name: 'Import' }).click();
	await expect(said).toContainText('Imported focus-rows.jsonl into focus import');
	await expect(said).toContainText('2 tasks and 2 instances added');
	await expect(page.getByRole('heading', { name: 'Imported focus-rows.jsonl' })).toBeFocused();

	await page.goto('/exports');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Dataset').selectOption({ label: `${datasetName} (6 instances)` });
	await expect(page.getByTestId('export-count').locator('[data-count="rows"]')).toHaveText('6');
	const progress = page.getByTestId('export-progress');
	await expect(progress).toHaveAttribute('role', 'status');
	const exportButton = page.getByRole('button', { name: 'Export', exact: true });
	const downloading = page.waitForEvent('download');
	await exportButton.click();
	await downloading;
	await expect(progress).toContainText('Saved');
	await expect(exportButton).toBeFocused();
});

test('new audit: a refused gold share is marked invalid and takes focus', async ({ browser }) => {
	const page = await open(browser, researcher, `/audits/new?dataset=${datasetId}`);
	await page.locator('#name').fill('Gold share check');
	await page.getByLabel('Instructions to sample').fill('3');
	const filter = page.getByLabel('Filter accounts');
	if (await filter.count()) await filter.fill(reviewer.email);
	await page.locator(`input[type="checkbox"][name="reviewers"][value="${reviewer.id}"]`).check();
	await page.getByLabel('Gold items (JSON Lines)').fill('{"instance": 1, "instruction": "yes", "input": "yes", "output": "yes"}');
	// Past the browser's own check (max 50), as a hand-made request would be.
	await page.locator('#goldPercent').evaluate((el) => el.removeAttribute('max'));
	await page.locator('#goldPercent').fill('80');
	await page.getByRole('button', { name: 'Create audit' }).click();
	await expect(page.locator('#goldPercent-error')).toHaveText('At most 50%.');
	await expect(page.locator('#goldPercent')).toHaveAttribute('aria-invalid', 'true');
	await expect(page.locator('#goldPercent')).toBeFocused();
});

test('setup: mismatched passwords leave focus on the refused field, its error read with it', async ({ browser }) => {
	// A server of its own with no account yet: the shared one is long past its setup.
	const app = await startBuiltApp({ ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
	try {
		const page = await (await signedInContext(browser, null, { baseURL: app.url })).newPage();
		await page.goto('/setup');
		await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
		await page.getByLabel('Email').fill('first-admin@example.org');
		await page.getByLabel(/^Password/).fill('first-password-1');
		await page.getByLabel('Repeat password').fill('first-password-2');
		await page.getByRole('button', { name: 'Create administrator' }).click();
		const confirm = page.getByLabel('Repeat password');
		await expect(confirm).toHaveAttribute('aria-invalid', 'true');
		await expect(confirm).toBeFocused();
		await expect(confirm).toHaveAccessibleDescription(await page.locator('#confirm-error').innerText());
		// Typed values stay (no full reload).
		await expect(page.getByLabel('Email')).toHaveValue('first-admin@example.org');
	} finally {
		await app.stop();
	}
});
