/**
 * A rate as the exports, manifests and dataset cards give it: a point, or — where tied items (or
 * strata nobody judged) keep it apart — the range `low`–`high`, counting them as "no" and as
 * "yes"; `lower`–`upper` is the interval covering both. Without such items, low = high = rate.
 */
export interface RateRange {
	/** The estimate; null when the range is open (then `low`–`high`). */
	rate: number | null;
	low: number | null;
	high: number | null;
	lower: number;
	upper: number;
}
