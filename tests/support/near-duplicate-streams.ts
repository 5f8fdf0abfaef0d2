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
			const edits = Math.floor(random() * 4);
			for (let e = 0; e < edits; e++) {
				const at = Math.floor(random() * ws.length);
				const r = random();
				if (r < 0.3) ws[at] = word();
				else if (r < 0.55) ws.splice(at, 0, word());
				else if (r < 0.8 && ws.length > 1) ws.splice(at, 1);
				else if (at + 1 < ws.length) [ws[at], ws[at + 1]] = [ws[at + 1], ws[at]];
			}
			out.push(ws.join(' '));
		} else {
			const len = random() < 0.05 ? Math.floor(random() * 90) : 1 + Math.floor(random() * 25);
			out.push(Array.from({ length: len }, word).join(' '));
		}
	}
	return out;
}

