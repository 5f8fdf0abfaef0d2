/**
 * A generation run's candidates as JSON Lines, one per generated instruction, kept or rejected,
 * with the similarity record the reference code writes (Self-Instruct's
 * machine_generated_instructions.jsonl, Alpaca's regen.json): `most_similar_instructions`
 * ({instruction: ROUGE-L F}, the 10 most similar pool instructions, highest first) and
 * `avg_similarity_score` (mean F over the pool), plus the verdict and the instances. The run page's
 * *Download candidates* and `generate --export-candidates <run>`.
 */
import { db, type Db } from '../../db';
import { getRun } from '../engine/run-rows';
import { poolSeeds, readRunParams, type RunSeeds } from './params';
import { isStoredSimilarity, SimilarityResolver } from './similarity';

export interface CandidateLine {
	task_id: number;
	instruction: string;
	status: string | null;
	rule: string | null;
	detail: string | null;
	instances: { input: string; output: string; status: string | null; rule: string | null }[];
	/** Highest ROUGE-L F to the pool (the task's filter_rouge_l); null when ROUGE-L did not apply. */
	max_rouge_l: number | null;
	most_similar_instructions: Record<string, number> | null;
	avg_similarity_score: number | null;
	/** Pool instructions the candidate was compared with (seeds + instructions accepted before it). */
	pool_size: number | null;
}

/** Tasks read per block: a run may hold a million, and each block's instances come in one query. */
const TASKS_PER_BLOCK = 1000;

type TaskRow = { id: number; instruction: string; status: string | null; rule: string | null; detail: string | null; rouge: number | null; metadata: string | null };
type InstanceRow = CandidateLine['instances'][number];

/**
 * The lines (each ending in "\n"); throws when the run does not exist. Tasks are read a block at
 * a time (by id), with their instances in one query per block — neither every task in memory at
 * once nor one query per task — and nothing is held open between blocks, so the app's connection
 * stays free for writes while a slow download is paused.
 */
export function* runCandidateLines(runId: number, database: Db = db()): Generator<string> {
	const run = getRun(runId, database);
	if (!run) throw new Error(`There is no run ${runId}.`);
	const resolver = new SimilarityResolver(database, poolSeeds(readRunParams(run.params), run.seeds as RunSeeds));
	const c = database.$client;
	const taskBlock = c.prepare<[number, number, number], TaskRow>(
		`SELECT id, instruction, filter_status AS status, filter_rule AS rule, filter_detail AS detail, filter_rouge_l AS rouge, metadata
		 FROM tasks WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`
	);
	const instancesOf = c.prepare<[string], InstanceRow & { taskId: number }>(
		`SELECT task_id AS taskId, input, output, filter_status AS status, filter_rule AS rule FROM instances
		 WHERE task_id IN (SELECT value FROM json_each(?)) ORDER BY task_id, id`
	);
	for (let after = 0; ; ) {
		const tasks = taskBlock.all(runId, after, TASKS_PER_BLOCK);
		if (tasks.length === 0) return;
		after = tasks[tasks.length - 1].id;
		const instances = new Map<number, InstanceRow[]>();
		for (const { taskId, ...row } of instancesOf.all(JSON.stringify(tasks.map((t) => t.id)))) {
			const list = instances.get(taskId);
			if (list) list.push(row);
			else instances.set(taskId, [row]);
		}
		for (const t of tasks) {
			const stored = t.metadata ? (JSON.parse(t.metadata) as { rougeL?: unknown }).rougeL : undefined;
			const similarity = isStoredSimilarity(stored) ? stored : null;
			const line: CandidateLine = {
				task_id: t.id,
				instruction: t.instruction,
				status: t.status,
				rule: t.rule,
				detail: t.detail,
				instances: instances.get(t.id) ?? [],
				max_rouge_l: t.rouge,
				most_similar_instructions: similarity ? resolver.mostSimilar(similarity) : null,
				avg_similarity_score: similarity ? similarity.mean : null,
				pool_size: similarity ? similarity.pool : null
			};
			yield JSON.stringify(line) + '\n';
		}
		if (tasks.length < TASKS_PER_BLOCK) return;
	}
}
