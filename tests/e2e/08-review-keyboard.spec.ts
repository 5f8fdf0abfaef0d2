/**
 * The review screen with the keyboard alone, a screen reader's view of it, skips, and a phone.
 * Each test builds its own audit for its own reviewer in the served app's database, drives the
 * screen in Chromium, and reads back what the server stored through the app's own view of the
 * reviewer's label (in the order the screen showed the responses).
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { reviewItemView } from '../../src/lib/server/audits/review';
import type { Answer } from '../../src/lib/audits/answers';
import type { ErrorReason } from '../../src/lib/audits/rubric';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { closeAudit } from '../../src/lib/server/audits/audits';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const LONG_OUTPUT = Array.from({ length: 80 }, (_, i) => `Line ${i + 1} of a long answer that goes on and on about the question.`).join('\n');
const LONG_RESPONSE = Array.from({ length: 120 }, (_, i) => `Paragraph ${i + 1}: the model keeps talking at length about everything it knows.`).join('\n\n');

let db: Db;
let datasetId = 0;

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test.beforeAll(async () => {
	db = openE2eDatabase();
	const name = `keyboard ${randomUUID().slice(0, 6)}`;
	const tasks = Array.from({ length: 8 }, (_, i) => ({
		instruction: `Keyboard task ${i}: say something about ${i}.`,
		input: i % 2 ? `input ${i}` : '',
		output: i === 0 ? LONG_OUTPUT : `Output ${i}.`
	}));
	datasetId = (await importFile(once(jsonl(tasks)), { datasetName: name, fileName: 'tasks.jsonl' }, db)).datasetId;
	for (const model of ['m-one', 'm-two', 'm-three']) {
		const rows = tasks.map((t, i) => ({ instruction: t.instruction, input: t.input, response: i === 0 && model === 'm-two' ? LONG_RESPONSE : `${model} answers ${i}`, target: t.output }));
		await importFile(once(jsonl(rows)), { datasetName: name, fileName: `${model}.jsonl`, modelName: model, format: 'predictions' }, db);
	}
});
test.afterAll(() => db?.$client.close());

interface Setup {
	reviewer: Account;
	auditId: number;
}

async function newAudit(kind: 'quality' | 'rating', size: number, options: { reviewers?: Account[] } = {}): Promise<Setup> {
	const reviewer = await makeAccount(db, 'reviewer', `Keys ${kind}`);
	const reviewers = [reviewer, ...(options.reviewers ?? [])];
	const audit = createAudit(
		{ datasetId, kind, name: `Keys ${kind} ${randomUUID().slice(0, 6)}`, sampleSize: size, seed: 4, reviewerIds: reviewers.map((r) => r.id), blind: kind === 'rating' },
		db
	);
	return { reviewer, auditId: audit.id };
}

async function open(browser: Browser, setup: Setup, viewport = DESKTOP, touch = false): Promise<Page> {
	const context = await signedInContext(browser, setup.reviewer, { ...viewport, hasTouch: touch, isMobile: touch });
	const page = await context.newPage();
	await page.goto(`/review/${setup.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	return page;
}

/** The item on screen (waiting while the next one loads). */
async function refOf(page: Page): Promise<string> {
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page).toHaveURL(/\/items\/[A-Za-z0-9_-]{12}$/);
	return /\/items\/([A-Za-z0-9_-]{12})$/.exec(new URL(page.url()).pathname)![1];
}

/** What the server stored for this reviewer on this item, in the order their screen showed it. */
function stored(setup: Setup, ref: string): Answer | null {
	return reviewItemView(setup.auditId, setup.reviewer.id, ref, db).answer;
}

async function waitStored(setup: Setup, ref: string): Promise<Answer> {
	await expect.poll(() => stored(setup, ref) !== null, { timeout: 15_000 }).toBe(true);
	return stored(setup, ref)!;
}

/** Presses Tab (and only Tab) until focus is on what `matches` describes. */
async function tabUntil(page: Page, description: string, matches: () => boolean | Promise<boolean>, limit = 60): Promise<void> {
	for (let i = 0; i < limit; i++) {
		if (await matches()) return;
		await page.keyboard.press('Tab');
	}
	throw new Error(`Tab never reached ${description}`);
}

const focusedIs = (page: Page, selector: string) => () => page.evaluate((s) => !!document.activeElement?.closest(s) && document.activeElement!.matches(`${s}, ${s} *`), selector);
const focusedInGroup = (page: Page, name: string) => () =>
	page.evaluate((n) => {
		const group = document.activeElement?.closest('[role="radiogroup"]');
		if (!group) return false;
		const id = group.getAttribute('aria-labelledby');
		const label = id ? document.getElementById(id)?.textContent : group.getAttribute('aria-label');
		return (label ?? '').replace(/\s+/g, ' ').trim().startsWith(n);
	}, name);

async function expectHeadingFocused(page: Page) {
	await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-item-heading') ?? false)).toBe(true);
}

for (const [size, viewport] of [
	['desktop', DESKTOP],
	['phone', PHONE]
] as const) {
	test(`${size}: Enter on a focused "No" chooses no and never submits; the stored label is "no"`, async ({ browser }) => {
		const setup = await newAudit('quality', 3);
		const page = await open(browser, setup, viewport);
		const ref = await refOf(page);
		await page.keyboard.press('y');
		await page.keyboard.press('y');
		await page.keyboard.press('y');
		const output = page.getByRole('radiogroup', { name: /^Output/ });
		await output.getByRole('radio', { name: 'No' }).focus();
		await page.keyboard.press('Enter');
		await expect(output.getByRole('radio', { name: 'No' })).toHaveAttribute('aria-checked', 'true');
		await expect(output.getByRole('radio', { name: 'Yes' })).toHaveAttribute('aria-checked', 'false');
		// Still on the same item: Enter on the answer chose it, it did not submit.
		await page.waitForTimeout(300);
		expect(await refOf(page)).toBe(ref);
		expect(stored(setup, ref)).toBeNull();
		// Enter on the Submit button presses it.
		await page.getByRole('button', { name: 'Submit' }).focus();
		await page.keyboard.press('Enter');
		await expect(page).not.toHaveURL(new RegExp(ref));
		expect(await waitStored(setup, ref)).toEqual({ kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' });
		await page.context().close();
	});
}

test('Enter on a link or button does what that control does, never a submit', async ({ browser }) => {
	const setup = await newAudit('quality', 2);
	const page = await open(browser, setup);
	const ref = await refOf(page);
	for (const key of ['y', 'y', 'y']) await page.keyboard.press(key);
	// The Keys button opens its dialog; Escape closes it.
	await page.getByRole('button', { name: 'Keys' }).focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('dialog', { name: 'Keyboard' })).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('dialog')).toBeHidden();
	// The skip link moves focus to the content.
	await page.getByRole('link', { name: 'Skip to content' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/#main$/);
	expect(stored(setup, ref)).toBeNull();
	// "My labels" leaves the screen (the draft is kept); nothing was submitted on the way.
	await page.getByRole('link', { name: 'My labels' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/review/${setup.auditId}/labels$`));
	await expect(page.getByRole('heading', { name: 'My labels (0)' })).toBeVisible();
	expect(stored(setup, ref)).toBeNull();
	// The top menu too.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My reviews' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/review$/);
	await page.context().close();
});

test('a quality audit finished with Tab, arrows, Space and Enter only; focus lands on each new item', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const page = await open(browser, setup);
	// Per item: Instruction, Input, Output (true = yes) and, for a "no", the reason group's choice.
	const plans: { answers: boolean[]; reason: ErrorReason | null }[] = [
		{ answers: [true, true, true], reason: null },
		{ answers: [true, false, true], reason: 'other' },
		{ answers: [false, true, false], reason: null }
	];
	const expected: Record<string, Answer> = {};
	for (const plan of plans) {
		const ref = await refOf(page);
		for (const [i, name] of ['Instruction', 'Input', 'Output'].entries()) {
			await tabUntil(page, `the ${name} group`, focusedInGroup(page, name));
			// The group is one tab stop; its first answer (Yes) has focus. Space picks it,
			// the arrow moves to No and picks that.
			await page.keyboard.press('Space');
			if (!plan.answers[i]) await page.keyboard.press('ArrowRight');
			await expect(page.getByRole('radiogroup', { name: new RegExp(`^${name}`) }).getByRole('radio', { name: plan.answers[i] ? 'Yes' : 'No' })).toHaveAttribute(
				'aria-checked',
				'true'
			);
		}
		let reason: ErrorReason | null = null;
		if (plan.answers.includes(false)) {
			await tabUntil(page, 'the reason group', focusedInGroup(page, 'What is wrong?'));
			if (plan.reason === 'other') {
				await page.keyboard.press('End');
				await expect(page.getByRole('radio', { name: 'Other' })).toHaveAttribute('aria-checked', 'true');
				reason = 'other';
			} else reason = plan.answers[0] ? (plan.answers[1] ? 'incorrect_output' : 'input_mismatch') : 'incomprehensible_instruction';
		}
		await tabUntil(page, 'Submit', focusedIs(page, 'button.submit'));
		await page.keyboard.press('Enter');
		expected[ref] = { kind: 'quality', instruction: plan.answers[0], input: plan.answers[1], output: plan.answers[2], reason, comment: '' };
		if (plan !== plans.at(-1)) {
			await expect(page).not.toHaveURL(new RegExp(ref));
			await expectHeadingFocused(page);
		}
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	for (const [ref, answer] of Object.entries(expected)) expect(await waitStored(setup, ref), ref).toEqual(answer);
	await page.context().close();
});

test('a rating audit finished with Tab, arrows, Space and Enter only: one tab stop per response', async ({ browser }) => {
	const setup = await newAudit('rating', 2);
	const page = await open(browser, setup);
	const levels = ['A', 'B', 'C', 'D'];
	const expected: Record<string, string[]> = {};
	for (let item = 0; item < 2; item++) {
		const ref = await refOf(page);
		const cards = page.getByRole('article');
		const n = await cards.count();
		// Four answers per response, one tab stop each: Tab goes from group to group.
		const stops = await page.locator('.responses [role="radio"]:not([tabindex="-1"])').count();
		expect(stops).toBe(n);
		const chosen: string[] = [];
		for (let r = 1; r <= n; r++) {
			await tabUntil(page, `response ${r}'s rating`, focusedInGroup(page, `Rating for response ${r}`));
			const steps = (r + item) % 4;
			await page.keyboard.press('Space');
			for (let s = 0; s < steps; s++) await page.keyboard.press('ArrowDown');
			chosen.push(levels[steps]);
			await expect(page.getByRole('radiogroup', { name: `Rating for response ${r}` }).getByRole('radio', { name: new RegExp(`^${levels[steps]}\\b`) })).toHaveAttribute('aria-checked', 'true');
		}
		// Ctrl+Enter from the last answer submits.
		await page.keyboard.press('Control+Enter');
		expected[ref] = chosen;
		if (item === 0) {
			await expect(page).not.toHaveURL(new RegExp(ref));
			await expectHeadingFocused(page);
		}
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	for (const [ref, ratings] of Object.entries(expected)) expect(await waitStored(setup, ref)).toEqual({ kind: 'rating', ratings, comment: '' });
	await page.context().close();
});

test('letter shortcuts alone finish quality and rating items; the stored labels are what was pressed', async ({ browser }) => {
	const quality = await newAudit('quality', 3);
	const page = await open(browser, quality);
	const keys = [['y', 'y', 'y'], ['n', 'y', 'n', '3'], ['y', 'n', 'y', '4']];
	const expectedQ = [
		{ instruction: true, input: true, output: true, reason: null },
		{ instruction: false, input: true, output: false, reason: 'incorrect_output' },
		{ instruction: true, input: false, output: true, reason: 'other' }
	];
	for (const [i, sequence] of keys.entries()) {
		const ref = await refOf(page);
		for (const k of sequence) await page.keyboard.press(k);
		await page.keyboard.press('Enter');
		expect(await waitStored(quality, ref)).toEqual({ kind: 'quality', ...expectedQ[i], comment: '' });
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	await page.context().close();

	const rating = await newAudit('rating', 2);
	const ratingPage = await open(browser, rating);
	for (const sequence of ['dba', 'cab']) {
		const ref = await refOf(ratingPage);
		for (const k of sequence) await ratingPage.keyboard.press(k);
		await ratingPage.keyboard.press('Enter');
		expect(await waitStored(rating, ref)).toEqual({ kind: 'rating', ratings: sequence.toUpperCase().split(''), comment: '' });
	}
	await ratingPage.context().close();
});

test('the live region announces the chosen answer and the next item; draft saves stay quiet', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const page = await open(browser, setup);
	const announcer = page.getByTestId('announcer');
	await expect(announcer).toHaveAttribute('aria-live', 'polite');
	await expect(page.getByTestId('save-status')).not.toHaveAttribute('aria-live');
	await expect(page.getByTestId('save-status')).not.toHaveAttribute('role');
	await page.keyboard.press('y');
	await expect(announcer).toHaveText('Instruction: yes');
	await page.keyboard.press('y');
	await page.keyboard.press('n');
	await expect(announcer).toHaveText('Output: no — reason: incorrect output');
	await page.keyboard.press('Enter');
	await expect(announcer).toHaveText(/^Submitted: yes · yes · no — incorrect output\. Next item: Keyboard task \d/);
	const next = await page.getByTestId('item-instruction').textContent();
	expect((await announcer.textContent())!.replace(/\s+/g, ' ')).toContain(next!.replace(/\s+/g, ' ').trim().slice(0, 30));
	// The highlighted question is marked for assistive technology, not only by colour.
	await expect(page.locator('li[data-question="instruction"]')).toHaveAttribute('aria-current', 'true');
	await page.context().close();
});

test('long texts: folded with a button that unfolds by keyboard, and the item pane scrolls with PageDown', async ({ browser }) => {
	const setup = await newAudit('rating', 8);
	const page = await open(browser, setup);
	// Find the item with the long response (task 0), skipping the others with the keyboard.
	for (let i = 0; i < 8; i++) {
		if ((await page.getByTestId('item-instruction').textContent())?.includes('Keyboard task 0')) break;
		for (const k of ['a', 'a', 'a', 'Enter']) await page.keyboard.press(k);
		await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	}
	await expect(page.getByTestId('item-instruction')).toContainText('Keyboard task 0');
	const fold = page.getByRole('button', { name: /Show all of the response \d/ });
	await expect(fold).toHaveCount(1);
	await expect(fold).toHaveAttribute('aria-expanded', 'false');
	// Folded, the A–D answers of every response stay within a screen of each other.
	const groups = page.getByRole('radiogroup', { name: /Rating for response/ });
	const first = (await groups.first().boundingBox())!;
	const last = (await groups.last().boundingBox())!;
	expect(last.y - first.y).toBeLessThan(900);
	await fold.focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('button', { name: /Show less of the response/ })).toHaveAttribute('aria-expanded', 'true');
	// The pane is a labelled, focusable scroll region; PageDown and End move it.
	const pane = page.getByRole('region', { name: /^Your \d+(st|nd|rd|th) label/ });
	await expect(pane).toHaveAttribute('tabindex', '0');
	await page.getByTestId('review-screen').locator('[data-item-heading]').focus();
	await pane.focus();
	await page.keyboard.press('PageDown');
	await expect.poll(() => pane.evaluate((el) => el.scrollTop)).toBeGreaterThan(200);
	await page.keyboard.press('End');
	await expect.poll(() => pane.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2)).toBe(true);
	// Enter on the pane (the item itself) is a submit: here it says what is missing.
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('problem')).toContainText('Rate response');
	// Said once: by the announcer, the shown text being no live region of its own.
	await expect(page.getByTestId('announcer')).toContainText('Rate response');
	expect(await page.getByTestId('problem').evaluate((el) => !!el.closest('[role="alert"], [role="status"], [aria-live]'))).toBe(false);
	await page.context().close();
});

test('skips: the notice clears, My labels lists them with "Review now", the done screen explains a stuck audit', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const page = await open(browser, setup);
	await expect(page.getByTestId('my-left')).toHaveText('3');
	const skippedRef = await refOf(page);
	await page.keyboard.press('s');
	await page.keyboard.type('not my field');
	await page.keyboard.press('Enter');
	const notice = page.getByTestId('notice');
	await expect(notice).toContainText('Skipped');
	await expect(page.getByTestId('my-left')).toHaveText('2');
	// Working on the next item clears the confirmation.
	await refOf(page);
	await page.keyboard.press('y');
	await expect(notice).toBeHidden();
	for (let i = 0; i < 2; i++) {
		const ref = await refOf(page);
		for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
		await expect(page).not.toHaveURL(new RegExp(ref));
	}
	// Done for this reviewer, but the only reviewer skipped one item: the audit is stuck, and says so.
	const done = page.getByTestId('all-done');
	await expect(done).toBeVisible();
	await expect(page.getByTestId('audit-unfinished')).toContainText('still needs 1 label');
	await expect(page.getByTestId('audit-unfinished')).toContainText('1 item is stuck');
	await expect(page.getByTestId('skipped-note')).toContainText('You skipped 1 item that still needs');
	await expect(page.getByTestId('my-left')).toHaveText('0');
	await page.getByRole('link', { name: 'Review them now under My labels' }).click();
	const skips = page.getByTestId('my-skips');
	await expect(skips.locator(`tr[data-ref="${skippedRef}"]`)).toContainText('not my field');
	await skips.getByRole('button', { name: 'Review now' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/items/${skippedRef}$`));
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('history-banner')).toBeHidden();
	for (const k of ['y', 'n', 'y', 'Enter']) await page.keyboard.press(k);
	expect(await waitStored(setup, skippedRef)).toMatchObject({ input: false, reason: 'input_mismatch' });
	await expect(page.getByTestId('all-done')).toBeVisible();
	await expect(page.getByTestId('audit-unfinished')).toHaveCount(0);
	await page.context().close();
});

test('phone 390×844: the review screen fits, long texts fold, the actions stay on screen, no key hints on touch', async ({ browser }) => {
	const setup = await newAudit('quality', 8);
	const page = await open(browser, setup, PHONE, true);
	const width = () => page.evaluate(() => document.documentElement.scrollWidth);
	expect(await width()).toBeLessThanOrEqual(PHONE.width);
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeInViewport();
	await expect(page.locator('.key-hint').first()).toBeHidden();
	await expect(page.getByRole('button', { name: 'Keys' })).toBeHidden();
	for (let i = 0; i < 8; i++) {
		if ((await page.getByTestId('item-instruction').textContent())?.includes('Keyboard task 0')) break;
		const ref = await refOf(page);
		for (const name of ['Instruction', 'Input', 'Output']) await page.getByRole('radiogroup', { name: new RegExp(`^${name}`) }).getByRole('radio', { name: 'Yes' }).tap();
		await page.getByRole('button', { name: 'Submit' }).tap();
		await expect(page).not.toHaveURL(new RegExp(ref));
	}
	await expect(page.getByTestId('item-output-fold')).toBeVisible();
	expect(await width()).toBeLessThanOrEqual(PHONE.width);
	// At the top of a long item, Submit is on screen (the action bar sticks to the bottom).
	await page.evaluate(() => window.scrollTo(0, 0));
	await expect(page.getByRole('button', { name: 'Submit' })).toBeInViewport();
	await page.screenshot({ path: 'test-results/review-phone-390.png' });
	await page.getByTestId('item-output-fold').tap();
	await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
	await expect(page.getByRole('button', { name: 'Submit' })).toBeInViewport();
	await page.context().close();
});

test('a label submitted after the sign-in ended waits in the browser and lands once the reviewer signs in again from the banner', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const page = await open(browser, setup);
	const ref = await refOf(page);
	// Signed out in another tab of the same browser.
	const other = await page.context().newPage();
	await other.goto('/review');
	await other.getByRole('button', { name: 'Sign out' }).click();
	await expect(other).toHaveURL(/\/login/);
	await other.close();
	for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
	const banner = page.getByTestId('sign-in-needed');
	await expect(banner).toContainText('Your sign-in has ended. Your label waits in this browser');
	await expect(page.getByTestId('announcer')).toContainText('Your sign-in has ended');
	await expect(page.getByTestId('save-status')).toHaveText('Signed out: a label waits to be sent');
	expect(stored(setup, ref)).toBeNull();
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ia-review-outbox:')).length)).toBe(1);
	// Signed in again (a new session for the same reviewer), then the banner's link brings the screen back.
	const baseURL = new URL(page.url()).origin;
	await page.context().addCookies([{ name: SESSION_COOKIE, value: createSession(setup.reviewer.id, 'e2e', db).token, url: baseURL }]);
	await banner.getByRole('link', { name: 'Sign in again' }).click();
	expect(await waitStored(setup, ref)).toEqual({ kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' });
	await expect(page).toHaveURL(new RegExp(`/review/${setup.auditId}`));
	await expect(page.getByTestId('sign-in-needed')).toHaveCount(0);
	await page.context().close();
});

test('an audit closed under the reviewer shows its closed card, with focus on it, after a submit and on a reload', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const page = await open(browser, setup);
	closeAudit(setup.auditId, db);
	for (const k of ['y', 'y', 'y', 'Enter']) await page.keyboard.press(k);
	await expect(page.getByTestId('closed')).toBeVisible();
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'closed');
	await expectHeadingFocused(page);
	await expect(page.getByTestId('kept-answers')).toContainText('Label not saved');
	// Not "Nothing to save yet" beside the refusal.
	await expect(page.getByTestId('save-status')).toHaveText('A label was not saved');
	await page.reload();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('closed')).toBeVisible();
	await expect(page.getByTestId('item-instruction')).toHaveCount(0);
	await expectHeadingFocused(page);
	await page.context().close();
});

test('phone 320×640: what Tab focuses and what the keys highlight stays in view above the action bar', async ({ browser }) => {
	const setup = await newAudit('quality', 3);
	const context = await signedInContext(browser, setup.reviewer, { width: 320, height: 640 });
	const page = await context.newPage();
	await page.goto(`/review/${setup.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expectHeadingFocused(page);
	/** Whether the element (the focused one, or what the selector names) lies inside the screen and above the sticky actions. */
	const clearOfActions = (selector: string | null) =>
		page.evaluate((sel) => {
			const el = sel ? document.querySelector(sel) : document.activeElement;
			const bar = document.querySelector('.actions')!.getBoundingClientRect();
			if (!el || el.closest('.actions')) return true;
			const r = el.getBoundingClientRect();
			return r.top >= 0 && r.bottom <= bar.top + 1;
		}, selector);
	// Letter keys from the top of the page: the highlighted question comes into view, then the reasons.
	await page.keyboard.press('y');
	await expect.poll(() => clearOfActions('li[data-question="input"]')).toBe(true);
	await page.keyboard.press('y');
	await expect.poll(() => clearOfActions('li[data-question="output"]')).toBe(true);
	await page.keyboard.press('n');
	await expect.poll(() => clearOfActions('fieldset.reasons')).toBe(true);
	await page.screenshot({ path: 'test-results/review-phone-320-reasons.png' });
	// Tab from the heading to the Output group: every stop on the way is visible.
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.locator('[data-item-heading]').focus();
	for (let i = 0; i < 30; i++) {
		await page.keyboard.press('Tab');
		await expect.poll(() => clearOfActions(null), { message: `Tab stop ${i + 1}` }).toBe(true);
		if (await focusedInGroup(page, 'Output')()) break;
	}
	expect(await focusedInGroup(page, 'Output')()).toBe(true);
	// "My reviews" at this width keeps the way into the audit on screen, without sideways scrolling.
	await page.goto('/review');
	await expect(page.locator(`tr[data-audit="${setup.auditId}"]`).getByRole('link', { name: /^(Start|Continue) / })).toBeInViewport();
	const wrap = page.getByTestId('my-audits').locator('xpath=..');
	expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
	await context.close();
});
