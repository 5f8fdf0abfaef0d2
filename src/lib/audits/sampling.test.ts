import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';
import { allocateProportional, drawSample, excludeChoices, verdictStratum, stratumRule, type SamplingUnit } from './sampling';

function units(n: number, opts: { classification?: (i: number) => boolean | null; choices?: (i: number) => number[] } = {}): SamplingUnit[] {
	return Array.from({ length: n }, (_, i) => ({
		taskId: i + 1,
		isClassification: opts.classification ? opts.classification(i) : false,
		choices: opts.choices ? opts.choices(i) : [1000 + i * 10, 1000 + i * 10 + 1, 1000 + i * 10 + 2]
	}));
}

describe('allocateProportional', () => {
	it('splits by largest remainder and sums to the total', () => {
		expect(allocateProportional([50, 30, 20], 10)).toEqual([5, 3, 2]);
		// Quotas 3.33, 3.33, 3.33: the leftover unit goes to the first group.
		expect(allocateProportional([10, 10, 10], 10)).toEqual([4, 3, 3]);
		// 26 classification of 175 seeds, sample 20: quotas 2.97 / 17.03.
		expect(allocateProportional([26, 149], 20)).toEqual([3, 17]);
		expect(allocateProportional([5, 0, 3], 100)).toEqual([5, 0, 3]);
		expect(allocateProportional([0, 0], 5)).toEqual([0, 0]);
	});
});

describe('excludeChoices', () => {
	const units: SamplingUnit[] = [
		{ taskId: 1, isClassification: null, choices: [10, 11] },
		{ taskId: 2, isClassification: null, choices: [20] },
		{ taskId: 3, isClassification: null, choices: [0] }
	];
	it('leaves the given choices out, drops units left empty and counts only what was in the frame', () => {
		const { units: left, excluded } = excludeChoices(units, [
			{ taskId: 1, choice: 10 },
			{ taskId: 2, choice: 20 },
			{ taskId: 9, choice: 90 },
			{ taskId: 1, choice: 0 }
		]);
		expect(left).toEqual([
			{ taskId: 1, isClassification: null, choices: [11] },
			{ taskId: 3, isClassification: null, choices: [0] }
		]);
		expect(excluded).toBe(2);
		expect(units[0].choices).toEqual([10, 11]);
	});
	it('keys a choice by its task (rating group keys are 0 for every task without instances)', () => {
		expect(excludeChoices(units, [{ taskId: 3, choice: 0 }]).units.map((u) => u.taskId)).toEqual([1, 2]);
	});
	it('never draws an excluded choice, even drawing the whole frame', () => {
		const { units: left } = excludeChoices(units, [{ taskId: 1, choice: 11 }]);
		const drawn = drawSample(left, { size: 10, seed: 3, instanceMode: 'all', stratify: 'none' });
		expect(drawn.map((d) => d.choice).sort((a, b) => a - b)).toEqual([0, 10, 20]);
	});
});

describe('drawSample', () => {
	const base = { size: 20, seed: 1, instanceMode: 'one' as const, stratify: 'none' as const };

	it('draws size distinct instructions with one of their instances each', () => {
		const sample = drawSample(units(100), base);
		expect(sample).toHaveLength(20);
		expect(new Set(sample.map((s) => s.taskId)).size).toBe(20);
		for (const s of sample) expect([0, 1, 2].map((k) => 1000 + (s.taskId - 1) * 10 + k)).toContain(s.choice);
		expect(sample.every((s) => s.stratum === null)).toBe(true);
	});

	it('is reproducible from the seed whatever the input order, and changes with the seed', () => {
		const a = drawSample(units(100), base);
		const b = drawSample(units(100).reverse(), base);
		expect(b).toEqual(a);
		const c = drawSample(units(100), { ...base, seed: 2 });
		expect(c.map((s) => s.taskId)).not.toEqual(a.map((s) => s.taskId));
	});

	it('follows the documented algorithm step by step', () => {
		const sample = drawSample(units(10).reverse(), { ...base, size: 3 });
		// Re-derive by hand: units sorted by task id, partial Fisher–Yates, then one choice each,
		// then one routing key each, all from one generator seeded with the seed.
		const rng = new SeededRandom(1);
		const pool = units(10);
		for (let i = 0; i < 3; i++) {
			const j = i + rng.int(10 - i);
			[pool[i], pool[j]] = [pool[j], pool[i]];
		}
		const expected = pool.slice(0, 3).map((u) => ({ taskId: u.taskId, choice: u.choices[rng.int(3)] }));
		const keys = expected.map(() => rng.next());
		expect(sample).toEqual(expected.map((e, i) => ({ ...e, stratum: null, shuffleKey: keys[i] })));
	});

	it('takes everything when the size exceeds the population, and skips units without choices', () => {
		const pool = units(5, { choices: (i) => (i === 2 ? [] : [i]) });
		const sample = drawSample(pool, { ...base, size: 200 });
		expect(sample.map((s) => s.taskId).sort()).toEqual([1, 2, 4, 5]);
	});

	it('keeps every instance in "all" mode', () => {
		const sample = drawSample(units(10), { ...base, size: 4, instanceMode: 'all' });
		expect(sample).toHaveLength(12);
		const byTask = new Map<number, number[]>();
		for (const s of sample) byTask.set(s.taskId, [...(byTask.get(s.taskId) ?? []), s.choice]);
		for (const [taskId, choices] of byTask) expect(choices).toEqual([0, 1, 2].map((k) => 1000 + (taskId - 1) * 10 + k));
	});

	it('stratifies proportionally by classification', () => {
		// 30 classification, 60 not, 10 unknown; sample 20 → 6 / 12 / 2.
		const pool = units(100, { classification: (i) => (i < 30 ? true : i < 90 ? false : null) });
		const sample = drawSample(pool, { ...base, stratify: 'classification' });
		const count = (s: string) => sample.filter((x) => x.stratum === s).length;
		expect([count('classification'), count('non-classification'), count('unknown')]).toEqual([6, 12, 2]);
		for (const s of sample) {
			const expected = s.taskId <= 30 ? 'classification' : s.taskId <= 90 ? 'non-classification' : 'unknown';
			expect(s.stratum).toBe(expected);
		}
	});

	it('gives every item a routing key and every unit an equal chance', () => {
		const hits = new Array(10).fill(0);
		for (let seed = 0; seed < 3000; seed++) for (const s of drawSample(units(10), { ...base, size: 3, seed })) hits[s.taskId - 1]++;
		// Each unit is drawn with probability 3/10: 900 of 3000 expected.
		for (const h of hits) expect(Math.abs(h - 900)).toBeLessThan(90);
		const keys = drawSample(units(100), base).map((s) => s.shuffleKey);
		expect(keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 32)).toBe(true);
		expect(new Set(keys).size).toBe(keys.length);
	});

	it('refuses a non-positive size', () => {
		expect(() => drawSample(units(3), { ...base, size: 0 })).toThrow(RangeError);
	});

	it('draws exactly what it drew before verdict strata existed (pinned)', () => {
		const u = Array.from({ length: 12 }, (_, i) => ({ taskId: i + 1, isClassification: i < 4, choices: [100 + i, 200 + i] }));
		expect(drawSample(u, { size: 5, seed: 42, instanceMode: 'one', stratify: 'classification' })).toEqual([
			{ taskId: 2, choice: 201, stratum: 'classification', shuffleKey: 1235700567 },
			{ taskId: 4, choice: 103, stratum: 'classification', shuffleKey: 2581809382 },
			{ taskId: 11, choice: 110, stratum: 'non-classification', shuffleKey: 3652642737 },
			{ taskId: 7, choice: 206, stratum: 'non-classification', shuffleKey: 2730665958 },
			{ taskId: 6, choice: 205, stratum: 'non-classification', shuffleKey: 1302851675 }
		]);
	});
});

describe('verdict strata', () => {
	// One unit per row: task t has rows 10t and 10t+1; rows of tasks 1–20 kept, 21–30 rejected by rougeL, 31–35 by wordCount.
	const rows: SamplingUnit[] = [];
	for (let t = 35; t >= 1; t--) {
		const stratum = t <= 20 ? 'kept' : t <= 30 ? 'rejected:rougeL' : 'rejected:wordCount';
		for (const k of [1, 0]) rows.push({ taskId: t, isClassification: null, choices: [10 * t + k], stratum });
	}
	const options = {
		size: 1,
		seed: 7,
		instanceMode: 'one' as const,
		stratify: 'verdict' as const,
		strata: [
			{ key: 'kept', size: 6 },
			{ key: 'rejected:rougeL', size: 4 },
			{ key: 'rejected:wordCount', size: 50 }
		]
	};

	it('draws the chosen number of rows from each stratum (a stratum smaller than its size whole)', () => {
		const sample = drawSample(rows, options);
		const count = (k: string) => sample.filter((s) => s.stratum === k).length;
		expect([count('kept'), count('rejected:rougeL'), count('rejected:wordCount')]).toEqual([6, 4, 10]);
		for (const s of sample) {
			const t = Math.floor(s.choice / 10);
			expect(s.taskId).toBe(t);
			expect(s.stratum).toBe(t <= 20 ? 'kept' : t <= 30 ? 'rejected:rougeL' : 'rejected:wordCount');
		}
		expect(new Set(sample.map((s) => s.choice)).size).toBe(sample.length);
	});

	it('is reproducible whatever the input order, and follows the documented algorithm', () => {
		const sample = drawSample(rows, options);
		expect(drawSample([...rows].reverse(), options)).toEqual(sample);
		const sorted = [...rows].sort((a, b) => a.taskId - b.taskId || a.choices[0] - b.choices[0]);
		const rng = new SeededRandom(7);
		const drawn: { taskId: number; choice: number; stratum: string }[] = [];
		for (const { key, size } of options.strata) {
			const pool = sorted.filter((u) => u.stratum === key);
			const n = Math.min(size, pool.length);
			for (let i = 0; i < n; i++) {
				const j = i + rng.int(pool.length - i);
				[pool[i], pool[j]] = [pool[j], pool[i]];
				drawn.push({ taskId: pool[i].taskId, choice: pool[i].choices[0], stratum: key });
			}
		}
		const withChoice = drawn.map((d) => {
			rng.int(1);
			return d;
		});
		expect(sample).toEqual(withChoice.map((d) => ({ ...d, shuffleKey: rng.next() })));
	});

	it('refuses a stratum listed twice or a negative size', () => {
		expect(() => drawSample(rows, { ...options, strata: [{ key: 'kept', size: 1 }, { key: 'kept', size: 2 }] })).toThrow(RangeError);
		expect(() => drawSample(rows, { ...options, strata: [{ key: 'kept', size: -1 }] })).toThrow(RangeError);
	});

	it('names each row by the rule that removed it', () => {
		const kept = { status: 'kept', rule: null };
		expect(verdictStratum(kept, kept)).toBe('kept');
		expect(verdictStratum({ status: 'rejected', rule: 'rougeL' }, { status: 'rejected', rule: 'taskRejected' })).toBe('rejected:rougeL');
		expect(verdictStratum(kept, { status: 'rejected', rule: 'emptyOutput' })).toBe('rejected:emptyOutput');
		// A task with no instance left: each row goes to the instance rule that removed it.
		expect(verdictStratum({ status: 'rejected', rule: 'noInstances' }, { status: 'rejected', rule: 'duplicate' })).toBe('rejected:duplicate');
		expect(verdictStratum({ status: null, rule: null }, { status: null, rule: null })).toBeNull();
		expect(stratumRule('rejected:rougeL')).toBe('rougeL');
		expect(stratumRule('kept')).toBeNull();
		expect(stratumRule('classification')).toBeNull();
	});
});
