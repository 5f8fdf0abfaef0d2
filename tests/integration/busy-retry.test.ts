import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { BULK_MIN_WRITE_MS, DatabaseBusyError, bulkPause, bulkWriteBudget, busyBackoff, isBusyError, markWaitingWriter, markWriterServed, requestWaitingForLock, retryBulkWhenBusy, writerWaitedWithin } from '../../src/lib/server/db/busy';
import { transaction, type Db } from '../../src/lib/server/db';

let db: Db;
let file: string;
let cleanup: () => void;
let other: Database.Database;
beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
	db.$client.pragma('busy_timeout = 0');
	other = new Database(file);
});
afterEach(() => {
	other.close();
	cleanup();
});

/** Keeps this thread busy for `ms`, as a bulk transaction's writing does. */
function busyUntil(ms: number): void {
	const until = performance.now() + ms;
	while (performance.now() < until);
}

const write = () => transaction(db, () => db.$client.prepare(`INSERT INTO datasets (name, created_at) VALUES ('x' || random(), 0)`).run());

describe('writes that find the database busy', () => {
	it('are retried asynchronously: the event loop keeps running until the lock frees', async () => {
		other.exec('BEGIN IMMEDIATE');
		expect(() => write()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
		let ticks = 0;
		const ticker = setInterval(() => ticks++, 5);
		setTimeout(() => other.exec('COMMIT'), 150);
		await retryBulkWhenBusy(db.$client, write);
		clearInterval(ticker);
		expect(ticks).toBeGreaterThan(5);
		expect(db.$client.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(1);
	});

	it('give up after the bound with DatabaseBusyError (a 503), not the raw SQLite error', async () => {
		other.exec('BEGIN IMMEDIATE');
		const err = await retryBulkWhenBusy(db.$client, write, 100).catch((e: unknown) => e);
		other.exec('ROLLBACK');
		expect(err).toBeInstanceOf(DatabaseBusyError);
		expect(err).toMatchObject({ status: 503, retryAfterSeconds: 1 });
		expect(isBusyError((err as Error).cause)).toBe(true);
	});

	it('back off briefly: 3–8 ms first, never more than 30 ms (within a bulk job\'s 25 ms pause, on average)', () => {
		expect(busyBackoff(1, () => 0)).toBe(3);
		expect(busyBackoff(1, () => 1)).toBe(8);
		for (let a = 1; a < 40; a++) expect(busyBackoff(a)).toBeLessThanOrEqual(30);
	});
});

describe('bulk jobs and waiting requests', () => {
	it("never wait in SQLite's synchronous busy handler, even on a connection set to wait 5 s (the CLI's)", async () => {
		db.$client.pragma('busy_timeout = 5000');
		other.exec('BEGIN IMMEDIATE');
		let ticks = 0;
		const ticker = setInterval(() => ticks++, 5);
		// Only a free event loop runs this: a write waiting synchronously would hold the loop until
		// its 5 s ran out, and fail.
		setTimeout(() => other.exec('COMMIT'), 120);
		const started = performance.now();
		await retryBulkWhenBusy(db.$client, write);
		clearInterval(ticker);
		expect(performance.now() - started).toBeLessThan(1000);
		expect(ticks).toBeGreaterThan(5);
		expect(db.$client.pragma('busy_timeout', { simple: true })).toBe(5000);
	});

	it('let a request that has just found the lock taken go first, for a bounded time', async () => {
		const fs = await import('node:fs');
		fs.rmSync(`${file}-writers-waiting`, { force: true });
		const timedWrite = async () => {
			const started = performance.now();
			await retryBulkWhenBusy(db.$client, write);
			return performance.now() - started;
		};
		expect(await timedWrite()).toBeLessThan(50);
		// A request in another process keeps finding the lock taken for 80 ms, marking each time.
		const marking = setInterval(() => markWaitingWriter(other), 10);
		markWaitingWriter(other);
		setTimeout(() => clearInterval(marking), 80);
		const deferred = await timedWrite();
		expect(deferred).toBeGreaterThanOrEqual(80);
		// A request that never stops waiting does not stop the job: it goes after 150 ms.
		const endless = setInterval(() => markWaitingWriter(other), 10);
		markWaitingWriter(other);
		const bounded = await timedWrite();
		clearInterval(endless);
		expect(bounded).toBeGreaterThanOrEqual(140);
		expect(bounded).toBeLessThan(600);
	});

	it('pause longer between batches while a request has just found the lock taken', async () => {
		const timed = async () => {
			const started = performance.now();
			await bulkPause(db.$client, 20);
			return performance.now() - started;
		};
		const fs = await import('node:fs');
		fs.rmSync(`${file}-writers-waiting`, { force: true });
		await timed();
		markWaitingWriter(other);
		expect(fs.existsSync(`${file}-writers-waiting`)).toBe(true);
		// Another connection (another process, say) made the mark: this one sees it and pauses
		// three more times (the mark stays fresh for 100 ms).
		expect(await timed()).toBeGreaterThanOrEqual(75);
	});

	it('commit early when a request finds the lock taken during the transaction, not for a mark made before it', () => {
		// A request marked just before the transaction began: the job still writes its whole budget.
		markWaitingWriter(other);
		busyUntil(5);
		// (Budgets far above the times asked for: a loaded machine may stop this thread a while.)
		let spent = bulkWriteBudget(db.$client, 150);
		busyUntil(BULK_MIN_WRITE_MS + 5);
		expect(spent()).toBe(false);
		busyUntil(150);
		expect(spent()).toBe(true);
		// A request marks during the transaction: not before BULK_MIN_WRITE_MS, then at once.
		spent = bulkWriteBudget(db.$client, 150);
		busyUntil(2);
		markWaitingWriter(other);
		expect(spent()).toBe(false);
		busyUntil(BULK_MIN_WRITE_MS);
		expect(spent()).toBe(true);
	});

	it('spend only their time budget when nobody waits, or on a database in memory', () => {
		for (const c of [db.$client, new Database(':memory:')]) {
			const spent = bulkWriteBudget(c, 150);
			busyUntil(BULK_MIN_WRITE_MS + 5);
			expect(spent()).toBe(false);
			busyUntil(150);
			expect(spent()).toBe(true);
		}
	});

	it('go on as soon as the request they deferred to has written, not when its mark goes stale', async () => {
		const tick = () => new Promise((r) => setTimeout(r, 3));
		expect(requestWaitingForLock(db.$client)).toBe(false);
		markWaitingWriter(other);
		expect(requestWaitingForLock(db.$client)).toBe(true);
		await tick();
		markWriterServed(other);
		expect(requestWaitingForLock(db.$client)).toBe(false);
		// A request that finds the lock taken after that one was served is waited for again.
		await tick();
		markWaitingWriter(other);
		expect(requestWaitingForLock(db.$client)).toBe(true);
		// Not on a database in memory: nobody in another process can wait for it.
		expect(requestWaitingForLock(new Database(':memory:'))).toBe(false);
	});

	it('mark themselves while they wait for the lock, so that another bulk job (an import) pauses for them', async () => {
		const fs = await import('node:fs');
		fs.rmSync(`${file}-writers-waiting`, { force: true });
		expect(writerWaitedWithin(db.$client, 2000)).toBe(false);
		other.exec('BEGIN IMMEDIATE');
		setTimeout(() => other.exec('COMMIT'), 60);
		const writing = retryBulkWhenBusy(db.$client, write);
		// Between its tries: marked as waiting, so an import's next batch waits for it.
		await new Promise((r) => setTimeout(r, 30));
		expect(requestWaitingForLock(other)).toBe(true);
		await writing;
		// Written: served, so the import goes on at once; it did wait lately, so the import keeps its pauses a while.
		expect(requestWaitingForLock(other)).toBe(false);
		expect(writerWaitedWithin(other, 2000)).toBe(true);
		expect(writerWaitedWithin(other, 0)).toBe(false);
		// A database in memory has no other process to wait for it.
		expect(writerWaitedWithin(new Database(':memory:'), 2000)).toBe(false);
	});
});
