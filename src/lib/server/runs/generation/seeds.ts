/**
 * Seed pools for a run: our default Self-Instruct seed tasks, an uploaded seed file, or an
 * existing dataset; and the Unnatural Instructions seed sets (defaults or edited). The run keeps
 * a copy, so it never depends on the file or dataset afterwards.
 */
import { chunksOf, ImportError, malformedJson, parseImport, type ParsedTask } from '$lib/formats';
import { DEFAULT_SEED_TASKS, DEFAULT_UNNATURAL_SEED_SETS, DEMONSTRATIONS_PER_SEED_SET, type UnnaturalDemonstration } from '$lib/prompts';
import { db, type Db } from '../../db';
import { RunParamsError } from '../errors';
import type { SeedTaskSnapshot } from './params';

/** A prompt needs some instructions to show; fewer than 8 only means fewer shots per prompt. */
export const MIN_SEED_TASKS = 2;
/** Largest seed file read into memory. */
export const MAX_SEED_FILE_BYTES = 64 * 1024 * 1024;

export function defaultSeedTasks(): SeedTaskSnapshot[] {
	return DEFAULT_SEED_TASKS.map((t) => ({
		instruction: t.instruction,
		isClassification: t.isClassification,
		instances: t.instances.map((i) => ({ input: i.input, output: i.output }))
	}));
}

function checkCount(tasks: SeedTaskSnapshot[], where: string): SeedTaskSnapshot[] {
	if (tasks.length < MIN_SEED_TASKS) {
		throw new RunParamsError(`${where} holds ${tasks.length} seed instruction${tasks.length === 1 ? '' : 's'}; a run needs at least ${MIN_SEED_TASKS}.`, 'seeds');
	}
	return tasks;
}

/** Seed tasks with no instance whose output has text: Alpaca's prompt would show them with an empty "Output:". */
export function seedsWithoutOutput(tasks: SeedTaskSnapshot[]): number {
	return tasks.filter((t) => !t.instances.some((i) => i.output.trim() !== '')).length;
}

/** Why an Alpaca run refuses such seeds unless confirmed (the form, the CLI and the run page say the same). */
export function seedsWithoutOutputText(without: number, total: number): string {
	return `${without} of the ${total} seed tasks have no output (a plain-text seed file holds instructions only), and the Alpaca prompt shows each seed task's output: they would be shown with an empty "Output:", inviting tasks with empty outputs, which Alpaca keeps (it runs no instance rule). Use seeds with outputs (instruction/input/output rows, or a dataset), or confirm to use these anyway (the form: "Use seed tasks without outputs"; the CLI: --allow-seeds-without-outputs).`;
}

/** Distinct instructions (whitespace-normalised), first occurrence kept. */
function distinct(tasks: SeedTaskSnapshot[]): SeedTaskSnapshot[] {
	const seen = new Set<string>();
	return tasks.filter((t) => {
		const key = t.instruction.replace(/\s+/g, ' ').trim();
		if (key === '' || seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/**
 * A seed file: any task or instance format the importer reads (e.g. the paper's
 * seed_tasks.jsonl, Alpaca-style rows), or plain text with one instruction per line.
 */
export async function seedTasksFromFile(fileName: string, content: string | Uint8Array): Promise<SeedTaskSnapshot[]> {
	return (await readSeedFile(fileName, content)).tasks;
}

/**
 * A seed file's tasks, and how many of its records repeated an earlier record's instruction:
 * those are merged into the first (their instances pooled), which the run page and CLI say.
 */
export async function readSeedFile(fileName: string, content: string | Uint8Array): Promise<{ tasks: SeedTaskSnapshot[]; merged: number }> {
	const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
	if (bytes.length > MAX_SEED_FILE_BYTES) throw new RunParamsError(`The seed file is larger than ${MAX_SEED_FILE_BYTES / 1024 / 1024} MB.`, 'seeds');
	const text = new TextDecoder().decode(bytes);
	const first = text.trimStart()[0];
	if (first !== '{' && first !== '[') {
		const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
		const tasks = checkCount(distinct(lines.map((instruction) => ({ instruction, isClassification: null, instances: [] }))), fileName);
		return { tasks, merged: lines.length - tasks.length };
	}
	let merged = 0;
	const tasks: SeedTaskSnapshot[] = [];
	const byInstruction = new Map<string, SeedTaskSnapshot>();
	try {
		for await (const record of parseImport(chunksOf(bytes), { fileName })) {
			if (record.kind !== 'task') continue;
			const task: ParsedTask = record;
			const key = task.instruction.replace(/\s+/g, ' ').trim();
			const existing = byInstruction.get(key);
			if (existing) {
				existing.instances.push(...task.instances.map((i) => ({ input: i.input, output: i.output })));
				merged++;
				continue;
			}
			const snapshot: SeedTaskSnapshot = {
				instruction: task.instruction,
				isClassification: task.isClassification ?? null,
				instances: task.instances.map((i) => ({ input: i.input, output: i.output }))
			};
			byInstruction.set(key, snapshot);
			tasks.push(snapshot);
		}
	} catch (err) {
		if (err instanceof ImportError) throw new RunParamsError(`Seed file: ${err.message}`, 'seeds');
		throw err;
	}
	const kept = checkCount(distinct(tasks), fileName);
	return { tasks: kept, merged: merged + tasks.length - kept.length };
}

/** The tasks of a dataset not rejected by a filter, with their first instance. */
export function seedTasksFromDataset(datasetId: number, database: Db = db()): SeedTaskSnapshot[] {
	const rows = database.$client
		.prepare<[number], { instruction: string; isClassification: number | null; instance: string | null }>(
			`SELECT t.instruction, t.is_classification AS isClassification,
				(SELECT json_object('input', i.input, 'output', i.output) FROM instances i WHERE i.task_id = t.id AND coalesce(i.filter_status, 'kept') = 'kept' ORDER BY i.id LIMIT 1) AS instance
			 FROM tasks t WHERE t.dataset_id = ? AND coalesce(t.filter_status, 'kept') = 'kept' ORDER BY t.id`
		)
		.all(datasetId);
	return checkCount(
		distinct(
			rows.map((r) => ({
				instruction: r.instruction,
				isClassification: r.isClassification === null ? null : r.isClassification === 1,
				instances: r.instance ? [JSON.parse(r.instance) as { input: string; output: string }] : []
			}))
		),
		'The dataset'
	);
}

export function defaultUnnaturalSeedSets(): UnnaturalDemonstration[][] {
	return DEFAULT_UNNATURAL_SEED_SETS.map((set) => set.map((d) => ({ ...d })));
}

const MAX_SEED_SETS = 50;
const PER_SET = DEMONSTRATIONS_PER_SEED_SET;

function demonstrations(n: number): string {
	return `${n} demonstration${n === 1 ? '' : 's'}`;
}

/**
 * Edited seed sets: an array of sets, each an array of exactly 3 {instruction, input,
 * constraints} (a flat array of demonstrations is split into sets of 3, as in the paper). `where`
 * names the text in errors: the form's field, or the CLI's --seed-sets file.
 */
export function parseUnnaturalSeedSets(value: unknown, where = 'Seed sets'): UnnaturalDemonstration[][] {
	const fail = (message: string) => new RunParamsError(`${where}: ${message}`, 'seedSets');
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch (err) {
			throw new RunParamsError(malformedJson(where, value, err).message, 'seedSets');
		}
	}
	if (!Array.isArray(parsed) || parsed.length === 0) throw fail('must be a non-empty JSON array of sets of 3 demonstrations.');
	const flat = parsed.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
	if (flat && parsed.length % PER_SET !== 0) {
		const last = parsed.length % PER_SET;
		throw fail(
			`a flat list of ${demonstrations(parsed.length)} does not split into sets of ${PER_SET}: set ${Math.ceil(parsed.length / PER_SET)} would have ${demonstrations(last)}. Each prompt shows one set of exactly ${PER_SET} and asks for the next example, as in the paper.`
		);
	}
	const sets: unknown[][] = flat
		? Array.from({ length: parsed.length / PER_SET }, (_, i) => parsed.slice(i * PER_SET, i * PER_SET + PER_SET))
		: (parsed as unknown[]).map((s, i) => {
				if (!Array.isArray(s)) throw fail(`set ${i + 1} must be an array of ${PER_SET} demonstrations {instruction, input, constraints}.`);
				if (s.length !== PER_SET) {
					throw fail(`set ${i + 1} has ${demonstrations(s.length)}; each set has exactly ${PER_SET} (each prompt shows one set and asks for the next example, as in the paper).`);
				}
				return s;
			});
	if (sets.length > MAX_SEED_SETS) throw fail(`at most ${MAX_SEED_SETS} seed sets.`);
	return sets.map((set, i) =>
		set.map((d, j) => {
			const o = d as Record<string, unknown>;
			const field = (name: string) => {
				const v = o?.[name];
				if (typeof v !== 'string' || v.trim() === '') throw fail(`set ${i + 1}, demonstration ${j + 1}: "${name}" must be non-empty text.`);
				return v.trim();
			};
			return { instruction: field('instruction'), input: field('input'), constraints: field('constraints') };
		})
	);
}
