/**
 * Values computed from a connection's database as it stands, kept until it changes: until another
 * connection commits (`data_version` moves) or this one writes (`total_changes()` moves). The
 * version is read before computing, so a commit landing meanwhile leaves the value under the
 * older version: computed again next time, never given stale.
 */
import type Database from 'better-sqlite3';

interface Kept {
	version: string;
	/** By kind, then by key; the most recently used last. */
	byKind: Map<string, Map<string, unknown>>;
}

const keptByConnection = new WeakMap<Database.Database, Kept>();

/** The state of `client`'s database as the connection sees it: equal means nothing was written since. */
export function databaseVersion(client: Database.Database): string {
	return `${client.pragma('data_version', { simple: true })}:${client.prepare<[], number>('SELECT total_changes()').pluck().get()}`;
}

/**
 * `compute()`, or the value it gave for the same `kind` and `key` on this connection while the
 * database has not changed. At most `limit` values of a kind are kept (the least recently used
 * put out first). Callers must not change a value they are given: the next caller gets it too.
 */
export function keptWhileUnchanged<T>(client: Database.Database, kind: string, key: string, compute: () => T, limit = 8): T {
	const version = databaseVersion(client);
	let kept = keptByConnection.get(client);
	if (!kept || kept.version !== version) keptByConnection.set(client, (kept = { version, byKind: new Map() }));
	let values = kept.byKind.get(kind);
	if (!values) kept.byKind.set(kind, (values = new Map()));
	if (values.has(key)) {
		const value = values.get(key) as T;
		values.delete(key);
		values.set(key, value);
		return value;
	}
	const value = compute();
	values.set(key, value);
	while (values.size > limit) values.delete(values.keys().next().value!);
	return value;
}
