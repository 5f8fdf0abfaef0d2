#!/usr/bin/env node
/**
 * `npx instruct-audit <command> …` (or `npm run cli -- …`): the headless face of Instruct
 * Audit. Each command lives in ./commands/<name>.ts, exports `run(argv)`, and calls the same
 * domain functions as the pages. A command signals a user error by throwing CliError, or lets a
 * DomainError through (both printed without a stack; exit codes in ./cli-error.ts), or reports a
 * failure itself by setting process.exitCode.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CliError, exitCodeOf, failureJson, usageError } from './cli-error';
import { fileErrorOf } from './files';
import { printJson } from './output';
import { config, ConfigError, processEnv } from '../lib/server/config';
import { databaseFileProblem } from '../lib/server/db/file-problem';
import { isBusyError } from '../lib/server/db/busy';
import { sqliteBindingProblem } from '../../scripts/sqlite-binding.js';

// Piped into `head` (or anything that stops reading), the output pipe closes: end quietly
// instead of dying on an EPIPE stack trace. Any other write failure (a full disk) is one line.
for (const stream of [process.stdout, process.stderr]) {
	stream.on('error', (err: NodeJS.ErrnoException) => {
		if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
		if (stream === process.stdout) {
			const why = err.code === 'ENOSPC' ? 'no space left on device' : err.message.replace(/^\w+: /, '').replace(/, write$/, '');
			try {
				fs.writeSync(2, `error: Could not write the output: ${why}${err.code ? ` (${err.code})` : ''}\n`);
			} catch {
				// standard error is gone too: the exit code says it
			}
		}
		process.exit(1);
	});
}

/**
 * The command line runs at a lower CPU priority than the server, so a server on the same machine
 * answers its reviewers first: on 2 cores beside a 1,000,000-row import, a reviewer's request
 * otherwise waited for the CPU most of its time. Every command, not only the long ones: starting
 * one compiles the code (a core for a second or two), and bin/instruct-audit.js lowers the
 * priority before that; here again for the bundled entry the tests start.
 * INSTRUCT_AUDIT_NICE sets the niceness (default 10; 0 keeps the normal priority).
 */
function lowerPriority(): void {
	const nice = config().cliNice;
	if (nice <= 0) return;
	try {
		if (nice > os.getPriority()) os.setPriority(nice);
	} catch {
		// not allowed here: run at the priority we have
	}
}

const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> }> = {
	users: { summary: 'create, list, reset passwords of, disable accounts', load: () => import('./commands/users') },
	import: { summary: 'import a dataset file', load: () => import('./commands/import') },
	datasets: { summary: 'list, delete (only without reviewed work), archive, restore, purge (admin) datasets', load: () => import('./commands/datasets') },
	filter: { summary: "apply a paper's filters (or a configuration file) to a dataset: every row's verdict, the funnel", load: () => import('./commands/filter') },
	stats: { summary: "a dataset's statistics (paper Table 1)", load: () => import('./commands/stats') },
	analyze: { summary: 'verb–noun pairs, ROUGE-L to the seeds and length distributions (paper Figures 2–4; --vs to compare)', load: () => import('./commands/analyze') },
	report: { summary: 'an audit report: rates with intervals, agreement, A–D per model, reviewers (--json, --csv, --labels, --compare)', load: () => import('./commands/report') },
	audit: { summary: 'create, list, show, close/reopen, archive/restore, export/import (bundles) audits; manage their reviewers', load: () => import('./commands/audit') },
	backup: { summary: 'a verified online backup of the database (safe while the server runs)', load: () => import('./commands/backup') },
	restore: { summary: 'replace the database with a backup (server stopped), checked before and after', load: () => import('./commands/restore') },
	export: { summary: 'export a filtered subset (JSON Lines, Alpaca, chat, prompt/completion, CSV, Parquet) with a manifest', load: () => import('./commands/export') },
	endpoints: { summary: 'list, add, test, remove the OpenAI-compatible endpoints generation runs use', load: () => import('./commands/endpoints') },
	judge: { summary: 'a model as judge: the three questions for every row (durable: start, resume, pause, list; --batch for the OpenAI Batch API)', load: () => import('./commands/judge') },
	generate: { summary: 'run the Self-Instruct, Alpaca or Unnatural Instructions pipeline against an endpoint (durable: --resume, --pause, --cancel, --list)', load: () => import('./commands/generate') },
	'near-duplicates': { summary: "every near-duplicate group of a dataset's instructions (ROUGE-L above a threshold), as its page lists them", load: () => import('./commands/near-duplicates') },
	dedup: { summary: 'ROUGE-L near-duplicate filter over a file of instructions (JSON lines out)', load: () => import('./commands/dedup') },
	rouge: { summary: 'ROUGE-L (rouge_score-exact) for {target, prediction} pairs', load: () => import('./commands/rouge') }
};

function usage(): string {
	const width = Math.max(...Object.keys(commands).map((c) => c.length));
	return [
		'Usage: npx instruct-audit <command> [options]   (or npm run cli -- <command> …; add --help after a command for its options)',
		'',
		'Commands:',
		...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
	].join('\n');
}

async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (name === '--help' || name === '-h' || name === 'help') {
		console.log(usage());
		return 0;
	}
	const command = name ? commands[name] : undefined;
	if (!command) {
		// No command, or one that does not exist: a command line that cannot be read (exit 2), as JSON too under --json.
		const message = name ? `Unknown command "${name}".` : 'Give a command.';
		if (argv.includes('--json')) printJson(failureJson(usageError(message, usage())));
		console.error(`error: ${message}\n\n${usage()}`);
		return 2;
	}
	const bindingProblem = sqliteBindingProblem();
	if (bindingProblem) {
		console.error(`error: ${bindingProblem}`);
		return 1;
	}
	let newDatabase = false;
	try {
		// Inside the try: a setting that cannot be used (SESSION_DAYS=0) is reported like any refusal, one line per variable.
		lowerPriority();
		if (needsDatabase(name, rest) && databaseMissing()) throw missingDatabaseError();
		newDatabase = name !== 'restore' && databaseMissing();
		// An import or audit creation a stopped process left half done would keep its dataset closed (or its rows) until a server start.
		if (usesDatabase(name, rest) && !databaseMissing()) await (await import('./leftovers')).removeLeftoversOfStoppedProcesses();
		const mod = await command.load();
		await mod.run(rest);
		// A command that reported a failure itself (e.g. a connection test that failed) set the code.
		return typeof process.exitCode === 'number' ? process.exitCode : 0;
	} catch (caught) {
		if ((caught as NodeJS.ErrnoException | null)?.code === 'EPIPE') return 0; // the reader went away: nothing to say
		const err = exitCodeOf(caught) === null ? (fileErrorOf(caught) ?? databaseFileError(caught) ?? databaseBusyError(caught) ?? caught) : caught;
		const code = exitCodeOf(err);
		// A script that asked for JSON gets the failure as JSON too (the person, on stderr, a line).
		if (rest.includes('--json')) printJson(failureJson(err));
		if (err instanceof ConfigError) {
			for (const problem of err.problems) console.error(`error: ${problem}`);
			return 1;
		}
		if (code !== null) {
			console.error(`error: ${(err as Error).message}${err instanceof CliError && err.usage ? `\n\n${err.usage}` : ''}`);
			return code;
		}
		// SQLite's extended code (SQLITE_IOERR_SHMMAP, …) says more than its message ("disk I/O error").
		const sqliteCode = (err as { code?: unknown } | null)?.code;
		console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
		if (typeof sqliteCode === 'string' && sqliteCode.startsWith('SQLITE_')) console.error(`(${sqliteCode})`);
		return 1;
	} finally {
		if (newDatabase && !databaseMissing())
			console.error(`note: there was no database at ${config().databasePath}; this command created a new, empty one. If you meant another, set DATABASE_PATH to its file.`);
	}
}

/** The database file SQLite cannot open, named with where its path came from (see databaseFileProblem). */
function databaseFileError(err: unknown): CliError | null {
	const file = config().databasePath;
	const problem = databaseFileProblem(err, file);
	return problem ? new CliError(problem, 1, { file }, undefined, 'database') : null;
}

/** SQLite's bare "database is locked": which database, the likely cause, and that trying again helps (code busy, no stack). */
function databaseBusyError(err: unknown): CliError | null {
	if (!isBusyError(err)) return null;
	const file = config().databasePath;
	return new CliError(`The database ${file} is locked: another process holds its write lock (a long import, filter run or restore?). Try again when it has finished.`, 1, { file }, undefined, 'busy');
}

/**
 * The commands that may start a fresh installation's database (the first account, the first
 * import), as `npm start` does; `restore` checks its own target. Every other command
 * refuses a database file that does not exist: a mistyped DATABASE_PATH, or the default path
 * resolved from the wrong folder, would otherwise answer from a new, empty database (an empty
 * list, a "verified" backup of nothing). dedup and rouge read only their files.
 */
function needsDatabase(name: string, rest: string[]): boolean {
	if (rest.includes('--help') || rest.includes('-h')) return false;
	if (name === 'dedup' || name === 'rouge' || name === 'restore' || name === 'import') return false;
	const sub = rest[0];
	return !(name === 'users' && sub === 'create');
}

/** Whether the command reads the app's database at all (restore replaces it; dedup and rouge read only their files). */
function usesDatabase(name: string, rest: string[]): boolean {
	return !rest.includes('--help') && !rest.includes('-h') && name !== 'dedup' && name !== 'rouge' && name !== 'restore';
}

function missingDatabaseError(): CliError {
	const file = config().databasePath;
	// bin/instruct-audit.js sets an unset DATABASE_PATH to the app's own file; only the bundled entry resolves the default from the current folder.
	const from = processEnv().DATABASE_PATH ? '' : ' (the default data/instruct-audit.db, from the current folder)';
	return new CliError(`There is no database at ${file}${from}. Set DATABASE_PATH to the app's database file (npm start, users create and import create a new one).`, 1, { file }, undefined, 'not_found');
}

/** Whether the database file does not exist yet (a mistyped DATABASE_PATH would otherwise silently start an empty one). */
function databaseMissing(): boolean {
	const file = config().databasePath;
	return file !== ':memory:' && !fs.existsSync(file);
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(err) => {
		console.error(err);
		process.exitCode = 1;
	}
);
