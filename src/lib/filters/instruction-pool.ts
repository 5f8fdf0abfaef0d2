/**
 * The Self-Instruct task pool as the generation step filters against it: seeds plus every
 * accepted machine instruction, in acceptance order. A candidate goes through the instruction
 * rules, then ROUGE-L against the whole pool — including instructions accepted earlier in the
 * same reply, since each is added as soon as it is accepted. Pure (no I/O): a resumed run
 * rebuilds the same pool by adding the accepted instructions again in commit order.
 */
import { formatScoreAbove } from '../rouge/score-text';
import { finishProfile, NearDuplicateIndex, type PreparedInstruction } from '../rouge/near-duplicate-index';
import { emptyProfile, type ProfileState } from '../rouge/profile';
import type { FilterConfig, InstructionRule } from './config';
import { InstructionRules, normalizeInstruction, quote, type Verdict } from './instruction-rules';

export type TaskId = string | number;

/** A seed instruction: in the ROUGE-L pool from the start, never filtered itself. */
export type SeedInstruction = string | { id?: TaskId; instruction: string };

export interface SimilarInstruction {
	instruction: string;
	score: number;
	/** The pool instruction's task id (seeds: their id if given). */
	id?: TaskId;
	seed: boolean;
}

/**
 * Threshold sweeps (the filter report) ask how many candidates 0.5–0.9 would keep, so a pool asked
 * to (`exactAbove`) finds every kept candidate's exact highest F when it is above this.
 */
export const ROUGE_EXACT_ABOVE = 0.5;

export interface InstructionPoolOptions {
	/** Also find a kept candidate's exact highest F when above this (≤ the threshold); slower. */
	exactAbove?: number;
	/**
	 * Give every candidate the rules judged a similarity record (its `recordTop` most similar pool
	 * instructions with their exact F, the mean F over the pool) — a scan of the whole pool per
	 * candidate, as the reference code does. Needs the ROUGE-L rule on.
	 */
	record?: boolean;
	/** How many most similar pool instructions a record keeps (default 10, the reference's). */
	recordTop?: number;
}

/** Time spent on similarity records in this process (for `npm run bench -- generate`). */
export const similarityRecordTiming = { ms: 0, records: 0, largestPool: 0 };

/**
 * What Self-Instruct's and Alpaca's code store with each instruction: `most_similar_instructions`
 * (the 10 pool instructions with the highest ROUGE-L F, exact) and `avg_similarity_score` (the
 * mean F over the whole pool), here for every candidate, kept or rejected, against the pool as it
 * stood when the candidate was judged.
 */
export interface SimilarityRecord {
	/** The pool's exact highest F (0 for an empty pool). */
	max: number;
	/** Mean F over the pool (avg_similarity_score). */
	mean: number;
	/** Pool instructions compared: seeds plus those accepted before this candidate. */
	pool: number;
	/** The most similar pool instructions, highest first (ties: the earlier one first). */
	top: SimilarInstruction[];
}

export interface RougeFinding {
	/**
	 * For a rejected instruction the pool's exact maximum F; for a kept one the best F among the
	 * pool instructions the index examined (≤ threshold), or null if it examined none — exact
	 * when the pool was built with `exactAbove` and the maximum is above it.
	 */
	max: number | null;
	/** Rejected: the top-k pool instructions above the threshold; kept: the best examined one. */
	mostSimilar: SimilarInstruction[];
}

interface PoolEntry {
	/** As shown in verdicts and "most similar" lists. */
	instruction: string;
	seed: boolean;
	id?: TaskId;
}

export interface PoolEvaluation {
	/** The instruction as the rules saw it (whitespace collapsed, capitalised for Self-Instruct). */
	text: string;
	verdict: Verdict<InstructionRule>;
	/** Set when the ROUGE-L rule ran. */
	rougeL?: RougeFinding;
	/** For `accept`: the tokenized text, so it is not tokenized twice. */
	prepared?: PreparedInstruction;
	/** With the `record` option: the similarity record, for every candidate whatever its verdict. */
	similarity?: SimilarityRecord;
}

export class InstructionPool {
	private readonly rules: InstructionRules;
	private readonly index: NearDuplicateIndex<PoolEntry> | null;
	private machineCount = 0;
	/** The threshold queries run at: the rule's, or `exactAbove` when lower. */
	private readonly queryThreshold: number;
	private readonly recordTop: number | null;

	constructor(
		private readonly config: FilterConfig,
		seeds: Iterable<SeedInstruction>,
		options: InstructionPoolOptions = {}
	) {
		this.rules = new InstructionRules(config);
		const rouge = config.instruction.rougeL;
		this.queryThreshold = Math.min(rouge.threshold, options.exactAbove ?? rouge.threshold);
		this.index = rouge.enabled ? new NearDuplicateIndex<PoolEntry>({ minThreshold: this.queryThreshold }) : null;
		this.recordTop = options.record && this.index ? (options.recordTop ?? 10) : null;
		for (const seed of seeds) {
			const entry: PoolEntry = typeof seed === 'string' ? { instruction: seed, seed: true } : { ...seed, seed: true };
			this.index?.add(normalizeInstruction(entry.instruction, config.normalize), entry);
		}
	}

	/** Instructions in the ROUGE-L pool (seeds + accepted). */
	get size(): number {
		return this.index?.size ?? 0;
	}

	get accepted(): number {
		return this.machineCount;
	}

	/**
	 * The verdict on a candidate; the pool does not change until `accept`. With records on, `head`
	 * (from `recordHeads`, or computed in another thread against a prefix of this pool) saves
	 * the part of the scan it covers.
	 */
	evaluate(raw: string, head?: ProfileState): PoolEvaluation {
		const text = normalizeInstruction(raw, this.config.normalize);
		const judged = this.judge(text);
		if (this.recordTop !== null) {
			const started = performance.now();
			const prepared = judged.prepared ?? this.index!.prepare(text);
			judged.prepared = prepared;
			const state: ProfileState = head ? { ...head, top: [...head.top] } : emptyProfile();
			this.index!.extendProfiles([prepared.ids], [state], this.recordTop);
			const profile = finishProfile(state);
			similarityRecordTiming.ms += performance.now() - started;
			similarityRecordTiming.records++;
			if (profile.poolSize > similarityRecordTiming.largestPool) similarityRecordTiming.largestPool = profile.poolSize;
			judged.similarity = {
				max: profile.max,
				mean: profile.mean,
				pool: profile.poolSize,
				top: profile.top.map((m) => this.similar(m.entry, m.score))
			};
		}
		return judged;
	}

	/** Whether `evaluate` gives similarity records. */
	get records(): boolean {
		return this.recordTop !== null;
	}

	/** How many most similar pool instructions a record keeps (0 with records off). */
	get recordSize(): number {
		return this.recordTop ?? 0;
	}

	/** A candidate's token ids as the pool sees it (normalized, interned): what a profile scans with. */
	tokens(raw: string): Int32Array {
		if (!this.index) throw new Error('This pool has no ROUGE-L rule, so no similarity records.');
		return this.index.prepare(normalizeInstruction(raw, this.config.normalize)).ids;
	}

	/** Pool instruction `entry`'s token ids (a view: copy to keep). */
	entryTokens(entry: number): Int32Array {
		if (!this.index) throw new Error('This pool has no ROUGE-L rule.');
		return this.index.entryTokens(entry);
	}

	/**
	 * The similarity records of several candidates about to be evaluated in turn, as far as the
	 * pool stands now — one scan for several of them (lane packing). `evaluate(raws[k], heads[k])`
	 * then only scans what was accepted in between. `taken`: heads computed earlier (in another
	 * thread, over a prefix of this pool), brought up to date here.
	 */
	recordHeads(raws: readonly string[], taken?: readonly ProfileState[]): ProfileState[] {
		if (this.recordTop === null) throw new Error('This pool keeps no similarity records.');
		const ids = raws.map((raw) => this.tokens(raw));
		const states = taken ? taken.map((head) => ({ ...head, top: [...head.top] })) : ids.map(() => emptyProfile());
		const started = performance.now();
		this.index!.extendProfiles(ids, states, this.recordTop);
		similarityRecordTiming.ms += performance.now() - started;
		return states;
	}

	private similar(entry: number, score: number): SimilarInstruction {
		const p = this.index!.payload(entry);
		return { instruction: p.instruction, score, seed: p.seed, ...(p.id !== undefined ? { id: p.id } : {}) };
	}

	private judge(text: string): PoolEvaluation {
		const verdict = this.rules.check(text);
		if (!verdict.keep || !this.index) return { text, verdict };
		const { threshold, topK } = this.config.instruction.rougeL;
		const prepared = this.index.prepare(text);
		// Asked at a lower threshold, the verdict is the same: reject iff the exact maximum is above
		// the rule's threshold, and the top-k above it are the first of the top-k above the lower one.
		const result = this.index.query(prepared, this.queryThreshold, topK);
		const similar = (entry: number, score: number) => this.similar(entry, score);
		if (result.exceeds && result.max!.score > threshold) {
			const best = result.max!;
			return {
				text,
				prepared,
				verdict: {
					keep: false,
					rule: 'rougeL',
					detail: `rougeL ${formatScoreAbove(best.score, threshold)} vs ${quote(this.index.payload(best.entry).instruction)}`
				},
				rougeL: { max: best.score, mostSimilar: result.matches.filter((m) => m.score > threshold).map((m) => similar(m.entry, m.score)) }
			};
		}
		const seen = result.exceeds ? result.max : result.bestExamined;
		return {
			text,
			prepared,
			verdict: { keep: true },
			rougeL: { max: seen ? seen.score : null, mostSimilar: seen && topK > 0 ? [similar(seen.entry, seen.score)] : [] }
		};
	}

	/** Adds an accepted candidate to the pool (shown in later verdicts as `shown`, else as the rules saw it). */
	accept(evaluation: PoolEvaluation, id?: TaskId, shown?: string): void {
		this.machineCount++;
		if (!this.index) return;
		this.index.add(evaluation.prepared ?? this.index.prepare(evaluation.text), {
			instruction: shown ?? evaluation.text,
			seed: false,
			...(id !== undefined ? { id } : {})
		});
	}

	/** Rebuilding after a restart: an instruction accepted before, added without judging it again. */
	restore(text: string, id?: TaskId): void {
		this.machineCount++;
		this.index?.add(normalizeInstruction(text, this.config.normalize), { instruction: text, seed: false, ...(id !== undefined ? { id } : {}) });
	}
}
