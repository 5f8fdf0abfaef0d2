/**
 * Judge suggestions for reviewers in the browser (issue #13; an audit option, off by default): a
 * quality judge run over a dataset (run in this process against the scripted judge), a
 * researcher sees the option on the new-audit form, and a reviewer of an audit created with it
 * finds the three answers pre-filled with the judge's verdicts under a labelled note with its
 * reasons — at 1280 and 390 wide — submits them, and the report says reviewers saw suggestions.
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { createAudit } from '../../src/lib/server/audits/create';
import type { Db } from '../../src/lib/server/db';
import { buildJudgeWorld, judgeScript, judgeSays, type JudgeWorld } from '../integration/judge-support';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious or critical axe-core violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
	await page.evaluate(AXE_SOURCE);
	return page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
	});
}

let fake: FakeOpenAI;
let db: Db;
let world: JudgeWorld;
let runId: number;
let researcher: Account;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ script: judgeScript });
	db = openE2eDatabase();
	world = await buildJudgeWorld(db, `e2e suggested ${Date.now()}`);
	const endpoint = createEndpoint({ name: `suggest-fake-${Date.now()}`, baseUrl: fake.url, apiKey: '', apiStyle: 'chat', model: 'judge-model', concurrency: 4 }, null, db);
	const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
	runId = run.id;
	const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200 }).done;
	expect(end.status).toBe('completed');
	// A reason carrying a right-to-left override (U+202E), as a hostile or broken model may write.
	db.$client.prepare("UPDATE judge_labels SET verdicts = json_set(verdicts, '$.input.reason', 'Fits.' || char(0x202E) || ' detrevni') WHERE run_id = ?").run(run.id);
	researcher = await makeAccount(db, 'researcher', 'Suggestion Researcher');
});
test.afterAll(async () => {
	await fake?.close();
	db?.$client.close();
});

async function prefilledItem(page: Page) {
	const screen = page.getByTestId('review-screen');
	await expect(screen).toHaveAttribute('data-status', 'ready');
	const note = page.getByTestId('judge-suggestion');
	await expect(note.getByRole('heading', { name: "Model's suggestion" })).toBeVisible();
	await expect(note).toContainText(`judge run ${runId}`);
	const k = Number(/Instruction (\d+):/.exec(await page.getByTestId('item-instruction').innerText())?.[1]);
	const says = judgeSays(k);
	expect(says).not.toBeNull();
	await expect(note).toContainText(says ? 'Output: yes — Correct.' : 'Output: no — Incorrect.');
	await expect(note).toContainText('Instruction: yes — A clear task.');
	// Each reason is isolated (<bdi>): the override inside the input's reason cannot reverse the rest of the note.
	const reasons = note.getByTestId('suggestion-reason');
	await expect(reasons).toHaveCount(3);
	await expect(reasons.nth(1)).toHaveText('Fits.\u202E detrevni');
	expect(await reasons.nth(1).evaluate((el) => [el.tagName, getComputedStyle(el).unicodeBidi])).toEqual(['BDI', 'isolate']);
	const chosen = (q: string) => page.locator(`[data-question="${q}"]`).getByRole('radio', { checked: true });
	await expect(chosen('instruction')).toHaveAccessibleName(/Yes/);
	await expect(chosen('input')).toHaveAccessibleName(/Yes/);
	await expect(chosen('output')).toHaveAccessibleName(says ? /Yes/ : /No/);
	// Said once to a screen reader, with the item.
	await expect(page.getByTestId('announcer')).toContainText("Answers pre-filled with a model judge's suggestion");
	return { says };
}

test('the new-audit form offers the judge run as suggestions, off by default', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/audits/new?dataset=${world.datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const select = page.getByLabel(/Show a judge run's answers as suggestions/);
	await expect(select).toHaveValue('');
	await expect(select.locator('option', { hasText: `Judge run ${runId}:` })).toHaveCount(1);
	await context.close();
});

test('a reviewer finds the judge answers pre-filled and labelled, at 1280 and 390 wide, and submits them', async ({ browser }) => {
	// Rows with a readable verdict only (task 7's reply was unreadable: no suggestion there).
	const reviewer = await makeAccount(db, 'reviewer', 'Suggested Reviewer');
	const audit = createAudit({ datasetId: world.datasetId, kind: 'quality', sampleSize: 40, seed: 3, reviewerIds: [reviewer.id], suggestionRunId: runId, name: `suggested ${Date.now()}` }, db);
	for (const viewport of [
		{ width: 1280, height: 900 },
		{ width: 390, height: 844 }
	]) {
		const context = await signedInContext(browser, reviewer, viewport);
		const page = await context.newPage();
		await page.goto(`/review/${audit.id}`);
		await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
		await expect(page.getByTestId('review-screen')).toHaveAttribute('data-status', 'ready');
		if (!(await page.getByTestId('judge-suggestion').isVisible())) {
			// Task 7's reply was unreadable: no suggestion there; answer it by hand and go on.
			const before = await page.locator('[data-item-heading]').innerText();
			for (const q of ['instruction', 'input', 'output']) await page.locator(`[data-question="${q}"]`).getByRole('radio', { name: /Yes/ }).click();
			await page.getByRole('button', { name: /^Submit/ }).click();
			await expect(page.locator('[data-item-heading]')).not.toHaveText(before);
		}
		const item = await prefilledItem(page);
		await page.screenshot({ path: `test-results/suggestions-${viewport.width}.png`, fullPage: true });
		expect(await seriousViolations(page)).toEqual([]);
		if (viewport.width === 390) {
			const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
			expect(overflow).toBe(false);
		}
		// Nothing was submitted for the reviewer: the label appears only after Submit.
		const before = db.$client.prepare<[number], { n: number }>('SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?').get(audit.id)!.n;
		await page.getByRole('button', { name: /^Submit/ }).click();
		await expect.poll(() => db.$client.prepare<[number], { n: number }>('SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?').get(audit.id)!.n).toBe(before + 1);
		const label = db.$client
			.prepare<[number], { o: number }>('SELECT output_valid AS o FROM audit_labels WHERE audit_id = ? ORDER BY id DESC LIMIT 1')
			.get(audit.id)!;
		expect(label.o).toBe(item.says ? 1 : 0);
		await context.close();
	}

	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/reports/${audit.id}`);
	await expect(page.getByTestId('report-suggestions')).toContainText(`judge run ${runId} (judge-model)`);
	await context.close();
});
