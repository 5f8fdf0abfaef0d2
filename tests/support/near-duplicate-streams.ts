/** Random instruction streams for the near-duplicate tests: the exact filters are checked against the exhaustive scan on them. */
import { createRng } from '../../src/lib/random';

/** Random "instructions" over a small Zipf-ish vocabulary, many of them edits of earlier ones. */
export function makeStream(seed: number, count: number, vocabulary: number, plantedShare: number): string[] {
	const random = createRng(seed);
	const word = () => `w${Math.floor(vocabulary * random() ** 2)}`;
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		if (out.length > 0 && random() < plantedShare) {
			// Planted near-duplicate: an earlier one with a few substitutions, insertions, deletions, swaps.
			const ws = out[Math.floor(random() * out.length)].split(' ');
			editWords(ws, Math.floor(random() * 4), random, word, { substitute: 0.3, insert: 0.55 });
			out.push(ws.join(' '));
		} else {
			const len = random() < 0.05 ? Math.floor(random() * 90) : 1 + Math.floor(random() * 25);
			out.push(Array.from({ length: len }, word).join(' '));
		}
	}
	return out;
}


/**
 * Applies `edits` random edits to `words` in place: a substitution while the draw is below
 * `substitute`, an insertion below `insert`, a deletion below 0.8, else a swap of neighbours.
 */
export function editWords(words: string[], edits: number, random: () => number, word: () => string, p: { substitute: number; insert: number }): void {
	for (let e = 0; e < edits; e++) {
		const at = Math.floor(random() * words.length);
		const r = random();
		if (r < p.substitute) words[at] = word();
		else if (r < p.insert) words.splice(at, 0, word());
		else if (r < 0.8 && words.length > 1) words.splice(at, 1);
		else if (at + 1 < words.length) [words[at], words[at + 1]] = [words[at + 1], words[at]];
	}
}
