import fs from 'node:fs';

/**
 * Writes `chunks` to `file.partial` and renames it to `file` at the end, so an interrupted write
 * never leaves a truncated file under the requested name. The descriptor is closed exactly once:
 * a descriptor number closed a second time may by then belong to another open file of this
 * process (SQLite's database or log, a worker thread's read), and closing that one drops the
 * process's locks on the database or makes the reader fail.
 */
export function writeThroughPartial(file: string, chunks: Iterable<string | Uint8Array>): void {
	const partial = `${file}.partial`;
	const fd = fs.openSync(partial, 'w');
	let open = true;
	try {
		for (const chunk of chunks) {
			// Two calls: writeSync's overloads take a string or bytes, not their union.
			if (typeof chunk === 'string') fs.writeSync(fd, chunk);
			else fs.writeSync(fd, chunk);
		}
		open = false; // closed below even if closeSync throws (Linux frees the number either way)
		fs.closeSync(fd);
		fs.renameSync(partial, file);
	} catch (err) {
		if (open) fs.closeSync(fd);
		fs.rmSync(partial, { force: true });
		throw err;
	}
}
