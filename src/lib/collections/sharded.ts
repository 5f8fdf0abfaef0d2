/**
 * A string-keyed Map and Set split over many small ones by a hash of the key.
 *
 * Why: a JavaScript Map or Set grows by rehashing every entry at once. Past a million entries,
 * that is a pause of 0.3–0.5 s (and some 80 MB of fresh memory) in whatever code adds the entry
 * that crosses the size. In an import it happened inside a write transaction, as a lock hold of
 * that length. Split 256 ways, each part grows 256 times smaller at a time.
 */
const SHARDS = 256;
/** A key longer than this is hashed on its start, its end and a sample of its middle. */
const WHOLE = 64;

function shardOf(key: string): number {
	// FNV-1a over the key's length and its characters (of a long key: the first 16, the last
	// 32 and 16 spread over the middle, where keys that share a prefix or a template differ).
	const n = key.length;
	let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
	if (n <= WHOLE) {
		for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
	} else {
		for (let i = 0; i < 16; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
		const step = Math.floor((n - 48) / 16);
		for (let i = 16 + (step >> 1); i < n - 32; i += step) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
		for (let i = n - 32; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
	}
	return (h ^ (h >>> 16)) & (SHARDS - 1);
}

export class ShardedMap<V> {
	private readonly shards = Array.from({ length: SHARDS }, () => new Map<string, V>());
	private count = 0;

	get size(): number {
		return this.count;
	}

	get(key: string): V | undefined {
		return this.shards[shardOf(key)].get(key);
	}

	has(key: string): boolean {
		return this.shards[shardOf(key)].has(key);
	}

	set(key: string, value: V): this {
		const shard = this.shards[shardOf(key)];
		const before = shard.size;
		shard.set(key, value);
		this.count += shard.size - before;
		return this;
	}
}

export class ShardedSet {
	private readonly shards = Array.from({ length: SHARDS }, () => new Set<string>());
	private count = 0;

	get size(): number {
		return this.count;
	}

	has(key: string): boolean {
		return this.shards[shardOf(key)].has(key);
	}

	add(key: string): this {
		const shard = this.shards[shardOf(key)];
		const before = shard.size;
		shard.add(key);
		this.count += shard.size - before;
		return this;
	}
}
