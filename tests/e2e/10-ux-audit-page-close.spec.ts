/**
 * The audit page names what each gold figure counts (whole gold items vs single answers), says
 * before and after closing how many items are being labelled and what happens to their labels,
 * and a closed audit shows no lease as work going on.
 */
import { test, expect } from '@playwright/test';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { heartbeat, nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { parseGold } from '../../src/lib/audits/gold';
import { jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let auditId: number;
let researcher: Account;
let reviewer: Account;

test.beforeAll(async () => {
	db = openE2eDatabase();
	const rows = Array.from({ length: 12 }, (_, i) => ({ instruction: `Name the colour number ${i + 1}.`, input: '', output: `colour ${i + 1}` }));
	const datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: `e2e close ${Date.now()}`, fileName: 'colours.jsonl' }, db)).datasetId;
	researcher = await makeAccount(db, 'researcher', 'Close Researcher');
	reviewer = await makeAccount(db, 'reviewer', 'Close Reviewer');
	const instanceIds = db.$client.prepare('SELECT id FROM instances WHERE dataset_id = ? ORDER BY id DESC LIMIT 3').pluck().all(datasetId) as number[];
	// Gold says the output is wrong; the reviewer says all three answers are yes: 2 of 3 answers right on each item.
	const gold = parseGold(instanceIds.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "no", "reason": "incorrect_output"}`).join('\n'), 'quality');
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 6, seed: 5, overlap: 1, reviewerIds: [reviewer.id], gold, goldRate: 0.1, qualificationItems: 3, qualificationAccuracy: 0.5 }, db);
	auditId = audit.id;
	for (let i = 0; i < 3; i++) {
		const next = nextAssignment(auditId, reviewer.id, {}, db) as { status: string; ref: string };
		expect(next.status).toBe('assigned');
		const answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
		expect(submitLabel(auditId, reviewer.id, { ref: next.ref, submissionId: `close-gold-${auditId}-${i}`, answer }, {}, db).outcome).toBe('created');
	}
	// One sampled item on the reviewer's screen, being labelled now, and the next one prefetched behind it (not counted).
	const onScreen = nextAssignment(auditId, reviewer.id, {}, db) as { status: string; ref: string };
	expect(onScreen.status).toBe('assigned');
	heartbeat(auditId, reviewer.id, onScreen.ref, {}, db);
	expect(nextAssignment(auditId, reviewer.id, { exclude: [onScreen.ref] }, db).status).toBe('assigned');
});
test.afterAll(() => db?.$client.close());

test('gold figures name their unit; closing says what happens to the items being labelled', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/${auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });

	await expect(page.getByTestId('qualification').locator('li')).toContainText('qualified · 6 of 9 answers right (67%)');
	const table = page.getByTestId('reviewer-table');
	await expect(table.getByRole('columnheader', { name: 'Gold items all right' })).toBeVisible();
	await expect(table.locator(`tr[data-reviewer="${reviewer.email}"] td[data-col="gold"]`)).toHaveText('0 of 3 (0%)');

	await expect(page.getByTestId('close-consequence')).toHaveText(
		"Closing or archiving: 1 item is being labelled now (1 reviewer): once the audit is closed or archived, their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened or restored."
	);
	await page.getByRole('button', { name: 'Close audit' }).click();
	await expect(page.getByRole('status')).toHaveText(
		"Closed: reviewers can no longer label or change labels. 1 item was being labelled (1 reviewer): their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened."
	);
	await expect(page.getByTestId('close-consequence')).toHaveCount(0);
	const progress = page.getByTestId('audit-progress');
	await expect(progress).not.toContainText('Being reviewed now');
	await expect(progress.locator('[data-stat="open-at-close"]')).toHaveText('1');
	await expect(progress).toContainText('Being labelled when closed (not accepted)');
	await expect(table.locator(`tr[data-reviewer="${reviewer.email}"] td`).nth(3)).toHaveText('0');
	await context.close();
});
