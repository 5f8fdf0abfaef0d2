/**
 * Intervals written out independently of the app's statistics code (src/lib/stats), for tests
 * that check the rates the app reports against them.
 */
const Z = 1.959963984540054;

/** Wilson's score interval written out: (2np + z² ∓ z√(z² + 4np(1−p))) / (2(n + z²)). */
export function wilson(p: number, n: number): [number, number] {
	if (n === 0) return [0, 1];
	const root = Z * Math.sqrt(Z * Z + 4 * n * p * (1 - p));
	const d = 2 * (n + Z * Z);
	return [Math.max(0, Math.min(p, (2 * n * p + Z * Z - root) / d)), Math.min(1, Math.max(p, (2 * n * p + Z * Z + root) / d))];
}

/** Σ W_h p_h with variance Σ W_h² (1 − n/N) p(1−p)/n and Wilson on n* = p(1−p)/v (≤ Σn). */
export function stratified(strata: Array<{ N: number; n: number; x: number }>): { p: number; lower: number; upper: number } {
	const N = strata.reduce((s, h) => s + h.N, 0);
	const nAll = strata.reduce((s, h) => s + h.n, 0);
	let p = 0;
	let v = 0;
	for (const h of strata) {
		if (!h.N) continue;
		const w = h.N / N;
		p += (w * h.x) / h.n;
		v += (w * w * (1 - h.n / h.N) * (h.x / h.n) * (1 - h.x / h.n)) / h.n;
	}
	const nEff = v > 0 ? Math.min(nAll, (p * (1 - p)) / v) : nAll;
	const [lower, upper] = wilson(p, nEff);
	return { p, lower, upper };
}
