import type { LatentProgress } from '../../src/lib/reports';

/** Polls a background latent-truth computation until it is done: the refits done, as seen on the way. */
export async function progressUntilDone(progress: () => LatentProgress | null): Promise<number[]> {
	const seen: number[] = [];
	for (let now = progress(); now; now = progress()) {
		seen.push(now.done);
		await new Promise((r) => setTimeout(r, 5));
	}
	return seen;
}
