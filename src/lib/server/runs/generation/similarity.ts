/**
 * The similarity record of a generated instruction (Self-Instruct and Alpaca runs), stored on its
 * task as `metadata.rougeL` in a compact form: the pool instructions are referenced, not copied —
 * a number is a task of the run's dataset (an instruction accepted earlier), "seed:<i>" the i-th
 * seed of the run's seed snapshot (0-based). `similarRecordOf` turns it back into texts, as the
 * reference code writes them (`most_similar_instructions`, `avg_similarity_score`).
 */
import type { SimilarityRecord } from '$lib/filters';
import type { Db } from '../../db';

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
