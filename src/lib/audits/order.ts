import { SeededRandom, hash32 } from './random';

/**
 * The order in which a reviewer sees an item's responses. Blind audits shuffle them per reviewer
 * and item, so position gives no hint of the model and position effects average out across
 * reviewers; the order is a pure function of (reviewer, item), so a reload shows the same order.
 * Non-blind audits keep the canonical order (by model name).
 *
 * Returns `order` with order[displayIndex] = canonical index.
 */
export function responseOrder(count: number, reviewerId: number, itemId: number, blind: boolean): number[] {
	const order = Array.from({ length: count }, (_, i) => i);
	if (!blind || count < 2) return order;
	return new SeededRandom(hash32(reviewerId, itemId, 0x5eed)).shuffle(order);
}

/**
 * Gold items are mixed into a reviewer's stream at `rate`: before their n-th assignment (n counted
 * from 0 over every item they were given), a gold item is due when fewer than
 * floor((n + 1)·rate + jitter) gold items have been served. The per-reviewer jitter in [0, 1)
 * places the gold items differently for each reviewer, so their positions teach nothing.
 */
export function goldDue(assignedSoFar: number, goldSoFar: number, rate: number, reviewerJitter: number): boolean {
	if (rate <= 0) return false;
	return goldSoFar < Math.floor((assignedSoFar + 1) * rate + reviewerJitter);
}

/** A reviewer's jitter for goldDue, from their order salt. */
export function goldJitter(orderSalt: number): number {
	return hash32(orderSalt, 0x901d) / 0x1_0000_0000;
}
