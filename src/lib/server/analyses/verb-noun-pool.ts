/**
 * Verb–noun extraction spread over worker threads: the tagger is the costly part of the
 * analyses (tens of µs per instruction), and each worker runs the same pure extractor
 * (src/lib/analyses/verb-noun.ts) on batches while the main thread reads rows and computes the
 * similarity to the seeds. Each worker runs the extractor module's own `serveVerbNouns`, loaded by
 * its URL (workers/module-worker). Where a worker cannot load it (e.g. under a dev server's module
 * runner) `create` returns null and the caller extracts in its own thread.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { VerbNoun } from '$lib/analyses/verb-noun';
import { config } from '../config';
import { startModuleWorker } from '../workers/module-worker';

type Reply = { id?: number; out?: [string | null, string | null][] };

export class VerbNounPool {
	private next = 0;
	private nextId = 0;
	private readonly pending = new Map<number, { resolve: (v: VerbNoun[]) => void; reject: (e: Error) => void }>();

	private constructor(private readonly workers: Worker[]) {
		for (const w of workers) {
			w.on('message', (m: Reply) => {
				if (m.id === undefined || !m.out) return;
				const job = this.pending.get(m.id);
				this.pending.delete(m.id);
				job?.resolve(m.out.map(([verb, noun]) => ({ verb, noun })));
			});
			w.on('error', (err) => this.failAll(err));
		}
	}

	/** Threads worth starting on this machine (one per core, at most `max`). */
	static defaultSize(max = 4): number {
		return Math.max(1, Math.min(max, os.availableParallelism?.() ?? os.cpus().length));
	}

	/** A pool of `size` workers running `serveVerbNouns` from `moduleUrl`, or null when they cannot. */
	static async create(moduleUrl: string, size: number): Promise<VerbNounPool | null> {
		const onFailure = config().debugAnalyses ? (message: string) => console.error(message) : undefined;
		const workers = await Promise.all(Array.from({ length: size }, () => startModuleWorker(moduleUrl, 'serveVerbNouns', onFailure)));
		if (workers.every((w) => w !== null)) return new VerbNounPool(workers as Worker[]);
		await Promise.all(workers.map((w) => w?.terminate()));
		return null;
	}

	get size(): number {
		return this.workers.length;
	}

	/** The verb–noun pairs of a batch, in order, from the next worker in turn. */
	extract(texts: string[]): Promise<VerbNoun[]> {
		const worker = this.workers[this.next++ % this.workers.length];
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			worker.postMessage({ id, texts });
		});
	}

	private failAll(err: Error): void {
		for (const job of this.pending.values()) job.reject(err);
		this.pending.clear();
	}

	async close(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}
}
