/**
 * Figure files from the comparison page and the analyses page (issue 24): the comparison chart
 * downloads as an SVG that parses and carries each difference as text, and an analyses
 * histogram downloads as a PNG at twice the size of its SVG — the same files the CLI writes.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';
import { compareAudits } from '../../src/lib/server/reports';
import { pngSize } from '../../src/lib/server/reports/figures';
import { comparisonChartRows } from '../../src/lib/reports/figures';

let db: Db;
let researcher: Account;
let first: BuiltAudit;
let second: BuiltAudit;
let suffix: string;

test.beforeAll(async () => {
	db = openE2eDatabase();
	researcher = await makeAccount(db, 'researcher', 'Figure saver');
	suffix = Date.now().toString(36);
	first = await buildQualityAudit(db, { datasetName: `e2e figures first ${suffix}`, name: 'Figures first', ...QUALITY_AUDIT_PLAN });
	second = await buildQualityAudit(db, {
		datasetName: `e2e figures second ${suffix}`,
		name: 'Figures second',
		tasks: ['f1', 'f2', 'f3', 'f4'].map((key) => ({ key, classification: null })),
		reviewers: ['Ida', 'Jon'],
		overlap: 2,
		labels: { f1: { Ida: 'YYY', Jon: 'YYY' }, f2: { Ida: 'YYN', Jon: 'YYN' }, f3: { Ida: 'YYY', Jon: 'YYY' }, f4: { Ida: 'NYY', Jon: 'NYY' } }
	});
});
test.afterAll(() => db?.$client.close());

test('the comparison chart downloads as SVG with its numbers, an analyses histogram as PNG at 2×', async ({ browser }) => {
	const context = await signedInContext(browser, researcher, { width: 1280, height: 900 });
	const page = await context.newPage();
	await page.goto(`/reports/compare?a=${first.auditId}&b=${second.auditId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const figure = page.getByTestId('figure-differences');
	await expect(figure).toContainText('Newcombe hybrid score intervals');
	const [svgDownload] = await Promise.all([page.waitForEvent('download'), figure.getByRole('link', { name: /^SVG/ }).click()]);
	expect(svgDownload.suggestedFilename()).toBe(`audits-${first.auditId}-vs-${second.auditId}-differences.svg`);
	const svg = fs.readFileSync((await svgDownload.path())!, 'utf8');
	new Resvg(svg); // parses, or throws
	const comparison = compareAudits(first.auditId, second.auditId, {}, db);
	// The chart's rows, as the page draws them: each difference is written beside its interval.
	const shown = comparisonChartRows(comparison).filter((r) => r.value !== null);
	expect(shown.length).toBeGreaterThan(0);
	const pp = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x * 100).toFixed(1)} pp`;
	// A difference that ties keep a range is written as one, from its lower to its upper figure.
	for (const r of shown) expect(svg).toContain(`>${r.high != null && r.high !== r.value ? `${pp(r.value!)} to ${pp(r.high)}` : pp(r.value!)}<`);
	expect(shown.some((r) => r.high != null && r.high !== r.value)).toBe(true);

	await page.goto(`/analyses?dataset=${first.datasetId}`);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	const lengths = page.getByTestId('figure-length-instruction');
	await expect(lengths).toContainText('n = ');
	const [svgFile, pngFile] = [
		await Promise.all([page.waitForEvent('download'), lengths.getByRole('link', { name: /^SVG/ }).click()]).then(([d]) => d),
		await Promise.all([page.waitForEvent('download'), lengths.getByRole('link', { name: /^PNG/ }).click()]).then(([d]) => d)
	];
	// Named after the dataset, as analyze --figures names it: two datasets' figures never share a name.
	expect(pngFile.suggestedFilename()).toBe(`analysis-e2e-figures-first-${suffix}.${first.datasetId}-length-instruction.png`);
	const rendered = new Resvg(fs.readFileSync((await svgFile.path())!, 'utf8'));
	expect(pngSize(fs.readFileSync((await pngFile.path())!))).toEqual({ width: rendered.width * 2, height: rendered.height * 2 });
	await context.close();
});
