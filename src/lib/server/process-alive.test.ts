import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processIsAlive } from './process-alive';
import { ownerIsGone } from './datasets/importing';
import { ownerProcessAlive } from './runs/engine/owner';
import os from 'node:os';

describe('processIsAlive', () => {
	it('a running process is alive; one that exited and was reaped is not', async () => {
		expect(processIsAlive(process.pid)).toBe(true);
		const child = spawn('sleep', ['5']);
		expect(processIsAlive(child.pid!)).toBe(true);
		child.kill('SIGKILL');
		await new Promise((resolve) => child.once('exit', resolve));
		expect(processIsAlive(child.pid!)).toBe(false);
	});

	it('a killed process nobody reaps (a zombie) is dead, for an import, a run and a backup alike', async () => {
		// The shell starts `sleep 0.1` and becomes `sleep 5`, which never reaps it: a zombie once it exits.
		const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5']);
		try {
			const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d).trim()))));
			await new Promise((r) => setTimeout(r, 400));
			expect(processIsAlive(pid)).toBe(false);
			// An import whose process is a zombie is a leftover at once (it was kept for 15 minutes).
			expect(ownerIsGone(`${os.hostname()}:${pid}`, Date.now(), Date.now())).toBe(true);
			expect(ownerProcessAlive(`${os.hostname()}:${pid}:abcd`)).toBe(false);
			// The parent, still running, is alive.
			expect(processIsAlive(parent.pid!)).toBe(true);
		} finally {
			parent.kill('SIGKILL');
		}
	});
});
