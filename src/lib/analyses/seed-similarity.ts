/**
 * Each instruction's highest ROUGE-L F to a set of seed instructions (Self-Instruct, Figure 3),
 * exact, from the near-duplicate index of src/lib/rouge: an index built with threshold 0 answers
 * "is some seed above 0" — i.e. shares a token in order — with the exact maximum and, asked for
 * the top 1, prunes the seeds whose bound cannot beat the best found. No shared token: F = 0.
 */
import { NearDuplicateIndex } from '$lib/rouge';

export class SeedSimilarity {
	private readonly index = new NearDuplicateIndex({ minThreshold: 0 });

	constructor(seeds: Iterable<string>) {
		for (const seed of seeds) this.index.add(seed);
	}

	get seeds(): number {
		return this.index.size;
	}

	/** The highest ROUGE-L F of `instruction` to any seed (0 when there are none). */
	max(instruction: string): number {
		if (this.index.size === 0) return 0;
		return this.index.query(instruction, 0, 1).max?.score ?? 0;
	}
}
