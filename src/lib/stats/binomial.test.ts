import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialPmf, binomialTest, logChoose, logFactorial } from './binomial';

function expectRelative(actual: number, expected: number, tol = 1e-13): void {
	expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

/** Exact C(n, k) by BigInt, independent of the log-space code under test. */
function chooseBig(n: number, k: number): bigint {
	let result = 1n;
	for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
	return result;
}

describe('logFactorial / logChoose', () => {
	// References: ln Γ(n + 1) from mpmath 1.3 at 40 digits.
	it.each([
		[10, 15.104412573075515],
		[100, 363.73937555556349],
		[256, 1167.2572785628802],
		[257, 1172.8063546477754],
		[1000, 5912.1281784881633],
		[100000, 1051299.2218991219]
	])('ln(%i!) matches the reference', (n, expected) => {
		expectRelative(logFactorial(n), expected, 1e-15);
	});

	it('logChoose agrees with exact integer binomial coefficients', () => {
		for (const [n, k] of [
			[10, 3],
			[52, 5],
			[60, 30]
		]) {
			expectRelative(Math.exp(logChoose(n, k)), Number(chooseBig(n, k)), 1e-13);
		}
		expect(logChoose(3, 5)).toBe(-Infinity);
		expect(() => logFactorial(-1)).toThrow(RangeError);
		expect(() => logFactorial(2.5)).toThrow(RangeError);
	});
});

describe('binomialPmf / binomialCdf', () => {
	it('matches exact values', () => {
		// C(10,3)/2^10 = 120/1024.
		expect(binomialPmf(3, 10, 0.5)).toBeCloseTo(120 / 1024, 15);
		// References from mpmath at 40 digits.
		// Log space costs a few ulps of ln C(1000, 300) ≈ 600, i.e. ~1e-13 relative.
		expectRelative(binomialPmf(300, 1000, 0.3), 0.027521003821268386, 1e-12);
		expect(binomialPmf(10, 5000, 0.5)).toBe(0); // 1.9e-1475 underflows to 0, not NaN
		expect(binomialPmf(0, 4, 0)).toBe(1);
		expect(binomialPmf(4, 4, 1)).toBe(1);
		expect(binomialPmf(5, 4, 0.5)).toBe(0);
	});

	it('cdf sums to one and is monotone', () => {
		expect(binomialCdf(20, 20, 0.3)).toBe(1);
		expect(binomialCdf(-1, 20, 0.3)).toBe(0);
		// P(X ≤ 1 | n = 10, p = ½) = 11/1024.
		expect(binomialCdf(1, 10, 0.5)).toBeCloseTo(11 / 1024, 15);
		let previous = 0;
		for (let k = 0; k <= 30; k++) {
			const value = binomialCdf(k, 30, 0.37);
			expect(value).toBeGreaterThanOrEqual(previous);
			previous = value;
		}
		expect(previous).toBeCloseTo(1, 14);
	});
});

describe('binomialTest', () => {
	it("reproduces R's binom.test documentation example (Mendel's peas, Conover 1971 p. 97f)", () => {
		// binom.test(c(682, 243), p = 3/4) reports p-value = 0.3825; the exact rational value of the
		// minimum-likelihood sum, computed independently with Python fractions, is 0.3824915595748517.
		const result = binomialTest(682, 925, 0.75);
		expect(result.pValue).toBeCloseTo(0.3824915595748517, 12);
		expect(result.pValue.toFixed(4)).toBe('0.3825');
	});

	it('for p = ½ doubles the smaller tail', () => {
		// 9 of 10: 2·(1 + 10)/1024 = 0.021484375 (by hand).
		expect(binomialTest(9, 10).pValue).toBeCloseTo(22 / 1024, 15);
		expect(binomialTest(1, 10).pValue).toBeCloseTo(22 / 1024, 15);
		// Balanced outcomes give 1, never more.
		expect(binomialTest(5, 10).pValue).toBe(1);
		expect(binomialTest(0, 0).pValue).toBe(1);
		expect(binomialTest(500, 1000).pValue).toBe(1);
		expect(binomialTest(250, 1000, 0.25).pValue).toBe(1);
	});

	it('asymmetric null: sums outcomes no likelier than the observed one', () => {
		// Independent exact computation (Python fractions): 3 of 12 with p = 0.2 → 0.716532158464.
		expect(binomialTest(3, 12, 0.2).pValue).toBeCloseTo(0.716532158464, 12);
	});

	it('rejects impossible counts', () => {
		expect(() => binomialTest(11, 10)).toThrow(RangeError);
		expect(() => binomialTest(1, 10, 1.2)).toThrow(RangeError);
	});
});
