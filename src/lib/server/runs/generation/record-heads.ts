/**
 * Similarity records are a scan of the whole ROUGE-L pool per generated instruction — at full
 * speed most of a Self-Instruct or Alpaca run's own CPU. This moves the bulk of that scan to a
 * worker thread, off the thread that talks to the endpoint and commits replies: when a reply
 * arrives, its instructions' heads (profiles over the pool as it stands, see $lib/rouge/profile)
 * are computed in the worker; the commit then finishes each one over the few instructions
 * accepted meanwhile. The records are exactly what a scan in the commit would give. The worker
 * keeps a copy of the pool, sent to it entry by entry in pool order.
 *
 * Small pools are scanned in the commit (a worker is not worth starting), and so is everything
 * when the worker cannot start, dies, or has a long backlog (the commit's thread then takes a
 * share of the scans instead of waiting).
 */
import type { Worker } from 'node:worker_threads';
import type { InstructionPool } from '$lib/filters';
import type { ProfileState } from '$lib/rouge';
import { config } from '../../config';
import { startModuleWorker } from '../../workers/module-worker';
import { WorkerRequests } from '../../workers/requests';
import type { HeadsReply, HeadsRequest } from './record-heads-thread';

const STOPPED = 'The similarity-record worker stopped.';

/** Requests waiting in the worker beyond which the next reply is scanned in its commit instead. */
const MAX_BACKLOG = 64;

/** Replies whose records were scanned in the worker, in this process (tests and the bench read it). */
export const recordHeadStats = { inWorker: 0, inCommit: 0 };

export class RecordHeadWorker {
	private sent = 0;
	private closed = false;
	private readonly requests: WorkerRequests<HeadsReply>;

	private constructor(private readonly worker: Worker) {
		worker.unref();
		this.requests = new WorkerRequests([worker], STOPPED);
	}

	/** A worker, or null where none can start. */
	static async start(): Promise<RecordHeadWorker | null> {
		const thread = await import('./record-heads-thread');
		// Named here so the bundler keeps the export the worker calls (by name, in its chunk).
		const entry: keyof typeof thread = 'serveRecordHeads';
		if (typeof thread[entry] !== 'function') return null;
		const worker = await startModuleWorker(thread.RECORD_HEADS_THREAD_URL, entry);
		return worker ? new RecordHeadWorker(worker) : null;
	}

	/** Whether it can take the next reply now (alive, and not behind). */
	get available(): boolean {
		return !this.closed && !this.requests.failed && this.requests.waiting < MAX_BACKLOG;
	}

	/**
	 * The heads of `raws` over `pool` as it stands now (the worker's copy is brought up to date
	 * first). Rejects if the worker dies meanwhile.
	 */
	async heads(pool: InstructionPool, raws: readonly string[]): Promise<ProfileState[]> {
		if (this.closed || this.requests.failed) throw new Error(STOPPED);
		const entries: Int32Array[] = [];
		for (let e = this.sent; e < pool.size; e++) entries.push(pool.entryTokens(e).slice());
		this.sent = pool.size;
		const candidates = raws.map((raw) => pool.tokens(raw));
		const reply = await this.requests.send(this.worker, (id) => ({ id, entries, candidates, topK: pool.recordSize }) satisfies HeadsRequest);
		return reply.states;
	}

	close(): void {
		this.closed = true;
		void this.worker.terminate();
	}
}

/**
 * A run's record heads: in the worker once the pool is large enough, else none (the commit
 * scans). One per driver; `close` when the run's session ends.
 */
export class RecordHeads {
	private worker: RecordHeadWorker | null = null;
	private startup: Promise<RecordHeadWorker | null> | null = null;
	private closed = false;

	/** `from`: the pool size from which the worker is worth it (the config's RECORD_WORKER_FROM by default). */
	constructor(
		private readonly pool: InstructionPool,
		private readonly from = config().recordWorkerFrom
	) {
		this.startIfWorthIt();
	}

	/** Heads for a reply's instructions from the worker, or null: the commit scans them itself. */
	async prepare(raws: readonly string[]): Promise<ProfileState[] | null> {
		if (!this.pool.records || raws.length === 0) return null;
		const heads = await this.inWorker(raws);
		if (heads) recordHeadStats.inWorker++;
		else recordHeadStats.inCommit++;
		return heads;
	}

	private async inWorker(raws: readonly string[]): Promise<ProfileState[] | null> {
		this.startIfWorthIt();
		// A reply that comes while the worker starts waits for it: its slot is free already, so
		// waiting costs no throughput, and the commit's thread is spared a whole-pool scan.
		const worker = this.worker ?? (await this.startup);
		if (!worker?.available) return null;
		return worker.heads(this.pool, raws).catch(() => null);
	}

	/** Starts the worker once the pool is large enough (a resumed run's may be already). */
	private startIfWorthIt(): void {
		if (this.startup || !this.pool.records || this.pool.size < this.from) return;
		this.startup = RecordHeadWorker.start().then(
			(worker) => {
				if (this.closed) {
					worker?.close();
					return null;
				}
				this.worker = worker;
				return worker;
			},
			() => null
		);
	}

	close(): void {
		this.closed = true;
		this.worker?.close();
		this.worker = null;
	}
}
