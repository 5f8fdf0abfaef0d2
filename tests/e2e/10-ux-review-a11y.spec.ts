/**
 * The review screen's structure and focus for keyboard and screen-reader users, and the figures
 * of time and disagreement it feeds: guideline headings sit below the Guidelines heading, a
 * conversation's turns are h3s and not landmarks, focus never falls to the page body after a
 * refused submit, Esc in the comment box or a failed load; the item clock does not count time
 * the page was closed, the audit page gives active time, and the disagreements page of a
 * pairwise audit does not claim 0 disagreements.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { updateGuidelines } from '../../src/lib/server/audits/audits';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { buildLargePairwiseAudit } from '../support/large-audit';

const DESKTOP = { width: 1280, height: 900 };

let db: Db;
let qualityDataset = 0;

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test.beforeAll(async () => {
	db = openE2eDatabase();
	const tasks = Array.from({ length: 4 }, (_, i) => ({ instruction: `Focus task ${i}: name a colour.`, input: '', output: `Colour ${i}.` }));
	qualityDataset = (await importFile(once(jsonl(tasks)), { datasetName: `focus ${randomUUID().slice(0, 6)}`, fileName: 'tasks.jsonl' }, db)).datasetId;
});
test.afterAll(() => db?.$client.close());

async function open(browser: Browser, who: Account, url: string): Promise<Page> {
	const context = await signedInContext(browser, who, DESKTOP);
	const page = await context.newPage();
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	return page;
}

/** Heading levels in document order within a locator: [level, name]. */
const headingsIn = (page: Page, selector: string) =>
	page.locator(selector).evaluate((root) => [...root.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => [Number(h.tagName[1]), (h.textContent ?? '').trim()] as [number, string]));

const active = (page: Page) =>
	page.evaluate(() => {
		const el = document.activeElement;
		return { tag: el?.tagName ?? null, role: el?.getAttribute('role') ?? null, group: el?.closest('[role="radiogroup"]')?.getAttribute('data-row-group') ?? null, text: (el?.textContent ?? '').trim() };
	});

test('guideline headings sit below the Guidelines heading; a refused Ctrl+Enter and Esc keep focus on the questions', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Focus reviewer');
	const audit = createAudit(
		{ datasetId: qualityDataset, kind: 'quality', name: `Focus ${randomUUID().slice(0, 6)}`, sampleSize: 2, seed: 2, reviewerIds: [reviewer.id], guidelines: '# Guidelines\n\n## Quality\n\nSay no when wrong.\n\n### Edge cases\n\nAsk.' },
		db
	);
	const page = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	const guidelines = page.getByRole('region', { name: 'Guidelines' });
	await expect(guidelines).toBeVisible();
	expect(await headingsIn(page, 'section.guidelines')).toEqual([
		[2, 'Guidelines'],
		[3, 'Guidelines'],
		[4, 'Quality'],
		[5, 'Edge cases']
	]);
	await expect(guidelines.getByRole('heading', { level: 1 })).toHaveCount(0);

	// Instruction answered, then the comment box; Ctrl+Enter with two questions open.
	await page.keyboard.press('y');
	await page.keyboard.press('/');
	await expect(page.getByRole('textbox', { name: /Comment/ })).toBeFocused();
	await page.keyboard.type('unsure');
	await page.keyboard.press('Control+Enter');
	await expect(page.getByTestId('problem')).toBeVisible();
	await expect(page.getByTestId('announcer')).toContainText(await page.getByTestId('problem').innerText());
	// Focus on the first unanswered question (Input, row 1), its first option.
	await expect.poll(() => active(page)).toMatchObject({ tag: 'BUTTON', role: 'radio', group: '1' });
	// Tab goes on from there (to Output's group, which it highlights), not from the top of the page.
	await page.keyboard.press('Tab');
	await expect.poll(() => active(page)).toMatchObject({ role: 'radio', group: '2' });

	// Esc from the comment box: on Submit (Enter submits there), not an answer Enter would choose again, nor the page body.
	await page.keyboard.press('/');
	await expect(page.getByRole('textbox', { name: /Comment/ })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('button', { name: /^Submit/ })).toBeFocused();
	await page.context().close();
});

test('a failed load of the next item focuses its message, not the page body', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Load failure reviewer');
	const audit = createAudit({ datasetId: qualityDataset, kind: 'quality', name: `Load fail ${randomUUID().slice(0, 6)}`, sampleSize: 1, seed: 3, reviewerIds: [reviewer.id] }, db);
	const page = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await page.route(`**/api/review/${audit.id}/next`, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ message: 'Server down.' }) }));
	for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'error');
	await expect(page.getByRole('heading', { name: 'Could not load the next item' })).toBeFocused();
	await page.context().close();
});

test('a conversation: turns are h3s under the item h2, and not one landmark each', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const messages = Array.from({ length: 12 }, (_, i) => ({ from: i % 2 ? 'gpt' : 'human', value: `${i % 2 ? 'Answer' : 'Question'} ${i + 1} (${tag})` }));
	const { datasetId } = await importFile(once(JSON.stringify([{ id: `${tag}-1`, conversations: messages }])), { datasetName: `turns ${tag}`, fileName: 'sg.json' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Turns reviewer');
	const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [reviewer.id], seed: 1 }, db);
	const page = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.locator('[data-turn]')).toHaveCount(12);
	const levels = await headingsIn(page, 'section.content');
	expect(levels[0][0]).toBe(2);
	expect(levels.slice(1).map(([level]) => level)).toEqual(new Array(12).fill(3));
	expect(levels[1][1]).toBe('User');
	expect(levels[2][1]).toBe('Assistant · reply 1');
	// No landmark per turn: the only regions are the screen's own (item, answers, …), not 12 more.
	const conversation = page.getByRole('list', { name: 'Conversation' });
	await expect(conversation.getByRole('region')).toHaveCount(0);
	await expect(conversation.getByRole('group', { name: 'Assistant · reply 1' })).toHaveCount(1);
	await page.context().close();
});

test('the item clock does not count time the page was closed', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Clock reviewer');
	const audit = createAudit({ datasetId: qualityDataset, kind: 'quality', name: `Clock ${randomUUID().slice(0, 6)}`, sampleSize: 1, seed: 5, reviewerIds: [reviewer.id] }, db);
	const first = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(first.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await first.context().close();
	// The browser closed with the item held; the reviewer is back five minutes later.
	db.$client.prepare(`UPDATE audit_assignments SET shown_at = shown_at - 300000 WHERE audit_id = ?`).run(audit.id);
	const again = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(again.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await again.waitForTimeout(1500);
	await expect(again.locator('.clock strong')).toHaveText(/^0:0\d$/);
	await again.context().close();
});

test('pairwise audit: the audit page gives median active time; disagreements says not applicable instead of 0', async ({ browser }) => {
	const name = `Pairs a11y ${randomUUID().slice(0, 6)}`;
	const auditId = buildLargePairwiseAudit(db, { items: 8, k: 2, reviewers: 3, models: ['pm-x', 'pm-y'], name });
	// Held overnight: minutes from first shown to submitted, about a second of work.
	db.$client.prepare('UPDATE audit_labels SET duration_ms = 284447, active_ms = 1019 WHERE audit_id = ?').run(auditId);
	const researcher = await makeAccount(db, 'researcher', 'Pairs researcher');
	const page = await open(browser, researcher, `/audits/${auditId}`);
	const table = page.getByTestId('reviewer-table');
	await expect(table.getByRole('columnheader', { name: 'Median active s / item' })).toBeVisible();
	const medians = await table.locator('[data-col="median-active"]').allInnerTexts();
	expect(medians.length).toBe(3);
	for (const m of medians) expect(m).toBe('1.0');

	await page.goto(`/reports/${auditId}/disagreements`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByText('Not applicable to pairwise audits.')).toBeVisible();
	await expect(page.locator('.card p.muted')).toContainText("every reviewer's choice counts as one comparison, including where reviewers differ");
	await expect(page.getByRole('navigation', { name: 'Which items' })).toHaveCount(0);
	await expect(page.getByText('All disagreements')).toHaveCount(0);
	await page.context().close();
});

test('guidelines saved while a reviewer works: the next answer brings a notice, said in the live region, and its button shows the new text by keyboard', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Guidelines reviewer');
	const audit = createAudit(
		{ datasetId: qualityDataset, kind: 'quality', name: `Guidelines ${randomUUID().slice(0, 6)}`, sampleSize: 3, seed: 5, reviewerIds: [reviewer.id], guidelines: 'Old rule: a refusal is fine.' },
		db
	);
	const page = await open(browser, reviewer, `/review/${audit.id}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.locator('section.guidelines')).toContainText('Old rule');
	await expect(page.getByTestId('guidelines-updated')).toHaveCount(0);

	// A researcher saves new guidelines meanwhile; the reviewer answers the item on screen.
	updateGuidelines(audit.id, 'New rule: a refusal is an incorrect output.', null, db);
	const heading = page.locator('[data-item-heading]');
	const first = await heading.innerText();
	for (const key of ['y', 'y', 'y']) await page.keyboard.press(key);
	await page.keyboard.press('Control+Enter');
	await expect(heading).not.toHaveText(first);
	const notice = page.getByTestId('guidelines-updated');
	await expect(notice).toBeVisible();
	await expect(page.getByTestId('announcer')).toContainText('The guidelines were updated');
	// The old text stays until asked for.
	await expect(page.locator('section.guidelines')).toContainText('Old rule');

	const show = notice.getByRole('button', { name: 'Show the new version' });
	await show.focus();
	await page.keyboard.press('Enter');
	await expect(page.locator('section.guidelines')).toContainText('New rule: a refusal is an incorrect output.');
	await expect(page.locator('section.guidelines')).not.toContainText('Old rule');
	await expect(page.locator('#guidelines-title')).toBeFocused();
	await expect(notice).toHaveCount(0);
	await expect(page.getByTestId('announcer')).toContainText('The new guidelines are shown.');
	await page.context().close();
});
