/**
 * A worker thread a synchronous caller can wait on: it runs a handler made by one exported
 * function of one of our modules (loaded as startModuleWorker loads it; given a shared buffer if
 * the caller has one) and answers every message with exactly one reply, in order. The caller
 * blocks on Atomics.wait until a reply is there and takes it with receiveMessageOnPort, so a
 * synchronous pipeline (an export's chunk generator) can hand work to another core without
 * becoming asynchronous.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** The handler a module's entry returns: one reply per message (transfer: buffers to move, not copy). */
export type SyncWorkerHandler<Message, Reply> = (message: Message) => { reply: Reply; transfer?: ArrayBuffer[] };

const SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal, url, tsx, entry, shared } = workerData;
const state = new Int32Array(signal);
const wake = () => {
	Atomics.add(state, 0, 1);
	Atomics.notify(state, 0);
};
const send = (message, transfer) => {
	port.postMessage(message, transfer);
	wake();
};
const failed = (err, loading) => send({ syncWorkerFailed: String((err && err.stack) || err), loading });
process.on('exit', () => {
	Atomics.store(state, 1, 1);
	wake();
});
const load = tsx ? import(tsx).then((t) => t.tsImport(url, url)) : import(url);
load
	.then((m) => {
		if (typeof m[entry] !== 'function') throw new Error(url + ' has no function ' + entry);
		const handle = m[entry](shared);
		port.on('message', (message) => {
			let out;
			try {
				out = handle(message);
			} catch (err) {
				failed(err, false);
				return;
			}
			send({ reply: out.reply }, out.transfer);
		});
	})
	.catch((err) => failed(err, true));
`;

/** Whether `bytes` is the whole of a buffer a thread can hand over without a copy (a reply's `transfer`). */
export function ownsBuffer(bytes: Uint8Array): boolean {
	return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

export interface SyncWorkerOptions {
	/** Handed to the module's entry: memory both threads see. */
	shared?: SharedArrayBuffer;
	/** A cap on the thread's young generation (MB), for a thread whose garbage is short-lived. */
	youngGenerationMb?: number;
}

/** Waits longer than this for one reply mean the thread is stuck. */
const STALLED_MS = 5 * 60_000;

/** The thread could not load its module: nothing it was sent was done, the caller can do it itself. */
export class SyncWorkerLoadError extends Error {}

export class SyncWorker<Message, Reply> {
	private readonly state = new Int32Array(new SharedArrayBuffer(8));
	private readonly port: MessagePort;
	private readonly worker: Worker;
	private closed = false;

	/** Starts the thread; null where a worker cannot load our modules by URL (a dev server's module runner). */
	static start<Message, Reply>(moduleUrl: string, entry: string, options: SyncWorkerOptions = {}): SyncWorker<Message, Reply> | null {
		if (!moduleUrl.startsWith('file:')) return null;
		try {
			return new SyncWorker<Message, Reply>(moduleUrl, entry, options);
		} catch {
			return null;
		}
	}

	private constructor(moduleUrl: string, entry: string, { shared, youngGenerationMb }: SyncWorkerOptions) {
		const { port1, port2 } = new MessageChannel();
		const tsx = moduleUrl.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
		this.worker = new Worker(SOURCE, {
			eval: true,
			workerData: { port: port2, signal: this.state.buffer, url: moduleUrl, tsx, entry, shared },
			transferList: [port2],
			execArgv: [],
			resourceLimits: youngGenerationMb ? { maxYoungGenerationSizeMb: youngGenerationMb } : undefined
		});
		// Its own port carries the replies; the thread never keeps the process alive.
		this.worker.unref();
		this.worker.on('error', () => {});
		this.port = port1;
	}

	/** Queues `message` (messages sent before the module has loaded wait for it). */
	post(message: Message): void {
		this.port.postMessage(message);
	}

	/** The next reply, waiting for it. Throws SyncWorkerLoadError when the module did not load, Error when the handler threw or the thread ended. */
	receive(): Reply {
		let waited = 0;
		for (;;) {
			const seen = Atomics.load(this.state, 0);
			const got = this.poll();
			if (got) return got.reply;
			if (Atomics.load(this.state, 1)) throw new Error('the worker thread stopped before it answered');
			const start = Date.now();
			Atomics.wait(this.state, 0, seen, 1000);
			waited += Date.now() - start;
			if (waited > STALLED_MS) throw new Error(`the worker thread has not answered for ${STALLED_MS / 1000} s`);
		}
	}

	/** The next reply if it has arrived, without waiting. */
	poll(): { reply: Reply } | undefined {
		if (this.closed) throw new Error('the worker thread is closed');
		const got = receiveMessageOnPort(this.port) as { message: { reply: Reply } | { syncWorkerFailed: string; loading: boolean } } | undefined;
		if (!got) return undefined;
		const message = got.message;
		if ('syncWorkerFailed' in message) {
			this.close();
			throw message.loading ? new SyncWorkerLoadError(message.syncWorkerFailed) : new Error(message.syncWorkerFailed);
		}
		return message;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.port.close();
		void this.worker.terminate();
	}
}
