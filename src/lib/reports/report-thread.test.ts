import { describe, expect, it } from 'vitest';
import { giveWayTo, pauseWhileWaiting } from './report-thread';
import { agreementSoFar, allValidEstimateOfInstances, auditLatentFits, buildAuditReport, itemVerdictsOf } from './report';
import { VerdictMemo } from './verdicts';
import { disagreementList } from './disagreements';
import { newLatentMemo } from './latent-memo';
import type { ReportInput, ReportLabel } from './types';
import { syntheticQualityInput, syntheticRatingInput } from './fixtures/synthetic-audit';

const counter = (n: number) => {
	const waiting = new Int32Array(new SharedArrayBuffer(4));
	waiting[0] = n;
	return waiting;
};

/** How long `fn` took, in ms. */
const timed = (fn: () => unknown) => {
	const started = performance.now();
	fn();
	return performance.now() - started;
};

describe('pauseWhileWaiting (a background fit giving way to a page)', () => {
	it('goes on at once when nothing is waited on', () => {
		let ended: boolean | undefined;
		expect(timed(() => (ended = pauseWhileWaiting(counter(0), 2_000)))).toBeLessThan(50);
		expect(ended).toBe(true);
	});

	it('waits while a request is waited on, but never longer than its longest pause', () => {
		let ended: boolean | undefined;
		const ms = timed(() => (ended = pauseWhileWaiting(counter(1), 150)));
		expect(ms).toBeGreaterThanOrEqual(140);
		expect(ms).toBeLessThan(1_000);
		expect(ended).toBe(false);
	});
});

describe('giveWayTo (the step hook of a background computation)', () => {
	it('pauses while pages wait; after a pause that ran out, runs a fifth as long before pausing again', async () => {
		const waiting = counter(1);
		const step = giveWayTo(waiting, 150);
		expect(timed(step)).toBeGreaterThanOrEqual(140);
		// The run that follows: steps go on at once although a page still waits.
		expect(timed(step)).toBeLessThan(20);
		await new Promise((r) => setTimeout(r, 60));
		expect(timed(step)).toBeGreaterThanOrEqual(140);
		// Nothing waited on: no pause at all.
		waiting[0] = 0;
		expect(timed(step)).toBeLessThan(20);
	});
});

/** `value` and everything in it frozen: a write to any of it throws (modules are strict). */
function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const v of Object.values(value)) deepFreeze(v);
	}
	return value;
}

describe('the report functions never change their input (the report thread keeps inputs between requests)', () => {
	/** A quality audit with what the plain fixture lacks: an adjudication, a gold item and its answer, a skip. */
	const qualityInput = (): ReportInput => {
		const input = syntheticQualityInput(120, 7);
		input.items.push({ id: 500, position: 120, taskId: 1500, instanceId: 2500, stratum: null, isGold: true, isClassification: false, responses: [] });
		input.gold.push({ itemId: 500, instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output', ratings: [] });
		input.labels.push({ ...input.labels[0], id: 9_000, itemId: 500 });
		input.adjudications.push({ itemId: 3, adjudicatorId: 1, instructionValid: true, inputValid: true, outputValid: true, errorReason: null, comment: 'settled', updatedAt: '2024-01-03T00:00:00.000Z', ratings: [] });
		input.skips.push({ itemId: 4, reviewerId: 3 });
		return input;
	};
	for (const [kind, make] of [
		['quality', qualityInput],
		['rating', () => syntheticRatingInput(40, 3)]
	] as const) {
		it(`a ${kind} audit's report, agreement so far, disagreements and estimate`, () => {
			const frozen = deepFreeze(make());
			const options = { replicates: 3, tiesListed: 5 };
			const instanceIds = frozen.items.map((i) => i.instanceId!).slice(0, 30);
			const results = (input: ReportInput) => ({
				report: buildAuditReport(input, { ...options, latent: newLatentMemo() }),
				soFar: agreementSoFar(input),
				disagreements: disagreementList(input, 'all', { size: 10, page: 1 }),
				estimate: input.audit.kind === 'quality' ? allValidEstimateOfInstances([input], instanceIds, options) : null
			});
			// Each throws on the first write to the frozen input; the same results as over a copy.
			expect(results(frozen)).toEqual(results(make()));
		});
	}
});

describe('VerdictMemo (verdicts and agreement rows kept between reports of inputs never changed)', () => {
	for (const [kind, make] of [
		['quality', () => syntheticQualityInput(150, 11)],
		['rating', () => syntheticRatingInput(60, 5)]
	] as const) {
		it(`a ${kind} audit: the same reports as without it, through changed labels, items and adjudications`, () => {
			const memo = new VerdictMemo();
			const options = { replicates: 2, tiesListed: 5 };
			const first = deepFreeze(make());
			expect(buildAuditReport(first, { ...options, latent: newLatentMemo() }, memo)).toEqual(buildAuditReport(first, { ...options, latent: newLatentMemo() }));
			expect(itemVerdictsOf(first, {}, memo)).toEqual(itemVerdictsOf(first));
			expect(agreementSoFar(first, memo)).toEqual(agreementSoFar(first));
			expect(disagreementList(first, 'all', { size: 500, page: 1 }, memo)).toEqual(disagreementList(first, 'all', { size: 500, page: 1 }));

			// The next read: the same objects but for a changed label, a label removed, an item read
			// again (a new object, as after a change to it) and an adjudication. A report that changed a
			// kept verdict would differ from the one computed afresh.
			const changed = first.labels[3];
			const removed = first.labels[10];
			const flipped: ReportLabel =
				first.audit.kind === 'quality'
					? { ...changed, outputValid: !changed.outputValid, instructionValid: !changed.instructionValid }
					: { ...changed, ratings: changed.ratings.map((r) => ({ ...r, rating: r.rating === 'A' ? 'D' : 'A' })) };
			const item = first.items[20];
			const adjudicated = first.items[30];
			const next: ReportInput = deepFreeze({
				...first,
				items: first.items.map((i) => (i === item ? { ...i, isClassification: !i.isClassification } : i)),
				labels: first.labels.filter((l) => l !== removed).map((l) => (l === changed ? flipped : l)),
				adjudications: [
					...first.adjudications,
					first.audit.kind === 'quality'
						? { itemId: adjudicated.id, adjudicatorId: 1, instructionValid: false, inputValid: true, outputValid: true, errorReason: 'other' as const, comment: '', updatedAt: '2024-02-01T00:00:00.000Z', ratings: [] }
						: {
								itemId: adjudicated.id,
								adjudicatorId: 1,
								instructionValid: null,
								inputValid: null,
								outputValid: null,
								errorReason: null,
								comment: '',
								updatedAt: '2024-02-01T00:00:00.000Z',
								ratings: adjudicated.responses.map((r) => ({ ...r, rating: 'D' as const }))
							}
				]
			});
			const again = buildAuditReport(next, { ...options, latent: newLatentMemo() }, memo);
			expect(again).toEqual(buildAuditReport(next, { ...options, latent: newLatentMemo() }));
			expect(again).not.toEqual(buildAuditReport(first, { ...options, latent: newLatentMemo() }));
			expect(itemVerdictsOf(next, {}, memo)).toEqual(itemVerdictsOf(next));
			expect(agreementSoFar(next, memo)).toEqual(agreementSoFar(next));
			expect(disagreementList(next, 'all', { size: 500, page: 1 }, memo)).toEqual(disagreementList(next, 'all', { size: 500, page: 1 }));
		});
	}
});

describe('auditLatentFits (a page’s pending fits, computed in the background without the rest of the report)', () => {
	it('makes exactly the fits the report makes, with the same results under the same fingerprints', () => {
		const input = syntheticQualityInput(120, 7);
		const report = newLatentMemo();
		buildAuditReport(input, { replicates: 3, latent: report });
		const alone = newLatentMemo();
		auditLatentFits(input, { replicates: 3, latent: alone });
		expect(Object.keys(report.computed).length).toBe(4);
		expect(alone.computed).toEqual(report.computed);
		// Deferred alike, and a rating audit has none.
		const deferredReport = newLatentMemo({}, 10);
		buildAuditReport(input, { replicates: 3, latent: deferredReport });
		const deferredAlone = newLatentMemo({}, 10);
		auditLatentFits(input, { replicates: 3, latent: deferredAlone });
		expect(deferredAlone.deferred).toEqual(deferredReport.deferred);
		const rating = newLatentMemo();
		auditLatentFits(syntheticRatingInput(20, 3), { replicates: 3, latent: rating });
		expect(rating.computed).toEqual({});
	});
});
