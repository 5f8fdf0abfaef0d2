/**
 * Verb–noun extraction spread over worker threads: the tagger is the costly part of the
 * analyses (tens of µs per instruction), and each worker runs the same pure extractor
 * (src/lib/analyses/verb-noun.ts) on batches while the main thread reads rows and computes the
 * similarity to the seeds. Workers load the extractor's own module by its URL: the built app's
 * JavaScript chunk, or under the CLI (tsx) the TypeScript file through tsx's API. Where a worker
 * cannot load it (e.g. under a dev server's module runner) `create` returns null and the caller
 * extracts in its own thread.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { VerbNoun } from '$lib/analyses/verb-noun';
import { config } from '../config';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// From the built app the module is JavaScript; from the CLI it is TypeScript, loaded through tsx.
const load = workerData.tsx ? import(workerData.tsx).then((tsx) => tsx.tsImport(workerData.url, workerData.url)) : import(workerData.url);
load.then(
	(m) => {
		const extractor = new m.VerbNounExtractor();
		parentPort.on('message', ({ id, texts }) => {
			const out = new Array(texts.length);
			for (let i = 0; i < texts.length; i++) {
				const r = extractor.extract(texts[i]);
				out[i] = [r.verb, r.noun];
			}
			parentPort.postMessage({ id, out });
		});
		parentPort.postMessage({ ready: true });
	},
	(err) => parentPort.postMessage({ failed: String((err && err.stack) || err) })
);
`;

type Reply = { ready?: true; failed?: string; id?: number; out?: [string | null, string | null][] };

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

	/** A pool of `size` workers loading the extractor from `moduleUrl`, or null when they cannot. */
	static async create(moduleUrl: string, size: number): Promise<VerbNounPool | null> {
		const workers: Worker[] = [];
		try {
			let tsx: string | null = null;
			if (moduleUrl.endsWith('.ts')) tsx = import.meta.resolve('tsx/esm/api');
			const ready = Array.from({ length: size }, () => {
				const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url: moduleUrl, tsx }, execArgv: [] });
				workers.push(worker);
				return new Promise<boolean>((resolve) => {
					const onMessage = (m: Reply) => {
						if (m.failed && config().debugAnalyses) console.error(m.failed);
						if (m.ready || m.failed) {
							worker.off('message', onMessage);
							resolve(!!m.ready);
						}
					};
					worker.on('message', onMessage);
					worker.once('error', () => resolve(false));
					worker.once('exit', () => resolve(false));
				});
			});
			if ((await Promise.all(ready)).every(Boolean)) return new VerbNounPool(workers);
		} catch (err) {
			// Fall through: no workers here.
			if (config().debugAnalyses) console.error(err);
		}
		await Promise.all(workers.map((w) => w.terminate()));
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
