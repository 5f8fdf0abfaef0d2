import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';

/**
 * What the server does when SQLite's write lock is held by someone else (a CLI import, a run).
 * better-sqlite3 waits for a lock synchronously, freezing the event loop for every request, so
 * the server's connection waits only briefly (SERVER_BUSY_TIMEOUT_MS) and a write that still
 * finds the database busy is retried from JavaScript after a short pause, while the event loop
 * serves others; past BUSY_RETRY_BOUND_MS the request is answered 503 with Retry-After.
 */

/**
 * busy_timeout of the server's connection: the longest synchronous wait for the write lock. Kept
 * tiny: every request that waits freezes the event loop, and with 20 reviewers writing beside an
 * import, 20 ms waits added up to most of each second (p50 of submit + next was 405 ms).
 */
export const SERVER_BUSY_TIMEOUT_MS = 2;
/** busy_timeout of the CLI's connection: a command may wait synchronously, nobody else is served. */
export const CLI_BUSY_TIMEOUT_MS = 5000;
/** How long a request keeps retrying a busy write before it answers 503. */
export const BUSY_RETRY_BOUND_MS = 6000;
/** Seconds a 503 asks the client to wait. */
export const BUSY_RETRY_AFTER_S = 1;

export function isBusyError(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Pause before retry number `attempt` (1, 2, …): 5 ms doubling to 20 ms, with jitter so retries
 * spread. A bulk job leaves the lock free for 25 ms between its batches (BATCH_PAUSE_MS): a
 * waiting write must look again within that window, or it waits a whole batch more.
 */
export function busyBackoff(attempt: number, random: () => number = Math.random): number {
	const base = Math.min(5 * 2 ** (attempt - 1), 20);
	return Math.round(base * (0.5 + random()));
}

export class DatabaseBusyError extends Error {
	readonly status = 503;
	readonly retryAfterSeconds = BUSY_RETRY_AFTER_S;
	constructor(cause?: unknown) {
		super('The database is busy with a large write; try again in a moment.', { cause });
		this.name = 'DatabaseBusyError';
	}
}

/**
 * Runs a synchronous write (one transaction) and, while it fails with SQLITE_BUSY, runs it
 * again after a short asynchronous pause; after `boundMs` throws DatabaseBusyError. For bulk
 * jobs in the server process, between their batches.
 */
export async function retryWhenBusy<T>(fn: () => T, boundMs = BUSY_RETRY_BOUND_MS): Promise<T> {
	const started = Date.now();
	for (let attempt = 1; ; attempt++) {
		try {
			return fn();
		} catch (err) {
			if (!isBusyError(err)) throw err;
			if (Date.now() - started >= boundMs) throw new DatabaseBusyError(err);
			await sleep(busyBackoff(attempt));
		}
	}
}

/**
 * Requests waiting for the lock, told to bulk writers in any process: a request whose write found
 * the database busy touches a file beside the database (`<file>-writers-waiting`); a bulk job
 * between two of its transactions (bulkPause) sees the fresh mark and leaves the lock free a while
 * longer, so the waiting request's next try finds it free instead of racing the next batch.
 */
const WAITING_FRESH_MS = 100;

function waitingMarkOf(c: Database.Database): string | null {
	return c.memory || !c.name ? null : `${c.name}-writers-waiting`;
}

/** Marks that a request is waiting for the write lock (cheap; only called after a busy failure). */
export function markWaitingWriter(c: Database.Database): void {
	const mark = waitingMarkOf(c);
	if (!mark) return;
	const now = new Date();
	try {
		fs.utimesSync(mark, now, now);
	} catch {
		try {
			fs.writeFileSync(mark, '');
		} catch {
			// a read-only folder: bulk jobs then pause their usual time
		}
	}
}

function writerWaiting(mark: string): boolean {
	try {
		return Date.now() - fs.statSync(mark).mtimeMs < WAITING_FRESH_MS;
	} catch {
		return false;
	}
}

/**
 * A bulk job's pause between two write transactions: `ms`, and up to three times longer while
 * requests are waiting for the lock (markWaitingWriter).
 */
export async function bulkPause(c: Database.Database, ms: number): Promise<void> {
	await sleep(ms);
	const mark = waitingMarkOf(c);
	if (!mark) return;
	for (let extra = 0; extra < 3 && writerWaiting(mark); extra++) await sleep(ms);
}
