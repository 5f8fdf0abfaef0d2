import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeThroughPartial } from './files';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-files-'));
});
afterEach(() => {
	vi.restoreAllMocks();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** Every descriptor closeSync was asked to close during `fn`, and what `fn` threw. */
function closesDuring(fn: () => void): { closes: number[]; error?: Error } {
	const closes: number[] = [];
	const real = fs.closeSync;
	vi.spyOn(fs, 'closeSync').mockImplementation((fd: number) => {
		closes.push(fd);
		real(fd);
	});
	try {
		fn();
		return { closes };
	} catch (error) {
		return { closes, error: error as Error };
	} finally {
		vi.restoreAllMocks();
	}
}

describe('writeThroughPartial', () => {
	it('writes strings and bytes under the name and leaves no partial file', () => {
		const file = path.join(dir, 'out.jsonl');
		const { closes, error } = closesDuring(() => writeThroughPartial(file, ['{"a":1}\n', '', new TextEncoder().encode('{"b":"é"}\n')]));
		expect(error).toBeUndefined();
		expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":"é"}\n');
		expect(fs.readdirSync(dir)).toEqual(['out.jsonl']);
		expect(closes).toHaveLength(1);
	});

	it('when the chunks fail midway: the error comes through, nothing under the name, the partial removed, closed once', () => {
		const file = path.join(dir, 'out.jsonl');
		function* chunks() {
			yield 'first\n';
			throw new Error('the query failed');
		}
		const { closes, error } = closesDuring(() => writeThroughPartial(file, chunks()));
		expect(error?.message).toBe('the query failed');
		expect(fs.readdirSync(dir)).toEqual([]);
		expect(closes).toHaveLength(1);
	});

	it('when the rename fails after the close: the descriptor is not closed a second time (its number may be another file’s by then)', () => {
		const file = path.join(dir, 'taken');
		fs.mkdirSync(file);
		fs.writeFileSync(path.join(file, 'inside'), 'x'); // a non-empty folder cannot be renamed over
		const { closes, error } = closesDuring(() => writeThroughPartial(file, ['data\n']));
		expect(error?.message).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
		expect(closes).toHaveLength(1);
		expect(fs.readdirSync(dir)).toEqual(['taken']);
	});
});
