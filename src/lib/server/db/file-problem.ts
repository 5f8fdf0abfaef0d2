import fs from 'node:fs';
import path from 'node:path';

/**
 * SQLite's "file is not a database" / "unable to open database file" (and mkdir's EEXIST when a part
 * of the path is a file) name neither the file nor
 * where its path came from: one line saying both, and why when the file system can tell (the
 * server's start-up and the CLI print the same). Null for any other error.
 */
export function databaseFileProblem(err: unknown, file: string): string | null {
	const code = (err as { code?: unknown } | null)?.code;
	// Making its folder failed: a part of the path is a file (mkdir's EEXIST or ENOTDIR), or not ours.
	const failedPath = (err as { path?: unknown } | null)?.path;
	const onItsPath = typeof failedPath === 'string' && (path.resolve(file) + path.sep).startsWith(path.resolve(failedPath) + path.sep);
	const folderProblem = !onItsPath
		? null
		: code === 'EEXIST' || code === 'ENOTDIR'
			? 'a part of its path is a file, not a folder'
			: code === 'EACCES' || code === 'EPERM'
				? 'permission denied'
				: null;
	if (folderProblem) return `The database ${file} (DATABASE_PATH) cannot be created: ${folderProblem}. Set DATABASE_PATH to the app's database file.`;
	if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CANTOPEN') return null;
	let why = code === 'SQLITE_NOTADB' ? 'is not a SQLite database' : 'cannot be opened';
	try {
		if (fs.statSync(file).isDirectory()) why = 'is a directory';
	} catch {
		if (!fs.existsSync(path.dirname(path.resolve(file)))) why = 'cannot be created: its folder does not exist';
	}
	return `The database ${file} (DATABASE_PATH) ${why}. Set DATABASE_PATH to the app's database file.`;
}
