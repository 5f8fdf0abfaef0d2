import { test, expect, type Browser, type Page } from '@playwright/test';
import { ADMIN, RESEARCHER, REVIEWER, signIn, jsonl, gotoReady } from './helpers';

// Audits end to end: a researcher creates audits in the UI, two reviewers finish one with the
// keyboard only, drafts survive a reload, ids cannot be used across audits, markup stays text.

const REVIEWER2 = { email: 'reviewer2@example.org', password: 'reviewer2-pass-1' };
const OUTSIDER = { email: 'outsider@example.org', password: 'outsider-pass-1' };

const XSS = 'Explain this markup: <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">';
const tasks = Array.from({ length: 10 }, (_, i) => ({
	instruction: i === 0 ? XSS : `Audit task ${i}: write a sentence about the number ${i}.`,
	input: i % 2 ? `Input for task ${i}` : '',
	output: i === 3 ? 'def f(x):\n    return x * 2\n\nprint(f(3))' : `The number ${i} is fine.`
}));

let qualityAuditId = 0;
let ratingAuditId = 0;
const refsSeen: string[] = [];

async function newPage(browser: Browser, who: { email: string; password: string }): Promise<Page> {
	const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
	const page = await context.newPage();
	await signIn(page, who);
	return page;
}

/** An audit's id from the researcher's list (module state is lost if a failed test restarts the worker). */
async function auditIdByName(browser: Browser, name: string): Promise<number> {
	const page = await newPage(browser, RESEARCHER);
	await gotoReady(page, '/audits');
	const href = await page.getByTestId('audit-table').getByRole('link', { name, exact: true }).getAttribute('href');
	await page.context().close();
	return Number(/\/audits\/(\d+)/.exec(href!)![1]);
}

function refOf(page: Page): string {
	const match = /\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname);
	if (!match) throw new Error(`no item in ${page.url()}`);
	return match[1];
}

test('an admin adds two more accounts for the audits', async ({ page }) => {
	await signIn(page, ADMIN);
	await gotoReady(page, '/admin/users');
	for (const who of [REVIEWER2, OUTSIDER]) {
		await page.getByLabel('Email', { exact: true }).fill(who.email);
		await page.getByLabel('Role', { exact: true }).selectOption('reviewer');
		await page.getByLabel('Initial password').fill(who.password);
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.locator(`tr[data-user="${who.email}"]`)).toBeVisible();
	}
});

test('a researcher creates a quality audit and a rating audit in the UI', async ({ page }) => {
	await signIn(page, RESEARCHER);
	for (const [file, body, model] of [
		['audit-tasks.jsonl', jsonl(tasks), null],
		['alpha_predictions.jsonl', jsonl(tasks.map((t, i) => ({ instruction: t.instruction, input: t.input, response: `alpha says ${i}`, target: t.output }))), 'alpha'],
		['beta_predictions.jsonl', jsonl(tasks.map((t, i) => ({ instruction: t.instruction, input: t.input, response: `beta says ${i}`, target: t.output }))), 'beta']
	] as const) {
		const params = new URLSearchParams({ dataset: 'e2e audit', fileName: file });
		if (model) params.set('model', model);
		const response = await page.request.post(`/api/datasets/import?${params}`, { data: body, headers: { 'content-type': 'application/octet-stream' } });
		expect(response.status(), file).toBe(200);
	}

	await gotoReady(page, '/audits');
	await page.getByRole('link', { name: 'New audit' }).first().click();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Dataset').selectOption({ label: 'e2e audit — 10 instructions, 20 responses' });
	await expect(page.getByTestId('sample-preview')).toContainText('10 eligible instructions');
	await page.getByRole('textbox', { name: 'Name (optional)' }).fill('E2E quality');
	await page.getByLabel('Instructions to sample').fill('10');
	await page.getByLabel('Seed').fill('5');
	await page.getByLabel('Reviewers per item (k)').fill('2');
	await page.getByLabel(REVIEWER.email).check();
	await page.getByLabel(REVIEWER2.email).check();
	await page.getByLabel('Guidelines').fill('# How to judge\n\nSay **no** when the output is wrong. <b>raw html</b>');
	await page.getByRole('button', { name: 'Create audit' }).click();
	await expect(page.getByRole('heading', { name: 'E2E quality' })).toBeVisible();
	qualityAuditId = Number(/\/audits\/(\d+)/.exec(page.url())![1]);
	await expect(page.getByTestId('audit-progress').locator('[data-stat="labels"]')).toHaveText('0 / 20');
	await expect(page.getByTestId('reviewer-table').locator('tbody tr')).toHaveCount(2);

	// A refused form keeps its place and names the problem.
	await gotoReady(page, '/audits/new');
	await page.getByLabel('Dataset').selectOption({ label: 'e2e audit — 10 instructions, 20 responses' });
	await page.getByLabel('Response rating').check();
	await page.getByLabel('Reviewers per item (k)').fill('2');
	await page.getByLabel(REVIEWER.email).check();
	await page.getByRole('button', { name: 'Create audit' }).click();
	await expect(page.getByText('An overlap of 2 needs at least 2 reviewers.')).toBeVisible();
	await page.getByLabel('Reviewers per item (k)').fill('1');
	await page.getByRole('textbox', { name: 'Name (optional)' }).fill('E2E rating');
	await page.getByLabel('Instructions to sample').fill('3');
	// The number typed stays when other choices change the form (it once went back to the default).
	await page.getByLabel('Classification vs. not (proportional)').check();
	await page.getByLabel(REVIEWER2.email).check();
	await page.getByLabel(REVIEWER2.email).uncheck();
	await page.getByLabel('None: one simple random sample').check();
	await expect(page.getByLabel('Instructions to sample')).toHaveValue('3');
	await page.getByRole('button', { name: 'Create audit' }).click();
	await expect(page.getByRole('heading', { name: 'E2E rating' })).toBeVisible();
	ratingAuditId = Number(/\/audits\/(\d+)/.exec(page.url())![1]);
	await expect(page.getByTestId('audit-progress').locator('[data-stat="labels"]')).toHaveText('0 / 3');
});

test('two reviewers complete the audit with the keyboard only; a draft survives a reload', async ({ browser }) => {
	test.setTimeout(120_000);
	qualityAuditId ||= await auditIdByName(browser, 'E2E quality');
	for (const who of [REVIEWER, REVIEWER2]) {
		const page = await newPage(browser, who);
		await gotoReady(page, '/review');
		await expect(page.getByTestId('my-audits')).toContainText('E2E quality');
		await gotoReady(page, `/review/${qualityAuditId}`);
		const screen = page.getByTestId('review-screen');
		await expect(screen).toHaveAttribute('data-status', 'ready');
		// Guidelines open on the first visit, rendered from Markdown with the HTML escaped.
		const guidelines = page.getByRole('region', { name: 'Guidelines' });
		await expect(guidelines.getByRole('heading', { name: 'How to judge' })).toBeVisible();
		await expect(guidelines).toContainText('<b>raw html</b>');
		await page.keyboard.press('g');
		await expect(guidelines).toBeHidden();

		if (who === REVIEWER) {
			// Half an answer, saved on the server, then a reload.
			await page.keyboard.press('y');
			await page.keyboard.press('n');
			await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'draft-saved');
			const url = page.url();
			await page.reload();
			await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
			expect(page.url()).toBe(url);
			const q = (name: string) => page.getByRole('radiogroup', { name });
			await expect(q('Instruction Does the instruction describe a valid task?').getByRole('radio', { name: /Yes/ })).toHaveAttribute('aria-checked', 'true');
			await expect(q('Input Is the input appropriate for the instruction?').getByRole('radio', { name: /No/ })).toHaveAttribute('aria-checked', 'true');
			await expect(page.getByRole('radiogroup', { name: 'What is wrong?' }).getByRole('radio', { name: /Input does not match the task/ })).toHaveAttribute('aria-checked', 'true');
			// Enter before the last answer says what is missing.
			await page.keyboard.press('Enter');
			await expect(page.getByTestId('problem')).toContainText('Is the output a correct and acceptable response');
			await page.keyboard.press('y');
			await page.keyboard.press('Enter');
			await expect(page).not.toHaveURL(url);
		}

		for (let i = 0; ; i++) {
			await expect(screen).toHaveAttribute('data-status', /ready|done/);
			const status = await screen.getAttribute('data-status');
			if (status !== 'ready') {
				await expect(page.getByTestId('all-done')).toBeVisible();
				break;
			}
			const url = page.url();
			refsSeen.push(refOf(page));
			const instruction = page.getByTestId('item-instruction');
			if ((await instruction.textContent())?.includes('<script>')) {
				// Markup in the data is shown as text and never runs.
				await expect(instruction).toContainText(XSS);
				expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
				await expect(page.locator('main img')).toHaveCount(0);
			}
			if (i % 3 === 1) {
				await page.keyboard.press('y');
				await page.keyboard.press('y');
				await page.keyboard.press('n');
				await page.keyboard.press('4');
				await page.keyboard.press('/');
				await page.keyboard.type('odd phrasing');
				await page.keyboard.press('Escape');
			} else {
				for (const key of ['y', 'y', 'y']) await page.keyboard.press(key);
			}
			await page.keyboard.press('Enter');
			await expect(page).not.toHaveURL(url);
			if (i === 2) {
				// Back to the previous label, change it, Enter saves and returns.
				await page.keyboard.press('ArrowLeft');
				await expect(page.getByTestId('history-banner')).toBeVisible();
				await page.keyboard.press('ArrowUp');
				await page.keyboard.press('ArrowUp');
				await page.keyboard.press('n');
				await page.keyboard.press('Enter');
				await expect(page.getByTestId('history-banner')).toBeHidden();
			}
		}
		await expect(page.getByTestId('my-count')).toHaveText('10');
		await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
		// Their labels, each openable; the one changed through Back says so.
		await page.getByRole('link', { name: 'My labels' }).click();
		const labels = page.getByTestId('my-labels');
		await expect(labels.locator('tbody tr')).toHaveCount(10);
		await expect(labels.locator('tbody tr', { hasText: '1×' })).toHaveCount(1);
		await expect(labels).toContainText('yes · yes · no — other');
		await page.context().close();
	}

	const researcher = await newPage(browser, RESEARCHER);
	await gotoReady(researcher, `/audits/${qualityAuditId}`);
	await expect(researcher.getByTestId('audit-progress').locator('[data-stat="labels"]')).toHaveText('20 / 20');
	await expect(researcher.getByTestId('audit-progress').locator('[data-stat="complete"]')).toHaveText('10 / 10');
	for (const who of [REVIEWER, REVIEWER2]) {
		await expect(researcher.locator(`tr[data-reviewer="${who.email}"] [data-col="labelled"]`)).toHaveText('10');
	}
	await researcher.context().close();
});

test('ids give nothing away: other audits, other reviewers, guessed refs', async ({ browser }) => {
	const outsider = await newPage(browser, OUTSIDER);
	const ref = refsSeen[0];
	for (const path of [`/review/${qualityAuditId}`, `/review/${qualityAuditId}/items/${ref}`, `/review/${qualityAuditId}/labels`, `/review/999999`, `/review/${qualityAuditId}/items/AAAAAAAAAAAA`]) {
		const response = await outsider.goto(path);
		expect(response?.status(), path).toBe(404);
		await expect(outsider.getByRole('alert')).not.toContainText('Audit task');
	}
	for (const [method, path] of [
		['GET', `/api/review/${qualityAuditId}/items/${ref}`],
		['POST', `/api/review/${qualityAuditId}/next`],
		['GET', `/api/review/${qualityAuditId}/history`],
		['POST', `/api/review/${qualityAuditId}/items/${ref}/submit`]
	] as const) {
		const response = method === 'GET' ? await outsider.request.get(path) : await outsider.request.post(path, { data: { submissionId: 'abcdefgh12', answer: {} } });
		expect(response.status(), path).toBe(404);
		expect(await response.text()).not.toMatch(/Audit task|instruction/);
	}
	await outsider.context().close();

	// A member of the rating audit only, asking for a quality-audit item through the rating audit.
	const member = await newPage(browser, REVIEWER);
	const viaOtherAudit = await member.goto(`/review/${ratingAuditId}/items/${ref}`);
	expect(viaOtherAudit?.status()).toBe(404);
	await member.context().close();
	// Researcher pages stay closed to reviewers.
	const reviewer2 = await newPage(browser, REVIEWER2);
	expect((await reviewer2.goto(`/audits/${qualityAuditId}`))?.status()).toBe(403);
	expect((await reviewer2.request.get(`/api/audits/${qualityAuditId}/progress`)).status()).toBe(403);
	await reviewer2.context().close();
});

test('the rating screen: blind, shuffled responses rated A–D with the keyboard', async ({ browser }) => {
	ratingAuditId ||= await auditIdByName(browser, 'E2E rating');
	const page = await newPage(browser, REVIEWER);
	await gotoReady(page, `/review/${ratingAuditId}`);
	const screen = page.getByTestId('review-screen');
	await expect(screen).toHaveAttribute('data-kind', 'rating');
	await expect(page.getByRole('definition').first()).toBeVisible();
	for (const level of ['A', 'B', 'C', 'D']) await expect(page.getByLabel('Rating scale')).toContainText(level);
	await page.screenshot({ path: '/tmp/ia5-review-rating.png' });
	for (let i = 0; i < 3; i++) {
		await expect(screen).toHaveAttribute('data-status', 'ready');
		const ref = refOf(page);
		const cards = page.getByRole('article');
		await expect(cards).toHaveCount(2);
		await expect(cards.first()).not.toContainText(/alpha ·|beta ·/);
		await page.keyboard.press('a');
		await page.keyboard.press('c');
		await expect(page.getByRole('radiogroup', { name: 'Rating for response 2' }).getByRole('radio', { name: /^C\b/ })).toHaveAttribute('aria-checked', 'true');
		await page.keyboard.press('Enter');
		await expect(page).not.toHaveURL(new RegExp(ref));
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	await page.context().close();
});

test('a screenshot of the quality review screen', async ({ browser }) => {
	// A fresh audit with the code-shaped output, for the picture.
	const researcher = await newPage(browser, RESEARCHER);
	await gotoReady(researcher, '/audits/new');
	await researcher.getByLabel('Dataset').selectOption({ label: 'e2e audit — 10 instructions, 20 responses' });
	await researcher.getByRole('textbox', { name: 'Name (optional)' }).fill('E2E screenshot');
	await researcher.getByLabel('Instructions to sample').fill('10');
	await researcher.getByLabel(REVIEWER2.email).check();
	await researcher.getByRole('button', { name: 'Create audit' }).click();
	await expect(researcher.getByRole('heading', { name: 'E2E screenshot' })).toBeVisible();
	const id = Number(/\/audits\/(\d+)/.exec(researcher.url())![1]);
	await researcher.context().close();

	const page = await newPage(browser, REVIEWER2);
	await gotoReady(page, `/review/${id}`);
	for (let i = 0; i < 10; i++) {
		if ((await page.getByTestId('item-output').textContent())?.includes('def f')) break;
		const url = page.url();
		await page.keyboard.press('y');
		await page.keyboard.press('y');
		await page.keyboard.press('y');
		await page.keyboard.press('Enter');
		await expect(page).not.toHaveURL(url);
	}
	await page.keyboard.press('y');
	await page.keyboard.press('n');
	await page.keyboard.press('/');
	await page.keyboard.type('The input is not used by the task.');
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'draft-saved');
	await page.screenshot({ path: '/tmp/ia5-review-quality.png' });
	await page.context().close();
});

test('a label submitted while the server is unreachable is kept, survives a reload, and is saved later', async ({ browser }) => {
	const page = await newPage(browser, REVIEWER2);
	await gotoReady(page, '/review');
	await page.getByRole('link', { name: 'E2E screenshot', exact: true }).click();
	const screen = page.getByTestId('review-screen');
	await expect(screen).toHaveAttribute('data-status', 'ready');
	const before = Number(await page.getByTestId('my-count').textContent());
	const first = refOf(page);

	await page.route('**/submit', (route) => route.abort('connectionrefused'));
	for (const key of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(key);
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'sending');
	// The next item is on screen at once (it was prefetched), while the label waits.
	await expect(page).not.toHaveURL(new RegExp(first));
	// The page asks before leaving while a label waits; the reviewer leaves anyway. (Unanswered,
	// Playwright dismisses the prompt, which cancels the reload: the test would prove nothing.)
	// Restoring the waiting label at start once broke hydration (replaceState before the router
	// ran), only when the reload came after the reviewer had begun the next item.
	const pageErrors: string[] = [];
	page.on('pageerror', (e) => pageErrors.push(e.message));
	await page.keyboard.press('y');
	await page.waitForTimeout(300);
	const prompts: string[] = [];
	page.on('dialog', (dialog) => {
		prompts.push(dialog.type());
		void dialog.accept();
	});
	await page.reload();
	expect(prompts).toEqual(['beforeunload']);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 15_000 });
	expect(pageErrors).toEqual([]);
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'sending');

	await page.unroute('**/submit');
	// Retries back off to at most 8 s.
	// The label is saved; the item on screen shows its own draft (the "y" pressed before the reload).
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', /^(saved|draft-saved)$/, { timeout: 30_000 });
	await expect(page.getByTestId('my-count')).toHaveText(String(before + 1));
	// On to the next item (or done, if that was the last one), never the same item again.
	await expect(screen).toHaveAttribute('data-status', /ready|done/);
	if ((await screen.getAttribute('data-status')) === 'ready') expect(refOf(page)).not.toBe(first);
	await page.getByRole('link', { name: 'My labels' }).click();
	await expect(page.getByTestId('my-labels').locator(`a[href$="${first}"]`)).toHaveCount(1);
	await page.context().close();
});

test('a researcher adds and removes a reviewer and closes the audit; reviewers see it closed', async ({ browser }) => {
	ratingAuditId ||= await auditIdByName(browser, 'E2E rating');
	const researcher = await newPage(browser, RESEARCHER);
	await gotoReady(researcher, `/audits/${ratingAuditId}`);
	await researcher.getByLabel('Add reviewers').selectOption({ label: `${OUTSIDER.email} (reviewer)` });
	await researcher.getByRole('button', { name: 'Add', exact: true }).click();
	await expect(researcher.getByRole('status')).toContainText('Added 1 reviewer');
	const row = researcher.locator(`tr[data-reviewer="${OUTSIDER.email}"]`);
	await row.getByRole('button', { name: 'Remove…' }).click();
	await row.getByRole('button', { name: `Remove ${OUTSIDER.email}`, exact: true }).click();
	await expect(row).toContainText('removed');
	await researcher.getByRole('button', { name: 'Close audit' }).click();
	await expect(researcher.getByRole('button', { name: 'Reopen audit' })).toBeVisible();
	await researcher.context().close();

	const reviewer = await newPage(browser, REVIEWER);
	await gotoReady(reviewer, `/review/${ratingAuditId}`);
	await expect(reviewer.getByTestId('closed')).toBeVisible();
	// Their labels can still be looked at, not changed.
	await reviewer.keyboard.press('ArrowLeft');
	await expect(reviewer.getByTestId('history-banner')).toContainText('The audit is closed');
	await expect(reviewer.getByRole('button', { name: 'Save change' })).toBeDisabled();
	await reviewer.context().close();
});
