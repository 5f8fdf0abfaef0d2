/**
 * The built app (build/, started by scripts/start.js exactly as `npm start` does) in a child process on
 * a free port with a fresh database: for tests that need the real HTTP stack — hooks, adapter,
 * body limits, compression, headers. Builds first when build/ is missing or older than the
 * sources (once, under a lock, when several test files ask at the same time).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = process.cwd();
const SOURCES = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];

function newestMtime(p: string): number {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(p);
	} catch {
		return 0;
	}
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
	return newest;
}

function buildIsFresh(): boolean {
	const entry = path.join(ROOT, 'build', 'handler.js');
	if (!fs.existsSync(entry)) return false;
	const builtAt = fs.statSync(entry).mtimeMs;
	return SOURCES.every((s) => newestMtime(path.join(ROOT, s)) <= builtAt);
}

async function sleep(ms: number): Promise<void> {
	await new Promise((r) => setTimeout(r, ms));
}

/** Builds the app unless the build is current. Allow a few minutes on a busy machine. */
export async function ensureBuild(): Promise<void> {
	if (buildIsFresh()) return;
	const lock = path.join(os.tmpdir(), `instruct-audit-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
	for (;;) {
		let fd: number;
		try {
			fd = fs.openSync(lock, 'wx');
		} catch {
			// Another test file is building (or a stale lock from a killed run: give up on it after 5 min).
			const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
			if (age > 300_000) fs.rmSync(lock, { force: true });
			await sleep(500);
			if (buildIsFresh()) return;
			continue;
		}
		try {
			if (buildIsFresh()) return;
			const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], {
				cwd: ROOT,
				encoding: 'utf8',
				env: { ...process.env, NODE_ENV: 'production' }
			});
			if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
			return;
		} finally {
			fs.closeSync(fd);
			fs.rmSync(lock, { force: true });
		}
	}
}

/** A TCP port nothing listens on now (the OS picks it), for a server a test or bench starts. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export const APP_ADMIN = { email: 'admin@example.org', password: 'admin-password-1' };

export interface BuiltApp {
	/** http://127.0.0.1:<port> */
	url: string;
	pid: number;
	databasePath: string;
	/** What the server printed so far. */
	log(): string;
	stop(): Promise<void>;
}

/** Starts the built app with an administrator (APP_ADMIN) already created. */
export async function startBuiltApp(env: Record<string, string> = {}): Promise<BuiltApp> {
	await ensureBuild();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-app-'));
	const databasePath = path.join(dir, 'app.db');
	const port = await freePort();
	const child: ChildProcess = spawn(
		process.execPath,
		// Exactly what `npm start` runs.
		[path.join(ROOT, 'scripts/start.js')],
		{
			cwd: ROOT,
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '',
				NODE_ENV: 'production',
				PORT: String(port),
				HOST: '127.0.0.1',
				DATABASE_PATH: databasePath,
				ADMIN_EMAIL: APP_ADMIN.email,
				ADMIN_PASSWORD: APP_ADMIN.password,
				...env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stdout?.on('data', (d) => (output += d));
	child.stderr?.on('data', (d) => (output += d));
	const url = `http://127.0.0.1:${port}`;
	const started = Date.now();
	for (;;) {
		if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode}:\n${output}`);
		try {
			const res = await fetch(`${url}/healthz`);
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() - started > 30_000) throw new Error(`The app did not start in 30 s:\n${output}`);
		await sleep(100);
	}
	return {
		url,
		pid: child.pid!,
		databasePath,
		log: () => output,
		stop: async () => {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				await Promise.race([exited, sleep(5000)]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Signs in over HTTP as a browser would (same-origin form post); returns the Cookie header value. */
export async function signInOverHttp(app: BuiltApp, who: { email: string; password: string } = APP_ADMIN, headers: Record<string, string> = {}): Promise<string> {
	const res = await fetch(`${app.url}/login`, {
		method: 'POST',
		headers: { origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers },
		body: new URLSearchParams(who),
		redirect: 'manual'
	});
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ia_session='));
	if (res.status !== 303 || !cookie) throw new Error(`Sign-in as ${who.email} failed: ${res.status} ${await res.text()}`);
	return cookie.split(';')[0];
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
	if (!m) throw new Error(`No ${field} in /proc/${pid}/status`);
	return Number(m[1]) * 1024;
}

/** Peak resident memory of a process since it started or since resetPeakRss (VmHWM), in bytes; Linux only. */
export function peakRssBytes(pid: number): number {
	return statusBytes(pid, 'VmHWM');
}

/**
 * Starts a new peak for a process (Linux's clear_refs 5) and returns its resident memory now:
 * a later peakRssBytes minus this is what the work in between added, whatever the earlier
 * peak was (start-up peaks otherwise hide or reveal growth depending on the machine).
 */
export function resetPeakRss(pid: number): number {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
	} catch {
		// Not allowed here (a locked-down kernel): growth is then measured from the peak so far.
		return statusBytes(pid, 'VmHWM');
	}
	return statusBytes(pid, 'VmRSS');
}
