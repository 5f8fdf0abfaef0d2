/**
 * Pairwise judging with the order swapped (MT-Bench, Zheng et al. 2023): each pair of responses
 * is judged twice, once as (first, second) and once as (second, first). A response wins only
 * when both orders prefer it; anything else — a win one way and a tie or the other win the
 * other way — is recorded as a tie and flagged inconsistent, which is how position bias shows.
 */

/** What the judge said in one order, in the labels it was shown: A is the response shown first. */
export type ShownVerdict = 'A' | 'B' | 'tie';

/** The verdict about the pair itself, independent of the order shown. */
export type PairWinner = 'first' | 'second' | 'tie';

export interface PairOutcome {
	winner: PairWinner;
	/** Both orders gave the same verdict. */
	consistent: boolean;
	/** Each order's verdict, translated back to the pair's own order. */
	original: PairWinner;
	swapped: PairWinner;
}

/** Translates a verdict given in the original order (first shown as A). */
export function winnerInOriginalOrder(verdict: ShownVerdict): PairWinner {
	return verdict === 'A' ? 'first' : verdict === 'B' ? 'second' : 'tie';
}

/** Translates a verdict given in the swapped order (second shown as A). */
export function winnerInSwappedOrder(verdict: ShownVerdict): PairWinner {
	return verdict === 'A' ? 'second' : verdict === 'B' ? 'first' : 'tie';
}

/** The pair's outcome from its two judgements: a win only when both orders agree, else a tie. */
export function combineSwappedVerdicts(original: ShownVerdict, swapped: ShownVerdict): PairOutcome {
	const a = winnerInOriginalOrder(original);
	const b = winnerInSwappedOrder(swapped);
	const consistent = a === b;
	return { winner: consistent ? a : 'tie', consistent, original: a, swapped: b };
}

export interface PairwiseTally {
	pairs: number;
	firstWins: number;
	secondWins: number;
	ties: number;
	/** Ties that come from orders that disagreed (not from two tie verdicts). */
	inconsistent: number;
	/** Of the inconsistent pairs, how many favoured whichever response was shown first both times. */
	favouredShownFirst: number;
}

/** Counts of pair outcomes, with how often the judge contradicted itself and in which direction. */
export function tallyPairs(outcomes: readonly PairOutcome[]): PairwiseTally {
	const tally: PairwiseTally = { pairs: 0, firstWins: 0, secondWins: 0, ties: 0, inconsistent: 0, favouredShownFirst: 0 };
	for (const o of outcomes) {
		tally.pairs += 1;
		if (o.winner === 'first') tally.firstWins += 1;
		else if (o.winner === 'second') tally.secondWins += 1;
		else tally.ties += 1;
		if (!o.consistent) {
			tally.inconsistent += 1;
			// Shown first both times: "first" in the original order and "second" in the swapped one.
			if (o.original === 'first' && o.swapped === 'second') tally.favouredShownFirst += 1;
		}
	}
	return tally;
}
