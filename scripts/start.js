#!/usr/bin/env node
// `npm start`: builds the app when the build is missing or older than the sources, then serves
// it. The server opens (creating if needed) the SQLite database and applies the migrations at
// start-up, so a fresh clone needs nothing else.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberSettingProblems, originSettingProblems, refuseSettings } from './settings.js';
import { sqliteBindingProblem } from './sqlite-binding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'build', 'index.js');
const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];

function newestMtime(p) {
	let stat;
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

const bindingProblem = sqliteBindingProblem();
if (bindingProblem) {
	console.error(bindingProblem);
	process.exit(1);
}

// Settings that cannot be used are refused before a build that may take minutes (serve.js
// checks them again for whoever starts it directly).
const settingProblems = [...numberSettingProblems(process.env), ...originSettingProblems(process.env)];
if (settingProblems.length) refuseSettings(settingProblems);

const builtAt = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
const sourcesAt = Math.max(...sources.map((s) => newestMtime(path.join(root, s))));
if (builtAt === 0 || sourcesAt > builtAt) {
	console.log(builtAt === 0 ? 'No build yet: building the app…' : 'Sources changed since the last build: rebuilding…');
	const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

process.chdir(root);
process.env.PORT ??= '3000';
process.env.DATABASE_PATH ??= path.join(root, 'data', 'instruct-audit.db');
console.log(`Instruct Audit on http://localhost:${process.env.PORT} (database ${process.env.DATABASE_PATH})`);
const { serve } = await import('./serve.js');
await serve(root);
