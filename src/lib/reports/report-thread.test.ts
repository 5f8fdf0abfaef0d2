import { describe, expect, it } from 'vitest';
import { giveWayTo, pauseWhileWaiting } from './report-thread';
import { agreementSoFar, allValidEstimateOfInstances, buildAuditReport } from './report';
import { disagreementList } from './disagreements';
import { newLatentMemo } from './latent-memo';
import type { ReportInput } from './types';
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
