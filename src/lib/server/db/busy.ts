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
/**
 * How long a bulk job's write transaction keeps retrying a busy database (asynchronously) before
 * the job fails: longer than a request's bound, a bulk job has nobody waiting on an answer.
 */
export const BULK_BUSY_BOUND_MS = 60_000;
/**
 * The longest a bulk job's connection waits synchronously for the lock, in any process (the CLI's
 * connection otherwise waits up to CLI_BUSY_TIMEOUT_MS). Waiting inside SQLite's busy handler
 * put one bulk job in line right behind another: beside an import, Apply filters took the lock
 * the moment the import let it go, and a reviewer's write waited through both (p99 355 ms).
 */
const BULK_LOCK_WAIT_MS = 2;
/** The most a bulk job lets waiting requests go first, per transaction. */
const BULK_DEFER_MAX_MS = 150;
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
 * A bulk job's write transaction (`write` runs one: BEGIN IMMEDIATE … COMMIT), taken politely:
 * while a request in any process has just found the lock taken (markWaitingWriter) it goes first,
 * up to BULK_DEFER_MAX_MS; the lock is asked for without waiting in SQLite's busy handler and,
 * when busy, asked again after a short asynchronous pause, up to `boundMs`.
 */
export async function retryBulkWhenBusy<T>(c: Database.Database, write: () => T, boundMs = BULK_BUSY_BOUND_MS): Promise<T> {
	const started = Date.now();
	let deferred = 0;
	for (let attempt = 1; ; attempt++) {
		while (deferred < BULK_DEFER_MAX_MS && requestWaitingForLock(c)) {
			await sleep(10);
			deferred += 10;
		}
		const waitBefore = c.pragma('busy_timeout', { simple: true }) as number;
		c.pragma(`busy_timeout = ${Math.min(waitBefore, BULK_LOCK_WAIT_MS)}`);
		try {
			const result = write();
			// It had waited: the bulk jobs that paused for it go on (see markWriterServed).
			if (attempt > 1) markWriterServed(c);
			return result;
		} catch (err) {
			if (!isBusyError(err)) throw err;
			if (Date.now() - started >= boundMs) throw new DatabaseBusyError(err);
			// A bulk job waiting for the lock is marked as a request is, so that another bulk job
			// (an import) pauses for it too rather than taking the lock back at once.
			markWaitingWriter(c);
		} finally {
			c.pragma(`busy_timeout = ${waitBefore}`);
		}
		await sleep(busyBackoff(attempt));
	}
}

/**
 * Requests waiting for the lock, told to bulk writers in any process: a request whose write found
 * the database busy touches a file beside the database (`<file>-writers-waiting`); a bulk job
 * between two of its transactions (bulkPause) sees the fresh mark and leaves the lock free a while
 * longer, so the waiting request's next try finds it free instead of racing the next batch. A
 * waiting request marks again at each try, 30 ms apart at most, but on a saturated server its
 * timers fire late: at 40 ms its next try often found the next batch (lock wait p99 146 ms
 * against 63 ms at 100 ms, 20 reviewers answering without pause beside a 1M-row import).
 * A request that waited and then wrote touches `<file>-writers-served`: a mark older than that
 * has been answered, and the job goes on at once rather than until the mark goes stale.
 */
const WAITING_FRESH_MS = 100;

function waitingMarkOf(c: Database.Database): string | null {
	return c.memory || !c.name ? null : `${c.name}-writers-waiting`;
}

function servedMarkOf(c: Database.Database): string | null {
	return c.memory || !c.name ? null : `${c.name}-writers-served`;
}

function touch(file: string | null): void {
	if (!file) return;
	const now = new Date();
	try {
		fs.utimesSync(file, now, now);
	} catch {
		try {
			fs.writeFileSync(file, '');
		} catch {
			// a read-only folder: bulk jobs then pause their usual time
		}
	}
}

/** Marks that a request is waiting for the write lock (cheap; only called after a busy failure). */
export function markWaitingWriter(c: Database.Database): void {
	touch(waitingMarkOf(c));
}

/** Marks that a request which had waited for the write lock got its write through. */
export function markWriterServed(c: Database.Database): void {
	touch(servedMarkOf(c));
}

/** Is a request waiting for the write lock: has one found it taken in the last WAITING_FRESH_MS, and none been served since? */
export function requestWaitingForLock(c: Database.Database): boolean {
	const marked = markedAt(waitingMarkOf(c));
	if (marked === undefined || Date.now() - marked >= WAITING_FRESH_MS) return false;
	const served = markedAt(servedMarkOf(c));
	return served === undefined || served < marked;
}

/**
 * Has any writer (a request or a bulk job, in any process) found the lock taken in the last `ms`?
 * True where marks cannot be kept: then nobody can tell, and bulk jobs pause as if someone had.
 */
export function writerWaitedWithin(c: Database.Database, ms: number): boolean {
	const mark = waitingMarkOf(c);
	if (!mark) return !c.memory;
	const marked = markedAt(mark);
	return marked !== undefined && Date.now() - marked < ms;
}

/** When a mark was last touched (undefined: never, or marks cannot be kept here). */
function markedAt(mark: string | null): number | undefined {
	if (!mark) return undefined;
	try {
		return fs.statSync(mark, { throwIfNoEntry: false })?.mtimeMs;
	} catch {
		return undefined;
	}
}

/**
 * The least a bulk transaction writes before it may commit early for a waiting request: enough
 * for the job to go on at a fair pace while requests keep arriving.
 */
export const BULK_MIN_WRITE_MS = 10;

/**
 * A bulk transaction's time budget, to call every few rows (checking costs a file stat): true
 * once it has written for `maxMs`, or for BULK_MIN_WRITE_MS when a request has found the lock
 * taken since the transaction began — that request waits for this transaction, which commits
 * rather than making it wait out the whole budget. Measured beside an import of 1,000,000 rows,
 * 20 reviewers answering without pause waited up to 117 ms (p99) for the import's batches.
 */
export function bulkWriteBudget(c: Database.Database, maxMs: number): () => boolean {
	const mark = waitingMarkOf(c);
	const began = Date.now();
	const started = performance.now();
	return () => {
		const elapsed = performance.now() - started;
		if (elapsed > maxMs) return true;
		if (!mark || elapsed < BULK_MIN_WRITE_MS) return false;
		const marked = markedAt(mark);
		return marked !== undefined && marked >= began;
	};
}

/**
 * A bulk job's pause between two write transactions: `ms`, and up to three times longer while
 * requests are waiting for the lock (markWaitingWriter).
 */
export async function bulkPause(c: Database.Database, ms: number): Promise<void> {
	await sleep(ms);
	for (let extra = 0; extra < 3 && requestWaitingForLock(c); extra++) await sleep(ms);
}
