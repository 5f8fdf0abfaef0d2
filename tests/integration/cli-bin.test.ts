/**
 * The command line as a program: `npx instruct-audit … --json` prints only JSON, `npm run cli`
 * still works, a closed output pipe ends a command quietly, and `endpoints test` says what
 * went wrong in plain words with a non-zero exit code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

let file: string;
let cleanup: () => void;
beforeEach(() => {
	({ file, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(command, args, {
			env: { ...process.env, DATABASE_PATH: file, LLM_BASE_URL: '', LLM_PRESET: '', npm_config_yes: 'false', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('exit', (code) => resolve({ code, stdout, stderr }));
	});
}

async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((r) => server.close(() => r()));
	return port;
}

describe('instruct-audit as a program', () => {
	it('npx instruct-audit … --json prints only JSON; npm run cli keeps working', async () => {
		// --no: run the project's own bin, never look anything up in a registry.
		const [viaNpx, viaNpm] = await Promise.all([
			run('npx', ['--no', 'instruct-audit', 'datasets', '--json']),
			run('npm', ['run', 'cli', '--', 'datasets', '--json'])
		]);
		expect(viaNpx.code, viaNpx.stderr).toBe(0);
		expect(JSON.parse(viaNpx.stdout)).toEqual([]);
		expect(viaNpm.code, viaNpm.stderr).toBe(0);
		expect(viaNpm.stdout.trim().endsWith('[]')).toBe(true);
	}, 60_000);

	it('ends quietly when its output pipe closes (… | head)', async () => {
		const pairs = path.join(path.dirname(file), 'pairs.jsonl');
		fs.writeFileSync(pairs, Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ target: `the cat sat on mat ${i}`, prediction: `a cat sat on the mat ${i}` })).join('\n'));
		const err = path.join(path.dirname(file), 'stderr.txt');
		const shell = `set -o pipefail; node bin/instruct-audit.js rouge --pairs '${pairs}' 2>'${err}' | head -n 2`;
		const result = await run('bash', ['-c', shell]);
		expect(result.stdout.trim().split('\n')).toHaveLength(2);
		expect(fs.readFileSync(err, 'utf8')).toBe('');
		expect(result.code).toBe(0);
	}, 60_000);

	it('endpoints test: refused and a wrong key are told apart in words, with exit code 1; success exits 0', async () => {
		const port = await closedPort();
		const fake: FakeOpenAI = await startFakeOpenAI({ apiKey: 'sk-right-key-000' });
		try {
			const bin = ['bin/instruct-audit.js', 'endpoints', 'test', 'env'];
			const [refused, refusedJson, wrongKey, fine] = await Promise.all([
				run('node', bin, { LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MODEL: 'm' }),
				run('node', [...bin, '--json'], { LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MODEL: 'm' }),
				run('node', bin, { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-model', LLM_API_KEY: 'sk-wrong-key-123456' }),
				run('node', bin, { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-model', LLM_API_KEY: 'sk-right-key-000' })
			]);
			expect(refused.code).toBe(1);
			expect(refused.stdout.trim()).toBe(`refused: The server at http://127.0.0.1:${port}/v1 refused the connection. Is it running, and on that port?`);
			expect(refusedJson.code).toBe(1);
			expect(JSON.parse(refusedJson.stdout)).toMatchObject({ ok: false, outcome: 'refused' });
			expect(wrongKey.code).toBe(1);
			expect(wrongKey.stdout.trim()).toBe('auth rejected: 401: the API key was rejected.');
			expect(wrongKey.stdout + wrongKey.stderr).not.toContain('sk-wrong-key-123456');
			expect(fine.code, fine.stderr).toBe(0);
			expect(fine.stdout).toMatch(/^Connected: model fake-model answered/);
		} finally {
			await fake.close();
		}
	}, 60_000);
});
