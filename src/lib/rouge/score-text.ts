/**
 * A ROUGE-L F that is above a threshold, as the filters' funnel and the near-duplicates page show
 * it: two decimals, or every digit when two would read as not above the threshold ("0.70" for
 * 0.7000000000000001 > 0.7) or as a perfect 1.
 */
export function formatScoreAbove(score: number, threshold: number): string {
	const short = score.toFixed(2);
	return Number(short) <= threshold || Number(short) === 1 ? String(score) : short;
}
