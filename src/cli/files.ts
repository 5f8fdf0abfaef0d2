/**
 * The command line's file-system failures as one line naming the path ("<path>: is a directory")
 * with a code a script can read, instead of Node's "EISDIR: illegal operation on a directory,
 * read" and a stack trace. Streams and renames report errors without the path a person gave, so
 * the commands check a file before they read or write it, and main.ts turns any other errno error
 * that names its path the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './cli-error';
import { FILE_WHERE_FOLDER, fileProblem, fileProblemOf, type FileProblem } from '../lib/file-problems';

/** An fs error (it has an errno code and names its path) as a CliError naming the path; null for anything else. */
export function fileErrorOf(err: unknown, file?: string): CliError | null {
	const e = err as NodeJS.ErrnoException | null;
	const known = fileProblemOf(err);
	const where = file ?? e?.path;
	// A full disk is one line even when the write (writeSync on an open file) names no path.
	if (known && !where && e?.code === 'ENOSPC') return new CliError(`Could not write: ${known.problem}.`, 1, {}, undefined, known.code);
	if (!known || !where) return null;
	return new CliError(`${where}: ${known.problem}.`, 1, { file: where }, undefined, known.code);
}

function fail(file: string, known: FileProblem): never {
	throw new CliError(`${file}: ${known.problem}.`, 1, { file }, undefined, known.code);
}

/** Refuses a file the command is about to read that is missing, a directory or unreadable. */
export function requireReadableFile(file: string): void {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(file);
		fs.accessSync(file, fs.constants.R_OK);
	} catch (err) {
		throw fileErrorOf(err, file) ?? err;
	}
	if (stat.isDirectory()) fail(file, fileProblem('EISDIR'));
}

/**
 * Refuses a file the command is about to write when it cannot: its folder is missing, it is a
 * directory, or it exists and `force` was not given (the message says to add --force).
 */
export function requireWritableFile(file: string, force: boolean): void {
	const folder = path.dirname(path.resolve(file));
	if (!fs.existsSync(folder)) throw missingFolderError(folder, file);
	if (!fs.statSync(folder).isDirectory()) fail(folder, FILE_WHERE_FOLDER);
	// lstat: a symbolic link is looked at itself (a dangling one exists too).
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch {
		return;
	}
	if (stat.isDirectory()) fail(file, fileProblem('EISDIR'));
	// The file is written beside and renamed into place: --force would replace a device (/dev/null),
	// a pipe or a link with a plain file, never write through it.
	if (!stat.isFile())
		throw new CliError(`${file}: is not a regular file (${stat.isSymbolicLink() ? 'a symbolic link' : 'a device, pipe or socket'}); write to a plain file path.`, 1, { file }, undefined, 'not_regular_file');
	if (!force) throw existsError(file);
}

/** A file the command would overwrite without --force: one message and code (exists, with the file) for every command. */
export function existsError(file: string): CliError {
	return new CliError(`${file}: ${fileProblem('EEXIST').problem}; add --force to overwrite it.`, 1, { file }, undefined, fileProblem('EEXIST').code);
}

/** A folder the command would write into that is missing (code not_found, with the folder). */
export function missingFolderError(folder: string, file: string): CliError {
	return new CliError(`${folder}: ${fileProblem('ENOENT').problem} (the folder of ${file}).`, 1, { file: folder }, undefined, fileProblem('ENOENT').code);
}

/**
 * Creates a folder the command writes into (--figures), one level at a time from the nearest
 * one that exists: a path under a file, or in a file system that refuses it, is one line. (Node's
 * recursive mkdir under /proc never returns: it loops on ENOENT at full CPU.)
 */
export function makeFolder(dir: string): void {
	const missing: string[] = [];
	let at = path.resolve(dir);
	while (!fs.existsSync(at)) {
		missing.unshift(at);
		const up = path.dirname(at);
		if (up === at) break;
		at = up;
	}
	if (fs.existsSync(at) && !fs.statSync(at).isDirectory())
		throw new CliError(missing.length ? `Cannot create the folder ${dir}: ${at} is a file.` : `${dir} is a file, not a folder.`, 1, { file: at }, undefined, 'not_directory');
	for (const folder of missing) {
		try {
			fs.mkdirSync(folder);
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(folder).isDirectory()) continue;
			const known = fileErrorOf(err, folder);
			if (known) throw new CliError(`Cannot create the folder ${dir}: ${known.message}`, 1, { file: folder }, undefined, known.code);
			throw err;
		}
	}
}
