/**
 * Latent-truth results kept between reports, and the report pages' background computation
 * (src/lib/server/reports/latent.ts): a page's report leaves a large fit pending and queues it;
 * the background thread computes it; the next report reads it back, equal to one computed on the
 * spot; a changed label is a new fit; the command line's report fills the same store; comparisons,
 * which show no latent figure, skip the fits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildLargeQualityAudit } from '../support/large-audit';
import { progressUntilDone } from '../support/latent-progress';
import type { Db } from '../../src/lib/server/db';
import { buildAuditReport, compareReports } from '../../src/lib/reports';
import { archiveAudit, purgeAudit } from '../../src/lib/server/archive/archive';
import {
	auditReport,
	auditReportOffThread,
	compareAudits,
	compareAuditsOffThread,
	latentJobsSettled,
	latentProgress,
	loadReportInput
} from '../../src/lib/server/reports';

let db: Db;
let cleanup: () => void;
let auditId: number;
/** Fewer replicates than the pages' 200: the same code, in less time. */
const OPTIONS = { replicates: 40 };
/** 250 items × k = 2: 500 answers per question, over this threshold. */
const PAGE = { backgroundAbove: 100 };

beforeAll(() => {
	({ db, cleanup } = createTestDb());
	auditId = buildLargeQualityAudit(db, { items: 250, k: 2, reviewers: 12, name: 'background' });
});
afterAll(() => cleanup());

const kept = () => db.$client.prepare<[number], number>('SELECT count(*) FROM audit_latent_results WHERE audit_id = ?').pluck().get(auditId)!;
const rates = (report: Awaited<ReturnType<typeof auditReportOffThread>>) => report.quality!.groups.flatMap((g) => g.rates);

describe('latent-truth estimates of a large audit', () => {
	it('are left to the background by the report page, which answers with the other estimators and shows them once computed', async () => {
		const page = await auditReportOffThread(auditId, OPTIONS, db, PAGE);
		for (const r of rates(page)) {
			expect(r.latent.status).toBe('pending');
			expect(r.latent.reason).toMatch(/background .*40 bootstrap refits over 500 answers/);
			expect(r.headline.estimator).toBe('majority');
			expect(r.majority.n).toBeGreaterThan(0);
		}
		const queued = latentProgress({ audit: auditId });
		expect(queued).toMatchObject({ total: 4 * 40 });
		// Progress climbs while the background thread works.
		const seen = await progressUntilDone(() => latentProgress({ audit: auditId }));
		expect(seen.some((done) => done > 0 && done < 160)).toBe(true);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
		expect(kept()).toBe(4);

		const after = await auditReportOffThread(auditId, OPTIONS, db, PAGE);
		expect(latentProgress({ audit: auditId })).toBeNull();
		for (const r of rates(after)) expect(r.latent.status).toBe('ok');
		// The very report computed on the spot, with no kept results.
		expect(after).toEqual(buildAuditReport(loadReportInput(auditId, db), OPTIONS));
	}, 120_000);

	it('are computed again for a changed label, the older results kept beside', async () => {
		const label = db.$client.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? AND instruction_valid = 1 AND input_valid = 1 ORDER BY id LIMIT 1').get(auditId)!;
		const earlier = (await auditReportOffThread(auditId, OPTIONS, db, PAGE)).quality!.groups[0].rates;
		db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output ? 0 : 1, label.id);
		const page = await auditReportOffThread(auditId, OPTIONS, db, PAGE);
		const status = Object.fromEntries(page.quality!.groups[0].rates.map((r) => [r.key, r.latent.status]));
		// Beside each pending one, the estimate kept from before the change, dated.
		const output = page.quality!.groups[0].rates.find((r) => r.key === 'output')!.latent;
		const before = earlier.find((r) => r.key === 'output')!.latent;
		expect(output.previous).toMatchObject({ proportion: before.proportion, lower: before.lower, upper: before.upper, answers: 500 });
		expect(Date.parse(output.previous!.computedAt!)).toBeGreaterThan(Date.now() - 120_000);
		// Only the fits that read the output answer changed.
		expect(status).toEqual({ instruction: 'ok', input: 'ok', output: 'pending', allValid: 'pending' });
		expect(latentProgress({ audit: auditId })).toMatchObject({ total: 2 * 40 });
		await latentJobsSettled();
		expect(kept()).toBe(6);
		const after = await auditReportOffThread(auditId, OPTIONS, db, PAGE);
		expect(after).toEqual(buildAuditReport(loadReportInput(auditId, db), OPTIONS));
	}, 120_000);

	it("are computed on the spot by the command line's report, which keeps them for the pages", async () => {
		db.$client.prepare<[number]>('DELETE FROM audit_latent_results WHERE audit_id = ?').run(auditId);
		const report = auditReport(auditId, OPTIONS, db);
		for (const r of rates(report)) expect(r.latent.status).toBe('ok');
		expect(kept()).toBe(4);
		const page = await auditReportOffThread(auditId, OPTIONS, db, PAGE);
		expect(latentProgress({ audit: auditId })).toBeNull();
		expect(page).toEqual(report);
	}, 120_000);

	it('are skipped by comparisons, which read none: the same comparison, nothing computed, kept or queued', async () => {
		const other = buildLargeQualityAudit(db, { items: 80, k: 3, reviewers: 5, name: 'other' });
		const before = kept();
		const full = compareReports(buildAuditReport(loadReportInput(auditId, db), OPTIONS), buildAuditReport(loadReportInput(other, db), OPTIONS));
		// The same rows; only the note on estimators differs: with the fits skipped, each report that
		// would ask for latent truth is said to lead with it where its data identify it.
		const withoutNotes = (c: typeof full) => ({ ...c, notes: c.notes.filter((n) => !n.startsWith('Every rate here is by item majority')) });
		const skipped = compareAudits(auditId, other, OPTIONS, db);
		expect(withoutNotes(skipped)).toEqual(withoutNotes(full));
		expect(skipped.notes.find((n) => n.startsWith('Every rate here is by item majority'))).toMatch(/the report of "background" leads with latent truth .*where its data identify it, and that of "other" leads with latent truth/);
		expect(await compareAuditsOffThread(auditId, other, OPTIONS, db)).toEqual(skipped);
		expect(kept()).toBe(before);
		expect(db.$client.prepare<[number], number>('SELECT count(*) FROM audit_latent_results WHERE audit_id = ?').pluck().get(other)).toBe(0);
		expect(latentProgress({ audit: auditId })).toBeNull();
		expect(latentProgress({ audit: other })).toBeNull();
	}, 120_000);

	it("pause while a page's report is built in the other thread, and go on after", async () => {
		db.$client.prepare<[number]>('DELETE FROM audit_latent_results WHERE audit_id = ?').run(auditId);
		// Many refits, so that the background is still at work when the page asks.
		const background = { replicates: 300 };
		await auditReportOffThread(auditId, background, db, PAGE);
		const done = () => latentProgress({ audit: auditId })?.done ?? Infinity;
		while (done() < 20) await new Promise((r) => setTimeout(r, 5));
		// The background's pace when nothing else runs.
		const paceFrom = { done: done(), at: performance.now() };
		await new Promise((r) => setTimeout(r, 300));
		const perMs = (done() - paceFrom.done) / (performance.now() - paceFrom.at);
		expect(perMs).toBeGreaterThan(0);
		// A page's report that computes its own fits (another confidence level: nothing kept for it).
		const before = done();
		const started = performance.now();
		const page = await auditReportOffThread(auditId, { replicates: 100, confidence: 0.9 }, db);
		const pageMs = performance.now() - started;
		const during = done() - before;
		for (const r of rates(page)) expect(r.latent.status).toBe('ok');
		// At its own pace the background would have done this many refits meanwhile; paused, at most
		// the replies already on their way.
		expect(perMs * pageMs).toBeGreaterThan(10);
		expect(during).toBeLessThanOrEqual(2);
		// And it goes on to the end.
		const seen = await progressUntilDone(() => latentProgress({ audit: auditId }));
		expect(seen.at(-1)).toBeGreaterThan(before + during);
		expect(latentProgress({ audit: auditId })).toBeNull();
	}, 120_000);

	it('are removed with their audit', async () => {
		expect(kept()).toBeGreaterThan(0);
		archiveAudit(auditId, null, db);
		await purgeAudit(auditId, { id: 0, role: 'admin' }, 'background', db);
		expect(kept()).toBe(0);
	});
});
