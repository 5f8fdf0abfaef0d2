/**
 * The server that `npm start` runs (scripts/serve.js) when a built asset it listed at start-up
 * is gone — as after `npm run build` in the same folder while it serves: a request for the old
 * file is answered 404, and the server goes on serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuild, freePort } from '../support/built-app';

const ROOT = process.cwd();
let child: ChildProcess | undefined;
let dir = '';

afterEach(() => {
	if (child && child.exitCode === null) child.kill('SIGKILL');
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a built asset removed while the server runs', () => {
	it('is answered 404 and the server keeps serving', async () => {
		await ensureBuild();
		// A copy of the build of its own, so that removing a file does not touch other tests'.
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-serve-assets-'));
		fs.cpSync(path.join(ROOT, 'build'), path.join(dir, 'build'), { recursive: true });
		fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
		const port = await freePort();
		let output = '';
		child = spawn(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(path.join(ROOT, 'scripts/serve.js'))}).then((m) => m.serve(${JSON.stringify(dir)}))`], {
			cwd: ROOT,
			env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: path.join(dir, 'app.db') },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout!.on('data', (d) => (output += d));
		child.stderr!.on('data', (d) => (output += d));
		const url = `http://127.0.0.1:${port}`;
		const started = Date.now();
		for (;;) {
			if (child.exitCode !== null) throw new Error(`The server exited:\n${output}`);
			if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
			if (Date.now() - started > 30_000) throw new Error(`The server did not start:\n${output}`);
			await new Promise((r) => setTimeout(r, 100));
		}

		const assets = path.join(dir, 'build/client/_app/immutable/assets');
		const css = fs.readdirSync(assets).find((f) => f.endsWith('.css'))!;
		const asset = `${url}/_app/immutable/assets/${css}`;
		expect((await fetch(asset, { headers: { 'accept-encoding': 'br' } })).status).toBe(200);

		for (const f of fs.readdirSync(assets)) if (f.startsWith(css)) fs.rmSync(path.join(assets, f));
		for (const encoding of ['br', 'gzip', 'identity']) {
			const res = await fetch(asset, { headers: { 'accept-encoding': encoding } });
			expect(res.status, `${encoding}: ${output}`).toBe(404);
		}
		await new Promise((r) => setTimeout(r, 200));
		expect(child.exitCode, output).toBeNull();
		expect((await fetch(`${url}/healthz`)).ok).toBe(true);
	}, 120_000);
});
