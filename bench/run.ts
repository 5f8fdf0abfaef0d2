/**
 * `npm run bench [-- name …]`: runs each benchmark script bench/<name>.ts in its own process
 * (so peak memory is that benchmark's alone) and lets it print its figures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedTarget } from './measure';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
	.readdirSync(here)
	.filter((f) => f.endsWith('.bench.ts'))
	.map((f) => f.replace(/\.bench\.ts$/, ''))
	.sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
	console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
	process.exit(2);
}
// Each benchmark records the targets it checks here (measure.ts recordTarget), for one table at the end.
const targetsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-targets-')), 'targets.jsonl');
fs.writeFileSync(targetsFile, '');
let failed = 0;
for (const name of wanted.length ? wanted : available) {
	console.log(`\n=== ${name} ===`);
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', '--expose-gc', path.join(here, `${name}.bench.ts`)],
		{ stdio: 'inherit', env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json', BENCH_TARGETS_FILE: targetsFile } }
	);
	if (result.status !== 0) {
		failed++;
		console.error(`benchmark ${name} failed (exit ${result.status})`);
	}
}
printTargets();
fs.rmSync(path.dirname(targetsFile), { recursive: true, force: true });
process.exit(failed ? 1 : 0);

/**
 * Every target the benchmarks checked, with its figure and met / not met, and how fast the machine
 * was when the row was recorded: machinePace against its best in this run (×1.00: as fast as it
 * got; a row recorded at ×1.4 was measured while the machine did the same work 40% slower).
 */
function printTargets(): void {
	const rows = fs
		.readFileSync(targetsFile, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as RecordedTarget);
	if (rows.length === 0) return;
	const met = rows.filter((r) => r.met).length;
	const paces = rows.map((r) => r.paceMs).filter((p) => Number.isFinite(p));
	const best = paces.length ? Math.min(...paces) : NaN;
	console.log(`\n=== targets: ${met} of ${rows.length} met (a shared machine: wall times count other processes) ===`);
	if (Number.isFinite(best)) console.log(`  (machine ×r: a fixed piece of work took r times its quickest time in this run, ${best.toFixed(1)} ms, when the row was recorded)`);
	for (const r of rows) {
		const machine = Number.isFinite(r.paceMs) && Number.isFinite(best) ? ` · machine ×${(r.paceMs / best).toFixed(2)}, load ${r.load.toFixed(1)}` : '';
		console.log(`  ${r.met ? 'met    ' : 'NOT MET'}  [${r.bench}] ${r.row}: ${r.figure} (target ${r.target})${machine}`);
	}
}
