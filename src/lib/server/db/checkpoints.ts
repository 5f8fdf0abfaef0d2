/**
 * WAL checkpoints off the writing thread. By default SQLite checkpoints inside the COMMIT that
 * takes the log past 1,000 pages: the committing thread copies ~4 MB into the database file and
 * syncs it, tens of milliseconds during which that thread — the server's event loop, or a run's
 * or an import's only thread — does nothing else. Measured on this 2-core machine, a stream of
 * 40-row transactions ran 3.3× slower with those checkpoints in line (p99 commit 25 ms instead
 * of 1.6 ms).
 *
 * So connections opened by `openDatabase` turn the automatic checkpoint off, and one worker
 * thread per process keeps a connection of its own to each file and runs a PASSIVE checkpoint
 * every CHECKPOINT_EVERY_MS. A passive checkpoint never blocks a writer or a reader; the log is
 * reused from its start once a checkpoint has caught up. (Its file keeps its largest size, as
 * with SQLite's defaults: trimming it with `journal_size_limit` made the writer that reset the log
 * truncate tens of megabytes inside its transaction — up to 370 ms deleting an audit.) If the
 * thread cannot start, connections keep SQLite's automatic checkpoints.
 * Closing the last connection of this process to a file closes the thread's one too before it
 * returns, so SQLite's checkpoint-and-delete-the-log on the last close happens as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { COLLECT_SQLITE_WRAPPERS } from './worker-teardown';

const CHECKPOINT_EVERY_MS = 100;
/** SQLite's own default, restored if the thread fails. */
const AUTOCHECKPOINT_PAGES = 1000;
/** How long a close waits for the thread to close its connection. */
const CLOSE_WAIT_MS = 5000;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${COLLECT_SQLITE_WRAPPERS}
const Database = require(workerData.driver);
const connections = new Map();
const done = new Int32Array(workerData.signal);
const ticking = setInterval(() => {
	for (const connection of connections.values()) {
		try {
			connection.pragma('wal_checkpoint(PASSIVE)');
		} catch {
			// Busy, or the file is gone: the next turn tries again.
		}
	}
}, workerData.everyMs);
parentPort.on('message', (m) => {
	if (m.open && !connections.has(m.open)) {
		try {
			const connection = new Database(m.open, { fileMustExist: true });
			connection.pragma('busy_timeout = 0');
			connections.set(m.open, connection);
		} catch {
			// Not ours to checkpoint (e.g. removed already).
		}
	}
	if (m.closeAll) {
		// The process is exiting: no connection may outlive this thread's teardown.
		clearInterval(ticking);
		for (const connection of connections.values()) {
			try {
				connection.close();
			} catch {}
		}
		connections.clear();
		collectSqliteWrappers();
		Atomics.store(done, 0, m.ticket);
		Atomics.notify(done, 0);
	}
	if (m.close) {
		try {
			connections.get(m.close)?.close();
		} catch {}
		connections.delete(m.close);
		Atomics.store(done, 0, m.ticket);
		Atomics.notify(done, 0);
	}
});
`;

interface Checkpointer {
	worker: Worker;
	/** The last close the thread finished (its ticket). */
	done: Int32Array;
	ticket: number;
	/** Connections of this process per file. */
	files: Map<string, Set<Database.Database>>;
	failed: boolean;
}

let checkpointer: Checkpointer | null | undefined;

function start(): Checkpointer | null {
	try {
		const driver = createRequire(import.meta.url).resolve('better-sqlite3');
		const signal = new SharedArrayBuffer(4);
		const worker = new Worker(SOURCE, { eval: true, workerData: { driver, signal, everyMs: CHECKPOINT_EVERY_MS }, execArgv: [] });
		worker.unref();
		const started: Checkpointer = { worker, done: new Int32Array(signal), ticket: 0, files: new Map(), failed: false };
		const fail = () => {
			if (started.failed) return;
			started.failed = true;
			// Back to checkpoints in the committing thread.
			for (const set of started.files.values()) {
				for (const connection of set) {
					try {
						if (connection.open) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
					} catch {
						// Closing or busy: it will be closed soon anyway.
					}
				}
			}
		};
		worker.on('error', fail);
		worker.on('exit', fail);
		// A better-sqlite3 connection still open when a worker thread is torn down can crash the
		// process as it exits (a segfault, better-sqlite3 #1476): the thread closes its connections
		// first, and the exit waits for that (bounded).
		process.once('exit', () => {
			if (started.failed) return;
			const ticket = ++started.ticket;
			started.worker.postMessage({ closeAll: true, ticket });
			waitForTicket(started, ticket, CLOSE_WAIT_MS);
		});
		return started;
	} catch {
		return null;
	}
}

/**
 * Hands `connection`'s checkpoints (to `file`, an absolute path) to the thread; returns what to
 * call once the connection is closed.
 */
export function checkpointInBackground(connection: Database.Database, file: string): () => void {
	if (checkpointer === undefined) checkpointer = start();
	const current = checkpointer;
	if (!current || current.failed) return () => {};
	connection.pragma('wal_autocheckpoint = 0');
	let set = current.files.get(file);
	if (!set) {
		set = new Set();
		current.files.set(file, set);
		current.worker.postMessage({ open: file });
	}
	set.add(connection);
	return () => {
		const open = current.files.get(file);
		if (!open?.delete(connection) || open.size > 0) return;
		current.files.delete(file);
		if (current.failed) return;
		const ticket = ++current.ticket;
		current.worker.postMessage({ close: file, ticket });
		// Wait (bounded) for the thread's connection to close: the caller may copy or remove the file next.
		waitForTicket(current, ticket, CLOSE_WAIT_MS);
	};
}

/** Blocks until the thread has done request `ticket`, it failed, or `ms` passed. */
function waitForTicket(current: Checkpointer, ticket: number, ms: number): void {
	const deadline = Date.now() + ms;
	while (Atomics.load(current.done, 0) < ticket && !current.failed) {
		const left = deadline - Date.now();
		if (left <= 0) break;
		Atomics.wait(current.done, 0, Atomics.load(current.done, 0), Math.min(left, 50));
	}
}

/**
 * A checkpoint that folds the whole log into the database file and empties it (TRUNCATE). SQLite
 * answers "busy" at once while another connection — this process's checkpoint thread, say — is
 * checkpointing, so it is asked again after a short wait, up to `boundMs`. True when done.
 */
export function checkpointCompletely(connection: Database.Database, boundMs = 2000): boolean {
	const deadline = Date.now() + boundMs;
	const pause = new Int32Array(new SharedArrayBuffer(4));
	for (;;) {
		const [result] = connection.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
		if (!result?.busy) return true;
		if (Date.now() > deadline) return false;
		Atomics.wait(pause, 0, 0, 5);
	}
}
