import Database from 'better-sqlite3';

/**
 * A read-only connection of its own to a database file, for long reads kept off the app's shared
 * connection (an export's rows, a report thread's labels). WAL: it reads one consistent snapshot
 * per transaction while others write. A module of its own, without the ORM, for the threads that
 * only read (an export's second reader loads 15 MB less).
 */
export function openReadOnly(file: string): Database.Database {
	const c = new Database(file, { readonly: true, fileMustExist: true });
	c.pragma('busy_timeout = 5000');
	c.pragma('cache_size = -32768');
	return c;
}
