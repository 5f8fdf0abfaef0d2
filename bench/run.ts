/**
 * `npm run bench [-- name …]`: runs each benchmark script bench/<name>.ts in its own process
 * (so peak memory is that benchmark's alone) and lets it print its figures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
let failed = 0;
for (const name of wanted.length ? wanted : available) {
	console.log(`\n=== ${name} ===`);
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', '--expose-gc', path.join(here, `${name}.bench.ts`)],
		{ stdio: 'inherit', env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' } }
	);
	if (result.status !== 0) {
		failed++;
		console.error(`benchmark ${name} failed (exit ${result.status})`);
	}
}
process.exit(failed ? 1 : 0);
