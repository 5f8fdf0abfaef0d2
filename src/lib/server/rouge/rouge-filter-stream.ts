/**
 * The Self-Instruct ROUGE-L filter over a stream of instructions on every core: a candidate is
 * kept only if its ROUGE-L F to every pool instruction (the seeds, then every kept candidate, at
 * once) is at most the threshold — the same decisions, exact maxima and top-k as one
 * near-duplicate index queried and grown in stream order.
 *
 * How: the stream goes in batches. Worker threads each keep a share of the pool (its
 * instructions dealt out so that the shares hold about as many tokens; token ids interned here,
 * so nothing is tokenized twice) and query every candidate of a batch against their share; this
 * thread finishes each candidate, in stream order, against what the shares do not hold yet (the
 * instructions kept in the batch before, and earlier in its own batch, in one small index) and
 * merges the parts. Sharing the pool out, rather than copying it to each thread, splits the
 * work of adding to it and of reading its lists (long texts: 1.6× one index; 1.3× with copies). The
 * shares lag one batch behind so that they never wait for this thread: batch k is queried
 * against the pool up to batch k − 2 while batch k − 1 is finished here.
 * A small pool (or a single core) does not pay for threads: the stream is filtered here, as one
 * index would, until the pool holds `threadsFromTokens` tokens, and threads take over then.
 *
 * Only the best examined match of a kept candidate (a hint, not the pool's maximum) and the
 * count of pairs verified may depend on how the pool was split: on the batch size, and on the
 * number of threads (each share orders its tokens by its own frequencies, so its filters let
 * through other pairs).
 */
import type { Worker } from 'node:worker_threads';
import {
	mergeNearDuplicateResults,
	NearDuplicateIndex,
	type NearDuplicateMatch,
	type NearDuplicateResult,
	type PreparedInstruction
} from '$lib/rouge/near-duplicate-index';
import { Vocabulary } from '$lib/rouge/vocabulary';
import { startModuleWorker, threadsWorthStarting } from '../workers/module-worker';
import { WorkerRequests } from '../workers/requests';
import { packSequences, PackedResults, type NearDuplicateReply, type NearDuplicateRequest } from './near-duplicate-messages';

export interface RougeFilterOptions {
	/** Keep a candidate only if F ≤ threshold to every pool instruction (default 0.7). */
	threshold?: number;
	/** Matches above the threshold reported per rejected candidate (default 10). */
	topK?: number;
	/** Worker threads (default: the cores, at most 4); below 2, everything runs in this thread. */
	threads?: number;
	/** Candidates per batch once threads run (default 1024). */
	batchSize?: number;
	/**
	 * Threads take over once the pool holds this many tokens (default 2,500,000: about 250,000
	 * instructions, or 17,000 texts of 150 tokens). A query's cost grows with the pool's tokens;
	 * below this the threads' own costs (each share answers every candidate, this thread checks
	 * the recent ones and merges) outweigh what they split, as measured on two cores.
	 */
	threadsFromTokens?: number;
}

/** See `threadsFromTokens`. */
export const DEFAULT_THREADS_FROM_TOKENS = 2_500_000;

export interface FilteredRecord<R> {
	record: R;
	/** Entries are pool positions: the seeds in order, then each kept candidate in stream order. */
	result: NearDuplicateResult;
}

export class RougeFilterStream {
	readonly threshold: number;
	readonly topK: number;
	private readonly threads: number;
	private readonly batchSize: number;
	private readonly threadsFromTokens: number;
	/** Tokens of the pool instructions so far. */
	private poolTokens = 0;
	/** One tokenization for every index, in every thread. */
	private readonly vocab = new Vocabulary();
	/** The whole pool, while this thread filters alone. */
	private index: NearDuplicateIndex | null;
	private poolSize = 0;
	private started = false;
	private threadsTookOver = 0;

	constructor(options: RougeFilterOptions = {}) {
		this.threshold = options.threshold ?? 0.7;
		this.topK = options.topK ?? 10;
		this.threads = options.threads ?? threadsWorthStarting();
		this.batchSize = Math.max(1, options.batchSize ?? 1024);
		this.threadsFromTokens = Math.max(0, options.threadsFromTokens ?? DEFAULT_THREADS_FROM_TOKENS);
		this.index = new NearDuplicateIndex({ minThreshold: this.threshold });
	}

	/** Pool instructions so far (seeds and kept candidates). */
	get size(): number {
		return this.poolSize;
	}

	/** Worker threads that took over the stream (0 while, or if, it is filtered here alone). */
	get threadsUsed(): number {
		return this.threadsTookOver;
	}

	/** A seed instruction for the pool (before filtering); returns its entry. */
	addSeed(text: string): number {
		if (this.started) throw new Error('seeds go into the pool before the stream is filtered');
		const index = this.index!;
		const tokens = this.vocab.internText(text);
		index.add(index.withTokens(text, tokens));
		this.poolTokens += tokens.length;
		return this.poolSize++;
	}

	/**
	 * The verdicts of `source`'s records, batch by batch in stream order. An error from the source
	 * is thrown after the verdicts of every record read before it.
	 */
	async *filter<R>(source: AsyncIterable<readonly R[]>, textOf: (record: R) => string): AsyncGenerator<FilteredRecord<R>[]> {
		if (this.started) throw new Error('a filter stream filters one stream');
		this.started = true;
		const reader = new Rebatcher(source, this.batchSize);
		let starting: Promise<ShardPool | null> | null = null;
		let shards: ShardPool | null = null;
		try {
			for (;;) {
				// Threads start early enough to be ready when they take over.
				if (this.threads >= 2 && starting === null && this.poolTokens >= this.threadsFromTokens / 4) {
					starting = ShardPool.start(this.threads);
					starting.catch(() => {});
				}
				if (starting !== null && this.poolTokens >= this.threadsFromTokens) {
					shards = await starting;
					if (shards) break;
				}
				const batch = await reader.next();
				if (batch === null) break;
				yield this.filterHere(batch, textOf);
			}
			if (shards) {
				this.threadsTookOver = this.threads;
				yield* this.filterWithShards(shards, reader, textOf);
			}
		} finally {
			if (starting) void starting.then((pool) => pool?.close(), () => {});
		}
		reader.throwFailure();
	}

	/** One batch against the whole pool in this thread. */
	private filterHere<R>(batch: readonly R[], textOf: (record: R) => string): FilteredRecord<R>[] {
		const index = this.index!;
		return batch.map((record) => {
			const text = textOf(record);
			const candidate = index.withTokens(text, this.vocab.internText(text));
			const result = index.query(candidate, this.threshold, this.topK);
			if (!result.exceeds) {
				index.add(candidate);
				this.poolSize++;
				this.poolTokens += candidate.ids.length;
			}
			return { record, result };
		});
	}

	private async *filterWithShards<R>(
		shards: ShardPool,
		reader: Rebatcher<R>,
		textOf: (record: R) => string
	): AsyncGenerator<FilteredRecord<R>[]> {
		// The shards start with the whole pool; this thread keeps no index of it from now on.
		const index = this.index!;
		const everything: PoolAdds = { tokens: [], entries: [] };
		for (let e = 0; e < index.size; e++) {
			everything.tokens.push(index.entryTokens(e).slice());
			everything.entries.push(e);
		}
		this.index = null;
		let adds = everything;

		const send = async (): Promise<InFlight<R> | null> => {
			const records = await reader.next();
			if (records === null) return null;
			const tokens = records.map((record) => this.vocab.internText(textOf(record)));
			const replies = shards.query(adds, tokens, this.threshold, this.topK);
			replies.catch(() => {}); // awaited in turn; a failure is thrown there
			adds = { tokens: [], entries: [] };
			return { records, tokens, replies };
		};

		const renumbering = new TokenRenumbering();
		// The batch before's kept instructions, for the next batch's recent pool.
		let before: PoolAdds = { tokens: [], entries: [] };
		let current = await send();
		let next = current ? await send() : null;
		while (current !== null) {
			const readers = (await current.replies).map((data) => new PackedResults(data));
			// What the shards lack for this batch: the batch before's kept instructions, then this one's as they are kept.
			const recent = new RecentPool(this.threshold, renumbering);
			recent.addAll(before);
			const kept: typeof before = { tokens: [], entries: [] };
			const verdicts: FilteredRecord<R>[] = [];
			for (let k = 0; k < current.records.length; k++) {
				const tokens = current.tokens[k];
				const parts = readers.map((r) => r.next());
				if (recent.size) parts.push(recent.query(tokens, this.topK));
				const result = mergeNearDuplicateResults(parts, this.topK);
				if (!result.exceeds) {
					const entry = this.poolSize++;
					recent.add(tokens, entry);
					kept.tokens.push(tokens);
					kept.entries.push(entry);
				}
				verdicts.push({ record: current.records[k], result });
			}
			// The shards get this batch's kept instructions with the batch after next.
			adds = kept;
			before = kept;
			const after = await send();
			yield verdicts;
			current = next;
			next = after;
		}
	}
}

/** Pool instructions' tokens with their entries, in pool order. */
interface PoolAdds {
	tokens: Int32Array[];
	entries: number[];
}

interface InFlight<R> {
	records: readonly R[];
	tokens: Int32Array[];
	replies: Promise<Float64Array[]>;
}

/**
 * Instructions kept recently, not yet in the shares: a small index with pool entry numbers.
 * Its token ids are its own (the stream's ids renumbered as they first come here), so its work
 * follows its own few thousand tokens, not the whole stream's vocabulary.
 */
class RecentPool {
	private readonly index: NearDuplicateIndex;
	private readonly entries: number[] = [];

	/** `renumbering` starts afresh for this pool: the pool before it is done. */
	constructor(
		threshold: number,
		private readonly renumbering: TokenRenumbering
	) {
		this.index = new NearDuplicateIndex({ minThreshold: threshold });
		renumbering.restart();
	}

	get size(): number {
		return this.entries.length;
	}

	/** The candidate against this pool, with pool entry numbers. */
	query(tokens: Int32Array, topK: number): NearDuplicateResult {
		const r = this.index.query(this.prepare(tokens), this.index.minThreshold, topK);
		if (r.max) r.max = this.entryOf(r.max);
		if (r.bestExamined) r.bestExamined = this.entryOf(r.bestExamined);
		for (let k = 0; k < r.matches.length; k++) r.matches[k] = this.entryOf(r.matches[k]);
		return r;
	}

	add(tokens: Int32Array, entry: number): void {
		this.index.add(this.prepare(tokens));
		this.entries.push(entry);
	}

	/** Many at once (the batch before's kept instructions): indexed by one rebuild, not one by one. */
	addAll(adds: PoolAdds): void {
		this.index.addAll(this.prepareAll(adds.tokens));
		for (const entry of adds.entries) this.entries.push(entry);
	}

	private *prepareAll(tokens: readonly Int32Array[]): Generator<PreparedInstruction> {
		for (const t of tokens) yield this.prepare(t);
	}

	private entryOf(match: NearDuplicateMatch): NearDuplicateMatch {
		return { entry: this.entries[match.entry], score: match.score };
	}

	private prepare(tokens: Int32Array): PreparedInstruction {
		// A scratch view: query and add copy what they keep. (The texts stay with the caller.)
		return this.index.withTokens('', this.renumbering.map(tokens));
	}
}

/**
 * Stream token ids renumbered 0, 1, 2, … in order of first appearance, for one small pool at a
 * time. A generation number per restart marks which entries are current, so a restart clears
 * nothing and a pool allocates nothing per token of the stream's vocabulary.
 */
class TokenRenumbering {
	private local = new Int32Array(1024);
	private generationOf = new Int32Array(1024);
	private generation = 0;
	private next = 0;
	private scratch = new Int32Array(64);

	restart(): void {
		this.generation++;
		this.next = 0;
	}

	/** `tokens` renumbered, in a scratch array valid until the next call. */
	map(tokens: Int32Array): Int32Array {
		if (this.scratch.length < tokens.length) this.scratch = new Int32Array(tokens.length * 2);
		const out = this.scratch.subarray(0, tokens.length);
		for (let k = 0; k < tokens.length; k++) {
			const t = tokens[k];
			if (t >= this.local.length) this.grow(t + 1);
			if (this.generationOf[t] !== this.generation) {
				this.generationOf[t] = this.generation;
				this.local[t] = this.next++;
			}
			out[k] = this.local[t];
		}
		return out;
	}

	private grow(size: number): void {
		const length = Math.max(size, this.local.length * 2);
		const local = new Int32Array(length);
		local.set(this.local);
		this.local = local;
		const generationOf = new Int32Array(length);
		generationOf.set(this.generationOf);
		this.generationOf = generationOf;
	}
}

/** The worker threads, each with a share of the pool; every candidate goes to each of them. */
class ShardPool {
	private readonly requests: WorkerRequests<NearDuplicateReply>;
	/** Tokens dealt to each share so far: the next instruction goes to the lightest. */
	private readonly shareTokens: number[];

	private constructor(private readonly workers: Worker[]) {
		this.requests = new WorkerRequests(workers, 'A ROUGE-L filter thread stopped.');
		this.shareTokens = workers.map(() => 0);
	}

	/** The threads, or null when they cannot start (the caller filters alone). */
	static async start(count: number): Promise<ShardPool | null> {
		const thread = await import('./near-duplicate-thread');
		// Named here so a bundler keeps the export the worker calls (by name, in its chunk).
		const entry: keyof typeof thread = 'serveNearDuplicateQueries';
		const workers = await Promise.all(Array.from({ length: count }, () => startModuleWorker(thread.NEAR_DUPLICATE_THREAD_URL, entry)));
		const started = workers.filter((w): w is Worker => w !== null);
		if (started.length === count) return new ShardPool(started);
		await Promise.all(started.map((w) => w.terminate()));
		return null;
	}

	/** Deals `adds` out to the shares, then queries every candidate in each: one packed reply per share, candidates in order. */
	async query(adds: PoolAdds, candidates: readonly Int32Array[], threshold: number, topK: number): Promise<Float64Array[]> {
		const dealt = this.workers.map((): PoolAdds => ({ tokens: [], entries: [] }));
		for (let k = 0; k < adds.tokens.length; k++) {
			let w = 0;
			for (let v = 1; v < this.workers.length; v++) if (this.shareTokens[v] < this.shareTokens[w]) w = v;
			this.shareTokens[w] += adds.tokens[k].length;
			dealt[w].tokens.push(adds.tokens[k]);
			dealt[w].entries.push(adds.entries[k]);
		}
		const queries = packSequences(candidates);
		const replies = await Promise.all(
			this.workers.map((worker, w) => {
				const share = packSequences(dealt[w].tokens);
				const addEntries = Int32Array.from(dealt[w].entries);
				return this.requests.send(
					worker,
					(id) => ({ id, threshold, topK, adds: share, addEntries, queries }) satisfies NearDuplicateRequest,
					[share.ids.buffer as ArrayBuffer, share.offsets.buffer as ArrayBuffer, addEntries.buffer as ArrayBuffer]
				);
			})
		);
		return replies.map((reply) => reply.results);
	}

	close(): void {
		for (const worker of this.workers) void worker.terminate();
	}
}

/** The record batches of a source cut to one size; a source's error is kept for after them. */
class Rebatcher<R> {
	private readonly iterator: AsyncIterator<readonly R[]>;
	private buffered: R[] = [];
	/** Records of `buffered` already handed out. */
	private head = 0;
	private done = false;
	private failure: { error: unknown } | null = null;

	constructor(source: AsyncIterable<readonly R[]>, private readonly size: number) {
		this.iterator = source[Symbol.asyncIterator]();
	}

	/** The next batch of `size` records (fewer at the end), or null when the source is done or failed. */
	async next(): Promise<R[] | null> {
		while (!this.done && this.buffered.length - this.head < this.size) {
			try {
				const step = await this.iterator.next();
				if (step.done) this.done = true;
				else {
					if (this.head > 0) {
						this.buffered = this.buffered.slice(this.head);
						this.head = 0;
					}
					for (const record of step.value) this.buffered.push(record);
				}
			} catch (error) {
				this.done = true;
				this.failure = { error };
			}
		}
		if (this.head === this.buffered.length) return null;
		const batch = this.buffered.slice(this.head, this.head + this.size);
		this.head += batch.length;
		return batch;
	}

	throwFailure(): void {
		if (this.failure) throw this.failure.error;
	}
}
