import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptWhileUnchanged } from './unchanged';
import { openReadOnly } from './index';

let dir: string;
let writer: Database.Database;
let reader: Database.Database;

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-unchanged-'));
	const file = path.join(dir, 'app.db');
	writer = new Database(file);
	writer.pragma('journal_mode = WAL');
	writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL); INSERT INTO t (v) VALUES (1), (2)');
	reader = openReadOnly(file);
});
afterEach(() => {
	reader.close();
	writer.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** keptWhileUnchanged over `client` counting the computations; the value is the table's sum at the time. */
function counted(client: Database.Database) {
	const computed: string[] = [];
	const sum = (kind: string, key: string, limit?: number) =>
		keptWhileUnchanged(
			client,
			kind,
			key,
			() => {
				computed.push(`${kind}/${key}`);
				return { sum: client.prepare<[], number>('SELECT sum(v) FROM t').pluck().get() };
			},
			limit
		);
	return { computed, sum };
}

describe('keptWhileUnchanged', () => {
	it('computes a kind and key once while nothing is written, and keeps kinds and keys apart', () => {
		const { computed, sum } = counted(reader);
		const first = sum('a', '1');
		expect(sum('a', '1')).toBe(first);
		expect(first).toEqual({ sum: 3 });
		sum('a', '2');
		sum('b', '1');
		sum('b', '1');
		expect(computed).toEqual(['a/1', 'a/2', 'b/1']);
	});

	it("computes again after another connection's commit, with what it committed", () => {
		const { computed, sum } = counted(reader);
		expect(sum('a', '1')).toEqual({ sum: 3 });
		writer.prepare('UPDATE t SET v = 10 WHERE id = 1').run();
		expect(sum('a', '1')).toEqual({ sum: 12 });
		expect(computed).toEqual(['a/1', 'a/1']);
	});

	it("computes again after the connection's own write", () => {
		const { computed, sum } = counted(writer);
		expect(sum('a', '1')).toEqual({ sum: 3 });
		expect(sum('a', '1')).toEqual({ sum: 3 });
		writer.prepare('INSERT INTO t (v) VALUES (4)').run();
		expect(sum('a', '1')).toEqual({ sum: 7 });
		expect(computed).toEqual(['a/1', 'a/1']);
	});

	it('never gives a value computed while a commit landed as the newer state', () => {
		let commitMeanwhile = true;
		const value = () =>
			keptWhileUnchanged(reader, 'racing', 'k', () => {
				const before = reader.prepare<[], number>('SELECT sum(v) FROM t').pluck().get()!;
				if (commitMeanwhile) {
					commitMeanwhile = false;
					writer.prepare('UPDATE t SET v = 100 WHERE id = 2').run();
				}
				return before;
			});
		// Computed from the state before the commit (3), kept under the version read before it…
		expect(value()).toBe(3);
		// …so the next call sees a newer version and computes the committed state.
		expect(value()).toBe(101);
		expect(value()).toBe(101);
	});

	it('keeps at most `limit` values of a kind, putting out the least recently used', () => {
		const { computed, sum } = counted(reader);
		sum('a', '1', 2);
		sum('a', '2', 2);
		sum('a', '1', 2);
		sum('a', '3', 2);
		sum('a', '1', 2);
		sum('a', '2', 2);
		expect(computed).toEqual(['a/1', 'a/2', 'a/3', 'a/2']);
	});
});
