/**
 * The worker-thread side of ./record-heads: a copy of a run's ROUGE-L pool as token sequences,
 * grown by each request with the pool entries added since the one before (so the copy is always
 * a prefix of the run's pool, in the same order), and the profile scan against it. Imported
 * only dynamically, so the built app gives it a chunk of its own that a worker can load by URL.
 */
import type { MessagePort } from 'node:worker_threads';
import { emptyProfile, ProfileScanner, type ProfileState, type TokenSequences } from '../../../rouge/profile';

export interface HeadsRequest {
	id: number;
	/** Pool entries added since the last request, in pool order. */
	entries: Int32Array[];
	candidates: Int32Array[];
	topK: number;
}

export interface HeadsReply {
	id: number;
	/** Each candidate's profile over the copy as it stood (every entry sent so far). */
	states: ProfileState[];
}

/** Token sequences appended one after another, in growable typed arrays. */
export class PoolCopy {
	private seq = new Int32Array(16384);
	private start = new Int32Array(1024);
	private length = new Int32Array(1024);
	private used = 0;
	private tokenLimit = 0;
	count = 0;

	add(ids: Int32Array): void {
		if (this.count === this.start.length) {
			const start = new Int32Array(this.start.length * 2);
			start.set(this.start);
			this.start = start;
			const length = new Int32Array(this.length.length * 2);
			length.set(this.length);
			this.length = length;
		}
		if (this.used + ids.length > this.seq.length) {
			const seq = new Int32Array(Math.max(this.seq.length * 2, this.used + ids.length));
			seq.set(this.seq.subarray(0, this.used));
			this.seq = seq;
		}
		this.start[this.count] = this.used;
		this.length[this.count] = ids.length;
		this.seq.set(ids, this.used);
		this.used += ids.length;
		for (let i = 0; i < ids.length; i++) if (ids[i] >= this.tokenLimit) this.tokenLimit = ids[i] + 1;
		this.count++;
	}

	sequences(): TokenSequences {
		return { seq: this.seq, start: this.start, length: this.length, tokenLimit: this.tokenLimit };
	}
}

/** The thread's entry: answers each request in the order it came. */
export function serveRecordHeads(port: MessagePort): void {
	const copy = new PoolCopy();
	const scanner = new ProfileScanner();
	port.on('message', (request: HeadsRequest) => {
		for (const entry of request.entries) copy.add(entry);
		const states = request.candidates.map(() => emptyProfile());
		scanner.extend(request.candidates, states, copy.sequences(), copy.count, request.topK);
		port.postMessage({ id: request.id, states } satisfies HeadsReply);
	});
}

/** Where this module lives, for the worker to load it. */
export const RECORD_HEADS_THREAD_URL = import.meta.url;
