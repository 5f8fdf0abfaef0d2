/**
 * The export page's whole conversations and pairs: what the export would write (pairs, not
 * instances), what it leaves out and whose pair verdicts it carries, read from the same manifest
 * the page offers for download — as the command line prints them.
 */
import { test, expect } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { responseOrder } from '../../src/lib/audits/order';
import { makeAccount, openE2eDatabase, signedInContext } from '../support/e2e-world';

let db: Db;
test.beforeAll(() => {
	db = openE2eDatabase();
});
test.afterAll(() => db?.$client.close());

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}

const pairRows = [
	{ prompt: 'Which is bigger, 2 or 3?', chosen: '3', rejected: '2' },
	{ prompt: 'Say hi in French', chosen: 'Bonjour', rejected: 'Hello' },
	{ prompt: 'Tie case', chosen: 'A', rejected: 'B', tie: true },
	{ prompt: "=cmd|' /C calc'!A0", chosen: '+evil', rejected: 'line' }
];

test('the pairs export shows the pairs it would write, the tie it leaves out and the reviewers’ verdicts it carries, with its manifest', async ({ browser }) => {
	const name = `pairs ${randomUUID().slice(0, 6)}`;
	const { datasetId } = await importFile(once(pairRows.map((r) => JSON.stringify(r)).join('\n') + '\n'), { datasetName: name, fileName: 'pairs.jsonl' }, db);
	const reviewer = await makeAccount(db, 'reviewer', 'Pair judge');
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [reviewer.id], seed: 2, sampleSize: 4 }, db);
	for (;;) {
		const next = nextAssignment(audit.id, reviewer.id, {}, db);
		if (next.status !== 'assigned') break;
		const item = db.$client.prepare('SELECT i.id, p.prompt FROM audit_items i JOIN preference_pairs p ON p.id = i.pair_id WHERE i.ref = ?').get(next.ref) as { id: number; prompt: string };
		// The =cmd pair's sides swapped; the others as the source (the tie given its side a).
		const side = item.prompt.startsWith('=cmd') ? 'b' : 'a';
		const order = responseOrder(2, reviewer.id, item.id, true);
		const choice = side === 'a' ? (order[0] === 0 ? 'A' : 'B') : order[0] === 1 ? 'A' : 'B';
		submitLabel(audit.id, reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
	}
	const researcher = await makeAccount(db, 'researcher', 'Pair exporter');
	const context = await signedInContext(browser, researcher, { width: 1280, height: 900 });
	const page = await context.newPage();
	await page.goto(`/exports?dataset=${datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });

	await page.getByLabel('Shape').selectOption('preference-pairs');
	const count = page.getByTestId('shape-count');
	await expect(count).toBeEmpty();
	// Every pair judged: the tie is now a win for a, so 4 pairs, none left out.
	await expect(count).toContainText('4 pairs would be written.');
	await expect(count.getByTestId('shape-verdicts')).toHaveText(
		`The reviewers' verdict (pairwise audit ${audit.id}) is used for 4 pairs instead of the source's preference; 2 of them differ from it (sides swapped, a source tie given a winner, or left out as disagreed or both bad).`
	);
	const shapes = page.getByRole('region', { name: 'Whole conversations and pairs' });
	const manifestHref = await shapes.getByRole('link', { name: 'Download manifest' }).getAttribute('href');
	const manifest = await (await page.request.get(manifestHref!)).json();
	expect(manifest).toMatchObject({ kind: 'instruct-audit-shape-export', format: 'preference-pairs', reviewersVerdictsFrom: { audits: [audit.id] }, counts: { records: 4, reviewersVerdicts: 4, sourceVerdictsReplaced: 2 } });
	const file = await (await page.request.get((await shapes.getByRole('link', { name: 'Download', exact: true }).getAttribute('href'))!)).text();
	expect(file.trim().split('\n')).toHaveLength(4);

	// Audited: the pairs the pairwise audit judged (all four), not the instances a quality audit labelled (none).
	await page.getByLabel('Audited', { exact: true }).selectOption('yes');
	await expect(count).toContainText('4 pairs would be written.');
	await page.getByLabel('Audited', { exact: true }).selectOption('no');
	await expect(count).toContainText('0 pairs would be written.');
	// Unjudged pairs: the source's tie is left out and said so, or kept when asked.
	const unjudged = await importFile(once(pairRows.map((r) => JSON.stringify(r)).join('\n') + '\n'), { datasetName: `${name} unjudged`, fileName: 'pairs.jsonl' }, db);
	await page.goto(`/exports?dataset=${unjudged.datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await page.getByLabel('Shape').selectOption('preference-pairs');
	await expect(count).toHaveText('3 pairs would be written; 1 tie left out.');
	await expect(count.getByTestId('shape-verdicts')).toHaveCount(0);
	await page.getByLabel('Keep ties, flagged').check();
	await expect(count).toHaveText('4 pairs would be written.');
	// An audit that is not there is said, not ignored.
	const refused = await page.request.get(`/api/exports/shape?dataset=${datasetId}&format=preference-pairs&where=audit=999&manifest=1`);
	expect(refused.status()).toBe(400);
	expect((await refused.json()).message).toBe('There is no audit 999.');
	await context.close();
});
