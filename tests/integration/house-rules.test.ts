/**
 * The house rules that a type checker cannot see, checked over the source tree (README,
 * "Architecture" → "Queries"): every SQL statement declares its parameters and row type, and
 * pages reach the database only through the domain modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string, keep: (file: string) => boolean): string[] {
	const out: string[] = [];
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const file = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...sourceFiles(file, keep));
		else if (keep(file)) out.push(file);
	}
	return out;
}

const isCode = (f: string) => /\.(ts|svelte)$/.test(f) && !/\.test\.ts$/.test(f);
// JavaScript handed to a worker thread as text: not type-checked, so not bound by the rule.
const UNTYPED_ALLOWED = new Set(['src/lib/server/backups/worker.ts']);

/** `x.prepare(` directly followed by SQL text, without <Params, Row> — a statement whose types are unchecked. */
function untypedStatements(text: string): number[] {
	const lines: number[] = [];
	for (const m of text.matchAll(/\.prepare\(\s*[`'"]/g)) lines.push(text.slice(0, m.index).split('\n').length);
	return lines;
}

describe('house rules', () => {
	it('every SQL statement declares its bind parameters and row type on prepare<Params, Row>()', () => {
		const offenders: string[] = [];
		for (const file of sourceFiles(path.join(root, 'src'), isCode)) {
			const rel = path.relative(root, file).split(path.sep).join('/');
			if (UNTYPED_ALLOWED.has(rel)) continue;
			for (const line of untypedStatements(fs.readFileSync(file, 'utf8'))) offenders.push(`${rel}:${line}`);
		}
		expect(offenders).toEqual([]);
	});

	it('the rule is checked on something: the detector sees an untyped statement and passes a typed one', () => {
		expect(untypedStatements("c.prepare('SELECT 1').get()")).toEqual([1]);
		expect(untypedStatements('c\n\t.prepare(\n\t\t`SELECT 1`\n\t)')).toEqual([2]);
		expect(untypedStatements("c.prepare<[], { one: number }>('SELECT 1 AS one').get()")).toEqual([]);
		expect(untypedStatements('index.prepare(instruction)')).toEqual([]);
	});

	it('routes never open the database themselves: they call $lib/server domain functions', () => {
		const offenders = sourceFiles(path.join(root, 'src/routes'), isCode)
			.filter((file) => /\bdb\(\)|\$client\b|\.prepare\s*</.test(fs.readFileSync(file, 'utf8')))
			.map((file) => path.relative(root, file));
		expect(offenders).toEqual([]);
	});
});
