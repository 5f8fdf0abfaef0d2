/**
 * The review screen never misleads a reviewer or loses their work: each new item opens at its
 * text at every size, a second tab cannot silently replace a label, and answers given after the
 * sign-in ended come back after signing in again.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { reviewItemView } from '../../src/lib/server/audits/review';
import type { Answer } from '../../src/lib/audits/answers';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { closeAudit } from '../../src/lib/server/audits/audits';

const ZOOMED = { width: 640, height: 400 };
const PHONE = { width: 390, height: 844 };
const NARROW_DESKTOP = { width: 1000, height: 520 };

let db: Db;
let datasetId = 0;

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test.beforeAll(async () => {
	db = openE2eDatabase();
	const tasks = Array.from({ length: 8 }, (_, i) => ({
		instruction: `Trust task ${i}: explain the idea number ${i} in a few sentences for a reader new to it.`,
		input: i % 2 ? `input ${i}` : '',
		output: Array.from({ length: 6 }, (_, j) => `Sentence ${j + 1} of output ${i}, long enough to wrap on a small screen.`).join(' ')
	}));
	const name = `trust ${randomUUID().slice(0, 6)}`;
	datasetId = (await importFile(once(jsonl(tasks)), { datasetName: name, fileName: 'tasks.jsonl' }, db)).datasetId;
	for (const model of ['m-one', 'm-two']) {
		const rows = tasks.map((t, i) => ({ instruction: t.instruction, input: t.input, response: `${model} answers ${i}`, target: t.output }));
		await importFile(once(jsonl(rows)), { datasetName: name, fileName: `${model}.jsonl`, modelName: model, format: 'predictions' }, db);
	}
});
test.afterAll(() => db?.$client.close());

interface Setup {
	reviewer: Account;
	auditId: number;
}

async function newAudit(size: number): Promise<Setup> {
	const reviewer = await makeAccount(db, 'reviewer', 'Trust');
	const audit = createAudit({ datasetId, kind: 'quality', name: `Trust ${randomUUID().slice(0, 6)}`, sampleSize: size, seed: 5, reviewerIds: [reviewer.id] }, db);
	return { reviewer, auditId: audit.id };
}

async function openIn(page: Page, setup: Setup): Promise<Page> {
	await page.goto(`/review/${setup.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	return page;
}

async function open(browser: Browser, setup: Setup, viewport: { width: number; height: number }): Promise<Page> {
	const context = await signedInContext(browser, setup.reviewer, viewport);
	return openIn(await context.newPage(), setup);
}

async function refOf(page: Page): Promise<string> {
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page).toHaveURL(/\/items\/[A-Za-z0-9_-]{12}$/);
	return /\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)![1];
}

function stored(setup: Setup, ref: string): Answer | null {
	return reviewItemView(setup.auditId, setup.reviewer.id, ref, db).answer;
}

/** The new item's heading and the start of its text are on screen, and the heading has focus. */
async function expectItemInView(page: Page) {
	await expect(page.locator('[data-item-heading]')).toBeInViewport();
	await expect(page.getByTestId('item-instruction')).toBeInViewport({ ratio: 0.3 });
	await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-item-heading') ?? false)).toBe(true);
}

test('200% zoom (640×400) and phone: each next item opens at its heading and text, not at the old scroll position', async ({ browser }) => {
	const setup = await newAudit(6);
	const page = await open(browser, setup, ZOOMED);
	for (let i = 0; i < 3; i++) {
		const ref = await refOf(page);
		// Answering scrolls the page down to the answers.
		await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
		expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(200);
		for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
		await expect(page).not.toHaveURL(new RegExp(ref));
		await expectItemInView(page);
	}
	await page.screenshot({ path: 'test-results/review-next-item-zoom.png' });
	await page.setViewportSize(PHONE);
	const ref = await refOf(page);
	const heading = page.locator('[data-item-heading]');
	const skippedName = await heading.getAttribute('aria-label');
	await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
	await page.keyboard.press('s');
	await page.keyboard.press('Enter');
	await expect(page).not.toHaveURL(new RegExp(ref));
	await expectItemInView(page);
	// The number is the reviewer's label to come: the same after a skip, which gives none, and saying so.
	await expect(heading).toContainText(/^\s*Your 4th label/);
	expect(skippedName).toMatch(/^\s*Your 4th label/);
	// Its name (read by a screen reader) starts the same and goes on with the new item's text.
	await expect(heading).not.toHaveAccessibleName(skippedName!);
	await expect(heading).toHaveAccessibleName(/^Your 4th label: Trust task/);
	await page.screenshot({ path: 'test-results/review-next-item-phone.png' });
	await page.context().close();
});

test('desktop: the answer panel starts at its first question on each new item', async ({ browser }) => {
	const setup = await newAudit(4);
	const page = await open(browser, setup, NARROW_DESKTOP);
	const ref = await refOf(page);
	await page.keyboard.press('s');
	const panel = page.locator('.panel');
	await panel.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
	expect(await panel.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
	await page.keyboard.press('Enter');
	await expect(page).not.toHaveURL(new RegExp(ref));
	await expect.poll(() => panel.evaluate((el) => el.scrollTop)).toBe(0);
	await expect(page.getByRole('radiogroup', { name: /^Instruction/ })).toBeInViewport();
	await page.screenshot({ path: 'test-results/review-panel-top.png' });
	await page.context().close();
});

test('two tabs on one item: the second submit does not replace the first tab’s label; the reviewer keeps it or replaces it knowingly', async ({ browser }) => {
	const setup = await newAudit(4);
	const first = await open(browser, setup, { width: 1280, height: 800 });
	const second = await openIn(await first.context().newPage(), setup);
	const ref = await refOf(first);
	expect(await refOf(second)).toBe(ref);
	for (const k of ['y', 'y', 'y', 'Enter']) await first.keyboard.press(k);
	await expect.poll(() => stored(setup, ref)).toMatchObject({ instruction: true, input: true, output: true });
	// The label was first given long ago and changed since: the banner names the change.
	db.$client.prepare(`UPDATE audit_labels SET submitted_at = ? WHERE audit_id = ?`).run(Date.UTC(2020, 0, 2, 3, 4), setup.auditId);
	expect(reviewItemView(setup.auditId, setup.reviewer.id, ref, db).updatedAt).toBeGreaterThan(Date.UTC(2026, 0, 1));
	for (const k of ['n', 'n', 'n', '1', 'Enter']) await second.keyboard.press(k);
	const conflict = second.getByTestId('label-conflict');
	await expect(conflict).toContainText('in another tab at');
	await expect(conflict).not.toContainText('2020');
	await expect(conflict).toContainText('yes · yes · yes. Keep that, or replace it with no · no · no');
	await second.screenshot({ path: 'test-results/review-two-tabs.png' });
	// Nothing replaced behind the reviewer's back.
	expect(stored(setup, ref)).toMatchObject({ instruction: true, input: true, output: true });
	expect(reviewItemView(setup.auditId, setup.reviewer.id, ref, db).revision).toBe(1);
	await conflict.getByRole('button', { name: 'Replace it' }).click();
	await expect(conflict).toHaveCount(0);
	await expect.poll(() => stored(setup, ref)).toMatchObject({ instruction: false, input: false, output: false });
	expect(reviewItemView(setup.auditId, setup.reviewer.id, ref, db).revision).toBe(2);
	await first.context().close();
});

async function signOutElsewhere(page: Page) {
	const other = await page.context().newPage();
	await other.goto('/review');
	await other.getByRole('button', { name: 'Sign out' }).click();
	await expect(other).toHaveURL(/\/login/);
	await other.close();
}

test('answers given after the sign-in ended are kept in the browser, come back after signing in again, and leaving asks first', async ({ browser }) => {
	const setup = await newAudit(3);
	const page = await open(browser, setup, { width: 1280, height: 800 });
	const ref = await refOf(page);
	await signOutElsewhere(page);
	await page.keyboard.press('y');
	await page.keyboard.press('n');
	const banner = page.getByTestId('sign-in-needed');
	await expect(banner).toContainText('Your answers on this item are kept in this browser');
	// A link inside the app asks before leaving the unsaved answers.
	const messages: string[] = [];
	page.once('dialog', (dialog) => {
		messages.push(dialog.message());
		void dialog.dismiss();
	});
	await page.locator('header a.brand').click();
	await expect.poll(() => messages).toEqual([expect.stringContaining('not saved on the server yet')]);
	await expect(page).toHaveURL(new RegExp(`/items/${ref}`));
	// Signed in again (a new session for the same reviewer), then the banner's link.
	const baseURL = new URL(page.url()).origin;
	await page.context().addCookies([{ name: SESSION_COOKIE, value: createSession(setup.reviewer.id, 'e2e', db).token, url: baseURL }]);
	await banner.getByRole('link', { name: 'Sign in again' }).click();
	await expect(page).toHaveURL(new RegExp(`/items/${ref}`));
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByRole('radiogroup', { name: /^Instruction/ }).getByRole('radio', { name: 'Yes' })).toHaveAttribute('aria-checked', 'true');
	await expect(page.getByRole('radiogroup', { name: /^Input/ }).getByRole('radio', { name: 'No' })).toHaveAttribute('aria-checked', 'true');
	// And the server has the draft now.
	await expect.poll(() => reviewItemView(setup.auditId, setup.reviewer.id, ref, db).draft).toMatchObject({ answers: { instruction: true, input: false, output: null } });
	await page.context().close();
});

test('"Sign in again" leads to a sign-in page whose header no longer shows the ended sign-in', async ({ browser }) => {
	const setup = await newAudit(3);
	const page = await open(browser, setup, { width: 1280, height: 800 });
	await signOutElsewhere(page);
	await page.keyboard.press('y');
	await page.getByTestId('sign-in-needed').getByRole('link', { name: 'Sign in again' }).click();
	await expect(page).toHaveURL(/\/login/);
	await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
	await page.context().close();
});

test('the audit closed under the reviewer: the header stops counting what is left', async ({ browser }) => {
	const setup = await newAudit(4);
	const page = await open(browser, setup, { width: 1280, height: 800 });
	await expect(page.getByTestId('my-left')).toHaveText('4');
	closeAudit(setup.auditId, db);
	for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
	await expect(page.getByTestId('closed')).toBeVisible();
	await expect(page.getByTestId('my-left')).toHaveCount(0);
	await expect(page.getByTestId('progress')).not.toContainText('left for you');
	await page.context().close();
});

test('right-to-left text is laid out right to left; the fold button counts in the right number', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Trust rtl');
	const task = { instruction: 'اكتب جملة قصيرة عن البحر.', input: '', output: Array.from({ length: 2175 }, (_, i) => `w${i}`).join(' ') };
	const rtl = (await importFile(once(jsonl([task])), { datasetName: `rtl ${randomUUID().slice(0, 6)}`, fileName: 'rtl.jsonl' }, db)).datasetId;
	const audit = createAudit({ datasetId: rtl, kind: 'quality', name: `RTL ${randomUUID().slice(0, 6)}`, sampleSize: 1, seed: 1, reviewerIds: [reviewer.id] }, db);
	const page = await open(browser, { reviewer, auditId: audit.id }, { width: 1280, height: 800 });
	const paragraph = page.getByTestId('item-instruction').locator('p');
	expect(await paragraph.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
	await expect(page.getByTestId('item-output-fold')).toHaveText('Show all of the output (1 line, 2,175 words)');
	await page.screenshot({ path: 'test-results/review-rtl.png' });
	await page.context().close();
});

test('a rating item is heard text first, then its rating; the pairwise Keys list has no rows to move between', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Trust order');
	const rating = createAudit({ datasetId, kind: 'rating', name: `Order ${randomUUID().slice(0, 6)}`, sampleSize: 2, seed: 2, reviewerIds: [reviewer.id] }, db);
	const page = await open(browser, { reviewer, auditId: rating.id }, { width: 1280, height: 800 });
	const first = page.locator('article.response').first();
	const textBeforeRating = await first.evaluate((article) => {
		const text = article.querySelector('.review-text')!;
		const group = article.querySelector('[role="radiogroup"]')!;
		return !!(text.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_FOLLOWING);
	});
	expect(textBeforeRating).toBe(true);
	await page.keyboard.press('?');
	await expect(page.getByRole('dialog')).toContainText('Highlight the previous / next response');
	await page.screenshot({ path: 'test-results/review-rating-order.png' });

	const pairs = [{ prompt: 'Give a tip.', chosen: 'Sleep well.', rejected: 'Eat.' }, { prompt: 'Name a colour.', chosen: 'Blue.', rejected: 'Table.' }];
	const pairData = (await importFile(once(JSON.stringify(pairs)), { datasetName: `pairs ${randomUUID().slice(0, 6)}`, fileName: 'pairs.json' }, db)).datasetId;
	const pairwise = createAudit({ datasetId: pairData, kind: 'pairwise', name: `Pairs ${randomUUID().slice(0, 6)}`, seed: 2, reviewerIds: [reviewer.id] }, db);
	await openIn(page, { reviewer, auditId: pairwise.id });
	await page.keyboard.press('?');
	const dialog = page.getByRole('dialog');
	await expect(dialog).toContainText('A is better');
	await expect(dialog).not.toContainText('Highlight the previous');
	await page.context().close();
});
