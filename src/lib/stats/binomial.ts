/**
 * The binomial distribution and the exact binomial test, written out here (no dependency).
 * Probabilities are computed in log space from log-factorials so that n in the thousands
 * neither overflows nor underflows.
 */

/** ln(k!) for k ≤ this are summed exactly in a table; above, Stirling's series is accurate to < 1e-17. */
const LOG_FACTORIAL_TABLE_SIZE = 256;
const logFactorialTable: number[] = (() => {
	const table = [0];
	for (let k = 1; k <= LOG_FACTORIAL_TABLE_SIZE; k++) table.push(table[k - 1] + Math.log(k));
	return table;
})();

function assertCount(value: number, name: string): void {
	if (!Number.isInteger(value) || value < 0) {
		throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
	}
}

/**
 * ln(n!). Beyond the table, Stirling's series
 * ln n! = n ln n − n + ½ ln(2πn) + 1/(12n) − 1/(360n³) + 1/(1260n⁵) − 1/(1680n⁷)
 * (Abramowitz & Stegun 6.1.41); for n > 256 the first omitted term is below 1e-20.
 */
export function logFactorial(n: number): number {
	assertCount(n, 'n');
	if (n <= LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[n];
	const inv = 1 / n;
	const inv2 = inv * inv;
	return (
		n * Math.log(n) -
		n +
		0.5 * Math.log(2 * Math.PI * n) +
		inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
	);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
	assertCount(n, 'n');
	assertCount(k, 'k');
	if (k > n) return -Infinity;
	return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

function assertProbability(p: number): void {
	if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
	assertCount(n, 'n');
	assertProbability(p);
	if (!Number.isInteger(k) || k < 0 || k > n) return 0;
	if (p === 0) return k === 0 ? 1 : 0;
	if (p === 1) return k === n ? 1 : 0;
	return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed from the pmf (exact up to rounding). */
export function binomialCdf(k: number, n: number, p: number): number {
	assertCount(n, 'n');
	assertProbability(p);
	if (k < 0) return 0;
	if (k >= n) return 1;
	const upTo = Math.floor(k);
	let sum = 0;
	for (let i = 0; i <= upTo; i++) sum += binomialPmf(i, n, p);
	return Math.min(1, sum);
}

export interface BinomialTestResult {
	successes: number;
	trials: number;
	/** The success probability under the null hypothesis. */
	nullProbability: number;
	/** Two-sided exact p-value. */
	pValue: number;
}

/**
 * Relative tolerance when comparing point probabilities, so outcomes exactly as likely as the
 * observed one (e.g. the mirror image when p = ½) are not lost to rounding; R's binom.test uses
 * the same 1 + 1e-7.
 */
const EQUAL_PROBABILITY_TOLERANCE = 1 + 1e-7;

/**
 * Exact two-sided binomial test: the p-value is the total probability of all outcomes no more
 * likely than the one observed — the rule of R's binom.test, called "minlike" by Fay (2010),
 * "Two-sided exact tests and matching confidence intervals for discrete data", R Journal 2(1):53–58.
 * For p = ½ this equals twice the smaller tail, capped at 1.
 */
export function binomialTest(successes: number, trials: number, nullProbability = 0.5): BinomialTestResult {
	assertCount(successes, 'successes');
	assertCount(trials, 'trials');
	assertProbability(nullProbability);
	if (successes > trials) throw new RangeError(`successes (${successes}) exceed trials (${trials})`);
	const observed = binomialPmf(successes, trials, nullProbability);
	let selected = 0;
	let total = 0;
	for (let i = 0; i <= trials; i++) {
		const probability = binomialPmf(i, trials, nullProbability);
		total += probability;
		if (probability <= observed * EQUAL_PROBABILITY_TOLERANCE) selected += probability;
	}
	// Dividing by the computed total (1 up to log-space rounding) cancels that rounding, so e.g.
	// a perfectly balanced outcome gets p = 1 exactly rather than 0.99999999999.
	return { successes, trials, nullProbability, pValue: Math.min(1, selected / total) };
}
