/**
 * The review screens on a phone and on an audit with gold items: My labels' tables stack so every
 * value and action is on screen, the "Show all of the output" button is a 44 px target, and a
 * reviewer of an audit with gold sees no audit-wide label count (it would tell which item was gold).
 */
import { test, expect, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, skipItem, submitLabel } from '../../src/lib/server/audits/routing';
import { closeAudit } from '../../src/lib/server/audits/audits';
import { parseGold } from '../../src/lib/audits/gold';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
let datasetId = 0;
const PHONE = { width: 390, height: 844 };

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const ALL_YES = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' } as const;
const LONG = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');

test.beforeAll(async () => {
	db = openE2eDatabase();
	const tasks = Array.from({ length: 6 }, (_, i) => ({
		instruction: `Phone task ${i}: explain in plain words why the sky over the harbour looks ${['grey', 'blue', 'red', 'pale', 'dark', 'gold'][i]} this evening.`,
		input: '',
		output: i === 5 ? LONG : `Because of the light ${i}.`
	}));
	datasetId = (await importFile(once(jsonl(tasks)), { datasetName: `phone ${randomUUID().slice(0, 6)}`, fileName: 'tasks.jsonl' }, db)).datasetId;
});
test.afterAll(() => db?.$client.close());

function instances(): number[] {
	return db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
}

function audit(reviewers: Account[], options: { gold?: number[]; size?: number } = {}): number {
	const gold = options.gold?.length ? parseGold(options.gold.map((id) => JSON.stringify({ instance: id, instruction: 'yes', input: 'yes', output: 'yes' })).join('\n'), 'quality') : undefined;
	return createAudit(
		{ datasetId, kind: 'quality', name: `Phone ${randomUUID().slice(0, 6)}`, sampleSize: options.size ?? 6, seed: 3, overlap: 1, reviewerIds: reviewers.map((r) => r.id), gold, goldRate: gold ? 0.3 : undefined },
		db
	).id;
}

/** Every box inside the viewport's width: nothing cut off at the right or hidden in a sideways scroll. */
async function expectInsideWidth(page: Page, selector: string) {
	const boxes = await page.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right, width: r.width })));
	expect(boxes.length).toBeGreaterThan(0);
	for (const b of boxes) {
		expect(b.width).toBeGreaterThan(0);
		expect(b.left).toBeGreaterThanOrEqual(0);
		expect(b.right).toBeLessThanOrEqual(PHONE.width);
	}
}

test('My labels on a phone: every answer, time and the Review now button are on screen, open or closed', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Phone labels');
	const auditId = audit([reviewer]);
	for (let i = 0; i < 4; i++) {
		const next = nextAssignment(auditId, reviewer.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		if (i === 3) skipItem(auditId, reviewer.id, next.ref, 'too long', {}, db);
		else submitLabel(auditId, reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer: ALL_YES }, {}, db);
	}
	const page = await (await signedInContext(browser, reviewer, PHONE)).newPage();
	await page.goto(`/review/${auditId}/labels`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await expectInsideWidth(page, '[data-testid="my-labels"] td');
	await expectInsideWidth(page, '[data-testid="skipped-table"] td');
	const reviewNow = page.getByRole('button', { name: 'Review now' });
	await reviewNow.scrollIntoViewIfNeeded();
	await expect(reviewNow).toBeInViewport({ ratio: 1 });
	await expectInsideWidth(page, '[data-testid="skipped-table"] button');
	// Each value says what it is, the headers being out of sight.
	await expect(page.getByTestId('my-labels').locator('td[data-label="Submitted"]').first()).toBeVisible();
	for (const wrap of await page.locator('.table-wrap').all()) expect(await wrap.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
	await page.screenshot({ path: 'test-results/labels-phone-open.png', fullPage: true });

	closeAudit(auditId, db);
	await page.reload();
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const closed = page.getByTestId('skipped-table').getByText('audit closed');
	await closed.scrollIntoViewIfNeeded();
	await expect(closed).toBeInViewport({ ratio: 1 });
	await expectInsideWidth(page, '[data-testid="skipped-table"] td');
	await page.screenshot({ path: 'test-results/labels-phone-closed.png', fullPage: true });
	await page.context().close();
});

test('"Show all of the output" is at least 44 px high on a phone', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Phone fold');
	const long = instances()[5];
	// Only the long item: the audit draws one instance, the long one as gold would be left out, so draw all and walk to it.
	const auditId = audit([reviewer]);
	const page = await (await signedInContext(browser, reviewer, { ...PHONE, hasTouch: true, isMobile: true })).newPage();
	for (let i = 0; i < 6; i++) {
		const ref = db.$client
			.prepare("SELECT i.ref FROM audit_items i JOIN audit_assignments s ON s.item_id = i.id WHERE i.audit_id = ? AND i.instance_id = ? AND s.reviewer_id = ? AND s.status = 'active'")
			.pluck()
			.get(auditId, long, reviewer.id) as string | undefined;
		if (ref) {
			await page.goto(`/review/${auditId}/items/${ref}`);
			break;
		}
		const next = nextAssignment(auditId, reviewer.id, {}, db);
		if (next.status !== 'assigned') throw new Error('no item');
		const isLong = db.$client.prepare('SELECT instance_id FROM audit_items WHERE ref = ?').pluck().get(next.ref) === long;
		if (!isLong) submitLabel(auditId, reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer: ALL_YES }, {}, db);
		else i--;
	}
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const fold = page.getByRole('button', { name: /^Show all of the output/ });
	await expect(fold).toBeVisible();
	const box = (await fold.boundingBox())!;
	expect(box.height).toBeGreaterThanOrEqual(44);
	await fold.scrollIntoViewIfNeeded();
	await page.screenshot({ path: 'test-results/fold-phone.png' });
	await page.context().close();
});

test('a reviewer of an audit with gold sees no audit-wide count; one without gold does', async ({ browser }) => {
	const reviewer = await makeAccount(db, 'reviewer', 'Gold counts');
	const withGold = audit([reviewer], { gold: instances().slice(0, 1), size: 6 });
	const without = audit([reviewer], { size: 3 });
	const page = await (await signedInContext(browser, reviewer)).newPage();
	await page.goto('/review');
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const row = (id: number) => page.locator(`[data-testid="my-audits"] tr[data-audit="${id}"]`);
	await expect(row(withGold).getByTestId('audit-progress-hidden')).toHaveText('Shown to researchers');
	await expect(row(withGold)).not.toContainText('labels');
	await expect(row(without)).toContainText('0 / 3 labels');
	await page.goto(`/review/${withGold}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.getByTestId('progress')).toContainText('0 labelled by you');
	await expect(page.getByTestId('progress')).toContainText('6 left for you');
	await expect(page.getByTestId('audit-count')).toHaveCount(0);
	await expect(page.getByRole('progressbar', { name: 'Your progress' })).toBeVisible();
	await page.goto(`/review/${without}`);
	await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
	await expect(page.getByTestId('audit-count')).toHaveText('· audit 0 of 3');
	await page.context().close();

	// The researcher reads on the audit page that the gold instance was left out of the frame.
	const researcher = await makeAccount(db, 'researcher', 'Gold frame');
	const audits = await (await signedInContext(browser, researcher)).newPage();
	await audits.goto(`/audits/${withGold}`);
	await expect(audits.getByTestId('sample-description')).toContainText('5 items from 5 instructions drawn');
	await expect(audits.getByTestId('gold-left-out')).toHaveText('; 1 gold instance was left out of the sampling frame');
	await audits.goto(`/audits/${without}`);
	await expect(audits.getByTestId('sample-description')).toBeVisible();
	await expect(audits.getByTestId('gold-left-out')).toHaveCount(0);
	await audits.context().close();
});
