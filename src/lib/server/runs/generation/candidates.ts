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

/** The lines (each ending in "\n"); throws when the run does not exist. */
export function* runCandidateLines(runId: number, database: Db = db()): Generator<string> {
	const run = getRun(runId, database);
	if (!run) throw new Error(`There is no run ${runId}.`);
	const resolver = new SimilarityResolver(database, poolSeeds(readRunParams(run.params), run.seeds as RunSeeds));
	const c = database.$client;
	const instancesOf = c.prepare<[number], { input: string; output: string; status: string | null; rule: string | null }>(
		'SELECT input, output, filter_status AS status, filter_rule AS rule FROM instances WHERE task_id = ? ORDER BY id'
	);
	const tasks = c
		.prepare<[number], { id: number; instruction: string; status: string | null; rule: string | null; detail: string | null; rouge: number | null; metadata: string | null }>(
			`SELECT id, instruction, filter_status AS status, filter_rule AS rule, filter_detail AS detail, filter_rouge_l AS rouge, metadata
			 FROM tasks WHERE run_id = ? ORDER BY id`
		)
		.all(runId);
	for (const t of tasks) {
		const stored = t.metadata ? (JSON.parse(t.metadata) as { rougeL?: unknown }).rougeL : undefined;
		const similarity = isStoredSimilarity(stored) ? stored : null;
		const line: CandidateLine = {
			task_id: t.id,
			instruction: t.instruction,
			status: t.status,
			rule: t.rule,
			detail: t.detail,
			instances: instancesOf.all(t.id),
			max_rouge_l: t.rouge,
			most_similar_instructions: similarity ? resolver.mostSimilar(similarity) : null,
			avg_similarity_score: similarity ? similarity.mean : null,
			pool_size: similarity ? similarity.pool : null
		};
		yield JSON.stringify(line) + '\n';
	}
}
