import fs from 'node:fs';

/**
 * The database and its backups hold API keys (endpoints.api_key) and password hashes: readable
 * by the app's own user only, whatever the umask.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and its parents) readable by this user only if it does not exist; an existing one is left as it is. */
export function mkdirPrivate(dir: string): void {
	fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates `file` empty with PRIVATE_FILE_MODE if it does not exist; an existing one (made before
 * this rule) is given that mode where this user may change it.
 */
export function ensurePrivateFile(file: string): void {
	try {
		fs.closeSync(fs.openSync(file, 'wx', PRIVATE_FILE_MODE));
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
		try {
			if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE);
		} catch {
			// Not ours to change (another user's file, a read-only mount): left as it is.
		}
	}
}

/**
 * Makes a rename or a new file in `dir` durable (fsync of the folder). Some file systems do not
 * sync folders; the rename is still atomic there, so a failure is ignored.
 */
export function syncDir(dir: string): void {
	try {
		const fd = fs.openSync(dir, 'r');
		try {
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		// Not supported here.
	}
}

/**
 * Writes `chunks` to `file.partial` and renames it to `file` at the end, so an interrupted write
 * never leaves a truncated file under the requested name. The descriptor is closed exactly once:
 * a descriptor number closed a second time may by then belong to another open file of this
 * process (SQLite's database or log, a worker thread's read), and closing that one drops the
 * process's locks on the database or makes the reader fail.
 */
export function writeThroughPartial(file: string, chunks: Iterable<string | Uint8Array>): void {
	const partial = new PartialFile(file);
	try {
		for (const chunk of chunks) partial.write(chunk);
		partial.commit();
	} catch (err) {
		partial.abandon();
		throw err;
	}
}

/** `file.partial` while it is written: renamed to `file` when complete, removed otherwise. */
class PartialFile {
	private readonly partial: string;
	private fd: number | null;

	constructor(private readonly file: string) {
		this.partial = `${file}.partial`;
		this.fd = fs.openSync(this.partial, 'w');
	}

	write(chunk: string | Uint8Array): void {
		// Two calls: writeSync's overloads take a string or bytes, not their union.
		if (typeof chunk === 'string') fs.writeSync(this.fd!, chunk);
		else fs.writeSync(this.fd!, chunk);
	}

	/** Closes the file; then, unless `beforeRename` throws, puts it in place. */
	commit(beforeRename?: () => void): void {
		const fd = this.fd!;
		this.fd = null; // closed below even if closeSync throws (Linux frees the number either way)
		fs.closeSync(fd);
		beforeRename?.();
		fs.renameSync(this.partial, this.file);
	}

	abandon(): void {
		if (this.fd !== null) fs.closeSync(this.fd);
		this.fd = null;
		fs.rmSync(this.partial, { force: true });
	}
}

/** How long writeThroughPartialInterruptibly writes before it lets the event loop run (signal handlers, progress). */
const YIELD_EVERY_MS = 50;

/**
 * writeThroughPartial for a process a person may stop (the CLI): a signal's handler runs only when
 * the event loop does, so a synchronous write loop killed by Ctrl-C leaves `file.partial` behind.
 * This one yields every YIELD_EVERY_MS and stops when `signal` aborts (the CLI aborts on SIGINT and
 * SIGTERM), removing the partial file and throwing the signal's reason.
 */
export async function writeThroughPartialInterruptibly(file: string, chunks: Iterable<string | Uint8Array>, signal: AbortSignal): Promise<void> {
	const partial = new PartialFile(file);
	try {
		let since = Date.now();
		for (const chunk of chunks) {
			partial.write(chunk);
			if (Date.now() - since >= YIELD_EVERY_MS) {
				await new Promise((resolve) => setImmediate(resolve));
				since = Date.now();
			}
			signal.throwIfAborted();
		}
		partial.commit(() => signal.throwIfAborted());
	} catch (err) {
		partial.abandon();
		throw err;
	}
}
