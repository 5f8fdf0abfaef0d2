/**
 * The command line as tests run it: src/cli/main.ts bundled once per test run (vitest's
 * globalSetup, below) into plain JavaScript with one chunk per lazily loaded command. A
 * spawn then starts in about 0.4 s instead of about 1 s through tsx, and the CLI tests spawn
 * hundreds of times. The shipped `bin/instruct-audit.js` (tsx) has its own tests in
 * cli-bin.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Inside node_modules so the bundle's bare imports (better-sqlite3, openai…) resolve as the app's do.
const outdir = path.join(root, 'node_modules/.cache/instruct-audit-cli');

/** The bundled CLI's entry: `spawn(process.execPath, [CLI_ENTRY, 'report', …])`. */
export const CLI_ENTRY = path.join(outdir, 'main.js');

export default async function setup(): Promise<void> {
	const { build } = await import('esbuild');
	fs.rmSync(outdir, { recursive: true, force: true });
	await build({
		entryPoints: [path.join(root, 'src/cli/main.ts')],
		bundle: true,
		splitting: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		packages: 'external',
		tsconfig: path.join(root, 'tsconfig.json'),
		outdir,
		logLevel: 'warning'
	});
}
