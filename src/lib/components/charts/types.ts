/** One row of an interval chart: an estimate, its interval and an optional reference figure. */
export interface IntervalRow {
	/** The row's label on the y axis. */
	label: string;
	/** Facet (a band label above its rows); omit for a single panel. */
	facet?: string;
	value: number | null;
	/**
	 * Bounds that tied items keep apart: the estimate is the range from `value` (the lower figure)
	 * to this one, drawn as a bar and written as a range. Omitted for a point estimate.
	 */
	high?: number | null;
	lower: number;
	upper: number;
	/** A reference share drawn as a tick (e.g. Self-Instruct Table 2). */
	reference?: number | null;
	/** Shown in the tooltip, e.g. "3 of 6". */
	detail?: string;
}
