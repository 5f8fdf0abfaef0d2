import { describe, expect, it } from 'vitest';
import { buildAuditReport } from './report';
import { Fingerprint, newLatentMemo } from './latent-memo';
import type { ReportInput } from './types';
import { syntheticQualityInput } from './fixtures/synthetic-audit';

const OPTIONS = { replicates: 20 };
const latentOf = (input: ReportInput, options: Parameters<typeof buildAuditReport>[1] = OPTIONS) =>
	buildAuditReport(input, options).quality!.groups.map((g) => g.rates.map((r) => r.latent));

describe('Fingerprint', () => {
	it('tells apart sequences that differ only in where lists end, in large integers or in decimals', () => {
		const of = (f: (p: Fingerprint) => Fingerprint) => f(new Fingerprint()).hex();
		expect(of((p) => p.numbers([1, 2]).numbers([3]))).not.toBe(of((p) => p.numbers([1]).numbers([2, 3])));
		expect(of((p) => p.number(2 ** 40 + 1))).not.toBe(of((p) => p.number(1)));
		expect(of((p) => p.number(0.95))).not.toBe(of((p) => p.number(0.9)));
		expect(of((p) => p.text('input'))).not.toBe(of((p) => p.text('output')));
		expect(of((p) => p.numbers([3, 1, 4]))).toBe(of((p) => p.numbers([3, 1, 4])));
		expect(of((p) => p.numbers([]))).toMatch(/^[0-9a-f]{16}$/);
	});
});

describe('latent-truth results kept between reports', () => {
	// 60 items, each labelled by two of three reviewers (and a few by one): the model is identified.
	const input = syntheticQualityInput(60, 7);
	const answers = input.labels.length;
	const labelledItems = new Set(input.labels.map((l) => l.itemId)).size;

	it('keeps each computed fit under a fingerprint, and a report handed them gives the same figures without refitting', () => {
		const memo = newLatentMemo();
		const first = latentOf(input, { ...OPTIONS, latent: memo });
		expect(first).toEqual(latentOf(input));
		expect(first[0].every((l) => l.status === 'ok')).toBe(true);
		const fingerprints = Object.keys(memo.computed);
		expect(fingerprints).toHaveLength(4); // one fit per question and "all fields valid"
		expect(memo.deferred).toEqual([]);

		const again = newLatentMemo(memo.computed);
		let replicates = 0;
		again.onReplicate = () => replicates++;
		expect(latentOf(input, { ...OPTIONS, latent: again })).toEqual(first);
		expect(replicates).toBe(0);
		expect(again.computed).toEqual({});

		// What is read back is what was kept (a doctored entry shows), so nothing was refitted.
		const doctored = structuredClone(memo.computed);
		doctored[fingerprints[0]].groups[0].proportion = 0.123;
		const read = latentOf(input, { ...OPTIONS, latent: newLatentMemo(doctored) });
		expect(read.flat().some((l) => l.proportion === 0.123)).toBe(true);
	});

	it('refits when anything the fit reads changes: one label, the confidence, the replicates', () => {
		const memo = newLatentMemo();
		latentOf(input, { ...OPTIONS, latent: memo });
		const kept = Object.keys(memo.computed);
		const changed = structuredClone(input);
		// A label whose other two answers are yes, so that its "all fields valid" changes too.
		const flipped = changed.labels.find((l) => l.instructionValid && l.inputValid)!;
		flipped.outputValid = !flipped.outputValid;
		for (const [variant, options] of [
			[changed, OPTIONS],
			[input, { ...OPTIONS, confidence: 0.9 }],
			[input, { replicates: 21 }]
		] as const) {
			const next = newLatentMemo(memo.computed);
			latentOf(variant, { ...options, latent: next });
			expect(Object.keys(next.computed).length, JSON.stringify(options)).toBeGreaterThan(0);
			for (const f of Object.keys(next.computed)) expect(kept).not.toContain(f);
		}
		// Only the output and all-valid fits read the changed label.
		const next = newLatentMemo(memo.computed);
		latentOf(changed, { ...OPTIONS, latent: next });
		expect(Object.keys(next.computed)).toHaveLength(2);
	});

	it('leaves fits over more answers than deferAbove pending, says why, and the headline falls back to the bounds', () => {
		const memo = newLatentMemo({}, 100);
		expect(answers).toBeGreaterThan(100);
		let replicates = 0;
		memo.onReplicate = () => replicates++;
		const report = buildAuditReport(input, { ...OPTIONS, latent: memo });
		const rates = report.quality!.groups[0].rates;
		expect(memo.deferred).toHaveLength(4);
		expect(memo.computed).toEqual({});
		expect(replicates).toBe(0);
		for (const r of rates) {
			expect(r.latent).toMatchObject({ status: 'pending', proportion: null, n: labelledItems });
			expect(r.latent.reason).toContain(`background (the model and 20 bootstrap refits over ${answers} answers)`);
			expect(r.headline).toMatchObject({ estimator: 'majority', requested: 'auto', fallback: r.latent.reason });
		}
		// No reviewer error rates until the fits are in.
		expect(report.reviewers).toHaveLength(3);
		expect(report.reviewers.every((row) => Object.values(row.errorRates).every((r) => r === null))).toBe(true);

		// Computed later (as the background does) and handed back: the full report.
		const background = newLatentMemo();
		background.onReplicate = () => replicates++;
		buildAuditReport(input, { ...OPTIONS, latent: background });
		expect(Object.keys(background.computed).sort()).toEqual([...memo.deferred].sort());
		expect(replicates).toBe(4 * 20);
		const later = newLatentMemo(background.computed, 100);
		expect(latentOf(input, { ...OPTIONS, latent: later })).toEqual(latentOf(input));
		expect(later.deferred).toEqual([]);
	});

	it('shows beside a pending fit the newest kept estimate of the same rate, on the answers it read', () => {
		const memo = newLatentMemo();
		const before = latentOf(input, { ...OPTIONS, latent: memo });
		const changed = structuredClone(input);
		const flipped = changed.labels.find((l) => l.instructionValid && l.inputValid)!;
		flipped.outputValid = !flipped.outputValid;
		const later = newLatentMemo(memo.computed, 100);
		const after = latentOf(changed, { ...OPTIONS, latent: later });
		const keys = ['instruction', 'input', 'output', 'allValid'];
		after.forEach((group, g) =>
			group.forEach((latent, k) => {
				if (keys[k] === 'output' || keys[k] === 'allValid') {
					expect(latent.status).toBe('pending');
					expect(latent.proportion).toBeNull();
					const { proportion, lower, upper } = before[g][k];
					expect(latent.previous).toEqual({ proportion, lower, upper, answers, computedAt: null });
				} else {
					expect(latent).toEqual(before[g][k]); // unchanged answers: read back as they were
				}
			})
		);
		// The headline never takes the earlier estimate.
		const headline = buildAuditReport(changed, { ...OPTIONS, latent: newLatentMemo(memo.computed, 100) }).quality!.groups[0].rates.find((r) => r.key === 'output')!.headline;
		expect(headline.estimator).toBe('majority');
	});

	it('computes small fits even when asked to defer large ones', () => {
		const memo = newLatentMemo({}, 1_000);
		expect(latentOf(input, { ...OPTIONS, latent: memo })).toEqual(latentOf(input));
		expect(memo.deferred).toEqual([]);
	});
});

describe("a fit's fingerprint", () => {
	it('stays what it was: results kept in a database are found again after an upgrade (LATENT_ALGORITHM_VERSION changes it on purpose)', () => {
		const input = syntheticQualityInput(120, 7);
		input.items.push({ id: 500, position: 120, taskId: 1500, instanceId: 2500, stratum: null, isGold: true, isClassification: false, responses: [] });
		input.gold.push({ itemId: 500, instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output', ratings: [] });
		input.labels.push({ ...input.labels[0], id: 9_000, itemId: 500 });
		input.adjudications.push({ itemId: 3, adjudicatorId: 1, instructionValid: true, inputValid: true, outputValid: true, errorReason: null, comment: 'settled', updatedAt: '2024-01-03T00:00:00.000Z', ratings: [] });
		const memo = newLatentMemo({}, 10);
		buildAuditReport(input, { latent: memo, replicates: 3 });
		expect(memo.deferred).toEqual(['ad2a67a3830cc68b', 'b8b9b78d246e48a3', '49726771d54575a7', '3f1c0d957a9818da']);
	});
});
