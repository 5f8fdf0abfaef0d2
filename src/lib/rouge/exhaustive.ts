/**
 * The reference's way: compare a candidate with every pool instruction, pair by pair. Kept as
 * the oracle the near-duplicate index is tested against and the baseline it is benchmarked
 * against. Uses the same bit-parallel kernel, so the comparison measures the index, not the LCS.
 */
import type { NearDuplicateMatch } from './near-duplicate-index';
import { PatternBuffer, lcsLengthDp } from './lcs';
import { fmeasureFromLcs } from './score';
import { tokenize } from './tokenize';
import { Vocabulary } from './vocabulary';

export interface ExhaustiveResult {
	exceeds: boolean;
	/** The pool's maximum F (null for an empty pool or an empty candidate: every F is 0). */
	max: NearDuplicateMatch | null;
	/** Up to topK pool instructions with F > threshold, highest first (ties: earlier entry first). */
	matches: NearDuplicateMatch[];
}

export class ExhaustivePool {
	private readonly vocab = new Vocabulary();
	private readonly pool: Int32Array[] = [];
	private readonly pattern = new PatternBuffer();

	constructor(private readonly kernel: 'bit-parallel' | 'dp' = 'bit-parallel') {}

	get size(): number {
		return this.pool.length;
	}

	add(instruction: string): number {
		this.pool.push(this.vocab.internAll(tokenize(instruction)));
		return this.pool.length - 1;
	}

	query(candidate: string, threshold: number, topK = 10): ExhaustiveResult {
		const x = this.vocab.internAll(tokenize(candidate));
		const m = x.length;
		const all: NearDuplicateMatch[] = [];
		let max: NearDuplicateMatch | null = null;
		if (this.kernel === 'bit-parallel') this.pattern.set(x);
		for (let e = 0; e < this.pool.length; e++) {
			const y = this.pool[e];
			const lcs = this.kernel === 'bit-parallel' ? this.pattern.lcs(y) : lcsLengthDp(x, y);
			const score = fmeasureFromLcs(lcs, m, y.length);
			if (m > 0 && y.length > 0 && (max === null || score > max.score)) max = { entry: e, score };
			if (score > threshold) all.push({ entry: e, score });
		}
		this.pattern.clear();
		all.sort((a, b) => b.score - a.score || a.entry - b.entry);
		return { exceeds: all.length > 0, max, matches: all.slice(0, topK) };
	}
}
