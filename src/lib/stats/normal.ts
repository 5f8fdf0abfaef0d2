/**
 * The standard normal distribution, written out here so the statistics need no dependency.
 *
 * Φ(x) is computed from two classical expansions, each used where it converges fast and keeps
 * full relative precision:
 * - |x| ≤ 1.5: the series Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …) (Marsaglia 2004,
 *   "Evaluating the Normal Distribution", J. Stat. Software 11(4), eq. 2); every term is
 *   positive, so nothing cancels.
 * - beyond: the upper tail as φ(x)·R(x) with Mills' ratio R(x) = 1/(x+1/(x+2/(x+3/(x+…))))
 *   (Laplace's continued fraction; Abramowitz & Stegun 26.2.14), evaluated by the modified
 *   Lentz method (Press et al., Numerical Recipes 3rd ed., §5.2). Keeping the tail as a product
 *   gives tiny p-values to full relative precision instead of as 1 − 0.999….
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Below this |x| the Taylor series is used, above it the continued fraction (both accurate there). */
const SERIES_LIMIT = 1.5;

/** Density φ(x) of the standard normal distribution. */
export function normalPdf(x: number): number {
	return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/** Σ x^(2k+1) / (1·3·5···(2k+1)), so that Φ(x) − ½ = φ(x)·series (Marsaglia 2004). */
function marsagliaSeries(x: number): number {
	const x2 = x * x;
	let term = x;
	let sum = x;
	for (let k = 1; k < 500; k++) {
		term *= x2 / (2 * k + 1);
		const next = sum + term;
		if (next === sum) break;
		sum = next;
	}
	return sum;
}

/** Mills' ratio Q(x)/φ(x) for x > 0 by its continued fraction (modified Lentz). */
function millsRatio(x: number): number {
	const tiny = 1e-300;
	// f = b0 + a1/(b1 + a2/(b2 + …)) with b_k = x and a_k = k; Mills' ratio is 1/f.
	let f = x;
	let c = f;
	let d = 0;
	for (let k = 1; k < 5000; k++) {
		d = x + k * d;
		if (Math.abs(d) < tiny) d = tiny;
		c = x + k / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const delta = c * d;
		f *= delta;
		if (Math.abs(delta - 1) < 1e-16) break;
	}
	return 1 / f;
}

/** Upper tail Q(x) = P(Z > x) = 1 − Φ(x), with full relative precision in the far tail. */
export function normalUpperTail(x: number): number {
	if (Number.isNaN(x)) return Number.NaN;
	if (x === Infinity) return 0;
	if (x === -Infinity) return 1;
	if (Math.abs(x) <= SERIES_LIMIT) return 0.5 - normalPdf(x) * marsagliaSeries(x);
	if (x > 0) return normalPdf(x) * millsRatio(x);
	return 1 - normalPdf(-x) * millsRatio(-x);
}

/** Cumulative distribution Φ(x) = P(Z ≤ x). */
export function normalCdf(x: number): number {
	return normalUpperTail(-x);
}

/**
 * Quantile Φ⁻¹(p). Starts from the rational approximation of Abramowitz & Stegun 26.2.23
 * (|error| < 4.5e-4) and polishes it with Halley steps on the accurate Φ above, which converge
 * cubically, so three steps reach double precision.
 */
export function normalQuantile(p: number): number {
	if (Number.isNaN(p) || p < 0 || p > 1) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
	if (p === 0) return -Infinity;
	if (p === 1) return Infinity;
	if (p > 0.5) return -normalQuantile(1 - p);
	if (p === 0.5) return 0;
	// A&S 26.2.23 for the lower tail: x ≈ −(t − (c0 + c1 t + c2 t²)/(1 + d1 t + d2 t² + d3 t³)).
	const t = Math.sqrt(-2 * Math.log(p));
	let x =
		-(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
	for (let i = 0; i < 4; i++) {
		const error = normalCdf(x) - p;
		const density = normalPdf(x);
		if (density === 0) break;
		const u = error / density;
		const step = u / (1 + (x * u) / 2);
		x -= step;
		if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
	}
	return x;
}

/** Two-sided critical value z for a confidence level, e.g. 0.95 → 1.959964… */
export function zForConfidence(confidence: number): number {
	if (!(confidence > 0 && confidence < 1)) {
		throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
	}
	return normalQuantile(1 - (1 - confidence) / 2);
}
