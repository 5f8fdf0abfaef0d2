/**
 * The report threads never keep a process alive: a command (or a server whose HTTP side has
 * closed) that is done ends even while a background latent-truth computation runs. Before, the
 * threads' message listeners held the process until that computation ended.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

it('a process that queued a long background computation ends as soon as it is done', async () => {
	const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/report-then-end.ts'], {
		env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	let askedAt = 0;
	child.stdout.on('data', (d) => {
		output += d;
		if (!askedAt && output.includes('asked')) askedAt = Date.now();
	});
	child.stderr.on('data', (d) => (output += d));
	const ended = await new Promise<{ code: number | null; at: number }>((resolve) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			resolve({ code: null, at: Date.now() });
		}, 60_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, at: Date.now() });
		});
	});
	expect(output).toContain('asked pending');
	expect(ended.code, output).toBe(0);
	expect(ended.at - askedAt).toBeLessThan(5000);
}, 90_000);
