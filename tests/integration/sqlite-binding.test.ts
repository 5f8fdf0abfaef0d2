import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqliteBindingProblem } from '../../scripts/sqlite-binding.js';

const root = path.resolve(__dirname, '../..');
let dir: string | undefined;
afterEach(() => {
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
	dir = undefined;
});

/**
 * A copy of the start-up scripts beside a better-sqlite3 package whose native binding is
 * missing — what an install leaves when npm skipped the package's install script.
 */
function projectWithoutBinding(): string {
	const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-no-binding-'));
	fs.mkdirSync(path.join(project, 'scripts'));
	for (const f of ['start.js', 'serve.js', 'settings.js', 'sqlite-binding.js']) fs.copyFileSync(path.join(root, 'scripts', f), path.join(project, 'scripts', f));
	fs.copyFileSync(path.join(root, 'package.json'), path.join(project, 'package.json'));
	const modules = path.join(project, 'node_modules');
	fs.mkdirSync(modules);
	fs.cpSync(path.join(root, 'node_modules/better-sqlite3'), path.join(modules, 'better-sqlite3'), {
		recursive: true,
		filter: (src) => !src.includes(`${path.sep}build`) && !src.includes(`${path.sep}deps`) && !src.includes(`${path.sep}src`)
	});
	for (const dep of ['bindings', 'file-uri-to-path']) fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep));
	return project;
}

describe('start-up without the SQLite native binding', () => {
	it('finds nothing wrong with the installed driver', () => {
		expect(sqliteBindingProblem()).toBeNull();
	});

	it('npm start says what is wrong and how to fix it in plain words, without a stack trace', () => {
		dir = projectWithoutBinding();
		const result = spawnSync(process.execPath, ['scripts/start.js'], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PORT: '0' } });
		expect(result.status).toBe(1);
		expect(result.stderr).toContain('better-sqlite3');
		expect(result.stderr).toContain('npm rebuild better-sqlite3');
		expect(result.stderr).not.toMatch(/^\s+at /m);
		// It stopped before trying to build or serve anything.
		expect(result.stdout).not.toMatch(/building|Listening/);
	});
});
