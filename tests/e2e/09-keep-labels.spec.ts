import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signIn, gotoReady, jsonl } from './helpers';
import { openDatabase, type Db } from '../../src/lib/server/db/index';
import { createUser } from '../../src/lib/server/auth/users';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';

// Reviewed work in the browser: a dataset whose audit holds labels cannot be deleted (the page
// says why, the action refuses), it is archived and restored by a researcher, its audit moves to
// another dataset as a bundle, and only an administrator purges it — after a backup that then
// shows under Admin → Backups. The spec makes its own accounts and data in the app's database.

const RESEARCHER = { email: 'keeper-researcher@example.org', password: 'keeper-researcher-1' };
const ADMIN = { email: 'keeper-admin@example.org', password: 'keeper-admin-pass-1' };
const DATASET = 'kept in the browser';
const COPY = 'kept in the browser (copy)';
const UNRELATED = 'kept in the browser (unrelated)';
const rows = Array.from({ length: 6 }, (_, i) => ({ instruction: `Keep task ${i}: say ${i} twice.`, input: i % 2 ? `input ${i}` : '', output: `${i} ${i}` }));
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp';

function appDb(): Db {
	return openDatabase(path.join(process.env.E2E_DATA_DIR!, 'e2e.db'), path.resolve('migrations'));
}

async function* stream(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}

// The tests build on each other: after a failure the rest are skipped, not re-run on a fresh worker.
test.describe.configure({ mode: 'serial' });

let datasetId = 0;
let auditId = 0;

test.beforeAll(async () => {
	const db = appDb();
	await createUser({ ...RESEARCHER, role: 'researcher' }, db);
	await createUser({ ...ADMIN, role: 'admin' }, db);
	const reviewers = await Promise.all([0, 1].map((i) => createUser({ email: `keeper-reviewer${i}@example.org`, password: 'keeper-reviewer-1', role: 'reviewer' }, db)));
	datasetId = (await importFile(stream(jsonl(rows)), { datasetName: DATASET, fileName: 'keep.jsonl' }, db)).datasetId;
	await (importFile(stream(jsonl(rows)), { datasetName: COPY, fileName: 'keep.jsonl' }, db));
	await importFile(stream(jsonl([{ instruction: 'Something else entirely.', input: '', output: 'yes' }])), { datasetName: UNRELATED, fileName: 'other.jsonl' }, db);
	const audit = createAudit({ datasetId, kind: 'quality', name: 'Kept audit', sampleSize: 6, seed: 4, overlap: 2, reviewerIds: reviewers.map((r) => r.id) }, db);
	auditId = audit.id;
	for (const r of reviewers) {
		for (let n = 0; n < 4; n++) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') break;
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: n % 2 === 0, reason: n % 2 === 0 ? null : 'incorrect_output', comment: '' } }, {}, db);
		}
	}
	db.$client.close();
});

const labelCount = () => {
	const db = appDb();
	try {
		return db.$client.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ?').pluck().get(auditId) as number;
	} finally {
		db.$client.close();
	}
};

async function as(browser: Browser, who: { email: string; password: string }, width = 1280): Promise<Page> {
	const context = await browser.newContext({ viewport: { width, height: 900 } });
	const page = await context.newPage();
	await signIn(page, who);
	return page;
}

test('the dataset page says why a dataset with labels cannot be deleted, and the action refuses', async ({ browser }) => {
	const page = await as(browser, RESEARCHER);
	await gotoReady(page, `/datasets/${datasetId}`);
	const refusal = page.getByTestId('delete-refused');
	await expect(refusal).toContainText('This dataset cannot be deleted: it holds reviewed work.');
	await expect(refusal).toContainText(`audit "Kept audit" (#${auditId}): 8 labels`);
	await expect(page.getByRole('button', { name: 'Delete dataset' })).toHaveCount(0);
	// The form action itself refuses, whatever the page shows.
	const response = await page.request.post(`/datasets/${datasetId}?/delete`, {
		form: { confirm: DATASET },
		headers: { origin: new URL(page.url()).origin, 'x-sveltekit-action': 'true' }
	});
	const body = await response.json();
	expect(body).toMatchObject({ type: 'failure', status: 409 });
	expect(body.data).toContain('holds reviewed work, so it cannot be deleted');
	const audit = await page.request.post(`/audits/${auditId}?/delete`, {
		form: { confirm: 'Kept audit' },
		headers: { origin: new URL(page.url()).origin, 'x-sveltekit-action': 'true' }
	});
	expect(await audit.json()).toMatchObject({ type: 'failure', status: 409 });
	expect(labelCount()).toBe(8);
	await page.screenshot({ path: `${SHOTS}/keep-dataset-refused-1280.png`, fullPage: true });
	await page.context().close();
});

test('a researcher archives the dataset (hidden, read-only) and restores it with every label', async ({ browser }) => {
	const page = await as(browser, RESEARCHER);
	await gotoReady(page, `/datasets/${datasetId}`);
	await page.getByRole('button', { name: 'Archive dataset' }).click();
	await expect(page.getByTestId('archived-banner')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Apply filters' })).toHaveCount(0);
	await gotoReady(page, '/datasets');
	await expect(page.getByRole('link', { name: DATASET, exact: true })).toHaveCount(0);
	await page.getByRole('link', { name: /^Archived \(\d+\)$/ }).click();
	await expect(page.getByRole('heading', { name: 'Archived datasets' })).toBeVisible();
	await gotoReady(page, '/audits');
	await expect(page.getByRole('link', { name: 'Kept audit', exact: true })).toHaveCount(0);
	await gotoReady(page, `/audits/${auditId}`);
	await expect(page.getByTestId('archived-banner')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Close audit' })).toHaveCount(0);
	await expect(page.getByText('Its dataset is archived: restore the dataset to bring this audit back.')).toBeVisible();
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: `${SHOTS}/keep-audit-archived-${width}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await gotoReady(page, `/datasets/${datasetId}`);
		await page.screenshot({ path: `${SHOTS}/keep-dataset-archived-${width}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.getByRole('button', { name: 'Restore dataset' }).click();
	// The page has more than one status region (the search's too): the restore's is the one saying so.
	await expect(page.getByRole('status').filter({ hasText: 'Restored with 1 audit(s).' })).toBeVisible();
	await expect(page.getByTestId('archived-banner')).toHaveCount(0);
	await gotoReady(page, '/audits');
	await expect(page.getByRole('link', { name: 'Kept audit', exact: true })).toBeVisible();
	expect(labelCount()).toBe(8);
	await page.context().close();
});

test("the audit moves to another dataset as a bundle; a dataset that does not match is refused with what differs", async ({ browser }) => {
	const page = await as(browser, RESEARCHER);
	await gotoReady(page, `/audits/${auditId}`);
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download bundle' }).click()]);
	expect(download.suggestedFilename()).toBe(`audit-${auditId}-kept-audit.bundle.jsonl`);
	const file = await download.path();
	const lines = fs.readFileSync(file!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
	expect(lines[0]).toMatchObject({ type: 'audit-bundle', audit: { name: 'Kept audit', overlap: 2 } });
	expect(lines.filter((l) => l.type === 'label')).toHaveLength(8);

	await gotoReady(page, '/audits/import');
	await page.getByLabel('Bundle file').setInputFiles(file!);
	await page.getByLabel('Dataset the audit is about').selectOption({ label: UNRELATED });
	await page.getByRole('button', { name: 'Import' }).click();
	await expect(page.getByTestId('bundle-refused')).toContainText('The bundle does not match this installation');
	await expect(page.getByTestId('bundle-refused').locator('li').first()).toContainText('no task in');
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: `${SHOTS}/keep-import-refused-${width}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });

	await gotoReady(page, '/audits/import');
	await page.getByLabel('Bundle file').setInputFiles(file!);
	await page.getByLabel('Dataset the audit is about').selectOption({ label: COPY });
	await page.getByRole('button', { name: 'Import' }).click();
	await expect(page.getByTestId('bundle-imported')).toContainText('8 labels from 2 reviewers');
	await page.getByTestId('bundle-imported').getByRole('link', { name: 'Report' }).click();
	await expect(page).toHaveURL(/\/reports\/\d+$/);
	await page.context().close();
});

test('only an administrator purges, typing the name, and a backup is written first', async ({ browser }) => {
	const researcher = await as(browser, RESEARCHER);
	await gotoReady(researcher, `/datasets/${datasetId}`);
	await researcher.getByRole('button', { name: 'Archive dataset' }).click();
	await expect(researcher.getByTestId('archived-banner')).toBeVisible();
	await expect(researcher.getByText('Purge for good (administrator)')).toHaveCount(0);
	const denied = await researcher.request.post(`/datasets/${datasetId}?/purge`, {
		form: { confirm: DATASET },
		headers: { origin: new URL(researcher.url()).origin, 'x-sveltekit-action': 'true' }
	});
	expect(denied.status()).toBe(403);
	await researcher.context().close();
	expect(labelCount()).toBe(8);

	const page = await as(browser, ADMIN);
	await gotoReady(page, '/admin/backups');
	const before = await page.getByTestId('backup-table').locator('tbody tr').count().catch(() => 0);
	await gotoReady(page, `/datasets/${datasetId}`);
	await page.getByText('Purge for good (administrator)').click();
	await expect(page.locator('.counts')).toContainText('8');
	await page.getByLabel(`Type ${DATASET} to confirm`).fill('not the name');
	await page.getByRole('button', { name: 'Purge dataset' }).click();
	await expect(page.getByRole('alert')).toContainText(`Type "${DATASET}" to confirm the purge.`);
	expect(labelCount()).toBe(8);
	await page.screenshot({ path: `${SHOTS}/keep-purge-1280.png`, fullPage: true });
	await page.getByLabel(`Type ${DATASET} to confirm`).fill(DATASET);
	await page.getByRole('button', { name: 'Purge dataset' }).click();
	await expect(page).toHaveURL(/\/datasets\?archived=1$/);
	expect(labelCount()).toBe(0);

	await gotoReady(page, '/admin/backups');
	const table = page.getByTestId('backup-table');
	await expect(table.locator('tbody tr')).toHaveCount(before + 1);
	await expect(table.locator('tbody tr').first()).toContainText('before a purge');
	await page.getByRole('button', { name: 'Create a backup' }).click();
	await expect(page.getByTestId('backup-created')).toContainText('written and verified');
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: `${SHOTS}/keep-backups-${width}.png`, fullPage: true });
	}
	// The file downloads, for an administrator only.
	const href = await table.locator('tbody tr a').first().getAttribute('href');
	const file = await page.request.get(href!);
	expect(file.status()).toBe(200);
	expect((await file.body()).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
	await page.context().close();
	const researcherAgain = await as(browser, RESEARCHER);
	expect((await researcherAgain.request.get(href!)).status()).toBe(403);
	await researcherAgain.context().close();
});

test("removing a reviewer sets their labels aside (kept, restorable) instead of deleting them", async ({ browser }) => {
	const page = await as(browser, RESEARCHER);
	await gotoReady(page, '/audits');
	await page.getByTestId('audit-table').getByRole('link', { name: 'Kept audit', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'Kept audit' })).toBeVisible();
	const row = page.locator('tr[data-reviewer="keeper-reviewer0@example.org"]');
	await row.getByRole('button', { name: 'Remove…' }).click();
	await row.getByLabel(/also set aside their 4 label\(s\)/).check();
	await row.getByRole('button', { name: 'Remove keeper-reviewer0@example.org', exact: true }).click();
	await expect(page.getByRole('status')).toContainText('4 label(s) set aside (kept, no longer counted)');
	const setAside = page.getByTestId('set-aside');
	await expect(setAside).toContainText('keeper-reviewer0@example.org: 4 labels');
	await expect(page.locator('[data-stat="labels"]')).toContainText('4 / 12');
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await setAside.screenshot({ path: `${SHOTS}/keep-set-aside-${width}.png` });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
	await setAside.getByRole('button', { name: 'Bring back' }).click();
	await expect(page.getByRole('status')).toContainText('Brought back 4 label(s).');
	await expect(page.locator('[data-stat="labels"]')).toContainText('8 / 12');
	await expect(page.getByTestId('set-aside')).toHaveCount(0);
	await page.context().close();
});
