/** Helpers shared by the benchmark scripts: wall time, peak resident memory, the machine's pace, the table of targets. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function peakRssMb(): number {
	// resourceUsage().maxRSS is in kilobytes and covers the whole life of the process.
	return process.resourceUsage().maxRSS / 1024;
}

export async function timed<T>(fn: () => T | Promise<T>): Promise<{ result: T; ms: number }> {
	const start = performance.now();
	const result = await fn();
	return { result, ms: performance.now() - start };
}

export function fmt(n: number, digits = 0): string {
	return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * A benchmark database built once: with BENCH_CACHE=<dir> set, the file is kept there (named
 * after `key` and the number of migrations) and reused by later runs, so iterating on a
 * million-row benchmark does not rebuild its data each time. Without it, built in `dir`.
 */
export function benchDatabase(dir: string, key: string, build: (file: string) => void): string {
	const cacheDir = process.env.BENCH_CACHE;
	if (!cacheDir) {
		const file = path.join(dir, `${key}.db`);
		build(file);
		return file;
	}
	fs.mkdirSync(cacheDir, { recursive: true });
	const migrations = fs.readdirSync(path.resolve('migrations')).filter((f) => f.endsWith('.sql')).length;
	const file = path.join(cacheDir, `${key}-m${migrations}.db`);
	if (!fs.existsSync(file)) {
		// A run killed while building leaves its half-built file behind: start again from nothing.
		for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}.building${suffix}`, { force: true });
		build(`${file}.building`);
		for (const suffix of ['-wal', '-shm']) fs.rmSync(`${file}.building${suffix}`, { force: true });
		fs.renameSync(`${file}.building`, file);
	}
	return file;
}

/** The machine's load average now (1, 5, 15 minutes): the benches run on a shared machine. */
export function loadAverage(): string {
	return os.loadavg().map((n) => n.toFixed(2)).join(' ');
}

/** One target a benchmark checks: its row, the figure measured, the target, whether it was met. */
export interface TargetRow {
	row: string;
	figure: string;
	target: string;
	met: boolean;
}

/** A recorded target with the moment's machine: machinePace() and the 1-minute load average. */
export interface RecordedTarget extends TargetRow {
	bench: string;
	paceMs: number;
	load: number;
}

/**
 * machinePace's work, run in a process of its own so that its memory never counts in a
 * benchmark's peak: a chain of dependent reads through 8 MB (memory latency, as SQLite's and the
 * indexes' lookups), then arithmetic; the best of three rounds, in milliseconds, on stdout.
 */
const PACE_SCRIPT = `
const n = 1 << 21, order = new Int32Array(n);
for (let i = 0; i < n; i++) order[i] = i;
let seed = 12345;
for (let i = n - 1; i > 0; i--) {
	seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
	const j = seed % (i + 1), t = order[i];
	order[i] = order[j];
	order[j] = t;
}
const chain = new Int32Array(n);
for (let i = 0; i < n; i++) chain[order[i]] = order[(i + 1) % n];
let best = Infinity, sink = 0;
for (let round = 0; round < 3; round++) {
	const start = performance.now();
	let at = 0;
	for (let k = 0; k < 100000; k++) at = chain[at];
	let x = at | 1;
	for (let k = 0; k < 8000000; k++) x = (Math.imul(x, 48271) + k) | 0;
	sink ^= x;
	best = Math.min(best, performance.now() - start);
}
// sink is read, so that the loops cannot be optimised away (it is an integer: best is printed).
process.stdout.write(String(sink === 0.5 ? 0 : best));
`;

/**
 * How fast the machine is right now: a fixed piece of work timed (15–25 ms on this machine in a
 * quick hour). On this shared machine the same code's figures move by a third and more with what else
 * runs; the pace beside a figure says whether it was taken in a slow moment. NaN if it cannot run.
 */
export function machinePace(): number {
	const run = spawnSync(process.execPath, ['-e', PACE_SCRIPT], { encoding: 'utf8', timeout: 30_000 });
	return run.status === 0 ? Number(run.stdout) : NaN;
}

/**
 * Records a target's outcome for the table `npm run bench` prints after every benchmark (run.ts
 * passes the file in BENCH_TARGETS_FILE); the benchmark prints its own line as well.
 */
export function recordTarget(target: TargetRow): void {
	const file = process.env.BENCH_TARGETS_FILE;
	if (!file) return;
	const bench = path.basename(process.argv[1] ?? '').replace(/\.bench\.ts$/, '');
	const recorded: RecordedTarget = { bench, ...target, paceMs: machinePace(), load: os.loadavg()[0] };
	fs.appendFileSync(file, JSON.stringify(recorded) + '\n');
}
