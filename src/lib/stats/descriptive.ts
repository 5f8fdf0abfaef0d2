/** Small descriptive statistics used by the reports (e.g. median seconds per item). */

function assertFinite(values: readonly number[], name: string): void {
	for (const value of values) {
		if (!Number.isFinite(value)) throw new RangeError(`${name}: values must be finite numbers, got ${value}`);
	}
}

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
	assertFinite(values, 'mean');
	if (values.length === 0) return null;
	let sum = 0;
	for (const value of values) sum += value;
	return sum / values.length;
}

/** Median (mean of the two middle values for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
	assertFinite(values, 'median');
	if (values.length === 0) return null;
	// A typed array sorts numbers natively, several times faster than a comparator (a report takes
	// the median of each reviewer's 100,000 label times at scale).
	const sorted = Float64Array.from(values).sort();
	const middle = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Mid-ranks (1-based) of the values: tied values share the mean of the ranks they span, the
 * usual treatment of ties in rank tests (e.g. Hollander & Wolfe, Nonparametric Statistical
 * Methods, §3.1). Returned in the input order, with the sizes of the tie groups.
 */
export function midRanks(values: readonly number[]): { ranks: number[]; tieGroupSizes: number[] } {
	assertFinite(values, 'midRanks');
	const order = values.map((_, index) => index).sort((a, b) => values[a] - values[b]);
	const ranks = new Array<number>(values.length);
	const tieGroupSizes: number[] = [];
	let start = 0;
	while (start < order.length) {
		let end = start + 1;
		while (end < order.length && values[order[end]] === values[order[start]]) end++;
		const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
		for (let i = start; i < end; i++) ranks[order[i]] = rank;
		tieGroupSizes.push(end - start);
		start = end;
	}
	return { ranks, tieGroupSizes };
}
