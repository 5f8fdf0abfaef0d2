/**
 * The part of writing an export that can run on the second core beside the SQLite cursor: the
 * file's SHA-256 over every byte in order, and for Parquet of instances the row groups encoded
 * from SQLite's column blocks (the page writer and its Snappy were about half of a million-row
 * Parquet export). One handler does the work; ExportEncoder runs it on a worker thread or in this
 * thread, and the bytes and the digest are the same either way. Imported by the worker through
 * ./export-encoder-thread, so its imports are relative.
 */
import { createHash } from 'node:crypto';
import { parquetSerializer, type ParquetSerializer } from '../../formats/serialize-parquet';
import { columnGroup, type ColumnBytes } from './parquet-columns';
import { ownsBuffer, SyncWorker, SyncWorkerLoadError, type SyncWorkerHandler } from '../workers/sync-worker';

/** Bytes in the message, or a region of the shared buffer the thread was started with. */
type Bytes = Uint8Array | { at: number; length: number };

export type EncoderMessage =
	/** Bytes the caller wrote to the file itself: hashed. */
	| { kind: 'hash'; bytes: Bytes }
	/** A Parquet file's start, its row groups and its footer: encoded, hashed and sent back. */
	| { kind: 'parquet-begin'; rowGroupRows?: number; createdBy?: string }
	| { kind: 'parquet-group'; columns: readonly { bytes: Bytes; lengths: string | null }[]; rows: number }
	| { kind: 'parquet-end' }
	/** The SHA-256 of everything so far, in hex; the last message. */
	| { kind: 'digest' };

/** Bytes for the file (the Parquet messages), the digest (digest), nothing (hash). */
export type EncoderReply = Uint8Array | string | null;

/** The encoder's work, one reply per message (`shared`: the region buffer a thread reads messages' bytes from). */
export function exportEncodingHandler(shared?: SharedArrayBuffer): SyncWorkerHandler<EncoderMessage, EncoderReply> {
	const hash = createHash('sha256');
	const regions = shared ? new Uint8Array(shared) : null;
	let parquet: ParquetSerializer | null = null;
	const bytesOf = (bytes: Bytes): Uint8Array => {
		if (bytes instanceof Uint8Array) return bytes;
		if (!regions) throw new Error('export encoder: a shared region without a shared buffer');
		return regions.subarray(bytes.at, bytes.at + bytes.length);
	};
	const written = (chunk: Uint8Array | string) => {
		const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
		hash.update(bytes);
		return { reply: bytes, transfer: regions && bytes.length && ownsBuffer(bytes) ? [bytes.buffer as ArrayBuffer] : undefined };
	};
	const parquetFile = (): ParquetSerializer => {
		if (!parquet) throw new Error('export encoder: a Parquet group before the file began');
		return parquet;
	};
	return (message) => {
		switch (message.kind) {
			case 'hash':
				hash.update(bytesOf(message.bytes));
				return { reply: null };
			case 'parquet-begin':
				parquet = parquetSerializer({ rowGroupRows: message.rowGroupRows, createdBy: message.createdBy });
				return written(parquet.begin());
			case 'parquet-group': {
				const [a, b, c] = message.columns.map((column): ColumnBytes => ({ bytes: bytesOf(column.bytes), lengths: column.lengths }));
				return written(parquetFile().writeGroup(columnGroup([a, b, c], message.rows)));
			}
			case 'parquet-end':
				return written(parquetFile().end());
			case 'digest':
				return { reply: hash.digest('hex') };
		}
	};
}

/**
 * Bytes of messages on their way to the thread: a ring, freed in the order the messages are
 * answered. A row group of short texts (~3 MB) fits; the thread is the slower side, so more room
 * would only hold more memory (a million-row export peaked 20 MB higher with 8 MB).
 */
const REGION_BYTES = 4 * 1024 * 1024;
/** The thread's garbage is page buffers that die at once; its default young generation cost 25 MB more at the peak. */
const YOUNG_GENERATION_MB = 16;
/** Messages the thread may hold before the caller waits (each Parquet reply is a row group's bytes). */
const MAX_UNANSWERED = 8;

/**
 * The handler on a worker thread or in this thread. Replies come back in the order the messages
 * were sent. A message's bytes are copied into a shared ring (without an allocation per message,
 * which a busy thread's collector frees late); bytes larger than the ring go in the message, one
 * such message at a time. Until the thread has answered a message its bytes stay, to be done
 * here should the thread's module fail to load.
 */
export class ExportEncoder {
	private worker: SyncWorker<EncoderMessage, EncoderReply> | null = null;
	private local: SyncWorkerHandler<EncoderMessage, EncoderReply> | null = null;
	private readonly shared: SharedArrayBuffer | null = null;
	private readonly ring: Uint8Array | null = null;
	/** Where the next region starts, and where the oldest unanswered one does (with `head`: the ring's free space). */
	private head = 0;
	private tail = 0;
	/** Sent to the thread and not answered yet, with the end of each one's region (-1: none), and whether its bytes went in the message. */
	private unanswered: { message: EncoderMessage; end: number; outside: boolean }[] = [];
	private unansweredFrom = 0;
	/** The thread has answered: its module loaded, nothing more will need doing here. */
	private loaded = false;
	/** Answered here, not taken yet. */
	private answered: EncoderReply[] = [];
	private answeredFrom = 0;

	/** `thread`: the URL of ./export-encoder-thread and its entry's name, or null to work in this thread. */
	constructor(thread: { url: string; entry: string } | null) {
		if (thread) {
			this.shared = new SharedArrayBuffer(REGION_BYTES);
			this.worker = SyncWorker.start<EncoderMessage, EncoderReply>(thread.url, thread.entry, { shared: this.shared, youngGenerationMb: YOUNG_GENERATION_MB });
			if (this.worker) this.ring = new Uint8Array(this.shared);
		}
		if (!this.worker) this.local = exportEncodingHandler();
	}

	/** Whether the work runs on another thread. */
	get threaded(): boolean {
		return this.worker !== null;
	}

	/** Messages whose replies have not been taken. */
	get waiting(): number {
		return this.unanswered.length - this.unansweredFrom + this.answered.length - this.answeredFrom;
	}

	/** Sends `message`; its bytes may be reused once this returns. Waits for the thread while it holds too much. */
	send(message: EncoderMessage): void {
		if (this.local) {
			this.answered.push(this.local(message).reply);
			return;
		}
		while (this.worker && this.unanswered.length - this.unansweredFrom >= MAX_UNANSWERED) this.pull(true);
		const parts = message.kind === 'hash' ? [message.bytes] : message.kind === 'parquet-group' ? message.columns.map((c) => c.bytes) : [];
		const size = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : 0), 0);
		let at = -1;
		if (size > 0 && size <= REGION_BYTES) {
			while (this.worker && (at = this.reserve(size)) < 0) this.pull(true);
		} else if (size > REGION_BYTES) {
			// One such message at a time: a row group of long texts can be tens of MB.
			while (this.worker && this.holdsOutside()) this.pull(true);
		}
		if (!this.worker) {
			// The thread's module did not load while we waited for room: this thread does the work.
			this.answered.push(this.local!(message).reply);
			return;
		}
		let placed = message;
		let end = -1;
		if (at >= 0) {
			let offset = at;
			const region = (bytes: Bytes): Bytes => {
				if (!(bytes instanceof Uint8Array)) return bytes;
				this.ring!.set(bytes, offset);
				offset += bytes.length;
				return { at: offset - bytes.length, length: bytes.length };
			};
			if (message.kind === 'hash') placed = { kind: 'hash', bytes: region(message.bytes) };
			else if (message.kind === 'parquet-group') placed = { ...message, columns: message.columns.map((c) => ({ bytes: region(c.bytes), lengths: c.lengths })) };
			this.head = end = at + size;
		} else if (size > REGION_BYTES) {
			// Kept for doing here should the module not load, so copied while that is unknown.
			if (!this.loaded) placed = structuredClone(message);
		}
		this.unanswered.push({ message: placed, end, outside: size > REGION_BYTES });
		this.worker.post(placed);
	}

	/** The next reply, waiting for it. */
	next(): EncoderReply {
		const reply = this.take(true);
		if (reply === undefined) throw new Error('export encoder: a reply was asked for with nothing sent');
		return reply;
	}

	/** The next reply if it is there, without waiting. */
	ready(): EncoderReply | undefined {
		return this.take(false);
	}

	close(): void {
		this.worker?.close();
		this.worker = null;
	}

	/** Whether an unanswered message carries its bytes outside the ring (at most MAX_UNANSWERED to look at). */
	private holdsOutside(): boolean {
		for (let k = this.unansweredFrom; k < this.unanswered.length; k++) if (this.unanswered[k].outside) return true;
		return false;
	}

	/** The start of a free region of `size` bytes in the ring, or -1 while there is none. */
	private reserve(size: number): number {
		if (this.unansweredFrom === this.unanswered.length) this.head = this.tail = 0;
		if (this.head >= this.tail) {
			if (REGION_BYTES - this.head >= size) return this.head;
			// Wrap to the start; the end's leftover is skipped until the tail passes it.
			return size < this.tail ? 0 : -1;
		}
		return size < this.tail - this.head ? this.head : -1;
	}

	private take(wait: boolean): EncoderReply | undefined {
		if (this.answeredFrom === this.answered.length) this.pull(wait);
		if (this.answeredFrom === this.answered.length) return undefined;
		const reply = this.answered[this.answeredFrom++];
		if (this.answeredFrom === this.answered.length) {
			this.answered = [];
			this.answeredFrom = 0;
		}
		return reply;
	}

	/** Moves the thread's next reply to `answered` (freeing its region); false while there is none. */
	private pull(wait: boolean): boolean {
		if (!this.worker || this.unansweredFrom === this.unanswered.length) return false;
		try {
			const got = wait ? { reply: this.worker.receive() } : this.worker.poll();
			if (!got) return false;
			const { end } = this.unanswered[this.unansweredFrom++];
			this.loaded = true;
			if (end >= 0) this.tail = end;
			if (this.unansweredFrom === this.unanswered.length) {
				this.unanswered = [];
				this.unansweredFrom = 0;
			}
			this.answered.push(got.reply);
			return true;
		} catch (err) {
			if (!(err instanceof SyncWorkerLoadError)) throw err;
			// The thread never ran the handler: what it was sent is done here, in order, from the ring.
			this.worker = null;
			const local = (this.local = exportEncodingHandler(this.shared ?? undefined));
			for (let k = this.unansweredFrom; k < this.unanswered.length; k++) this.answered.push(local(this.unanswered[k].message).reply);
			this.unanswered = [];
			this.unansweredFrom = 0;
			return true;
		}
	}
}
