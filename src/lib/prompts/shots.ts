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
 * Self-Instruct's shots for one instruction-generation prompt: up to `machineCount`
 * machine-generated instructions (as many as exist, at most that many) and seed instructions for
 * the rest of the `humanCount + machineCount`, shuffled together — as the reference samples
 * min(2, machine) machine instructions and fills up to 8 from the seeds (8 seeds at the start,
 * 7 + 1 when exactly one machine instruction exists, then 6 + 2).
 */
export function chooseInstructionShots(
	seedInstructions: readonly string[],
	machineInstructions: readonly string[],
	random: () => number,
	counts: { humanCount?: number; machineCount?: number } = {}
): InstructionShot[] {
	const humanCount = counts.humanCount ?? 6;
	const machineCount = counts.machineCount ?? 2;
	const machineUsed = Math.max(0, Math.min(machineCount, machineInstructions.length));
	const machine = sample(machineInstructions, machineUsed, random).map((instruction): InstructionShot => ({ instruction, origin: 'machine' }));
	const seeds = sample(seedInstructions, humanCount + machineCount - machineUsed, random).map(
		(instruction): InstructionShot => ({ instruction, origin: 'seed' })
	);
	return shuffled([...seeds, ...machine], random);
}
