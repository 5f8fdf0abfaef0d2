/**
 * Verb–noun extraction spread over worker threads: the tagger is the costly part of the
 * analyses (tens of µs per instruction), and each worker runs the same pure extractor
 * (src/lib/analyses/verb-noun.ts) on batches while the main thread reads rows and computes the
 * similarity to the seeds. Each worker runs the extractor module's own `serveVerbNouns`, loaded by
 * its URL (workers/module-worker). Where a worker cannot load it (e.g. under a dev server's module
 * runner) `create` returns null and the caller extracts in its own thread.
 */
import type { Worker } from 'node:worker_threads';
import type { VerbNoun } from '$lib/analyses/verb-noun';
import { config } from '../config';
import { startModuleWorker } from '../workers/module-worker';
import { WorkerRequests } from '../workers/requests';

type Reply = { id: number; out: [string | null, string | null][] };

export class VerbNounPool {
	private next = 0;
	private readonly requests: WorkerRequests<Reply>;

	private constructor(private readonly workers: Worker[]) {
		this.requests = new WorkerRequests(workers, 'A verb–noun worker stopped.');
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
	async extract(texts: string[]): Promise<VerbNoun[]> {
		const worker = this.workers[this.next++ % this.workers.length];
		const reply = await this.requests.send(worker, (id) => ({ id, texts }));
		return reply.out.map(([verb, noun]) => ({ verb, noun }));
	}

	async close(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}
}
