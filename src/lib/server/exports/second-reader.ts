/**
 * A second SQLite reader for a large export of instances in a format SQLite writes by block
 * (query.ts selectRecordBlocks): on a worker thread, over a connection of its own, it reads the
 * ranges it is sent while the export's thread reads other blocks, so that both cores write
 * records. It must read the export's very snapshot: it begins its own, and is used only if
 * nothing was committed between the export's snapshot and that answer (the app connection's
 * databaseVersion unchanged), so that both see the same rows. Imported by the worker through
 * ./second-reader-thread, so its imports are relative.
 */
import { openReadOnly } from '../db/read-only';
import { beginSnapshot, recordBlockReader, type ExportSelection, type PlannedBlock, type RecordBlock, type RecordBlockReader, type RecordSql, type SecondBlockReader } from './query';
import type { RecordLayout } from '../../formats/serialize';
import { ownsBuffer, SyncWorker, type SyncWorkerHandler } from '../workers/sync-worker';

/** What the thread is to read: the database file, the export's selection and its records' SQL. */
export interface ReaderOpen {
	file: string;
	selection: ExportSelection;
	record: RecordSql;
	layout: RecordLayout;
}

export type ReaderMessage = ({ kind: 'open' } & ReaderOpen) | { kind: 'block'; block: PlannedBlock };

/** `open`: its snapshot has begun; `block`: the range's block (its bytes moved, not copied), null when none of the selection's rows are in it. */
export type ReaderReply = { kind: 'open' } | { kind: 'block'; block: RecordBlock | null };

/** The thread's SQLite page cache (KB). */
const READER_CACHE_KB = 4096;
/** Its garbage is small and short-lived (the blocks' bytes are moved out): a smaller young generation keeps the peak lower. */
const YOUNG_GENERATION_MB = 8;

/** The thread's work: one connection, one snapshot, the blocks it is sent. */
export function secondReaderHandler(): SyncWorkerHandler<ReaderMessage, ReaderReply> {
	let blocks: RecordBlockReader | null = null;
	return (message) => {
		if (message.kind === 'open') {
			const client = openReadOnly(message.file);
			// It reads ranges in order, once: a small page cache is plenty.
			client.pragma(`cache_size = -${READER_CACHE_KB}`);
			client.exec('BEGIN');
			beginSnapshot(client);
			blocks = recordBlockReader(client, message.selection, message.record, message.layout);
			return { reply: { kind: 'open' } };
		}
		if (!blocks) throw new Error('second reader: a block before the reader opened');
		const block = blocks.read(message.block.after, 0, message.block.last);
		if (!block) return { reply: { kind: 'block', block: null } };
		return { reply: { kind: 'block', block }, transfer: ownsBuffer(block.bytes) ? [block.bytes.buffer as ArrayBuffer] : undefined };
	};
}

/** The export's side of the thread (SecondBlockReader): started with the snapshot to read, used once it reads the same one. */
export class SecondReaderThread implements SecondBlockReader {
	private worker: SyncWorker<ReaderMessage, ReaderReply> | null;
	private state: 'starting' | 'ready' | 'refused' = 'starting';
	/** Blocks it has read for the export. */
	blocksRead = 0;

	/**
	 * Starts the thread on `open`; null where it cannot start. `sameSnapshot` is asked once the
	 * thread's snapshot has begun: whether nothing was committed since the export's began.
	 */
	static start(thread: { url: string; entry: string }, open: ReaderOpen, sameSnapshot: () => boolean): SecondReaderThread | null {
		const worker = SyncWorker.start<ReaderMessage, ReaderReply>(thread.url, thread.entry, { youngGenerationMb: YOUNG_GENERATION_MB });
		if (!worker) return null;
		worker.post({ kind: 'open', ...open });
		return new SecondReaderThread(worker, sameSnapshot);
	}

	private constructor(
		worker: SyncWorker<ReaderMessage, ReaderReply>,
		private readonly sameSnapshot: () => boolean
	) {
		this.worker = worker;
	}

	ready(): boolean | undefined {
		if (this.state === 'starting') {
			let opened: { reply: ReaderReply } | undefined;
			try {
				opened = this.worker?.poll();
			} catch {
				this.state = 'refused'; // its module did not load, or the database did not open
			}
			if (opened) this.state = opened.reply.kind === 'open' && this.answersSameSnapshot() ? 'ready' : 'refused';
			if (this.state === 'refused') this.close();
		}
		return this.state === 'starting' ? undefined : this.state === 'ready';
	}

	/** sameSnapshot(), false should it throw (the app connection busy). */
	private answersSameSnapshot(): boolean {
		try {
			return this.sameSnapshot();
		} catch {
			return false;
		}
	}

	send(block: PlannedBlock): void {
		if (this.state !== 'ready' || !this.worker) throw new Error('second reader: a block sent before it was ready');
		this.worker.post({ kind: 'block', block });
	}

	take(wait: boolean): RecordBlock | null | undefined {
		if (!this.worker) throw new Error('second reader: closed');
		const got = wait ? { reply: this.worker.receive() } : this.worker.poll();
		if (!got) return undefined;
		if (got.reply.kind !== 'block') throw new Error('second reader: expected a block');
		this.blocksRead++;
		if (!got.reply.block) return null;
		const { bytes } = got.reply.block;
		// A moved buffer arrives as a plain Uint8Array: the same memory as a Buffer.
		return { ...got.reply.block, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
	}

	close(): void {
		this.worker?.close();
		this.worker = null;
	}
}
