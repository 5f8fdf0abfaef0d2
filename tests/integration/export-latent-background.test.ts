/**
 * The export page's estimate of a large audit (src/lib/server/exports/quality.ts): its
 * latent-truth fit is left to the background thread, so the count answers at once with the item
 * majority; once computed it is kept per dataset and read back — by the page, by a download's
 * manifest — equal to one computed on the spot; another selection is another fit; the kept
 * results go with their dataset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildLargeQualityAudit } from '../support/large-audit';
import { progressUntilDone } from '../support/latent-progress';
import type { Db } from '../../src/lib/server/db';
import { archiveDataset, purgeDataset } from '../../src/lib/server/archive/archive';
import { estimateQuality, estimateQualityOffThread, liveQualityEstimate } from '../../src/lib/server/exports/quality';
import { parseExportParams } from '../../src/lib/server/exports/params';
import { latentJobsSettled, latentProgress } from '../../src/lib/server/reports';

let db: Db;
let cleanup: () => void;
let datasetId: number;
/** 250 items × k = 3 (three reviewers on every item identify the latent model): 750 answers, over this threshold (the page's is 1,000). */
const BACKGROUND_ABOVE = 100;

beforeAll(() => {
	({ db, cleanup } = createTestDb());
	const auditId = buildLargeQualityAudit(db, { items: 250, k: 3, reviewers: 12, name: 'export background' });
	datasetId = db.$client.prepare<[number], number>('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId)!;
});
afterAll(() => cleanup());

const selection = (...where: string[]) => {
	const params = new URLSearchParams({ dataset: String(datasetId), format: 'jsonl' });
	for (const w of where) params.append('where', w);
	return parseExportParams(params);
};
const kept = () => db.$client.prepare<[number], number>('SELECT count(*) FROM dataset_latent_results WHERE dataset_id = ?').pluck().get(datasetId)!;
/** The estimate computed on the spot with nothing kept (and nothing kept after). */
function computedAfresh(s: ReturnType<typeof selection>) {
	const saved = db.$client.prepare<[number], Record<string, unknown>>('SELECT * FROM dataset_latent_results WHERE dataset_id = ?').all(datasetId);
	db.$client.prepare<[number]>('DELETE FROM dataset_latent_results WHERE dataset_id = ?').run(datasetId);
	try {
		return estimateQuality(db.$client, s);
	} finally {
		const put = db.$client.prepare('INSERT INTO dataset_latent_results (dataset_id, fingerprint, result, computed_at) VALUES (@dataset_id, @fingerprint, @result, @computed_at)');
		for (const row of saved) put.run(row);
	}
}

describe("the export page's estimate of a large audit", () => {
	it('answers with the item majority while the latent truth is computed in the background, then shows the latent truth', async () => {
		const first = await liveQualityEstimate(selection(), db, BACKGROUND_ABOVE);
		expect(first.quality?.population).toMatchObject({ estimator: 'majority', items: 250 });
		expect(first.quality?.population.fallback).toMatch(/background .*200 bootstrap refits over 750 answers/);
		expect(first.latent).toMatchObject({ total: 200 });
		// Progress climbs while the background thread works.
		const seen = await progressUntilDone(() => latentProgress({ dataset: datasetId }));
		expect(seen.some((done) => done > 0 && done < 200)).toBe(true);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
		expect(kept()).toBe(1);

		const after = await liveQualityEstimate(selection(), db, BACKGROUND_ABOVE);
		expect(after.latent).toBeNull();
		expect(after.quality?.population).toMatchObject({ estimator: 'latent', fallback: null });
		expect(after.quality).toEqual(computedAfresh(selection()));
		expect(kept()).toBe(1);
	}, 120_000);

	it("is read back by a download's manifest, not fitted again", async () => {
		// A doctored kept result shows: the download read it rather than refitting.
		const row = db.$client.prepare<[number], { fingerprint: string; result: string }>('SELECT fingerprint, result FROM dataset_latent_results WHERE dataset_id = ?').get(datasetId)!;
		const result = JSON.parse(row.result) as { groups: Array<{ proportion: number }> };
		const original = row.result;
		result.groups[0].proportion = 0.123;
		db.$client.prepare<[string, string]>('UPDATE dataset_latent_results SET result = ? WHERE fingerprint = ?').run(JSON.stringify(result), row.fingerprint);
		try {
			const manifest = await estimateQualityOffThread(db.$client, selection(), db);
			expect(manifest?.population).toMatchObject({ estimator: 'latent', rate: 0.123 });
		} finally {
			db.$client.prepare<[string, string]>('UPDATE dataset_latent_results SET result = ? WHERE fingerprint = ?').run(original, row.fingerprint);
		}
		expect(latentProgress({ dataset: datasetId })).toBeNull();
	}, 120_000);

	it('is another fit for another selection; a download waits for it and keeps it for the page', async () => {
		const narrower = selection('input=nonempty');
		const page = await liveQualityEstimate(narrower, db, 100);
		expect(page.quality?.population.estimator).toBe('majority');
		expect(page.latent).not.toBeNull();
		await latentJobsSettled();
		expect(kept()).toBe(2);

		// A selection the page has not seen: the download computes it on the spot and keeps it.
		const emptyInputs = selection('input=empty');
		const download = await estimateQualityOffThread(db.$client, emptyInputs, db);
		expect(download?.population.estimator).toBe('latent');
		expect(kept()).toBe(3);
		const shown = await liveQualityEstimate(emptyInputs, db, 100);
		expect(shown.latent).toBeNull();
		expect(shown.quality).toEqual(download);
	}, 120_000);

	it('is removed with its dataset', async () => {
		expect(kept()).toBeGreaterThan(0);
		archiveDataset(datasetId, null, db);
		await purgeDataset(datasetId, { id: 0, role: 'admin' }, 'export background data', db);
		expect(kept()).toBe(0);
	});
});
