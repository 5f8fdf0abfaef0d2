/**
 * The export page's audit estimate: with a human-label filter the file's figure is a mix of its
 * labels and the population's rate, and its interval follows it as "68.0%–70.0% [55.1%, 80.2%]"
 * (the interval was glued to the figure: "70.0%[55.1%, 80.2%]").
 */
import { test, expect } from '@playwright/test';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { buildJudgeWorld, type JudgeWorld } from '../integration/judge-support';

let world: JudgeWorld;
let researcher: Account;

test.beforeAll(async () => {
	const db = openE2eDatabase();
	world = await buildJudgeWorld(db, `e2e export quality ${Date.now()}`);
	researcher = await makeAccount(db, 'researcher', 'Quality Researcher');
});

test('a human-label filter: the file\'s expected figure and its interval read apart', async ({ browser }) => {
	const context = await signedInContext(browser, researcher);
	const page = await context.newPage();
	await page.goto(`/exports?dataset=${world.datasetId}`);
	await page.getByRole('checkbox', { name: /Kept by the filters and not rejected by people/ }).check();
	const quality = page.getByTestId('export-quality');
	await expect(page.getByTestId('export-quality-file')).toContainText('without one at the population\'s rate');
	// As read: the source's line breaks and tabs are one space each.
	const said = ((await quality.locator('p').first().textContent()) ?? '').replace(/\s+/g, ' ');
	expect(said).toMatch(/this file about \d+\.\d%(–\d+\.\d%)? \[\d+\.\d%, \d+\.\d%\]\./);
	await context.close();
});
