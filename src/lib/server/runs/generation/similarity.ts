/**
 * The similarity record of a generated instruction (Self-Instruct and Alpaca runs), stored on its
 * task as `metadata.rougeL` in a compact form: the pool instructions are referenced, not copied —
 * a number is a task of the run's dataset (an instruction accepted earlier), "seed:<i>" the i-th
 * seed of the run's seed snapshot (0-based). `similarRecordOf` turns it back into texts, as the
 * reference code writes them (`most_similar_instructions`, `avg_similarity_score`).
 */
import type { PoolEvaluation, SimilarityRecord, Verdict } from '$lib/filters';
import type { Db } from '../../db';
import { verdictColumns, type NewTask } from '../../datasets/rows';

export type SimilarRef = number | `seed:${number}`;

export interface StoredSimilarity {
	/** The pool's exact highest F: also the task's `filter_rouge_l`. */
	max: number;
	/** Mean F over the pool (avg_similarity_score). */
	mean: number;
	/** Pool instructions compared. */
	pool: number;
	/** The 10 most similar pool instructions, highest first: [reference, F]. */
	similar: [SimilarRef, number][];
}

export function storedSimilarity(record: SimilarityRecord): StoredSimilarity {
	return {
		max: record.max,
		mean: record.mean,
		pool: record.pool,
		similar: record.top.map((t) => [t.seed ? `seed:${Number(t.id)}` : Number(t.id), t.score] as [SimilarRef, number])
	};
}

/**
 * The task row of an instruction a run generated (Self-Instruct and Alpaca alike): its text as
 * the rules saw it (`raw` when they left none), the verdict, and its similarity to the pool
 * whatever the verdict — the 10 most similar pool instructions and the mean when the run keeps
 * records, else the ROUGE-L finding.
 */
export function generatedTaskRow(
	evaluation: PoolEvaluation,
	verdict: Verdict<string>,
	raw: string,
	at: { datasetId: number; runId: number; callId: number }
): NewTask {
	return {
		datasetId: at.datasetId,
		instruction: evaluation.text || raw,
		origin: 'generated',
		runId: at.runId,
		callId: at.callId,
		...verdictColumns(verdict),
		metadata: evaluation.similarity ? { rougeL: storedSimilarity(evaluation.similarity) } : evaluation.rougeL ? { rougeL: evaluation.rougeL } : null,
		filterRougeL: evaluation.similarity?.max ?? null
	};
}

export function isStoredSimilarity(value: unknown): value is StoredSimilarity {
	const v = value as StoredSimilarity | null;
	return !!v && typeof v === 'object' && typeof v.mean === 'number' && typeof v.max === 'number' && Array.isArray(v.similar);
}

/** Resolves a run's similarity references to instruction texts (seeds from its snapshot, tasks from the database). */
export class SimilarityResolver {
	private readonly taskText;
	private readonly cache = new Map<number, string>();

	constructor(
		database: Db,
		private readonly seeds: readonly { instruction: string }[]
	) {
		this.taskText = database.$client.prepare<[number], { instruction: string }>('SELECT instruction FROM tasks WHERE id = ?');
	}

	text(ref: SimilarRef): string {
		if (typeof ref === 'string') return this.seeds[Number(ref.slice('seed:'.length))]?.instruction ?? ref;
		let text = this.cache.get(ref);
		if (text === undefined) {
			text = this.taskText.get(ref)?.instruction ?? `task ${ref}`;
			if (this.cache.size > 50_000) this.cache.clear();
			this.cache.set(ref, text);
		}
		return text;
	}

	/** As the reference writes them: {instruction: F} in order, highest first. */
	mostSimilar(stored: StoredSimilarity): Record<string, number> {
		const out: Record<string, number> = {};
		for (const [ref, score] of stored.similar) {
			const text = this.text(ref);
			if (!(text in out)) out[text] = score;
		}
		return out;
	}
}
