/**
 * The command line as a program: `npx instruct-audit … --json` prints only JSON, `npm run cli`
 * still works, a closed output pipe ends a command quietly, and `endpoints test` says what
 * went wrong in plain words with a non-zero exit code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { CLI_ENTRY } from '../support/cli-bundle';

let file: string;
let cleanup: () => void;
beforeEach(() => {
	({ file, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function run(command: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(command, args, {
			cwd,
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

	it('runs from any folder: the app\'s own migrations are found wherever the command is started', async () => {
		const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-cli-cwd-'));
		try {
			const result = await run(process.execPath, [path.resolve('bin/instruct-audit.js'), 'datasets', '--json'], { MIGRATIONS_DIR: '' }, elsewhere);
			expect(result.code, result.stderr).toBe(0);
			expect(JSON.parse(result.stdout)).toEqual([]);
			expect(fs.readdirSync(elsewhere)).toEqual([]);
		} finally {
			fs.rmSync(elsewhere, { recursive: true, force: true });
		}
	}, 60_000);

	it('a command run with --json that fails says so in JSON on standard output too: message, code and place', async () => {
		const bad = path.join(path.dirname(file), 'bad.jsonl');
		fs.writeFileSync(bad, '{"instruction": "Say hi.", "input": "", "output": "hi"}\n{"instruction": 5}\n');
		const [badFile, unknownDataset, badOption, plain] = await Promise.all([
			run(process.execPath, [CLI_ENTRY, 'import', bad, '--dataset', 'x', '--json']),
			run(process.execPath, [CLI_ENTRY, 'stats', 'nosuch', '--json']),
			run(process.execPath, [CLI_ENTRY, 'datasets', '--bogus', '--json']),
			run(process.execPath, [CLI_ENTRY, 'stats', 'nosuch'])
		]);
		expect(badFile.code).toBe(1);
		expect(JSON.parse(badFile.stdout)).toEqual({
			error: { message: 'bad.jsonl: line 2: field "instruction" must be a string, got number\nNothing was imported.', code: 'failed', file: 'bad.jsonl', line: 2, field: 'instruction' }
		});
		expect(badFile.stderr).toContain('error: bad.jsonl: line 2');
		expect(unknownDataset.code).toBe(1);
		expect(JSON.parse(unknownDataset.stdout)).toEqual({ error: { message: 'No dataset named "nosuch".', code: 'not_found' } });
		expect(badOption.code).toBe(2);
		expect(JSON.parse(badOption.stdout).error).toMatchObject({ code: 'usage', message: expect.stringContaining("Unknown option '--bogus'") });
		// Without --json, people read the one line on standard error; standard output stays empty.
		expect(plain.code).toBe(1);
		expect(plain.stdout).toBe('');
		expect(plain.stderr).toBe('error: No dataset named "nosuch".\n');
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
			expect(refused.stderr.trim()).toBe(`error: refused: The server at http://127.0.0.1:${port}/v1 refused the connection. Is it running, and on that port?`);
			expect(refusedJson.code).toBe(1);
			// The one error document, the report beside it.
			expect(JSON.parse(refusedJson.stdout)).toMatchObject({ ok: false, outcome: 'refused', error: { code: 'refused', message: expect.stringContaining('refused the connection') } });
			expect(wrongKey.code).toBe(1);
			expect(wrongKey.stderr.trim()).toBe('error: auth rejected: 401: the API key was rejected.');
			expect(wrongKey.stdout + wrongKey.stderr).not.toContain('sk-wrong-key-123456');
			expect(fine.code, fine.stderr).toBe(0);
			expect(fine.stdout).toMatch(/^Connected: model fake-model answered/);
		} finally {
			await fake.close();
		}
	}, 60_000);
});

describe('bulk commands and the server beside them', () => {
	/** Starts `import` on a FIFO (it waits there for its data), reads its niceness, then feeds it one row. */
	async function importNiceness(env: Record<string, string>, expected: number): Promise<{ nice: number; code: number | null; stdout: string }> {
		const fifo = path.join(path.dirname(file), `rows-${Math.random().toString(36).slice(2)}.jsonl`);
		execFileSync('mkfifo', [fifo]);
		const child = spawn(process.execPath, [CLI_ENTRY, 'import', fifo, '--dataset', 'nice', '--json'], {
			env: { ...process.env, DATABASE_PATH: file, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		child.stdout.on('data', (d) => (stdout += d));
		const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
		// The priority is set as the command starts, before it opens the FIFO: wait for the expected
		// value (or, when none is expected to change, a second), then read it.
		const started = Date.now();
		const unchanged = expected === os.getPriority();
		let nice = os.getPriority(child.pid);
		while (unchanged ? Date.now() - started < 1000 : nice !== expected && Date.now() - started < 10_000) {
			await new Promise((r) => setTimeout(r, 50));
			nice = os.getPriority(child.pid);
		}
		fs.writeFileSync(fifo, JSON.stringify({ instruction: 'Say hi.', input: '', output: 'Hi.' }) + '\n');
		return { nice, code: await exited, stdout };
	}

	it('run at a lower CPU priority (nice 10), unless INSTRUCT_AUDIT_NICE=0', async () => {
		const niced = await importNiceness({}, Math.max(10, os.getPriority()));
		expect(niced.code).toBe(0);
		expect(JSON.parse(niced.stdout)).toMatchObject({ instancesAdded: 1 });
		expect(niced.nice).toBe(Math.max(10, os.getPriority()));
		const normal = await importNiceness({ INSTRUCT_AUDIT_NICE: '0' }, os.getPriority());
		expect(normal.code).toBe(0);
		expect(normal.nice).toBe(os.getPriority());
	}, 30_000);
});
