/**
 * The richer shapes in the browser: a ShareGPT file imported through the page and shown turn
 * by turn, a conversation reviewed and a preference pair judged with the keyboard alone, at
 * desktop and phone sizes (screenshots in /tmp/ia10-*.png).
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let db: Db;
test.beforeAll(() => {
	db = openE2eDatabase();
});
test.afterAll(() => db?.$client.close());

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}

const LONG = Array.from({ length: 60 }, (_, i) => `Line ${i + 1}: the assistant explains <b>step</b> ${i + 1} in some detail.`).join('\n');
const conversations = (tag: string) => [
	{
		id: `${tag}-1`,
		conversations: [
			{ from: 'human', value: `How do I reverse a list in Python? <script>alert(1)</script> (${tag})` },
			// A code line and a word too long for any screen: the turns must still fit the column (they scroll or wrap inside it).
			{ from: 'gpt', value: `Use \`reversed(xs)\` or slicing:\n\n\`\`\`python\nxs[::-1]  # ${'x'.repeat(300)}\n\`\`\`\n\n${'y'.repeat(400)}` },
			{ from: 'human', value: 'And in place?' },
			{ from: 'gpt', value: LONG }
		]
	}
];

async function open(browser: Browser, who: Account, url: string, viewport = DESKTOP): Promise<Page> {
	const context = await signedInContext(browser, who, viewport);
	const page = await context.newPage();
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	return page;
}

test('a ShareGPT file imported through the page keeps every turn, shown escaped', async ({ browser }) => {
	const researcher = await makeAccount(db, 'researcher', 'Shapes importer');
	const page = await open(browser, researcher, '/datasets/import');
	const name = `chats ${randomUUID().slice(0, 6)}`;
	await page.getByLabel('Dataset').fill(name);
	await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'sharegpt.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(conversations('imp'))) });
	await page.getByRole('button', { name: 'Import' }).press('Enter');
	const summary = page.getByTestId('import-summary');
	await expect(summary).toBeVisible({ timeout: 30_000 });
	await expect(summary.locator('[data-summary="conversations"]')).toHaveText('1');
	await expect(summary.locator('[data-summary="turns"]')).toHaveText('4');
	await page.screenshot({ path: '/tmp/ia10-import-desktop.png', fullPage: true });
	await summary.getByRole('link', { name: `Open ${name}` }).click();
	await expect(page.locator('[data-stat="conversations"]')).toContainText('1');
	await page.getByRole('link', { name: /How do I reverse a list/ }).first().click();
	const conversation = page.getByTestId('conversation');
	await expect(conversation.locator('li.turn')).toHaveCount(4);
	// The markup in the text is text.
	await expect(conversation).toContainText('<script>alert(1)</script>');
	expect(await page.locator('script:text("alert(1)")').count()).toBe(0);
	await page.screenshot({ path: '/tmp/ia10-conversation-page-desktop.png', fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: '/tmp/ia10-conversation-page-phone.png', fullPage: true });
	await page.context().close();
});

test('a conversation reviewed with the keyboard alone: Y/N and A–D per reply, Enter submits', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const { datasetId } = await importFile(once(JSON.stringify(conversations(tag))), { datasetName: `conv ${tag}`, fileName: 'sg.json' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Conversation reviewer');
	const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [reviewer.id], seed: 1 }, db);
	// The phone first (a look only), then the whole review on a desktop.
	for (const [viewport, label] of [
		[PHONE, 'phone'],
		[DESKTOP, 'desktop']
	] as const) {
		const page = await open(browser, reviewer, `/review/${audit.id}`, viewport);
		const screen = page.getByTestId('review-screen');
		await expect(screen).toHaveAttribute('data-status', 'ready');
		await expect(screen).toHaveAttribute('data-kind', 'conversation');
		await expect(page.locator('[data-turn]')).toHaveCount(4);
		// The long reply is folded, with a button to unfold it.
		await expect(page.getByTestId('turn-3-text-fold')).toBeVisible();
		await page.screenshot({ path: `/tmp/ia10-review-conversation-${label}.png` });
		// Nothing wider than the page: the turns' grid column grew to the widest unbreakable text (1,430 px on a 390 px phone).
		expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
		const turnsFit = await page.locator('ol.turns').evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
		expect(turnsFit).toBe(true);
		if (label === 'phone') {
			await page.context().close();
			continue;
		}
		const ref = /\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)?.[1];
		await page.keyboard.press('y');
		await page.keyboard.press('a');
		await page.keyboard.press('n');
		await page.keyboard.press('c');
		await page.screenshot({ path: '/tmp/ia10-review-conversation-answered-desktop.png' });
		await page.keyboard.press('Enter');
		await expect(screen).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
		expect(ref).toBeTruthy();
		await expect.poll(() => reviewItemView(audit.id, reviewer.id, ref!, db).answer).toEqual({
			kind: 'conversation',
			turns: [
				{ valid: true, rating: 'A' },
				{ valid: false, rating: 'C' }
			],
			comment: ''
		});
		await page.context().close();
	}
});

test('a conversation judged as a whole with the keyboard alone, at phone and desktop widths: one Y/N and one A–D after the dialogue', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const rows = [...conversations(`${tag}-a`), ...conversations(`${tag}-b`)];
	const { datasetId } = await importFile(once(JSON.stringify(rows)), { datasetName: `whole ${tag}`, fileName: 'sg.json' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Whole-conversation reviewer');
	const audit = createAudit({ datasetId, kind: 'conversation', conversationUnit: 'conversation', reviewerIds: [reviewer.id], seed: 3 }, db);
	const refs: string[] = [];
	for (const [viewport, label, keys] of [
		[PHONE, 'phone', ['n', 'd']],
		[DESKTOP, 'desktop', ['y', 'b']]
	] as const) {
		const page = await open(browser, reviewer, `/review/${audit.id}`, viewport);
		const screen = page.getByTestId('review-screen');
		await expect(screen).toHaveAttribute('data-status', 'ready');
		// Four turns of context and the one question for the whole, after them.
		await expect(page.locator('[data-turn]')).toHaveCount(5);
		await expect(page.locator('[data-turn]').last()).toContainText('The conversation as a whole');
		await expect(page.getByRole('radiogroup', { name: /^Reply \d/ })).toHaveCount(0);
		const question = page.getByRole('radiogroup', { name: /^The conversation: Is this conversation, as a whole/ });
		await expect(question).toHaveCount(1);
		await expect(page.getByTestId('whole-conversation-hint')).toBeAttached();
		await expect(page).toHaveURL(/\/items\/[A-Za-z0-9_-]{12}$/);
		refs.push(/\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)![1]);
		// Enter with nothing answered names the conversation, not a reply.
		await page.keyboard.press('Enter');
		await expect(page.getByTestId('problem')).toContainText('the conversation as a whole');
		// The heading reads "label: gist", without a space before the colon.
		await expect(page.locator('[data-item-heading]')).toHaveAccessibleName(/^Your (1st|2nd) label: \S/);
		await page.keyboard.press(keys[0]);
		// A screen reader hears the conversation named, as on screen, not a "Reply 1" nobody judges.
		await expect(page.getByTestId('announcer')).toHaveText(`The conversation: ${keys[0] === 'y' ? 'valid' : 'not valid'}`);
		await page.keyboard.press(keys[1]);
		await expect(page.getByTestId('announcer')).toHaveText(`The conversation: ${keys[1].toUpperCase()}`);
		await expect(question.getByRole('radio', { name: keys[0] === 'y' ? 'Valid' : 'Not valid', exact: true })).toHaveAttribute('aria-checked', 'true');
		await expect(page.getByRole('radiogroup', { name: 'Rating for the conversation' }).getByRole('radio', { checked: true })).toHaveCount(1);
		// Answered from the keyboard, the question is brought into view.
		await expect(question).toBeInViewport();
		await page.screenshot({ path: `/tmp/ia10-review-whole-conversation-${label}.png` });
		// The page never scrolls sideways.
		expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
		await page.keyboard.press('Enter');
		if (label === 'phone') await expect(page).not.toHaveURL(new RegExp(refs[0]));
		else await expect(screen).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
		await page.context().close();
	}
	await expect.poll(() => reviewItemView(audit.id, reviewer.id, refs[0], db).answer).toEqual({ kind: 'conversation', turns: [{ valid: false, rating: 'D' }], comment: '' });
	await expect.poll(() => reviewItemView(audit.id, reviewer.id, refs[1], db).answer).toEqual({ kind: 'conversation', turns: [{ valid: true, rating: 'B' }], comment: '' });
});

test('a preference pair judged with the keyboard alone: blind, side by side, keys 1–4', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const rows = [
		{ user_input: `Give one tip for sleeping well (${tag}).`, completion_a: 'Keep a regular bedtime, even at weekends.', completion_b: 'Drink coffee before bed.' },
		{ user_input: `Name a prime number (${tag}).`, completion_a: '7', completion_b: '9' }
	];
	const { datasetId } = await importFile(once(JSON.stringify(rows)), { datasetName: `pairs ${tag}`, fileName: 'cmp.json' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Pair reviewer');
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [reviewer.id], seed: 2 }, db);
	const page = await open(browser, reviewer, `/review/${audit.id}`);
	const screen = page.getByTestId('review-screen');
	await expect(screen).toHaveAttribute('data-status', 'ready');
	await expect(screen).toHaveAttribute('data-kind', 'pairwise');
	await expect(page.getByTestId('pair-a-text')).toBeVisible();
	await expect(page.getByTestId('pair-b-text')).toBeVisible();
	// Model names are hidden.
	await expect(page.getByTestId('pair')).not.toContainText('completion_');
	await page.screenshot({ path: '/tmp/ia10-review-pair-desktop.png' });
	const refs: string[] = [];
	// Enter without a choice says what is missing.
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('problem')).toContainText('Choose');
	for (const key of ['1', '3']) {
		await expect(page).toHaveURL(/\/items\/[A-Za-z0-9_-]{12}$/);
		refs.push(/\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)![1]);
		await page.keyboard.press(key);
		await expect(page.getByRole('radio', { name: key === '1' ? 'A is better' : 'About the same' })).toHaveAttribute('aria-checked', 'true');
		await page.keyboard.press('Enter');
		if (key === '1') await expect(page).not.toHaveURL(new RegExp(refs[0]));
	}
	await expect(screen).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
	await expect.poll(() => reviewItemView(audit.id, reviewer.id, refs[0], db).answer).toEqual({ kind: 'pairwise', choice: 'A', comment: '' });
	await expect.poll(() => reviewItemView(audit.id, reviewer.id, refs[1], db).answer).toEqual({ kind: 'pairwise', choice: 'tie', comment: '' });
	await page.context().close();

	// The report: win / tie / loss and Bradley–Terry, at desktop and phone sizes.
	const researcher = await makeAccount(db, 'researcher', 'Pair researcher');
	const report = await open(browser, researcher, `/reports/${audit.id}`);
	await expect(report.getByTestId('pairwise-report')).toContainText('completion_a');
	await expect(report.getByTestId('pairwise-report')).toContainText('Bradley–Terry');
	await report.screenshot({ path: '/tmp/ia10-report-pairwise-desktop.png', fullPage: true });
	await report.setViewportSize(PHONE);
	await report.screenshot({ path: '/tmp/ia10-report-pairwise-phone.png', fullPage: true });
	// A pairwise audit travels as a bundle too: the audit page offers it, and the file carries the pairs and the verdicts.
	await report.setViewportSize({ width: 1280, height: 800 });
	await report.goto(`/audits/${audit.id}`);
	const [download] = await Promise.all([report.waitForEvent('download'), report.getByRole('link', { name: 'Download bundle' }).click()]);
	const records = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
	expect(records[0]).toMatchObject({ type: 'audit-bundle', version: 3, audit: { kind: 'pairwise' } });
	expect(records.filter((r) => r.type === 'item').map((r) => r.responses.map((x: { response: string }) => x.response))).toContainEqual(['7', '9']);
	// "A is better" on the reviewer's screen is the pair's a or b, as the screen's order had it.
	expect(records.filter((r) => r.type === 'label').map((r) => r.preference).sort()).toEqual([expect.stringMatching(/^[ab]$/), 'tie']);
	await report.context().close();

	// On a phone the two responses stack.
	const reviewer2 = await makeAccount(db, 'reviewer', 'Pair reviewer 2');
	const audit2 = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [reviewer2.id], seed: 3 }, db);
	const phone = await open(browser, reviewer2, `/review/${audit2.id}`, PHONE);
	await expect(phone.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await phone.keyboard.press('2');
	await phone.screenshot({ path: '/tmp/ia10-review-pair-phone.png' });

	// "My reviews" on the phone names the kind and keeps the way in on screen, no sideways scroll.
	await phone.goto('/review');
	const row = phone.locator(`tr[data-audit="${audit2.id}"]`);
	await expect(row).toContainText('Pairwise preference');
	const start = row.getByRole('link', { name: /^(Start|Continue) / });
	await expect(start).toBeInViewport();
	const wrap = phone.getByTestId('my-audits').locator('xpath=..');
	expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
	await phone.screenshot({ path: '/tmp/ia10-my-reviews-phone.png' });
	await phone.context().close();
});
