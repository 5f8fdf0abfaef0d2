/**
 * The Self-Instruct task pool as the generation step filters against it: seeds plus every
 * accepted machine instruction, in acceptance order. A candidate goes through the instruction
 * rules, then ROUGE-L against the whole pool — including instructions accepted earlier in the
 * same reply, since each is added as soon as it is accepted. Pure (no I/O): a resumed run
 * rebuilds the same pool by adding the accepted instructions again in commit order.
 */
import {
	InstructionRules,
	normalizeInstruction,
	quote,
	type FilterConfig,
	type InstructionRule,
	type RougeFinding,
	type SimilarInstruction,
	type Verdict
} from '$lib/filters';
import { NearDuplicateIndex, type PreparedInstruction } from '$lib/rouge/near-duplicate-index';

interface PoolEntry {
	instruction: string;
	seed: boolean;
	taskId?: number;
}

export interface PoolEvaluation {
	/** The instruction as the rules saw it (whitespace collapsed, capitalised for Self-Instruct). */
	text: string;
	verdict: Verdict<InstructionRule>;
	/** Set when the ROUGE-L rule ran. */
	rougeL?: RougeFinding;
	/** For `accept`: the tokenized text, so it is not tokenized twice. */
	prepared?: PreparedInstruction;
}

function formatScore(score: number, threshold: number): string {
	const short = score.toFixed(2);
	// Near the threshold two decimals could read as "0.70 > 0.7"; show every digit then.
	return Number(short) <= threshold || Number(short) === 1 ? String(score) : short;
}

export class InstructionPool {
	private readonly rules: InstructionRules;
	private readonly index: NearDuplicateIndex<PoolEntry> | null;
	private machineCount = 0;

	constructor(
		private readonly config: FilterConfig,
		seeds: readonly string[]
	) {
		this.rules = new InstructionRules(config);
		const rouge = config.instruction.rougeL;
		this.index = rouge.enabled ? new NearDuplicateIndex<PoolEntry>({ minThreshold: rouge.threshold }) : null;
		for (const seed of seeds) this.index?.add(normalizeInstruction(seed, config.normalize), { instruction: seed, seed: true });
	}

	/** Instructions in the ROUGE-L pool (seeds + accepted). */
	get size(): number {
		return this.index?.size ?? 0;
	}

	get accepted(): number {
		return this.machineCount;
	}

	/** The verdict on a candidate; the pool does not change until `accept`. */
	evaluate(raw: string): PoolEvaluation {
		const text = normalizeInstruction(raw, this.config.normalize);
		const verdict = this.rules.check(text);
		if (!verdict.keep || !this.index) return { text, verdict };
		const { threshold, topK } = this.config.instruction.rougeL;
		const prepared = this.index.prepare(text);
		const result = this.index.query(prepared, threshold, topK);
		const similar = (entry: number, score: number): SimilarInstruction => {
			const p = this.index!.payload(entry);
			return { instruction: p.instruction, score, seed: p.seed, ...(p.taskId !== undefined ? { id: p.taskId } : {}) };
		};
		if (result.exceeds) {
			const best = result.max!;
			return {
				text,
				prepared,
				verdict: {
					keep: false,
					rule: 'rougeL',
					detail: `rougeL ${formatScore(best.score, threshold)} vs ${quote(this.index.payload(best.entry).instruction)}`
				},
				rougeL: { max: best.score, mostSimilar: result.matches.map((m) => similar(m.entry, m.score)) }
			};
		}
		const seen = result.bestExamined;
		return {
			text,
			prepared,
			verdict: { keep: true },
			rougeL: { max: seen ? seen.score : null, mostSimilar: seen && topK > 0 ? [similar(seen.entry, seen.score)] : [] }
		};
	}

	/** Adds an accepted candidate to the pool. */
	accept(evaluation: PoolEvaluation, taskId?: number): void {
		this.machineCount++;
		if (!this.index) return;
		this.index.add(evaluation.prepared ?? this.index.prepare(evaluation.text), {
			instruction: evaluation.text,
			seed: false,
			...(taskId !== undefined ? { taskId } : {})
		});
	}

	/** Rebuilding after a restart: an instruction accepted before, added without judging it again. */
	restore(text: string, taskId?: number): void {
		this.machineCount++;
		this.index?.add(normalizeInstruction(text, this.config.normalize), { instruction: text, seed: false, ...(taskId !== undefined ? { taskId } : {}) });
	}
}
