import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { chooseInstructionShots, sample, seedFromString, shuffled } from './shots';

const seeds = Array.from({ length: 40 }, (_, i) => `seed instruction ${i}`);
const machine = Array.from({ length: 500 }, (_, i) => `machine instruction ${i}`);

describe('seeded randomness', () => {
	it('repeats for the same seed and differs for another', () => {
		const a = createRng(42);
		const b = createRng(42);
		const c = createRng(43);
		const xs = [a(), a(), a()];
		expect([b(), b(), b()]).toEqual(xs);
		expect(c()).not.toBe(xs[0]);
		expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
	});

	it('derives seeds from strings', () => {
		expect(seedFromString('run 1/batch 1')).toBe(seedFromString('run 1/batch 1'));
		expect(seedFromString('run 1/batch 1')).not.toBe(seedFromString('run 1/batch 2'));
	});

	it('shuffles into a permutation without touching the input', () => {
		const items = [1, 2, 3, 4, 5, 6, 7, 8];
		const out = shuffled(items, createRng(1));
		expect(out.slice().sort()).toEqual(items);
		expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
	});

	it('samples distinct items from small and large pools', () => {
		const few = sample(machine, 2, createRng(3));
		expect(new Set(few).size).toBe(2);
		expect(sample([1, 2, 3], 5, createRng(3)).sort()).toEqual([1, 2, 3]);
		expect(sample([1, 2, 3], 0, createRng(3))).toEqual([]);
	});
});

describe('chooseInstructionShots', () => {
	it('takes 8 seeds while fewer than 2 machine instructions exist (the paper; the reference would take 7 + 1 with one)', () => {
		const none = chooseInstructionShots(seeds, [], createRng(7));
		expect(none).toHaveLength(8);
		expect(none.every((s) => s.origin === 'seed')).toBe(true);
		expect(new Set(none.map((s) => s.instruction)).size).toBe(8);
		const one = chooseInstructionShots(seeds, ['only one'], createRng(7));
		expect(one).toHaveLength(8);
		expect(one.every((s) => s.origin === 'seed')).toBe(true);
		const two = chooseInstructionShots(seeds, ['first', 'second'], createRng(7));
		expect(two.filter((s) => s.origin === 'machine').map((s) => s.instruction).sort()).toEqual(['first', 'second']);
		expect(new Set(one.map((s) => s.instruction)).size).toBe(8);
	});

	it('takes 6 seeds + 2 machine instructions, shuffled together', () => {
		const positions = new Set<number>();
		for (let run = 0; run < 20; run++) {
			const shots = chooseInstructionShots(seeds, machine, createRng(run));
			expect(shots.filter((s) => s.origin === 'seed')).toHaveLength(6);
			expect(shots.filter((s) => s.origin === 'machine')).toHaveLength(2);
			shots.forEach((s, i) => s.origin === 'machine' && positions.add(i));
		}
		// machine shots are not always at the end
		expect(positions.size).toBeGreaterThan(4);
	});

	it('is reproducible from the seed', () => {
		expect(chooseInstructionShots(seeds, machine, createRng(9))).toEqual(chooseInstructionShots(seeds, machine, createRng(9)));
	});

	it('honours other counts', () => {
		const shots = chooseInstructionShots(seeds, machine, createRng(1), { humanCount: 3, machineCount: 1 });
		expect(shots.map((s) => s.origin).sort()).toEqual(['machine', 'seed', 'seed', 'seed']);
	});
});
