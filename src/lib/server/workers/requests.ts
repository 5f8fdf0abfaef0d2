/**
 * Requests to worker threads, each answered by one reply carrying the request's id (before it,
 * replies marked `interim` go to the request's listener). When a worker fails or stops, every
 * request still waiting is rejected, and so is every later one.
 */
import type { Worker } from 'node:worker_threads';

export class WorkerRequests<Reply extends { id: number }> {
	private nextId = 0;
	private failure: Error | null = null;
	private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (err: Error) => void; interim?: (reply: Reply) => void }>();

	/** `stopped`: the error of a worker that ends while requests wait. */
	constructor(workers: readonly Worker[], stopped: string) {
		for (const worker of workers) {
			worker.on('message', (reply: Reply) => {
				if (typeof reply?.id !== 'number') return;
				const job = this.pending.get(reply.id);
				if ((reply as { interim?: unknown }).interim === true) {
					job?.interim?.(reply);
					return;
				}
				this.pending.delete(reply.id);
				job?.resolve(reply);
			});
			worker.on('error', (err: Error) => this.fail(err));
			worker.on('exit', () => this.fail(new Error(stopped)));
		}
	}

	/** Why the requests fail from now on, or null while the workers run. */
	get failed(): Error | null {
		return this.failure;
	}

	/** Requests sent and not answered yet. */
	get waiting(): number {
		return this.pending.size;
	}

	/** Sends `message(id)` to `worker`; resolves with its reply (interim replies go to `interim`). */
	send(worker: Worker, message: (id: number) => object, transfer?: readonly ArrayBuffer[], interim?: (reply: Reply) => void): Promise<Reply> {
		if (this.failure) return Promise.reject(this.failure);
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject, interim });
			worker.postMessage(message(id), transfer);
		});
	}

	private fail(err: Error): void {
		this.failure ??= err;
		for (const job of this.pending.values()) job.reject(err);
		this.pending.clear();
	}
}
