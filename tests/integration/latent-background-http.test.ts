/**
 * The report page of a large audit over HTTP, against the built app: it answers at once with the
 * latent-truth figures pending and a progress line, the progress endpoint counts the background
 * thread's refits, the server keeps answering meanwhile, and the next view shows the figures. The
 * export page's count does the same with its estimate.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { buildLargeQualityAudit } from '../support/large-audit';
import { signInOverHttp, startBuiltApp, type BuiltApp } from '../support/built-app';

let app: BuiltApp;
let auditId: number;
let datasetId: number;
let cookie: string;

beforeAll(async () => {
	app = await startBuiltApp();
	const db = openDatabase(app.databasePath, path.resolve('migrations'));
	try {
		// 450 items × k = 4 (three or more reviewers on every item identify the latent model; four leave 2–2 ties to list): 1,800 answers per question, over the page's 1,000.
		auditId = buildLargeQualityAudit(db, { items: 450, k: 4, reviewers: 12, name: 'large over http' });
		datasetId = db.$client.prepare<[number], number>('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId)!;
	} finally {
		db.$client.close();
	}
	cookie = await signInOverHttp(app);
}, 60_000);
afterAll(() => app?.stop());

const get = (url: string) => fetch(`${app.url}${url}`, { headers: { cookie } });
type Progress = { progress: { done: number; total: number; startedAt: string | null } | null };

it('answers at once with the latent figures pending, then shows them once the background thread has them', async () => {
	let t = performance.now();
	const first = await get(`/reports/${auditId}`);
	const firstMs = performance.now() - t;
	expect(first.status).toBe(200);
	const html = await first.text();
	expect(html).toContain('data-testid="latent-progress"');
	expect(html).toMatch(/data-cell="latent" data-status="pending"/);
	expect(html).not.toMatch(/data-cell="latent" data-status="ok"/);
	expect(firstMs).toBeLessThan(5000); // the whole computation takes several seconds more (below)

	const progress = (await (await get(`/api/reports/${auditId}/latent`)).json()) as Progress;
	expect(progress.progress).toMatchObject({ total: 4 * 200 });

	// While the background thread computes, the server answers other requests promptly.
	let slowest = 0;
	let polls = 0;
	const seen: number[] = [];
	t = performance.now();
	for (;;) {
		const h = performance.now();
		expect((await fetch(`${app.url}/healthz`)).ok).toBe(true);
		slowest = Math.max(slowest, performance.now() - h);
		const body = (await (await get(`/api/reports/${auditId}/latent`)).json()) as Progress;
		if (!body.progress) break;
		seen.push(body.progress.done);
		polls++;
		if (performance.now() - t > 120_000) throw new Error('the background computation did not end in 2 minutes');
		await new Promise((r) => setTimeout(r, 50));
	}
	expect(polls).toBeGreaterThan(3);
	expect(seen.some((done) => done > 0 && done < 800)).toBe(true);
	expect(slowest).toBeLessThan(250);

	t = performance.now();
	const after = await get(`/reports/${auditId}`);
	const afterMs = performance.now() - t;
	const done = await after.text();
	expect(done).not.toContain('data-testid="latent-progress"');
	expect(done.match(/data-cell="latent" data-status="ok"/g)?.length).toBe(4);
	expect(afterMs).toBeLessThan(firstMs + 1000);
	// Hundreds of tied items: the page lists the first 100 and sends the rest to the disagreements page.
	const tied = Number(/Tied items \((\d+)\)/.exec(done)?.[1]);
	expect(tied).toBeGreaterThan(100);
	expect(done.match(/disagreements\?filter=open#item-/g)?.length).toBe(100);
	expect(done).toContain(`The first 100 of ${tied}; every one on the`);
	// The progress endpoint is for researchers only.
	expect((await fetch(`${app.url}/api/reports/${auditId}/latent`)).status).toBe(401);
}, 180_000);

it("answers the export page's count at once with the item majority, then with the latent truth once the background thread has it", async () => {
	const query = new URLSearchParams({ dataset: String(datasetId), format: 'jsonl' }).toString();
	type Count = { counts: { rows: number }; quality: { population: { estimator: string; items: number; fallback: string | null } }; latent: Progress['progress'] };
	const t = performance.now();
	const first = (await (await get(`/api/exports/count?${query}`)).json()) as Count;
	expect(performance.now() - t).toBeLessThan(5000);
	expect(first.counts.rows).toBe(450);
	expect(first.quality.population).toMatchObject({ estimator: 'majority', items: 450 });
	expect(first.quality.population.fallback).toMatch(/background/);
	expect(first.latent).toMatchObject({ total: 200 });

	let polls = 0;
	for (const started = performance.now(); ; polls++) {
		const body = (await (await get(`/api/exports/latent?${query}`)).json()) as Progress;
		if (!body.progress) break;
		if (performance.now() - started > 120_000) throw new Error('the background computation did not end in 2 minutes');
		await new Promise((r) => setTimeout(r, 50));
	}
	expect(polls).toBeGreaterThan(0);
	const after = (await (await get(`/api/exports/count?${query}`)).json()) as Count;
	expect(after.latent).toBeNull();
	expect(after.quality.population).toMatchObject({ estimator: 'latent', items: 450, fallback: null });
	// The manifest reads the kept estimate: the same figures.
	const manifest = (await (await get(`/api/exports/manifest?${query}`)).json()) as { quality: Count['quality'] };
	expect(manifest.quality.population).toEqual(after.quality.population);
	expect((await fetch(`${app.url}/api/exports/latent?${query}`)).status).toBe(401);
	expect((await get('/api/exports/latent?dataset=x')).status).toBe(400);
}, 180_000);
