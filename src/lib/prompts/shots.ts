/**
 * Choosing the in-context examples of a prompt. Randomness comes from a seeded generator so a
 * run can rebuild exactly the prompt it sent (e.g. to check a stored call after a restart).
 */

/** A 32-bit seed from text (FNV-1a), e.g. from "run 7 / instruction batch 42". */
export function seedFromString(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** Fisher–Yates shuffle into a new array. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
	const out = items.slice();
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

/** `k` distinct items chosen uniformly (all of them, shuffled, when there are no more than k). */
export function sample<T>(items: readonly T[], k: number, random: () => number): T[] {
	if (k <= 0) return [];
	if (k * 2 >= items.length) return shuffled(items, random).slice(0, k);
	// Few from many (8 shots from a pool of 50K machine instructions): draw distinct indices
	// instead of shuffling the whole pool for every prompt.
	const picked = new Set<number>();
	while (picked.size < k) picked.add(Math.floor(random() * items.length));
	return [...picked].map((i) => items[i]);
}

export interface InstructionShot {
	instruction: string;
	origin: 'seed' | 'machine';
}

/**
 * Self-Instruct's shots for one instruction-generation prompt: `humanCount` seed instructions
 * and `machineCount` machine-generated ones, shuffled together; all from the seeds while fewer
 * than `machineCount` machine instructions exist (8 seeds, then 6 + 2). This is the paper's
 * rule as PAPERS.md states it. The reference code differs for one case: it samples
 * min(2, machine) machine instructions and fills up from the seeds, so 7 + 1 with exactly one;
 * we follow the paper (a lone early machine instruction would be shown in every prompt).
 */
export function chooseInstructionShots(
	seedInstructions: readonly string[],
	machineInstructions: readonly string[],
	random: () => number,
	counts: { humanCount?: number; machineCount?: number } = {}
): InstructionShot[] {
	const humanCount = counts.humanCount ?? 6;
	const machineCount = counts.machineCount ?? 2;
	const machineUsed = machineInstructions.length >= machineCount ? machineCount : 0;
	const machine = sample(machineInstructions, machineUsed, random).map((instruction): InstructionShot => ({ instruction, origin: 'machine' }));
	const seeds = sample(seedInstructions, humanCount + machineCount - machineUsed, random).map(
		(instruction): InstructionShot => ({ instruction, origin: 'seed' })
	);
	return shuffled([...seeds, ...machine], random);
}
