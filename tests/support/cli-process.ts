/**
 * The bundled CLI in a child process, for tests that watch a run from this process while the
 * CLI works (the scripted model server lives here), and a poll for what they wait on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_ENTRY } from './cli-bundle';

export interface CliProcess {
	child: ChildProcess;
	/** The exit code (null when killed by a signal). */
	exit: Promise<number | null>;
	/** Standard output and error so far, interleaved as they arrived. */
	output: () => string;
	/** Standard output alone (one JSON document under --json). */
	stdout: () => string;
}

/** Starts `instruct-audit <args…>` with `env` added to this process's environment. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
	let output = '';
	let stdout = '';
	const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout!.on('data', (d) => {
		output += d;
		stdout += d;
	});
	child.stderr!.on('data', (d) => (output += d));
	const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, exit, output: () => output, stdout: () => stdout };
}

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
	const start = Date.now();
	while (!condition()) {
		if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}
