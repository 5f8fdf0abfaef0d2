/** Helpers shared by the benchmark scripts: wall time and peak resident memory. */
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

/**
 * Records a target's outcome for the table `npm run bench` prints after every benchmark (run.ts
 * passes the file in BENCH_TARGETS_FILE); the benchmark prints its own line as well.
 */
export function recordTarget(target: TargetRow): void {
	const file = process.env.BENCH_TARGETS_FILE;
	if (!file) return;
	const bench = path.basename(process.argv[1] ?? '').replace(/\.bench\.ts$/, '');
	fs.appendFileSync(file, JSON.stringify({ bench, ...target }) + '\n');
}
