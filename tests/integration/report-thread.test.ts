/**
 * The report pages and downloads build a report in the report thread: a large audit's report
 * (its latent-class bootstrap takes seconds) leaves this thread free for other requests meanwhile,
 * and it is the report this thread would have built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenChoice } from '../../src/lib/audits/order';
import { createTestDb } from '../support/db';
import { buildLargePairwiseAudit, buildLargeQualityAudit } from '../support/large-audit';
import type { Db } from '../../src/lib/server/db';
import { auditAgreementSoFar, auditReport, auditReportOffThread, listDisagreements, loadReportInput } from '../../src/lib/server/reports';
import { agreementSoFar, disagreementList } from '../../src/lib/reports';
import { pairwiseReport, type PairwiseLabel } from '../../src/lib/reports/shapes';
import { estimateQuality, estimateQualityOffThread } from '../../src/lib/server/exports/quality';
import { parseExportParams } from '../../src/lib/server/exports/params';
import { startExport, startExportOffThread, type ExportStream } from '../../src/lib/server/exports/export';
import { keptInputs } from '../../src/lib/server/reports/report-db-thread';
import { loadReportInputSince } from '../../src/lib/server/reports/load';
import { openReadOnly } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
let auditId: number;

beforeAll(() => {
	({ db, cleanup } = createTestDb());
	auditId = buildLargeQualityAudit(db, { items: 250, k: 2, reviewers: 12, name: 'thread' });
});
afterAll(() => cleanup());

/** Runs `work` while a 10 ms timer ticks; the longest time this thread went without a tick. */
async function longestStall<T>(work: () => Promise<T> | T): Promise<{ result: T; stallMs: number; ms: number }> {
	let last = performance.now();
	let stallMs = 0;
	const timer = setInterval(() => {
		const now = performance.now();
		stallMs = Math.max(stallMs, now - last);
		last = now;
	}, 10);
	const started = performance.now();
	try {
		// One turn first, so a synchronous `work` is measured as the stall it is.
		await new Promise((r) => setTimeout(r, 20));
		last = performance.now();
		const result = await work();
		await new Promise((r) => setTimeout(r, 20));
		return { result, stallMs, ms: performance.now() - started };
	} finally {
		clearInterval(timer);
	}
}

/** Every report and export estimate keeps its latent-truth results (reports/latent.ts): forgotten before each measurement, so each computes them. */
const forgetKept = () => db.$client.exec('DELETE FROM audit_latent_results; DELETE FROM dataset_latent_results');

describe('a report built in the report thread', () => {
	it('is the same report, and this thread keeps answering while it is built', async () => {
		// The audit is large enough to matter: built here, the report stalls this thread for over a second.
		const here = await longestStall(() => auditReport(auditId, {}, db));
		expect(here.stallMs).toBeGreaterThan(1000);
		// Started once (the thread loads its code), then measured. The warm-up asks for another report
		// (another confidence level): the thread keeps its replies, and the same one again would be kept.
		await auditReportOffThread(auditId, { confidence: 0.9 }, db);
		forgetKept();
		const off = await longestStall(() => auditReportOffThread(auditId, {}, db));
		expect(off.ms).toBeGreaterThan(500);
		expect(off.stallMs).toBeLessThan(250);
		expect(off.result).toEqual(here.result);
		expect(off.result.quality).not.toBeNull();
	}, 120_000);

	it("the audit page's agreement so far too", async () => {
		const off = await auditAgreementSoFar(auditId, db);
		expect(off).toEqual(agreementSoFar(loadReportInput(auditId, db)));
		expect(off.completeItems).toBe(250);
		expect(off.rows?.map((r) => r.key)).toEqual(['instruction', 'input', 'output', 'allValid', 'category']);
		// A changed label is read afresh, not answered with the reply the thread kept.
		const label = db.$client.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1').get(auditId)!;
		db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output ? 0 : 1, label.id);
		try {
			const changed = await auditAgreementSoFar(auditId, db);
			expect(changed).toEqual(agreementSoFar(loadReportInput(auditId, db)));
			expect(changed).not.toEqual(off);
		} finally {
			db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output, label.id);
		}
	}, 120_000);

	it("a pairwise audit's own section too: the same as here, read again after a preference changed, this thread free meanwhile", async () => {
		const pairwiseId = buildLargePairwiseAudit(db, { items: 30_000, k: 2, reviewers: 12, models: ['model-a', 'model-b'], name: 'thread pairwise' });
		const here = auditReport(pairwiseId, {}, db);
		expect(here.pairwise!.comparisons).toBeGreaterThan(50_000);
		expect(here.quality).toBeNull();
		expect(here.rating).toBeNull();
		// Each preference with its pair's models, joined in SQL: what the section reads from kept pair models and the labels alone.
		const joined = db.$client
			.prepare<[number], PairwiseLabel>(
				`SELECT l.item_id AS itemId, l.reviewer_id AS reviewerId, l.preference, ra.model AS modelA, rb.model AS modelB
				 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id
				 JOIN preference_pairs p ON p.id = i.pair_id JOIN responses ra ON ra.id = p.response_a_id JOIN responses rb ON rb.id = p.response_b_id
				 WHERE l.audit_id = ? AND i.is_gold = 0 AND l.preference IS NOT NULL ORDER BY l.id`
			)
			.all(pairwiseId);
		// With the side each reviewer saw their choice on (pairwise audits are blind: a shuffled order per reviewer).
		const blind = db.$client.prepare<[number], number>('SELECT blind FROM audits WHERE id = ?').pluck().get(pairwiseId) === 1;
		const sided = joined.map((l) => ({ ...l, screenChoice: screenChoice(l.preference, l.reviewerId, l.itemId, blind) }));
		expect(here.pairwise).toEqual(pairwiseReport(sided, here.confidence, blind ? 'shuffled' : 'fixed'));
		const off = await longestStall(() => auditReportOffThread(pairwiseId, {}, db));
		expect(off.result).toEqual(here);
		const label = db.$client.prepare<[number], { id: number; preference: string }>("SELECT id, preference FROM audit_labels WHERE audit_id = ? AND preference IN ('a', 'b') ORDER BY id LIMIT 1").get(pairwiseId)!;
		db.$client.prepare<[string, number]>('UPDATE audit_labels SET preference = ? WHERE id = ?').run(label.preference === 'a' ? 'b' : 'a', label.id);
		try {
			const changed = await longestStall(() => auditReportOffThread(pairwiseId, {}, db));
			expect(changed.result).toEqual(auditReport(pairwiseId, {}, db));
			expect(changed.result.pairwise).not.toEqual(here.pairwise);
			// The preferences are read and counted in the report thread: built here, they held this thread for the whole section.
			expect(changed.stallMs).toBeLessThan(250);
		} finally {
			db.$client.prepare<[string, number]>('UPDATE audit_labels SET preference = ? WHERE id = ?').run(label.preference, label.id);
		}
	}, 120_000);

	it('the disagreements page too, its texts added here', async () => {
		const page = await listDisagreements(auditId, { filter: 'open', page: 2 }, db);
		const expected = disagreementList(loadReportInput(auditId, db), 'open', { size: 25, page: 2 });
		expect(page.total).toBeGreaterThan(25);
		expect(page).toMatchObject({ filter: 'open', page: 2, total: expected.total, pages: expected.pages, counts: expected.counts, audit: expected.audit });
		expect(page.entries.map(({ instruction, input, output, responses, adjudicator, ...entry }) => entry)).toEqual(expected.entries);
		// Who set each final label is read here too (none on open items).
		expect(page.entries.every((e) => e.adjudicator === null)).toBe(true);
		expect(page.entries.every((e) => e.instruction.length > 0)).toBe(true);
	}, 120_000);

	it("the export page's estimate for the audited dataset too", async () => {
		const datasetId = db.$client.prepare<[number], number>('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId)!;
		const selection = parseExportParams(new URLSearchParams({ dataset: String(datasetId), format: 'jsonl' }));
		forgetKept();
		const here = await longestStall(() => estimateQuality(db.$client, selection));
		expect(here.stallMs).toBeGreaterThan(500);
		const off = await longestStall(() => estimateQualityOffThread(db.$client, selection, db));
		expect(off.stallMs).toBeLessThan(250);
		expect(off.result).toEqual(here.result);
		expect(off.result?.population.items).toBe(250);

		// Kept while the labels are unchanged, and never after a change.
		expect(await estimateQualityOffThread(db.$client, selection, db)).toEqual(here.result);
		const label = db.$client.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1').get(auditId)!;
		db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output ? 0 : 1, label.id);
		try {
			const changed = await estimateQualityOffThread(db.$client, selection, db);
			expect(changed).toEqual(estimateQuality(db.$client, selection));
			expect(changed).not.toEqual(here.result);
		} finally {
			db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output, label.id);
		}
	}, 120_000);

	it("and the export download's manifest estimate, on the export's own read snapshot", async () => {
		const datasetId = db.$client.prepare<[number], number>('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(auditId)!;
		const request = () => parseExportParams(new URLSearchParams({ dataset: String(datasetId), format: 'jsonl' }));
		const manifestOf = (stream: ExportStream) => {
			for (const _chunk of stream.chunks()) {
				// drained for the manifest
			}
			return stream.manifest();
		};
		forgetKept();
		const here = await longestStall(() => startExport(request(), db));
		expect(here.stallMs).toBeGreaterThan(500);
		forgetKept();
		const off = await longestStall(() => startExportOffThread(request(), db));
		expect(off.stallMs).toBeLessThan(250);
		const [expected, actual] = [manifestOf(here.result), manifestOf(off.result)];
		expect(actual.quality).toEqual(expected.quality);
		expect(actual.quality?.population.items).toBe(250);
		expect(actual.counts).toEqual(expected.counts);
	}, 120_000);
});

describe("the report thread's kept inputs (keptInputs)", () => {
	it('reads an unchanged audit once, reads it again after another connection commits, and keeps two audits', () => {
		const second = buildLargeQualityAudit(db, { items: 30, k: 2, reviewers: 4, name: 'second' });
		const third = buildLargeQualityAudit(db, { items: 20, k: 2, reviewers: 4, name: 'third' });
		const reader = openReadOnly(db.$client.name);
		try {
			const readOnly = { $client: reader } as unknown as Db;
			const reads: number[] = [];
			/** The audits read on a base: only their changed items read again. */
			const builtOn: number[] = [];
			const input = keptInputs((id, database, base) => {
				reads.push(id);
				if (base) builtOn.push(id);
				return loadReportInputSince(id, database, base);
			});
			const first = input(auditId, readOnly);
			expect(input(auditId, readOnly)).toBe(first);
			expect(first).toEqual(loadReportInput(auditId, db));
			expect(reads).toEqual([auditId]);

			// A label changed by the app's connection: read afresh, with the change.
			const label = db.$client.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1').get(auditId)!;
			db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output ? 0 : 1, label.id);
			try {
				const changed = input(auditId, readOnly);
				expect(changed).not.toBe(first);
				expect(changed.labels.find((l) => l.id === label.id)!.outputValid).toBe(!label.output);
				expect(changed).toEqual(loadReportInput(auditId, db));
				expect(reads).toEqual([auditId, auditId]);
				// Built on the input read before: the unchanged items' labels are its very objects.
				expect(builtOn).toEqual([auditId]);
				expect(changed.labels.filter((l) => first.labels.includes(l)).length).toBe(first.labels.length - 2);

				// Two audits kept in turn; a third puts out the one used longest ago.
				input(second, readOnly);
				expect(input(auditId, readOnly)).toBe(changed);
				input(third, readOnly);
				input(second, readOnly);
				expect(reads).toEqual([auditId, auditId, second, third, second]);
			} finally {
				db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(label.output, label.id);
			}
		} finally {
			reader.close();
		}
	});
});
