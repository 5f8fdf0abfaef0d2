/**
 * Paper-ready outputs in the browser: a researcher copies a report table as LaTeX and as
 * Markdown (the confirmation shows, the clipboard holds the table), downloads a figure as SVG and
 * as PNG (parsed, numbers in the SVG, PNG at twice the SVG's size) and edits the methods paragraph.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { gotoReady, signIn } from './helpers';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { createUser } from '../../src/lib/server/auth/users';
import { auditReport } from '../../src/lib/server/reports';
import { parseMarkdownTable } from '../../src/lib/tables';
import { pngSize } from '../../src/lib/server/reports/figures';

function e2eDatabasePath(): string {
	const candidates = [process.env.E2E_DATA_DIR, path.join(os.tmpdir(), `instruct-audit-e2e-${process.ppid}`)]
		.filter((d): d is string => !!d)
		.map((d) => path.join(d, 'e2e.db'));
	const found = candidates.find((f) => fs.existsSync(f));
	if (!found) throw new Error(`The e2e database was not found (looked at ${candidates.join(', ')})`);
	return found;
}

const WRITER = { email: 'paper-writer@example.org', password: 'paper-writer-pass-1' };
let db: Db;
let quality: BuiltAudit;
let rating: BuiltAudit;
const shots = path.join(os.tmpdir(), 'paper-e2e');

test.beforeAll(async () => {
	db = openDatabase(e2eDatabasePath(), path.resolve('migrations'));
	fs.mkdirSync(shots, { recursive: true });
	// A worker restarted after a failure runs this again: the account may exist, the datasets get new names.
	await createUser({ ...WRITER, role: 'researcher', name: 'Paper Writer' }, db).catch(() => undefined);
	const suffix = Date.now().toString(36);
	quality = await buildQualityAudit(db, { datasetName: `e2e paper quality ${suffix}`, name: 'Paper_audit #1 & 50%', ...QUALITY_AUDIT_PLAN });
	rating = await buildRatingAudit(db, {
		datasetName: `e2e paper rating ${suffix}`,
		name: 'Paper rating audit',
		tasks: ['p1', 'p2', 'p3'].map((key) => ({ key, classification: null })),
		models: ['model_a', 'model-b'],
		reviewers: ['Fay', 'Gus'],
		overlap: 2,
		labels: {
			p1: { Fay: { ratings: { model_a: 'A', 'model-b': 'C' } }, Gus: { ratings: { model_a: 'A', 'model-b': 'C' } } },
			p2: { Fay: { ratings: { model_a: 'B', 'model-b': 'D' } }, Gus: { ratings: { model_a: 'B', 'model-b': 'D' } } },
			p3: { Fay: { ratings: { model_a: 'A', 'model-b': 'B' } }, Gus: { ratings: { model_a: 'A', 'model-b': 'B' } } }
		}
	});
});
test.afterAll(() => db?.$client.close());

test('a researcher copies report tables and downloads a figure as SVG and PNG', async ({ page, context }) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await signIn(page, WRITER);
	await gotoReady(page, `/reports/${quality.auditId}`);

	// Table 2 as LaTeX: visible confirmation, and the clipboard holds the booktabs table.
	await page.getByRole('button', { name: 'Copy as LaTeX: Data quality (Table 2)' }).click();
	await expect(page.getByTestId('paper-table-quality').getByRole('status')).toHaveText('LaTeX of “Data quality (Table 2)” copied to the clipboard.');
	const latex = await page.evaluate(() => navigator.clipboard.readText());
	expect(latex).toContain('\\toprule');
	expect(latex).toContain('Paper\\_audit \\#1 \\& 50\\%');
	expect(latex).toMatch(/All fields valid & .+ & 54\\% \\\\/);

	// The error breakdown as Markdown parses back to the numbers the report holds.
	await page.getByRole('button', { name: 'Copy as Markdown: What is wrong (error breakdown)' }).click();
	await expect(page.getByTestId('paper-table-breakdown').getByRole('status')).toContainText('Markdown of');
	const markdown = await page.evaluate(() => navigator.clipboard.readText());
	const parsed = parseMarkdownTable(markdown);
	const report = auditReport(quality.auditId, {}, db);
	expect(parsed.rows.map((r) => r[1])).toEqual(report.quality!.groups[0].breakdown.map((b) => String(b.count)));

	// The figure as SVG: a valid file with the chart's numbers.
	const figure = page.getByTestId('figure-quality-rates');
	await expect(figure).toContainText('all tasks n = 7');
	const [svgDownload] = await Promise.all([page.waitForEvent('download'), figure.getByRole('link', { name: /^SVG/ }).click()]);
	expect(svgDownload.suggestedFilename()).toBe(`audit-${quality.auditId}-quality-rates.svg`);
	const svg = fs.readFileSync((await svgDownload.path())!, 'utf8');
	const rendered = new Resvg(svg);
	// A headline tied items keep apart (the majority bounds) is written as its range.
	const pc = (v: number) => `${(v * 100).toFixed(1)}%`;
	for (const { headline: h } of report.quality!.groups[0].rates) expect(svg).toContain(h.proportion !== null ? `>${pc(h.proportion)}<` : `>${pc(h.low!)}–${pc(h.high!)}<`);

	// …and as PNG at twice the SVG's size.
	const [pngDownload] = await Promise.all([page.waitForEvent('download'), figure.getByRole('link', { name: /^PNG/ }).click()]);
	const png = fs.readFileSync((await pngDownload.path())!);
	expect(pngSize(png)).toEqual({ width: rendered.width * 2, height: rendered.height * 2 });
	fs.writeFileSync(path.join(shots, 'quality-rates.png'), png);

	// The methods paragraph: editable, and Reset brings the generated text back.
	const methods = page.getByLabel('Methods paragraph (editable)');
	const generated = await methods.inputValue();
	expect(generated).toContain('We audited the dataset "e2e paper quality ');
	await methods.fill(generated + ' Edited.');
	await page.getByRole('button', { name: 'Copy paragraph' }).click();
	await expect(page.getByTestId('methods-paragraph').getByRole('status')).toHaveText('Methods paragraph copied to the clipboard.');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/Edited\.$/);
	await page.getByRole('button', { name: 'Reset to generated' }).click();
	await expect(methods).toHaveValue(generated);

	await page.screenshot({ path: path.join(shots, 'report-desktop.png'), fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: path.join(shots, 'report-390.png'), fullPage: true });
});

test('a rating report offers its A–D figure and tables for a paper', async ({ page }) => {
	await signIn(page, WRITER);
	await gotoReady(page, `/reports/${rating.auditId}`);
	await expect(page.getByRole('button', { name: 'Copy as LaTeX: A–D ratings (Figure 5)' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Copy as Markdown: Paired comparisons (Wilcoxon and sign tests)' })).toBeVisible();
	const figure = page.getByTestId('figure-model-ratings');
	const [download] = await Promise.all([page.waitForEvent('download'), figure.getByRole('link', { name: /^PNG/ }).click()]);
	const png = fs.readFileSync((await download.path())!);
	expect(pngSize(png).width).toBe(1520);
	await page.screenshot({ path: path.join(shots, 'rating-desktop.png'), fullPage: true });
});
