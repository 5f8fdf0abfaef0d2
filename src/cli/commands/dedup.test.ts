import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rougeL } from '$lib/rouge/score';
import { CLI_ENTRY } from '../../../tests/support/cli-bundle';
import { makeStream } from '../../../tests/support/near-duplicate-streams';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
let dir: string;

async function cli(...args: string[]) {
	try {
		const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, ...args], { cwd: root, maxBuffer: 64 << 20 });
		return { code: 0, stdout, stderr };
	} catch (err) {
		const e = err as { code: number; stdout: string; stderr: string };
		return { code: e.code, stdout: e.stdout, stderr: e.stderr };
	}
}

/**
 * The CLI with `chunks` written to its standard input through a pipe, a pause between chunks.
 * Node gives a child a socket for 'pipe', which /dev/stdin cannot open: `cat |` makes it the
 * pipe a shell gives.
 */
function cliPiped(chunks: string[], ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn('/bin/sh', ['-c', 'cat | "$0" "$@"', process.execPath, CLI_ENTRY, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
		(async () => {
			for (const chunk of chunks) {
				child.stdin.write(chunk);
				await new Promise((r) => setTimeout(r, 150));
			}
			child.stdin.end();
		})();
	});
}

const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const write = (name: string, text: string) => {
	const file = path.join(dir, name);
	fs.writeFileSync(file, text);
	return file;
};

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dedup-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('cli dedup', () => {
	it('filters JSON Lines in order against seeds, kept candidates joining the pool at once', async () => {
		const seeds = write(
			'seeds.jsonl',
			[
				{ id: 'seed_task_0', name: 'haiku', instruction: 'Write a haiku about autumn leaves.', instances: [{ input: '', output: 'Leaves fall.' }], is_classification: false },
				{ id: 'seed_task_1', name: 'rivers', instruction: 'Name three rivers in Africa.', instances: [{ input: '', output: 'Nile, Congo, Niger.' }], is_classification: false }
			]
				.map((t) => JSON.stringify(t))
				.join('\n') + '\n'
		);
		const candidates = write(
			'candidates.jsonl',
			[
				JSON.stringify({ id: 'c1', instruction: 'Give me a recipe for a chocolate cake.' }),
				JSON.stringify({ instruction: 'Give me a recipe for a chocolate cake, please!' }),
				'',
				JSON.stringify({ id: 42, instruction: 'Write a haiku about the autumn leaves.' }),
				JSON.stringify({ instruction: 'Explain how rainbows form to a child.' })
			].join('\n') + '\n'
		);
		const { code, stdout, stderr } = await cli('dedup', candidates, '--seeds', seeds, '--top', '3');
		expect(stderr).not.toContain('error');
		expect(code).toBe(0);
		const out = lines(stdout);
		expect(out.map((o) => [o.id, o.keep])).toEqual([
			['c1', true],
			[2, false],
			[42, false],
			[4, true]
		]);
		const cake = rougeL('Give me a recipe for a chocolate cake, please!', 'Give me a recipe for a chocolate cake.').fmeasure;
		expect(out[1]).toEqual({
			id: 2,
			instruction: 'Give me a recipe for a chocolate cake, please!',
			keep: false,
			max_rougeL: cake,
			most_similar: [{ instruction: 'Give me a recipe for a chocolate cake.', score: cake }]
		});
		expect(out[2].most_similar[0].instruction).toBe('Write a haiku about autumn leaves.');
		expect(out[2].max_rougeL).toBe(rougeL('Write a haiku about the autumn leaves.', 'Write a haiku about autumn leaves.').fmeasure);
		// A kept line only knows "every F ≤ threshold": no number that is not the maximum.
		for (const o of out.filter((o) => o.keep)) expect([o.max_rougeL, o.most_similar]).toEqual([null, []]);

		// A higher threshold keeps the near-copy; --top 0 lists nothing.
		const loose = lines((await cli('dedup', candidates, '--seeds', seeds, '--threshold', '0.95', '--top', '0')).stdout);
		expect(loose.map((o) => o.keep)).toEqual([true, true, true, true]);
		expect(loose.every((o) => o.most_similar.length === 0)).toBe(true);
	});

	it('--scores prints the exact maximum and top matches against the pool so far for every line, kept ones too', async () => {
		// The tester's case: the index examined the budget instruction (F 0.316) but the maximum is the seed (F 0.353).
		const seeds = write('scores-seeds.jsonl', JSON.stringify({ id: 's0', instruction: 'Create a fun math question for children.', instances: [{ input: '', output: '2 + 2?' }] }) + '\n');
		const stream = [
			'Create a detailed budget for the given hypothetical trip.',
			'Given the following instructions, create a plan for completing them.',
			...makeStream(5, 300, 60, 0.3)
		];
		const file = write('scores.jsonl', stream.map((instruction, id) => JSON.stringify({ id, instruction })).join('\n') + '\n');
		const plain = lines((await cli('dedup', file, '--seeds', seeds, '--threshold', '0.5', '--top', '3')).stdout);
		const { code, stdout, stderr } = await cli('dedup', file, '--seeds', seeds, '--threshold', '0.5', '--top', '3', '--scores');
		expect(code, stderr).toBe(0);
		const out = lines(stdout);
		expect(out.map((o) => o.keep)).toEqual(plain.map((o) => o.keep));
		expect(out[1].max_rougeL).toBe(0.3529411764705882);
		expect(out[1].most_similar[0]).toEqual({ instruction: 'Create a fun math question for children.', score: 0.3529411764705882 });
		expect(plain[1]).toMatchObject({ keep: true, max_rougeL: null, most_similar: [] });
		// Every line against a brute-force scan of the pool so far.
		const pool = ['Create a fun math question for children.'];
		let rejected = 0;
		out.forEach((o, i) => {
			const scores = pool.map((p, entry) => ({ entry, score: rougeL(stream[i], p).fmeasure }));
			const max = Math.max(...scores.map((s) => s.score));
			expect(o.max_rougeL).toBe(max);
			expect(o.keep).toBe(!(max > 0.5));
			const best = [...scores].sort((a, b) => b.score - a.score || a.entry - b.entry).slice(0, 3);
			expect(o.most_similar).toEqual(best.map((b) => ({ instruction: pool[b.entry], score: b.score })));
			if (o.keep) pool.push(stream[i]);
			else {
				rejected++;
				// Without --scores a rejected line has the same maximum, and the top matches above the threshold.
				expect(plain[i].max_rougeL).toBe(max);
				expect(plain[i].most_similar).toEqual(o.most_similar.filter((m: { score: number }) => m.score > 0.5));
			}
		});
		expect(rejected).toBeGreaterThan(20);
	});

	it('reads an importable file (an Alpaca JSON array)', async () => {
		const alpaca = write(
			'alpaca.json',
			JSON.stringify([
				{ instruction: 'List three primary colors.', input: '', output: 'Red, blue, yellow.' },
				{ instruction: 'List the three primary colors.', input: '', output: 'Red, yellow, blue.' },
				{ instruction: 'Translate the sentence into French.', input: 'Hello', output: 'Bonjour' }
			])
		);
		const { code, stdout } = await cli('dedup', alpaca);
		expect(code).toBe(0);
		expect(lines(stdout).map((o) => [o.instruction, o.keep])).toEqual([
			['List three primary colors.', true],
			['List the three primary colors.', false],
			['Translate the sentence into French.', true]
		]);
	});

	it('reads a pipe (/dev/stdin) once and in full, as the input or as --seeds; an empty pipe is an error', async () => {
		const healthy = JSON.stringify({ instruction: 'Give three tips for staying healthy.' });
		const shouted = JSON.stringify({ instruction: 'Give three tips for staying healthy!' });
		const one = write('one.jsonl', shouted + '\n');
		// The seed arrives through the pipe in two writes, the first ending inside the line.
		const seeded = await cliPiped([healthy.slice(0, 20), healthy.slice(20) + '\n'], 'dedup', one, '--seeds', '/dev/stdin');
		expect(seeded.code).toBe(0);
		expect(lines(seeded.stdout)).toEqual([{ id: 1, instruction: 'Give three tips for staying healthy!', keep: false, max_rougeL: 1, most_similar: [{ instruction: 'Give three tips for staying healthy.', score: 1 }] }]);
		expect(seeded.stderr).toContain('to the pool of 1 seed and the kept');

		const piped = await cliPiped([healthy + '\n', shouted + '\n'], 'dedup', '/dev/stdin');
		expect(piped.code).toBe(0);
		expect(lines(piped.stdout).map((o) => [o.id, o.keep])).toEqual([[1, true], [2, false]]);
		expect(piped.stderr).toContain('dedup: 2 instructions, 1 kept, 1 rejected');

		const array = JSON.stringify([
			{ instruction: 'List three primary colors.', input: '', output: 'Red, blue, yellow.' },
			{ instruction: 'List the three primary colors.', input: '', output: 'Red, yellow, blue.' }
		]);
		const alpaca = await cliPiped([array.slice(0, 30), array.slice(30)], 'dedup', '/dev/stdin');
		expect(alpaca.code).toBe(0);
		expect(lines(alpaca.stdout).map((o) => o.keep)).toEqual([true, false]);

		// Standard input as the socket Node gives a child for 'pipe' is read too.
		const socket = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
			const child = spawn(process.execPath, [CLI_ENTRY, 'dedup', '/dev/stdin'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
			let stdout = '';
			child.stdout.on('data', (d) => (stdout += d));
			child.on('error', reject);
			child.on('close', (code) => resolve({ code, stdout }));
			child.stdin.end(healthy + '\n' + shouted + '\n');
		});
		expect(socket.code).toBe(0);
		expect(lines(socket.stdout).map((o) => o.keep)).toEqual([true, false]);

		const empty = await cliPiped([], 'dedup', '/dev/stdin');
		expect(empty.code).toBe(1);
		expect(empty.stdout).toBe('');
		expect(empty.stderr).toContain('the file is empty');
	});

	it('names the file, line and field of a bad record, after printing the verdicts before it', async () => {
		const bad = write('bad.jsonl', `${JSON.stringify({ instruction: 'Name a bird that cannot fly.' })}\n{"id": 2, "instruction": 7}\n`);
		const { code, stdout, stderr } = await cli('dedup', bad);
		expect(code).toBe(1);
		expect(stderr).toContain('bad.jsonl: line 2: field "instruction" must be a string, got number');
		expect(lines(stdout)).toHaveLength(1);
		const missing = await cli('dedup', path.join(dir, 'missing.jsonl'));
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('missing.jsonl: does not exist.');
		const usage = await cli('dedup', bad, '--threshold', '2');
		expect(usage.code).toBe(2);
		expect(usage.stderr).toContain('--threshold must be a number from 0 to 1');
	});
	it('refuses an id given twice, or given to one record and the position of another, naming both lines', async () => {
		const rows = [{ instruction: 'Name a bird that cannot fly.' }, { id: 'b', instruction: 'Give me a recipe for bread.' }, { id: 'b', instruction: 'Explain how rain forms.' }];
		const twice = await cli('dedup', write('twice.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
		expect(twice.code).toBe(1);
		expect(twice.stderr).toContain('twice.jsonl: line 3: id "b" is already the id of line 2; each record needs its own id, so the verdicts can be joined back to the input');
		// The verdicts before the second "b" went out, each id once.
		expect(lines(twice.stdout).map((o) => o.id)).toEqual([1, 'b']);

		// Line 1 has no id, so its id is its position, 1; line 4 says "id": 1 (or "1") as well.
		for (const id of [1, '1']) {
			const edge = [rows[0], rows[1], { id: 'c', instruction: 'Explain how rain forms.' }, { id, instruction: 'Write a limerick about a cat.' }];
			for (const scores of [[], ['--scores']]) {
				const r = await cli('dedup', write('edge.jsonl', edge.map((e) => JSON.stringify(e)).join('\n') + '\n'), ...scores);
				expect(r.code).toBe(1);
				expect(r.stderr).toContain(`edge.jsonl: line 4: id ${JSON.stringify(id)} is already the id of line 1 (its position in the file: that record has no "id")`);
				expect(lines(r.stdout).map((o) => o.id)).toEqual([1, 'b', 'c']);
			}
		}

		// Unique ids, given or positional, pass as before.
		const fine = await cli('dedup', write('fine.jsonl', [rows[0], rows[1], { id: 7, instruction: 'Explain how rain forms.' }].map((r) => JSON.stringify(r)).join('\n') + '\n'));
		expect(fine.code).toBe(0);
		expect(lines(fine.stdout).map((o) => o.id)).toEqual([1, 'b', 7]);
	});

	it('reads CRLF and lone CR line breaks across the 1 MB chunks of a large file, with the line numbers readline gave', async () => {
		// 30,000 distinct instructions of ~40 characters padded to ~70 bytes a line: over 2 MB.
		const records = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: i, instruction: `Task w${i} x${i * 7} y${i * 13} z${i * 31} v${i * 37}` }));
		const text = records.map((r, i) => r + (i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\n' : '\r')).join('') + '{"instruction": 5}';
		const file = write('large.jsonl', text);
		const { code, stdout, stderr } = await cli('dedup', file, '--top', '0');
		expect(code).toBe(1);
		expect(stderr).toContain('large.jsonl: line 30001: field "instruction" must be a string');
		const out = lines(stdout);
		expect(out).toHaveLength(30_000);
		expect(out.every((o, i) => o.id === i && o.keep === true)).toBe(true);
	});

	it('filters in worker threads once the pool is large, with the same verdicts as one thread', async () => {
		const stream = makeStream(3, 24_000, 400, 0.2);
		const file = write('threads.jsonl', stream.map((instruction, id) => JSON.stringify({ id, instruction })).join('\n') + '\n');
		const [threaded, alone] = await Promise.all([cli('dedup', file, '--threads', '2', '--threads-from', '100_000', '--top', '3'), cli('dedup', file, '--threads', '0', '--top', '3')]);
		expect(threaded.code, threaded.stderr).toBe(0);
		expect(alone.code, alone.stderr).toBe(0);
		const a = lines(threaded.stdout);
		const b = lines(alone.stdout);
		expect(a).toHaveLength(24_000);
		// The decisions, and for a rejected one its exact maximum and top matches, are the same;
		// a kept one's best examined match is a hint that depends on how the pool was split.
		const decisions = (out: { id: number; keep: boolean; max_rougeL: number | null; most_similar: unknown[] }[]) =>
			out.map((o) => (o.keep ? { id: o.id, keep: true } : o));
		expect(decisions(a)).toEqual(decisions(b));
		expect(threaded.stderr).toMatch(/^dedup: 24,000 instructions, [\d,]+ kept, [\d,]+ rejected \(ROUGE-L F > 0\.7 to the pool\); filtered in 2 worker threads\n$/);
		expect(alone.stderr).not.toContain('threads');
		expect(a.filter((o) => !o.keep).length).toBeGreaterThan(2000);
		const bad = await cli('dedup', file, '--threads', 'two');
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--threads must be a whole number ≥ 0, got "two"');
		const badFrom = await cli('dedup', file, '--threads-from', '1.5');
		expect(badFrom.code).toBe(2);
		expect(badFrom.stderr).toContain('--threads-from must be a whole number ≥ 0, got "1.5"');
	});
});

describe('cli rouge', () => {
	it('prints rouge_score precision, recall and F per pair, and names a bad field', async () => {
		const pairs = write(
			'pairs.jsonl',
			[
				{ target: 'the cat sat on the mat', prediction: 'the cat on a mat' },
				{ target: 'w1 w2 w3 w4 w5 w6 w7 t8', prediction: 'w1 w2 w3 w4 w5 w6 w7 p8 p9 p10 p11 p12' },
				{ target: '', prediction: 'anything' }
			]
				.map((p) => JSON.stringify(p))
				.join('\n')
		);
		const { code, stdout } = await cli('rouge', '--pairs', pairs);
		expect(code).toBe(0);
		expect(lines(stdout)).toEqual([
			{ precision: 0.8, recall: 0.6666666666666666, fmeasure: 0.7272727272727272 },
			{ precision: 7 / 12, recall: 0.875, fmeasure: 0.7000000000000001 },
			{ precision: 0, recall: 0, fmeasure: 0 }
		]);
		const bad = write('badpairs.jsonl', '{"target": "a b", "prediction": "a"}\n{"target": "x"}\n');
		const failed = await cli('rouge', '--pairs', bad);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain('badpairs.jsonl: line 2: field "prediction" must be a string, it is missing');
		expect(lines(failed.stdout)).toHaveLength(1);
	});
});
