#!/usr/bin/env node
// `npx instruct-audit <command> …` (and `npm run cli -- …`): the command line of src/cli/main.ts,
// compiled on the fly by tsx with the project's tsconfig (for the $lib paths). Nothing else is
// printed on stdout, so `… --json | jq` reads pure JSON.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Below the server's CPU priority from the first step, before tsx compiles the code (a core for a
// second or two, in esbuild's process too, which inherits it); src/cli/main.ts does it again and
// reports a bad INSTRUCT_AUDIT_NICE (default 10; 0 keeps the normal priority).
const nice = Math.min(19, Math.floor(Number(process.env.INSTRUCT_AUDIT_NICE || 10)));
try {
	if (nice > os.getPriority()) os.setPriority(nice);
} catch {
	// not allowed here: run at the priority we have
}

// tsx is loaded only now, at the lower priority.
const { register } = await import('tsx/esm/api');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The app's own migrations and, unless DATABASE_PATH says otherwise, its own database, from
// whatever folder the command is run in (they were looked for relative to it).
process.env.MIGRATIONS_DIR ||= path.join(root, 'migrations');
process.env.DATABASE_PATH ||= path.join(root, 'data', 'instruct-audit.db');
register({ tsconfig: path.join(root, 'tsconfig.json') });
await import(pathToFileURL(path.join(root, 'src/cli/main.ts')).href);
