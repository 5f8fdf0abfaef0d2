/**
 * `npx instruct-audit dedup <file> [--seeds <file>] [--threshold 0.7] [--top 10] [--scores]`: the
 * Self-Instruct ROUGE-L filter over a file of instructions, in file order. The pool starts with
 * the seed file's instructions; a kept candidate joins it at once, as in the reference. One JSON
 * line per candidate on stdout:
 *   {id, instruction, keep, max_rougeL, most_similar: [{instruction, score}]}
 * For a rejected candidate max_rougeL and most_similar[0] are the pool's exact maximum (and
 * most_similar the top matches above the threshold). For a kept one the index only proves every F
 * is at most the threshold, so max_rougeL is null and most_similar [] — unless --scores, which
 * scans the whole pool for every candidate (as the reference stores most_similar_instructions)
 * and prints the exact maximum and top matches for every line.
 * A large pool is filtered in worker threads (see $lib/server/rouge/rouge-filter-stream), with
 * the same verdicts; a summary line goes to stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliError, usageError } from '../cli-error';
import { requireReadableFile } from '../files';
import { parseCommandArgs } from '../args';
import { FORMATS, ImportError, parseImport, type FormatId } from '$lib/formats';
import { NearDuplicateIndex } from '$lib/rouge/near-duplicate-index';
import { RougeFilterStream } from '$lib/server/rouge/rouge-filter-stream';
import { createProgressBar } from '../progress';

const USAGE = `Usage: npx instruct-audit dedup <file> [--seeds <file>] [--threshold 0.7] [--top 10] [--scores] [--format <format>] [--threads N] [--threads-from T]

Keeps an instruction only if its ROUGE-L F with every instruction already in the pool (the seeds,
then every kept one) is at most the threshold, and prints one JSON line per instruction:
  {"id", "instruction", "keep", "max_rougeL", "most_similar": [{"instruction", "score"}]}
A rejected line has the pool's maximum F (above the threshold) and its --top matches above the
threshold, highest first. A kept line has "max_rougeL": null and "most_similar": [] (below the
threshold; run with --scores for the exact maximum).

--scores compares every instruction with the whole pool so far (one thread, slower on large
files) and prints for every line the exact maximum and the --top most similar pool instructions
with their F, highest first, as the reference's most_similar_instructions (zeros included).

Once the pool holds --threads-from tokens (default 2,500,000: about 250,000 instructions) the
filter runs in --threads worker threads (default: one per core, at most 4; 0 or 1: none), with
the same decisions. A summary line goes to stderr.

Input: JSON Lines of {"id"?, "instruction"} (id defaults to the record's position, from 1; an id met twice is refused),
or any importable file (seed_tasks.jsonl, an Alpaca JSON array, …; --format to force one):
${FORMATS.map((f) => `  ${f.id.padEnd(20)} ${f.label}`).join('\n')}`;

export interface InstructionRecord {
	id: string | number;
	instruction: string;
	/** The line it starts on, for messages. */
	line: number;
	/** Its 0-based position in a JSON array. */
	index?: number;
	/** The id is the record's position (it gave none). */
	positional?: boolean;
}

/** Fields that mark a record as one of the importable formats rather than a bare instruction. */
const IMPORT_FIELDS = ['instances', 'input', 'output', 'messages', 'prompt', 'completion', 'response'];

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{ seeds: { type: 'string' }, threshold: { type: 'string' }, top: { type: 'string' }, format: { type: 'string' }, threads: { type: 'string' }, 'threads-from': { type: 'string' }, scores: { type: 'boolean' } },
		USAGE
	);
	const file = positionals[0];
	if (!file) throw usageError(`Missing the file of instructions.`, USAGE);
	if (positionals.length > 1) throw usageError(`Unexpected argument "${positionals[1]}".`, USAGE);
	const threshold = values.threshold === undefined ? 0.7 : Number(values.threshold);
	if (!(threshold >= 0 && threshold <= 1)) throw new CliError(`--threshold must be a number from 0 to 1, got "${values.threshold}".`, 2);
	const top = values.top === undefined ? 10 : Number(values.top);
	if (!Number.isInteger(top) || top < 0) throw new CliError(`--top must be a whole number ≥ 0, got "${values.top}".`, 2);
	const format = values.format ?? 'auto';
	if (format !== 'auto' && !FORMATS.some((f) => f.id === format)) {
		throw new CliError(`Unknown --format "${format}". Choose one of: ${FORMATS.map((f) => f.id).join(', ')}.`, 2);
	}

	const threads = wholeNumberOption('--threads', values.threads);
	const threadsFromTokens = wholeNumberOption('--threads-from', values['threads-from']);
	// --scores scans the pool for every candidate: one index in this thread, no filter stream.
	const scored = values.scores ? new NearDuplicateIndex({ minThreshold: threshold }) : null;
	const filter = scored ? null : new RougeFilterStream({ threshold, topK: top, threads, threadsFromTokens });
	// Each pool instruction JSON-encoded once, as the output lines quote it, by pool entry.
	const encoded: string[] = [];
	if (values.seeds) {
		for await (const seeds of readInstructions(values.seeds, 'auto')) {
			for (const seed of seeds) {
				if (filter) filter.addSeed(seed.instruction);
				else scored!.add(seed.instruction);
				encoded.push(JSON.stringify(seed.instruction));
			}
		}
	}
	const out = new LineWriter(process.stdout);
	requireReadableFile(file);
	// A pipe or FIFO (/dev/stdin, <(…)) has no size to show progress against.
	const stat = fs.statSync(file);
	const bar = stat.isFile() ? createProgressBar('dedup', stat.size, 'bytes') : { update: () => {}, finish: () => {}, stop: () => {} };
	const read = { bytes: 0 };
	let counts: { kept: number; rejected: number };
	try {
		const records = uniqueIds(path.basename(file), readInstructions(file, format as FormatId | 'auto', (bytes) => (read.bytes = bytes)));
		const progress = (kept: number, rejected: number) => bar.update(read.bytes, `${kept} kept, ${rejected} rejected`);
		counts = filter ? await filterInto(out, filter, encoded, records, progress) : await scoreInto(out, scored!, threshold, top, encoded, records, progress);
		bar.finish();
	} finally {
		bar.stop();
		await out.end(); // the verdicts given before an error still go out
	}
	// A summary beside the verdicts (stdout stays JSON Lines).
	const seedCount = encoded.length - counts.kept;
	const n = (x: number) => x.toLocaleString('en-US');
	process.stderr.write(
		`dedup: ${n(counts.kept + counts.rejected)} instruction${counts.kept + counts.rejected === 1 ? '' : 's'}, ${n(counts.kept)} kept, ${n(counts.rejected)} rejected (ROUGE-L F > ${threshold}` +
			` to the pool${seedCount ? ` of ${n(seedCount)} seed${seedCount === 1 ? '' : 's'} and the kept` : ''})` +
			`${filter?.threadsUsed ? `; filtered in ${filter.threadsUsed} worker threads` : ''}\n`
	);
}

/**
 * The records as they come, refusing an id that an earlier record already has — given twice, or
 * given to one record and the position of another that has none: the verdict lines are joined
 * back to the input by id, so two lines with one id could not be told apart. The records before
 * the second one still get their verdicts.
 */
async function* uniqueIds(name: string, batches: AsyncIterable<InstructionRecord[]>): AsyncGenerator<InstructionRecord[]> {
	// Where each id was given, as the message names it: a few bytes per record, not the record.
	const seen = new Map<string, string>();
	const whose = (r: InstructionRecord) => `line ${r.line}${r.index !== undefined ? `, item ${r.index}` : ''}${r.positional ? ' (its position in the file: that record has no "id")' : ''}`;
	for await (const batch of batches) {
		for (let k = 0; k < batch.length; k++) {
			const record = batch[k];
			// 1 and "1" too: an importable file's ids come out as text, and a join often reads them so.
			const key = String(record.id);
			const first = seen.get(key);
			if (first) {
				if (k > 0) yield batch.slice(0, k);
				throw new CliError(
					`${name}: ${whose(record)}: id ${JSON.stringify(record.id)} is already the id of ${first}; each record needs its own id, so the verdicts can be joined back to the input`,
					1,
					{ file: name, line: record.line, field: 'id' }
				);
			}
			seen.set(key, whose(record));
		}
		yield batch;
	}
}

function wholeNumberOption(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const number = Number(value.replaceAll('_', ''));
	if (value.trim() === '' || !Number.isInteger(number) || number < 0) throw new CliError(`${name} must be a whole number ≥ 0, got "${value}".`, 2);
	return number;
}

/**
 * One output line, field for field what JSON.stringify of {id, instruction, keep, max_rougeL,
 * most_similar: [{instruction, score}]} gives; `instruction` and the pool's `encoded`
 * instructions come JSON-encoded (each pool instruction once for every line that names it).
 */
function verdictLine(id: unknown, instruction: string, keep: boolean, max: number | null, matches: readonly { entry: number; score: number }[], encoded: readonly string[]): string {
	let line = `{"id":${JSON.stringify(id)},"instruction":${instruction},"keep":${keep},"max_rougeL":${max === null ? 'null' : JSON.stringify(max)},"most_similar":[`;
	for (let k = 0; k < matches.length; k++) line += `${k > 0 ? ',' : ''}{"instruction":${encoded[matches[k].entry]},"score":${JSON.stringify(matches[k].score)}}`;
	return `${line}]}`;
}

async function filterInto(
	out: LineWriter,
	filter: RougeFilterStream,
	encoded: string[],
	batches: AsyncIterable<InstructionRecord[]>,
	onProgress: (kept: number, rejected: number) => void
): Promise<{ kept: number; rejected: number }> {
	let kept = 0;
	let rejected = 0;
	for await (const verdicts of filter.filter(batches, (r) => r.instruction)) {
		for (const { record, result } of verdicts) {
			const instruction = JSON.stringify(record.instruction);
			let line: string;
			if (result.exceeds) {
				rejected++;
				line = verdictLine(record.id, instruction, false, result.max!.score, result.matches, encoded);
			} else {
				// Only "every F ≤ threshold" is known (the index's best examined match is not the maximum).
				line = verdictLine(record.id, instruction, true, null, [], encoded);
				encoded.push(instruction);
				kept++;
			}
			if (out.push(line)) await out.flush();
		}
		onProgress(kept, rejected);
	}
	return { kept, rejected };
}

/**
 * --scores: each candidate's F to every pool instruction so far (the seeds, then the kept ones,
 * in stream order), so every line carries the pool's exact maximum and its top matches. The
 * keep/reject decision is still the index's exact query, as without --scores.
 */
async function scoreInto(
	out: LineWriter,
	index: NearDuplicateIndex,
	threshold: number,
	top: number,
	encoded: string[],
	batches: AsyncIterable<InstructionRecord[]>,
	onProgress: (kept: number, rejected: number) => void
): Promise<{ kept: number; rejected: number }> {
	let kept = 0;
	let rejected = 0;
	for await (const batch of batches) {
		for (const record of batch) {
			const prepared = index.prepare(record.instruction);
			const keep = !index.query(prepared, threshold, 0).exceeds;
			const profile = index.profile(prepared, Math.max(1, top));
			const instruction = JSON.stringify(record.instruction);
			// Over an empty pool there is no maximum.
			const line = verdictLine(record.id, instruction, keep, profile.poolSize ? profile.max : null, profile.top.slice(0, top), encoded);
			if (keep) {
				index.add(prepared);
				encoded.push(instruction);
				kept++;
			} else rejected++;
			if (out.push(line)) await out.flush();
		}
		onProgress(kept, rejected);
	}
	return { kept, rejected };
}

/**
 * Instructions of a file, in order and in batches: JSON Lines of {id?, instruction} read here,
 * anything else through the import parsers (each task's instruction, id = its source id).
 */
export async function* readInstructions(
	file: string,
	format: FormatId | 'auto',
	onRead?: (bytes: number) => void
): AsyncGenerator<InstructionRecord[]> {
	const name = path.basename(file);
	// One read of the file: a pipe or FIFO (/dev/stdin, <(…)) cannot be opened a second time, so
	// the format is told from the first line read here and the same bytes go on to the parser.
	const input = openInput(file);
	const first = await input.firstRecord();
	if (format === 'auto' && first !== null && isBareInstruction(first)) {
		yield* jsonLineBatches(name, input, (value, line, position) => {
			if (typeof value !== 'object' || value === null || Array.isArray(value)) {
				throw new CliError(`${name}: line ${line}: expected an object {"id"?, "instruction"}, got ${describe(value)}`);
			}
			const record = value as Record<string, unknown>;
			if (typeof record.instruction !== 'string') {
				throw new CliError(`${name}: line ${line}: field "instruction" must be a string, got ${describe(record.instruction)}`);
			}
			const id = record.id ?? position;
			if (typeof id !== 'string' && typeof id !== 'number') {
				throw new CliError(`${name}: line ${line}: field "id" must be a string or a number, got ${describe(id)}`);
			}
			return { id, instruction: record.instruction, line, ...(record.id === undefined ? { positional: true } : {}) };
		}, onRead);
		return;
	}
	let position = 0;
	let batch: InstructionRecord[] = [];
	try {
		for await (const record of parseImport(input.chunks(), { fileName: name, format })) {
			position++;
			if (record.kind !== 'task') {
				throw new CliError(`${name}: line ${record.location.line}: a model prediction, not a task; dedup reads instructions`);
			}
			const { line, index } = record.location;
			batch.push({ id: record.sourceId ?? position, instruction: record.instruction, line, ...(index !== undefined ? { index } : {}), ...(record.sourceId == null ? { positional: true } : {}) });
			if (batch.length === 1024) {
				onRead?.(input.bytesRead);
				yield batch;
				batch = [];
			}
		}
	} catch (err) {
		if (batch.length) yield batch; // the records before the error still get their verdicts
		if (err instanceof ImportError) throw new CliError(err.message, 1, { file: err.file, line: err.line, column: err.column, index: err.index, field: err.field });
		throw err;
	} finally {
		input.close();
	}
	onRead?.(input.bytesRead);
	if (batch.length) yield batch;
}

/** Parse each non-blank line of a JSON Lines file with `map(value, line number, record position)`. */
export async function* readJsonLines<T>(
	file: string,
	map: (value: unknown, line: number, position: number) => T
): AsyncGenerator<T> {
	for await (const batch of readJsonLineBatches(file, map)) yield* batch;
}

/**
 * `readJsonLines` a chunk of the file at a time: the lines of each 1 MB read are split and
 * parsed in one synchronous pass (line breaks as readline's: \n, \r\n or a lone \r). A bad
 * line throws after the batch of the good lines before it.
 */
export async function* readJsonLineBatches<T>(
	file: string,
	map: (value: unknown, line: number, position: number) => T,
	onRead?: (bytes: number) => void
): AsyncGenerator<T[]> {
	yield* jsonLineBatches(path.basename(file), openInput(file), map, onRead);
}

async function* jsonLineBatches<T>(
	name: string,
	input: Input,
	map: (value: unknown, line: number, position: number) => T,
	onRead?: (bytes: number) => void
): AsyncGenerator<T[]> {
	const decoder = new TextDecoder('utf-8');
	let line = 0;
	let position = 0;
	let rest = '';
	let failure: CliError | null = null;
	const parse = (raw: string, out: T[]) => {
		line++;
		const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
		if (text.trim() === '') return;
		position++;
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch (err) {
			throw new CliError(`${name}: line ${line}: not valid JSON (${(err as Error).message})`);
		}
		out.push(map(value, line, position));
	};
	const take = (chunk: string, final: boolean): T[] => {
		const out: T[] = [];
		let text = rest + chunk;
		rest = '';
		let from = 0;
		try {
			for (let i = 0; i < text.length; i++) {
				const c = text.charCodeAt(i);
				if (c === 10 || c === 13) {
					if (c === 13 && i + 1 === text.length && !final) {
						// \r at the end of a chunk: wait for the next one to see whether \n follows
						rest = text.slice(from);
						text = '';
						return out;
					}
					parse(text.slice(from, i), out);
					if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
					from = i + 1;
				}
			}
			if (final) {
				if (from < text.length) parse(text.slice(from), out);
			} else rest = text.slice(from);
		} catch (err) {
			if (!(err instanceof CliError)) throw err;
			failure = err;
		}
		return out;
	};
	try {
		for await (const chunk of input.chunks()) {
			onRead?.(input.bytesRead);
			// stream: a character split between two chunks is decoded whole
			const batch = take(decoder.decode(chunk, { stream: true }), false);
			if (batch.length) yield batch;
			if (failure) throw failure;
		}
		const batch = take(decoder.decode(), true);
		if (batch.length) yield batch;
		if (failure) throw failure;
	} finally {
		input.close();
	}
}

/** A file read once from its start, whose first chunks can be looked at before they are parsed. */
interface Input {
	/** Bytes read from the file so far. */
	readonly bytesRead: number;
	/** The first non-blank line as JSON when it is an object, else null (e.g. a JSON array); reads only as far as that line. */
	firstRecord(): Promise<unknown | null>;
	/** Every byte of the file in order, the chunks `firstRecord` looked at included. */
	chunks(): AsyncIterable<Uint8Array>;
	close(): void;
}

function openInput(file: string): Input {
	requireReadableFile(file);
	// Standard input that is a socket (a child Node spawned with 'pipe') cannot be opened by its
	// path (ENXIO): read the descriptor itself.
	const stdinSocket = ['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0'].includes(file) && fs.fstatSync(0).isSocket();
	const stream: NodeJS.ReadableStream & { bytesRead?: number; destroy(): void } = stdinSocket ? (process.stdin as unknown as import('node:net').Socket) : fs.createReadStream(file, { highWaterMark: 1 << 20 });
	const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	const looked: Buffer[] = [];
	let ended = false;
	return {
		get bytesRead() {
			return stream.bytesRead ?? 0;
		},
		async firstRecord() {
			let text = '';
			while (!ended) {
				const next = await source.next();
				if (next.done) {
					ended = true;
					break;
				}
				looked.push(next.value);
				text += next.value.toString('utf8');
				const record = firstLineRecord(text, false);
				if (record !== undefined) return record;
			}
			return firstLineRecord(text, true) ?? null;
		},
		async *chunks() {
			while (looked.length) yield looked.shift()!;
			while (!ended) {
				const next = await source.next();
				if (next.done) ended = true;
				else yield next.value;
			}
		},
		close() {
			stream.destroy();
		}
	};
}

/**
 * The first non-blank line of `text` as JSON when it is an object, null when it is something
 * else, undefined when that line may not be complete yet (`final`: nothing more will come).
 */
function firstLineRecord(text: string, final: boolean): unknown | null | undefined {
	const body = text.replace(/^\uFEFF/, '');
	let from = 0;
	for (;;) {
		const end = body.slice(from).search(/[\r\n]/);
		const line = end === -1 ? body.slice(from) : body.slice(from, from + end);
		const trimmed = line.trim();
		if (trimmed !== '') {
			if (!trimmed.startsWith('{')) return null;
			if (end === -1 && !final) return undefined;
			try {
				return JSON.parse(trimmed);
			} catch {
				return null;
			}
		}
		if (end === -1) return final ? null : undefined;
		from += end + 1;
	}
}

function isBareInstruction(value: unknown): boolean {
	if (typeof value !== 'object' || value === null) return false;
	const record = value as Record<string, unknown>;
	return 'instruction' in record && !IMPORT_FIELDS.some((f) => f in record);
}

function describe(value: unknown): string {
	if (value === undefined) return 'nothing (missing)';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'string' ? `a string` : typeof value;
}

/** Buffered stdout lines that wait for the pipe to drain instead of piling up in memory. */
export class LineWriter {
	private buffer: string[] = [];
	private size = 0;

	constructor(private readonly stream: NodeJS.WritableStream) {}

	async write(line: string): Promise<void> {
		if (this.push(line)) await this.flush();
	}

	/** Buffer a line without waiting; true when the buffer is full and the caller should `flush`. */
	push(line: string): boolean {
		this.buffer.push(line);
		this.size += line.length + 1;
		return this.size >= 64 * 1024;
	}

	async end(): Promise<void> {
		await this.flush();
	}

	async flush(): Promise<void> {
		if (this.buffer.length === 0) return;
		const chunk = this.buffer.join('\n') + '\n';
		this.buffer = [];
		this.size = 0;
		if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
	}
}
