import { describe, expect, it } from 'vitest';
import { proportionDifferenceInterval, wilsonInterval } from './proportion';

/** Published tables give 4 decimals: compare after rounding exactly as they did. */
function rounded(value: number): string {
	return value.toFixed(4);
}

describe('wilsonInterval', () => {
	// Newcombe RG (1998a). Two-sided confidence intervals for the single proportion: comparison of
	// seven methods. Statistics in Medicine 17:857–872, Table I: method 3 (score, no continuity
	// correction) and method 4 (score with continuity correction), 95% intervals.
	// Every value was also recomputed independently with mpmath at 40 digits.
	it.each([
		[81, 263, '0.2553', '0.3662', '0.2535', '0.3682'],
		[15, 148, '0.0624', '0.1605', '0.0598', '0.1644'],
		[0, 20, '0.0000', '0.1611', '0.0000', '0.2005'],
		[1, 29, '0.0061', '0.1718', '0.0018', '0.1963']
	])('%i/%i matches Newcombe (1998a) Table I', (x, n, lower, upper, lowerCc, upperCc) => {
		const plain = wilsonInterval(x, n);
		expect([rounded(plain.lower), rounded(plain.upper)]).toEqual([lower, upper]);
		const corrected = wilsonInterval(x, n, { continuityCorrection: true });
		expect([rounded(corrected.lower), rounded(corrected.upper)]).toEqual([lowerCc, upperCc]);
	});

	it('matches the 40-digit reference to full precision', () => {
		const interval = wilsonInterval(81, 263);
		expect(interval.lower).toBeCloseTo(0.25528851987827423, 14);
		expect(interval.upper).toBeCloseTo(0.36620957698280007, 14);
		expect(interval.proportion).toBeCloseTo(81 / 263, 15);
		expect(interval.z).toBeCloseTo(1.959963984540054, 14);
		expect(interval.confidence).toBe(0.95);
	});

	it('takes another confidence level or z directly', () => {
		// mpmath, 40 digits: 99% → (0.24013690268760769, 0.38528250231822985); z = 1 →
		// (0.28028959107293777, 0.33713465135130466).
		const ninetyNine = wilsonInterval(81, 263, { confidence: 0.99 });
		expect(ninetyNine.lower).toBeCloseTo(0.24013690268760769, 13);
		expect(ninetyNine.upper).toBeCloseTo(0.38528250231822985, 13);
		const oneSigma = wilsonInterval(81, 263, { z: 1 });
		expect(oneSigma.lower).toBeCloseTo(0.28028959107293777, 14);
		expect(oneSigma.upper).toBeCloseTo(0.33713465135130466, 14);
		expect(oneSigma.confidence).toBeCloseTo(0.6826894921370859, 12);
		expect(() => wilsonInterval(1, 2, { z: 2, confidence: 0.9 })).toThrow(TypeError);
	});

	it('handles x = 0, x = n and n = 0', () => {
		const none = wilsonInterval(0, 20);
		expect(none.lower).toBe(0);
		expect(none.proportion).toBe(0);
		const all = wilsonInterval(29, 29);
		expect(all.upper).toBe(1);
		// Mirror image of 0/29: lower = 1 − upper(0/29) (mpmath: 0.88303020150025923).
		expect(all.lower).toBeCloseTo(0.88303020150025923, 14);
		const empty = wilsonInterval(0, 0);
		expect(empty.proportion).toBeNull();
		expect([empty.lower, empty.upper]).toEqual([0, 1]);
		expect(wilsonInterval(0, 0, { continuityCorrection: true })).toMatchObject({ lower: 0, upper: 1 });
	});

	it('always contains the estimate and stays within [0, 1]', () => {
		for (let n = 1; n <= 40; n++) {
			for (let x = 0; x <= n; x++) {
				for (const continuityCorrection of [false, true]) {
					const { lower, upper } = wilsonInterval(x, n, { continuityCorrection });
					expect(lower).toBeGreaterThanOrEqual(0);
					expect(upper).toBeLessThanOrEqual(1);
					expect(lower).toBeLessThanOrEqual(x / n);
					expect(upper).toBeGreaterThanOrEqual(x / n);
				}
			}
		}
	});

	it('rejects impossible counts', () => {
		expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
		expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
		expect(() => wilsonInterval(1.5, 4)).toThrow(RangeError);
		expect(() => wilsonInterval(1, 4, { confidence: 1 })).toThrow(RangeError);
	});
});

describe('proportionDifferenceInterval (Newcombe hybrid score, method 10)', () => {
	// Newcombe RG (1998b). Interval estimation for the difference between independent proportions:
	// comparison of eleven methods. Statistics in Medicine 17:873–890, Table II, method 10, 95%.
	// Examples (a) and (b) are the ones other implementations also test against (e.g. the R
	// package propint); all rows were recomputed independently with mpmath at 40 digits.
	it.each([
		[56, 70, 48, 80, '0.0524', '0.3339'],
		[9, 10, 3, 10, '0.1705', '0.8090'],
		[5, 56, 0, 29, '-0.0381', '0.1926'],
		[0, 10, 0, 20, '-0.1611', '0.2775'],
		[0, 10, 0, 10, '-0.2775', '0.2775'],
		[10, 10, 0, 20, '0.6791', '1.0000'],
		[10, 10, 0, 10, '0.6075', '1.0000']
	])('%i/%i − %i/%i matches Newcombe (1998b) Table II', (x1, n1, x2, n2, lower, upper) => {
		const result = proportionDifferenceInterval({ successes: x1, trials: n1 }, { successes: x2, trials: n2 });
		expect([rounded(result.lower), rounded(result.upper)]).toEqual([lower, upper]);
		expect(result.difference).toBeCloseTo(x1 / n1 - x2 / n2, 15);
	});

	it('matches the 40-digit reference to full precision', () => {
		// Independent computation (mpmath, 40 digits) of 56/70 − 48/80 and 6/7 − 2/7.
		const a = proportionDifferenceInterval({ successes: 56, trials: 70 }, { successes: 48, trials: 80 });
		expect(a.lower).toBeCloseTo(0.052431472402364878, 14);
		expect(a.upper).toBeCloseTo(0.33387265403690598, 14);
		const c = proportionDifferenceInterval({ successes: 6, trials: 7 }, { successes: 2, trials: 7 });
		expect(c.lower).toBeCloseTo(0.058227927482312202, 14);
		expect(c.upper).toBeCloseTo(0.80624963752422776, 14);
	});

	it('with the continuity correction (method 11)', () => {
		// Newcombe (1998b) Table II, method 11, examples (a) and (b); recomputed with mpmath.
		const a = proportionDifferenceInterval(
			{ successes: 56, trials: 70 },
			{ successes: 48, trials: 80 },
			{ continuityCorrection: true }
		);
		expect([rounded(a.lower), rounded(a.upper)]).toEqual(['0.0428', '0.3422']);
		const b = proportionDifferenceInterval(
			{ successes: 9, trials: 10 },
			{ successes: 3, trials: 10 },
			{ continuityCorrection: true }
		);
		expect([rounded(b.lower), rounded(b.upper)]).toEqual(['0.1013', '0.8387']);
	});

	it('is antisymmetric when the samples are swapped', () => {
		const forward = proportionDifferenceInterval({ successes: 30, trials: 50 }, { successes: 12, trials: 40 });
		const backward = proportionDifferenceInterval({ successes: 12, trials: 40 }, { successes: 30, trials: 50 });
		expect(backward.lower).toBeCloseTo(-forward.upper, 15);
		expect(backward.upper).toBeCloseTo(-forward.lower, 15);
	});

	it('gives [−1, 1] and no difference when a sample is empty', () => {
		const result = proportionDifferenceInterval({ successes: 0, trials: 0 }, { successes: 3, trials: 10 });
		expect(result.difference).toBeNull();
		expect([result.lower, result.upper]).toEqual([-1, 1]);
		expect(result.second.proportion).toBe(0.3);
	});
});
