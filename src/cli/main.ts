#!/usr/bin/env node
/**
 * `npx instruct-audit <command> …` (or `npm run cli -- …`): the headless face of Instruct
 * Audit. Each command lives in ./commands/<name>.ts, exports `run(argv)`, and calls the same
 * domain functions as the pages. A command signals a user error by throwing CliError (printed
 * without a stack, exit 1), or a failure it has reported itself by setting process.exitCode.
 */
import { CliError } from './cli-error';

// Piped into `head` (or anything that stops reading), the output pipe closes: end quietly
// instead of dying on an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
	stream.on('error', (err: NodeJS.ErrnoException) => {
		if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
		throw err;
	});
}

const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> }> = {
	users: { summary: 'create, list, reset passwords of, disable accounts', load: () => import('./commands/users') },
	import: { summary: 'import a dataset file', load: () => import('./commands/import') },
	datasets: { summary: 'list datasets', load: () => import('./commands/datasets') },
	stats: { summary: "a dataset's statistics (paper Table 1)", load: () => import('./commands/stats') },
	report: { summary: 'an audit report: rates with intervals, agreement, A–D per model, reviewers (--json, --csv, --labels, --compare)', load: () => import('./commands/report') },
	audit: { summary: 'create, list, show, close/reopen audits; manage their reviewers', load: () => import('./commands/audit') },
	export: { summary: 'export a filtered subset (JSON Lines, Alpaca, chat, prompt/completion, CSV, Parquet) with a manifest', load: () => import('./commands/export') },
	endpoints: { summary: 'list, add, test, remove the OpenAI-compatible endpoints generation runs use', load: () => import('./commands/endpoints') },
	generate: { summary: 'run the Self-Instruct or Unnatural Instructions pipeline against an endpoint (durable: --resume, --pause, --cancel, --list)', load: () => import('./commands/generate') },
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
	if (!name || name === '--help' || name === '-h' || name === 'help') {
		console.log(usage());
		return name ? 0 : 1;
	}
	const command = commands[name];
	if (!command) {
		console.error(`Unknown command "${name}".\n\n${usage()}`);
		return 2;
	}
	try {
		const mod = await command.load();
		await mod.run(rest);
		// A command that reported a failure itself (e.g. a connection test that failed) set the code.
		return typeof process.exitCode === 'number' ? process.exitCode : 0;
	} catch (err) {
		if ((err as NodeJS.ErrnoException | null)?.code === 'EPIPE') return 0; // the reader went away: nothing to say
		if (err instanceof CliError) {
			console.error(`error: ${err.message}`);
			return err.exitCode;
		}
		console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
		return 1;
	}
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
