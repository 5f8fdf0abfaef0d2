/**
 * Every page of the app, for each role that can open it, checked with axe-core (WCAG 2.x A/AA
 * and best-practice rules) in Chromium: any serious or critical violation fails the test, and
 * the list of pages with their results is printed. The spec builds its own world (accounts,
 * the real Alpaca and user-oriented datasets with the eight prediction files, audits, labels)
 * in the served app's database; generation runs are visited when an earlier spec made one.
 *
 * With PAGE_WEIGHT_OUT=<file> it also writes each page's HTML and JavaScript bytes (raw and
 * gzipped) as JSON, for the page-weight figures.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN } from '../support/audit-fixtures';
import { makeAccount, openE2eDatabase, signedInContext, type Account } from '../support/e2e-world';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DATA = path.resolve('../shared/datasets');

interface Finding {
	page: string;
	role: string;
	violations: { id: string; impact: string | null; nodes: number; help: string; targets: string[] }[];
}
interface Weight {
	page: string;
	htmlBytes: number;
	htmlGzip: number;
	jsBytes: number;
	jsGzip: number;
	jsFiles: number;
}

let db: Db;
const who: Record<'admin' | 'researcher' | 'reviewer', Account> = {} as never;
const ids = {
	alpaca: 0,
	userOriented: 0,
	taskWithResponses: 0,
	reviewQuality: 0,
	reviewRating: 0,
	reviewDone: 0,
	labelledRef: '',
	reportQuality: 0,
	reportRating: 0,
	run: 0
};
const findings: Finding[] = [];
const weights: Weight[] = [];

async function importPath(file: string, datasetName: string, options: { modelName?: string; format?: 'predictions' } = {}): Promise<number> {
	const summary = await importFile(fs.createReadStream(file), { datasetName, fileName: path.basename(file), ...options }, db);
	return summary.datasetId;
}

test.beforeAll(async () => {
	test.setTimeout(180_000);
	db = openE2eDatabase();
	const tag = randomUUID().slice(0, 6);
	who.admin = await makeAccount(db, 'admin', 'A11y Admin');
	who.researcher = await makeAccount(db, 'researcher', 'A11y Researcher');
	who.reviewer = await makeAccount(db, 'reviewer', 'A11y Reviewer');

	ids.alpaca = await importPath(path.join(DATA, 'stanford_alpaca/alpaca_5000.json'), `a11y alpaca ${tag}`);
	ids.userOriented = await importPath(path.join(DATA, 'self-instruct/user_oriented_instructions.jsonl'), `a11y user-oriented ${tag}`);
	const predictions = path.join(DATA, 'self-instruct/predictions');
	for (const file of fs.readdirSync(predictions).sort()) {
		await importPath(path.join(predictions, file), `a11y user-oriented ${tag}`, { modelName: file.replace(/_predictions\.jsonl$/, ''), format: 'predictions' });
	}
	ids.taskWithResponses = (
		db.$client.prepare('SELECT t.id FROM tasks t WHERE t.dataset_id = ? AND EXISTS (SELECT 1 FROM responses r WHERE r.task_id = t.id) LIMIT 1').get(ids.userOriented) as {
			id: number;
		}
	).id;

	const reviewerIds = [who.reviewer.id];
	ids.reviewQuality = createAudit(
		{ datasetId: ids.alpaca, kind: 'quality', name: `A11y quality ${tag}`, sampleSize: 8, seed: 3, reviewerIds, guidelines: '# How to judge\n\nSay **no** when the output is wrong.' },
		db
	).id;
	ids.reviewRating = createAudit({ datasetId: ids.userOriented, kind: 'rating', name: `A11y rating ${tag}`, sampleSize: 4, seed: 3, reviewerIds, blind: true }, db).id;
	ids.reviewDone = createAudit({ datasetId: ids.alpaca, kind: 'quality', name: `A11y done ${tag}`, sampleSize: 1, seed: 9, reviewerIds }, db).id;
	// One label in the quality audit (for the history view and My labels), the one-item audit finished.
	for (const auditId of [ids.reviewQuality, ids.reviewDone]) {
		const next = nextAssignment(auditId, who.reviewer.id, {}, db);
		if (next.status !== 'assigned') throw new Error('expected an item');
		const answer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: 'fixture' };
		submitLabel(auditId, who.reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer }, {}, db);
		if (auditId === ids.reviewQuality) ids.labelledRef = next.ref;
	}

	ids.reportQuality = (await buildQualityAudit(db, { datasetName: `a11y report quality ${tag}`, name: `A11y quality report ${tag}`, ...QUALITY_AUDIT_PLAN })).auditId;
	ids.reportRating = (
		await buildRatingAudit(db, {
			datasetName: `a11y report rating ${tag}`,
			name: `A11y rating report ${tag}`,
			tasks: ['r1', 'r2', 'r3'].map((key) => ({ key, classification: null })),
			models: ['model-one', 'model-two'],
			reviewers: ['Dee', 'Eli'],
			overlap: 2,
			labels: {
				r1: { Dee: { ratings: { 'model-one': 'A', 'model-two': 'C' } }, Eli: { ratings: { 'model-one': 'B', 'model-two': 'C' } } },
				r2: { Dee: { ratings: { 'model-one': 'B', 'model-two': 'D' } }, Eli: { ratings: { 'model-one': 'B', 'model-two': 'D' } } },
				r3: { Dee: { ratings: { 'model-one': 'A', 'model-two': 'A' } } }
			}
		})
	).auditId;
	ids.run = (db.$client.prepare('SELECT id FROM generation_runs ORDER BY id LIMIT 1').get() as { id: number } | undefined)?.id ?? 0;
});

test.afterAll(() => {
	db?.$client.close();
	const lines = findings.map((f) => {
		const serious = f.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		const other = f.violations.filter((v) => !(v.impact === 'serious' || v.impact === 'critical'));
		const describe = (list: Finding['violations']) => list.map((v) => `${v.id} (${v.impact}, ${v.nodes})`).join(', ');
		return `${f.role.padEnd(10)} ${f.page.padEnd(48)} ${serious.length ? `FAIL ${describe(serious)}` : 'pass'}${other.length ? `; minor: ${describe(other)}` : ''}`;
	});
	console.log(`\naxe-core ${'4.14'} results, ${findings.length} pages:\n${lines.join('\n')}`);
	// A failed test restarts the worker: merge with what earlier workers wrote.
	const out = process.env.PAGE_WEIGHT_OUT;
	if (out && weights.length) {
		const earlier: Weight[] = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : [];
		const merged = [...earlier.filter((e) => !weights.some((w) => w.page === e.page)), ...weights];
		fs.writeFileSync(out, JSON.stringify(merged, null, 1));
	}
});

/**
 * After hydration, two animation frames: charts draw in an effect after mount. (Playwright's
 * 'networkidle' would add half a second of silence to each of the hundred page visits here.)
 */
async function settled(page: Page): Promise<void> {
	await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** Visits a page, waits until it is hydrated and quiet, records its weight, then runs axe. */
async function check(page: Page, role: string, url: string, options: { label?: string; status?: number; prepare?: (page: Page) => Promise<void> } = {}) {
	const scripts = new Map<string, Promise<Buffer | null>>();
	const onResponse = (response: import('@playwright/test').Response) => {
		if (response.request().resourceType() === 'script') scripts.set(response.url(), response.body().catch(() => null));
	};
	page.on('response', onResponse);
	const response = await page.goto(url);
	expect(response?.status(), url).toBe(options.status ?? 200);
	// Error pages (403, 404) may render without the app around them: nothing to hydrate.
	if (response?.ok()) await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
	await settled(page);
	page.off('response', onResponse);
	const label = options.label ?? url;
	if (role !== 'researcher' && !weights.some((w) => w.page === label)) {
		const html = (await response!.body()) ?? Buffer.alloc(0);
		const bodies = (await Promise.all(scripts.values())).filter((b): b is Buffer => b !== null);
		weights.push({
			page: label,
			htmlBytes: html.length,
			htmlGzip: gzipSync(html).length,
			jsBytes: bodies.reduce((s, b) => s + b.length, 0),
			jsGzip: bodies.reduce((s, b) => s + gzipSync(b).length, 0),
			jsFiles: bodies.length
		});
	}
	if (options.prepare) await options.prepare(page);
	// Evaluated through the DevTools protocol, which the pages' Content-Security-Policy (rightly)
	// does not let an inline <script> do.
	await page.evaluate(AXE_SOURCE);
	const result = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
	findings.push({ page: label, role, violations: result });
}

function seriousOf(role: string): string[] {
	return findings
		.filter((f) => f.role === role)
		.flatMap((f) => f.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${f.page}: ${v.id} — ${v.help} (${v.targets.join(' | ')})`));
}

function researcherPages(): { url: string; label?: string }[] {
	const q = ids.reportQuality;
	const pages: { url: string; label?: string }[] = [
		{ url: '/' },
		{ url: '/datasets' },
		{ url: '/datasets/import' },
		{ url: `/datasets/${ids.alpaca}`, label: '/datasets/[alpaca 5000]' },
		{ url: `/datasets/${ids.alpaca}/filters`, label: '/datasets/[alpaca]/filters' },
		{ url: `/datasets/${ids.alpaca}/near-duplicates?threshold=0.5`, label: '/datasets/[alpaca]/near-duplicates?threshold=0.5' },
		{ url: `/datasets/${ids.userOriented}/tasks/${ids.taskWithResponses}`, label: '/datasets/[user-oriented]/tasks/[id]' },
		{ url: '/runs' },
		{ url: '/runs/new' },
		{ url: '/audits' },
		{ url: '/audits/new' },
		{ url: `/audits/${ids.reviewQuality}`, label: '/audits/[quality]' },
		{ url: `/audits/${ids.reviewRating}`, label: '/audits/[rating]' },
		{ url: '/reports' },
		{ url: `/reports/${q}`, label: '/reports/[quality]' },
		{ url: `/reports/${ids.reportRating}`, label: '/reports/[rating]' },
		{ url: `/reports/${q}/disagreements`, label: '/reports/[quality]/disagreements' },
		{ url: `/reports/${ids.reportRating}/disagreements`, label: '/reports/[rating]/disagreements' },
		{ url: `/reports/compare?a=${ids.reviewQuality}&b=${q}`, label: '/reports/compare' },
		{ url: '/exports' },
		{ url: '/review' }
	];
	if (ids.run) pages.push({ url: `/runs/${ids.run}`, label: '/runs/[id]' }, { url: `/runs/${ids.run}/calls`, label: '/runs/[id]/calls' });
	return pages;
}

async function contextPage(browser: Browser, account: Account | null): Promise<Page> {
	const context = await signedInContext(browser, account);
	return context.newPage();
}

test('axe: every page an admin opens', async ({ browser }) => {
	test.setTimeout(240_000);
	const page = await contextPage(browser, who.admin);
	for (const url of ['/admin/users', '/admin/endpoints']) await check(page, 'admin', url);
	for (const p of researcherPages()) await check(page, 'admin', p.url, { label: p.label });
	await page.context().close();
	expect(seriousOf('admin')).toEqual([]);
});

test('axe: every page a researcher opens, and the refusal of an admin page', async ({ browser }) => {
	test.setTimeout(240_000);
	const page = await contextPage(browser, who.researcher);
	for (const p of researcherPages()) await check(page, 'researcher', p.url, { label: p.label });
	await check(page, 'researcher', '/admin/users', { status: 403, label: '/admin/users (403)' });
	await page.context().close();
	expect(seriousOf('researcher')).toEqual([]);
});

test('axe: every page and state of the review screen a reviewer opens', async ({ browser }) => {
	test.setTimeout(180_000);
	const page = await contextPage(browser, who.reviewer);
	const q = ids.reviewQuality;
	await check(page, 'reviewer', '/');
	await check(page, 'reviewer', '/review');
	await check(page, 'reviewer', `/review/${q}`, { label: '/review/[quality] (guidelines open)' });
	await check(page, 'reviewer', `/review/${q}`, {
		label: '/review/[quality] answered, skip open',
		prepare: async (p) => {
			await p.keyboard.press('g');
			await p.keyboard.press('y');
			await p.keyboard.press('n');
			await p.keyboard.press('s');
			await expect(p.getByRole('group', { name: 'Skip this item' })).toBeVisible();
		}
	});
	await check(page, 'reviewer', `/review/${q}`, {
		label: '/review/[quality] keys dialog',
		prepare: async (p) => {
			await p.keyboard.press('?');
			await expect(p.getByRole('dialog')).toBeVisible();
		}
	});
	await check(page, 'reviewer', `/review/${q}/items/${ids.labelledRef}`, { label: '/review/[quality]/items/[ref] (earlier label)' });
	await check(page, 'reviewer', `/review/${q}/labels`, { label: '/review/[quality]/labels' });
	await check(page, 'reviewer', `/review/${ids.reviewRating}`, { label: '/review/[rating 8 models]' });
	await check(page, 'reviewer', `/review/${ids.reviewDone}`, { label: '/review/[done]' });
	await check(page, 'reviewer', '/datasets', { status: 403, label: '/datasets (403)' });
	await check(page, 'reviewer', '/review/999999', { status: 404, label: '/review/999999 (404)' });
	await page.context().close();
	expect(seriousOf('reviewer')).toEqual([]);
});

test('axe: the sign-in page', async ({ browser }) => {
	const page = await contextPage(browser, null);
	await check(page, 'anonymous', '/login');
	await page.context().close();
	expect(seriousOf('anonymous')).toEqual([]);
});

test('reflow at 320 px (400% zoom): no page scrolls sideways; screenshots of the review screen and a report', async ({ browser }) => {
	test.setTimeout(240_000);
	const wide: string[] = [];
	const measure = async (account: Account, pages: { url: string; label?: string }[], width: number) => {
		const context = await signedInContext(browser, account, { width, height: 720 });
		const page = await context.newPage();
		for (const p of pages) {
			await page.goto(p.url);
			await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
			await settled(page);
			const [scrollWidth, culprit] = await page.evaluate((w) => {
				// The outermost element sticking out on the right names the problem.
				const clipped = (el: Element) => {
					for (let a = el.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
					return false;
				};
				const out = Array.from(document.querySelectorAll('body *')).find((el) => {
					const right = el.getBoundingClientRect().right;
					return right > w + 1 && (el.parentElement?.getBoundingClientRect().right ?? 0) <= w + 1 && !clipped(el);
				});
				const name = out ? `${out.tagName.toLowerCase()}${out.className && typeof out.className === 'string' ? '.' + out.className.trim().split(/\s+/).join('.') : ''}` : '';
				return [document.documentElement.scrollWidth, name] as const;
			}, width);
			if (scrollWidth > width) wide.push(`${p.label ?? p.url} at ${width}px: ${scrollWidth}px wide (${culprit})`);
		}
		await context.close();
	};
	const reviewPages = [
		{ url: '/review' },
		{ url: `/review/${ids.reviewQuality}`, label: '/review/[quality]' },
		{ url: `/review/${ids.reviewRating}`, label: '/review/[rating]' },
		{ url: `/review/${ids.reviewQuality}/labels`, label: '/review/[quality]/labels' },
		{ url: `/review/${ids.reviewDone}`, label: '/review/[done]' }
	];
	await measure(who.reviewer, reviewPages, 320);
	await measure(who.admin, [{ url: '/admin/users' }, { url: '/admin/endpoints' }, ...researcherPages()], 320);

	for (const width of [320, 390, 1280]) {
		const reviewer = await signedInContext(browser, who.reviewer, { width, height: width > 800 ? 900 : 844 });
		const page = await reviewer.newPage();
		for (const [name, url] of [
			['quality', `/review/${ids.reviewQuality}`],
			['rating', `/review/${ids.reviewRating}`]
		]) {
			await page.goto(url);
			await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
			await page.keyboard.press('g');
			await page.screenshot({ path: `test-results/review-${name}-${width}.png` });
		}
		await reviewer.close();
		if (width > 800) continue;
		const researcher = await signedInContext(browser, who.researcher, { width, height: 844 });
		const report = await researcher.newPage();
		for (const [name, id] of [
			['quality', ids.reportQuality],
			['rating', ids.reportRating]
		] as const) {
			await report.goto(`/reports/${id}`);
			await report.locator('body[data-hydrated]').waitFor({ state: 'attached' });
			await settled(report);
			await report.screenshot({ path: `test-results/report-${name}-${width}.png`, fullPage: true });
			await report.getByTestId(name === 'quality' ? 'quality-rates' : 'model-ratings').screenshot({ path: `test-results/report-${name}-chart-${width}.png` });
		}
		await researcher.close();
	}
	expect(wide).toEqual([]);
});
