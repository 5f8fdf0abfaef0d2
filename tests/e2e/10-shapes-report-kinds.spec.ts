/**
 * What pairwise and conversation audits show that the other kinds do not: an OpenAI tool call
 * (tool_calls, or the legacy function_call) reviewed as its call, and the reports' position bias, reply-by-reply agreement and their tables'
 * copy buttons.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

let db: Db;
test.beforeAll(() => {
	db = openE2eDatabase();
});
test.afterAll(() => db?.$client.close());

async function* once(text: string): AsyncGenerator<Uint8Array> {
	yield new TextEncoder().encode(text);
}

async function open(browser: Browser, who: Account, url: string): Promise<Page> {
	const context = await signedInContext(browser, who, { width: 1280, height: 900 });
	const page = await context.newPage();
	await page.goto(url);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	return page;
}

test('a chat reply that only calls a tool is reviewed as its call, escaped; the report gives agreement reply by reply with its table', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const call = { name: 'get_weather', arguments: '{"city":"<b>Paris</b>"}' };
	// The second chat in OpenAI's legacy form (function_call, a "function" result): reviewed the same way.
	const chat = (i: number) => ({
		messages: [
			{ role: 'user', content: `weather ${tag} ${i}?` },
			i === 0 ? { role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: call }] } : { role: 'assistant', content: null, function_call: call },
			i === 0 ? { role: 'tool', tool_call_id: 'c0', content: '{"temp":20}' } : { role: 'function', name: 'get_weather', content: '{"temp":20}' },
			{ role: 'assistant', content: `It is 20C ${i}.` }
		]
	});
	const { datasetId } = await importFile(once([0, 1].map((i) => JSON.stringify(chat(i))).join('\n') + '\n'), { datasetName: `chat tools ${tag}`, fileName: 'chats.jsonl' }, db);
	const [first, second] = [await makeAccount(db, 'reviewer', 'Tool reviewer one'), await makeAccount(db, 'reviewer', 'Tool reviewer two')];
	const audit = createAudit({ datasetId, kind: 'conversation', reviewerIds: [first.id, second.id], overlap: 2, seed: 1 }, db);

	// Each chat is reviewed the same way, whichever form its call is in.
	for (const i of [0, 1]) {
		const one = await importFile(once(JSON.stringify(chat(i)) + '\n'), { datasetName: `chat tool form ${tag} ${i}`, fileName: 'chat.jsonl' }, db);
		const alone = createAudit({ datasetId: one.datasetId, kind: 'conversation', reviewerIds: [first.id], seed: 1 }, db);
		const page = await open(browser, first, `/review/${alone.id}`);
		await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
		const turns = page.locator('[data-turn]');
		await expect(turns.nth(1).getByRole('heading')).toHaveText('Assistant · reply 1 (a tool call)');
		await expect(turns.nth(1)).toContainText('get_weather({"city":"<b>Paris</b>"})');
		await expect(turns.nth(1)).not.toContainText('(empty turn)');
		await expect(turns.nth(2).getByRole('heading')).toHaveText('Tool');
		await expect(turns.nth(2)).toContainText('{"temp":20}');
		await expect(turns.nth(3).getByRole('heading')).toHaveText('Assistant · reply 2');
		await page.context().close();
	}

	// Both reviewers fault a different reply: they agree on every conversation, never on the faulted reply.
	for (const [r, bad] of [[first, 0], [second, 1]] as const) {
		for (;;) {
			const next = nextAssignment(audit.id, r.id, {}, db);
			if (next.status !== 'assigned') break;
			const n = reviewItemView(audit.id, r.id, next.ref, db).turns.filter((t) => t.row !== null).length;
			const turns = Array.from({ length: n }, (_, i) => (i === bad ? { valid: false, rating: 'C' as const } : { valid: true, rating: 'A' as const }));
			submitLabel(audit.id, r.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'conversation', turns, comment: '' } }, {}, db);
		}
	}
	const researcher = await makeAccount(db, 'researcher', 'Tool researcher');
	const report = await open(browser, researcher, `/reports/${audit.id}`);
	await expect(report.getByTestId('conversation-agreement')).toContainText("each conversation's verdict (every reply valid or not): 100.0%");
	await expect(report.getByTestId('reply-agreement')).toContainText('On each reply (valid or not, reply by reply): 0.0% (4 replies judged at least twice)');
	// Each reviewer's agreement reply by reply, beside their agreement on the whole conversation.
	for (const name of ['Tool reviewer one', 'Tool reviewer two']) {
		const row = report.getByTestId('reviewer-table').locator(`tr[data-reviewer="${name}"]`);
		await expect(row).toContainText('100.0% 2 pairs on 2 items');
		await expect(row.locator('[data-cell="reply-agreement"]')).toHaveText('0.0% 4 pairs on 4 replies');
	}
	await expect(report.getByTestId('reviewer-table').getByRole('columnheader', { name: /on each reply/ })).toBeVisible();
	// Words apart: "others (on each…", not "others(on each…".
	await expect(report.getByTestId('reviewer-table').getByRole('columnheader', { name: 'Agreement with others (on each conversation as a whole)', exact: true })).toBeVisible();
	await expect(report.getByTestId('paper-table-conversations').getByRole('button', { name: /Copy as Markdown/ })).toBeVisible();
	await report.context().close();
});

test('a pairwise report flags a reviewer who always picks the response shown first, with copy buttons for its tables', async ({ browser }) => {
	const tag = randomUUID().slice(0, 6);
	const rows = Array.from({ length: 10 }, (_, i) => ({ prompt: `Q ${tag} ${i}`, chosen: `x${i}`, rejected: `y${i}`, chosen_model: 'mX', rejected_model: 'mY' }));
	const { datasetId } = await importFile(once(JSON.stringify(rows)), { datasetName: `side ${tag}`, fileName: 'p.json' }, db);
	const reviewer = await makeAccount(db, 'reviewer', `Left ${tag}`);
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [reviewer.id], seed: 5, sampleSize: 10 }, db);
	for (;;) {
		const next = nextAssignment(audit.id, reviewer.id, {}, db);
		if (next.status !== 'assigned') break;
		submitLabel(audit.id, reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'pairwise', choice: 'A', comment: '' } }, {}, db);
	}
	const researcher = await makeAccount(db, 'researcher', 'Side researcher');
	const report = await open(browser, researcher, `/reports/${audit.id}`);
	const bias = report.getByTestId('position-bias');
	await expect(bias.getByRole('row', { name: new RegExp(`Left ${tag}`) })).toContainText('10 of 10');
	await expect(bias).toContainText('far from 50%: possible position bias');
	for (const id of ['pairwise', 'bradley-terry', 'position']) await expect(report.getByTestId(`paper-table-${id}`)).toBeVisible();
	// The reviewers table's footnote speaks of choices, not of responses rated, and of reviewer pairs — the
	// figure's unit ("25 pairs") — not of the share of this reviewer's choices (E6: 6/25 = 24.0%, not 5/15).
	await expect(report.getByText('of the reviewer pairs this reviewer forms on the same pair of responses (one per other reviewer who chose on it), the share that made the same choice')).toBeVisible();
	await expect(report.getByText("the share of this reviewer's choices that match")).toHaveCount(0);
	await report.context().close();
});
