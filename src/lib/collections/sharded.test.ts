import { describe, expect, it } from 'vitest';
import { ShardedMap, ShardedSet } from './sharded';

describe('ShardedMap and ShardedSet', () => {
	it('behave as a Map and a Set of strings', () => {
		const map = new ShardedMap<number>();
		const set = new ShardedSet();
		const plainMap = new Map<string, number>();
		const plainSet = new Set<string>();
		const keys = ['', 'a', 'A', 'ab', 'ba', '12:3f9a', 'x'.repeat(1000), `${'y'.repeat(500)}z`, `${'y'.repeat(500)}w`, 'ünïcödé', '\u0000'];
		for (let i = 0; i < 5000; i++) keys.push(`${i % 97}:${(i * 2654435761) >>> 0}`, `Write a poem about topic ${i}.`);
		keys.forEach((key, i) => {
			map.set(key, i);
			plainMap.set(key, i);
			set.add(key);
			plainSet.add(key);
		});
		// Again: an existing key keeps the size.
		for (const key of keys.slice(0, 50)) {
			map.set(key, -1);
			plainMap.set(key, -1);
			set.add(key);
		}
		expect(map.size).toBe(plainMap.size);
		expect(set.size).toBe(plainSet.size);
		for (const key of plainMap.keys()) {
			expect(map.get(key)).toBe(plainMap.get(key));
			expect(map.has(key)).toBe(true);
			expect(set.has(key)).toBe(true);
		}
		for (const absent of ['b', 'x'.repeat(999), `${'y'.repeat(500)}v`, '12:3f9b']) {
			expect(map.has(absent)).toBe(false);
			expect(map.get(absent)).toBeUndefined();
			expect(set.has(absent)).toBe(false);
		}
	});

	it('spreads keys that differ only at the end or in the middle over many parts', () => {
		// What the shards hold is private; their spread shows in how big the largest one gets.
		const sizes = (keys: string[]) => {
			const map = new ShardedMap<number>();
			keys.forEach((k, i) => map.set(k, i));
			const shards = (map as unknown as { shards: Map<string, number>[] }).shards;
			return Math.max(...shards.map((s) => s.size));
		};
		const suffixes = Array.from({ length: 25_600 }, (_, i) => `${'same prefix '.repeat(20)}${i}`);
		const middles = Array.from({ length: 25_600 }, (_, i) => `Task ${i} of the long import, written with a fixed ending.`);
		expect(sizes(suffixes)).toBeLessThan(300); // 100 per part if even
		expect(sizes(middles)).toBeLessThan(300);
	});
});
