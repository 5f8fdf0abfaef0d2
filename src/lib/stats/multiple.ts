/**
 * Adjusting p-values for several tests read together (a report comparing three models runs three
 * paired tests: one of them below 0.05 by chance is likelier than 5%).
 */

/**
 * Holm's step-down adjusted p-values (Holm 1979, Scand J Statist 6:65–70), in the order given:
 * sorted ascending, the i-th smallest (from 1) becomes max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎).
 * Rejecting where the adjusted p < α keeps the family-wise error rate at α under any dependence
 * between the tests; it is uniformly more powerful than Bonferroni's m·p. As R's p.adjust(p, "holm").
 */
export function holmAdjusted(pValues: readonly number[]): number[] {
	for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must lie in [0, 1], got ${p}`);
	const m = pValues.length;
	const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
	const adjusted = new Array<number>(m);
	let running = 0;
	order.forEach((index, rank) => {
		running = Math.max(running, Math.min(1, (m - rank) * pValues[index]));
		adjusted[index] = running;
	});
	return adjusted;
}
