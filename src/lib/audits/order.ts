import { SeededRandom, hash32 } from './random';
import type { PairChoice, PairVerdict } from './rubric';

/** A pair's own verdict: its response a or b better, a tie, or both bad (defined in rubric). */
export type { PairVerdict };

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

/** Where a reviewer stands in routing's gold rule (see nextAssignment), for goldStillToCome. */
export interface GoldStanding {
	/** Items they were given so far, every kind and state (what routing passes to goldDue). */
	assigned: number;
	/** Gold items among them. */
	gold: number;
	/** Gold items they were not given yet. */
	goldLeft: number;
	/** Sampled items they could still be given (short of k, no row of theirs). */
	sampledLeft: number;
	rate: number;
	jitter: number;
	/** Qualification gold still owed before any sampled item: min(N, gold items) less `gold`, if positive. */
	qualificationLeft: number;
}

/**
 * How many more gold items routing will give this reviewer if they take every sampled item left:
 * the qualification gold first, then a gold item whenever goldDue says so and one is left, else a
 * sampled item while any is left. Part of the "left" count they see, so that a gold item moves
 * that count exactly as a sampled one does (held gold is counted apart). Jumps from one gold item
 * to the next (goldDue's floor solved for the assignment count), so it costs the gold items left,
 * not the sampled ones.
 */
export function goldStillToCome(standing: GoldStanding): number {
	const { rate, jitter } = standing;
	let goldLeft = Math.max(0, standing.goldLeft);
	const forced = Math.min(Math.max(0, standing.qualificationLeft), goldLeft);
	let assigned = standing.assigned + forced;
	let gold = standing.gold + forced;
	let sampledLeft = Math.max(0, standing.sampledLeft);
	goldLeft -= forced;
	let coming = forced;
	if (rate <= 0) return coming;
	while (goldLeft > 0) {
		// The first count n ≥ assigned with gold < floor((n + 1)·rate + jitter), then ±1 with goldDue itself against rounding.
		let due = Math.max(assigned, Math.ceil((gold + 1 - jitter) / rate - 1));
		while (due > assigned && goldDue(due - 1, gold, rate, jitter)) due--;
		while (!goldDue(due, gold, rate, jitter)) due++;
		// Sampled items fill the assignments before it; too few left and routing stops first.
		if (due - assigned > sampledLeft) break;
		sampledLeft -= due - assigned;
		assigned = due + 1;
		gold++;
		goldLeft--;
		coming++;
	}
	return coming;
}

/** A reviewer's jitter for goldDue, from their order salt. */
export function goldJitter(orderSalt: number): number {
	return hash32(orderSalt, 0x901d) / 0x1_0000_0000;
}

/** A pairwise label's verdict (the pair's own A/B) as the reviewer saw it (A = left on their screen), and back. */
export function choiceFromVerdict(verdict: PairVerdict, order: readonly number[]): PairChoice {
	if (verdict === 'tie' || verdict === 'both_bad') return verdict;
	const canonical = verdict === 'a' ? 0 : 1;
	return order[0] === canonical ? 'A' : 'B';
}

export function verdictFromChoice(choice: PairChoice, order: readonly number[]): PairVerdict {
	if (choice === 'tie' || choice === 'both_bad') return choice;
	const canonical = order[choice === 'A' ? 0 : 1];
	return canonical === 0 ? 'a' : 'b';
}

/**
 * What a reviewer chose as their screen showed it: A the response shown first (on the left), B the
 * other. Labels store the choice in the pair's own order; this is the side, for position bias.
 */
export function screenChoice(verdict: PairVerdict, reviewerId: number, itemId: number, blind: boolean): PairChoice {
	return choiceFromVerdict(verdict, responseOrder(2, reviewerId, itemId, blind));
}
