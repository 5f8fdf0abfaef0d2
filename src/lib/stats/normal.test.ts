import { describe, expect, it } from 'vitest';
import { normalCdf, normalPdf, normalQuantile, normalUpperTail, zForConfidence } from './normal';

/** |actual − expected| ≤ tol·|expected|: the tail values must be right in relative terms. */
function expectRelative(actual: number, expected: number, tol = 1e-14): void {
	expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// Reference values computed with mpmath 1.3 (ncdf, npdf, erfinv) at 60 significant digits,
// independently of this code. Φ(−1.96) = 0.0250 and z(0.975) = 1.95996 are the textbook values
// (e.g. Abramowitz & Stegun, Table 26.1).
describe('normalCdf / normalUpperTail', () => {
	const cases: Array<[number, number, number]> = [
		// x, Φ(x), 1 − Φ(x)
		[-1.96, 0.024997895148220434, 0.97500210485177957],
		[-1, 0.15865525393145705, 0.84134474606854295],
		[0.5, 0.6914624612740131, 0.3085375387259869],
		[1.5, 0.93319279873114193, 0.066807201268858066],
		[2, 0.97724986805182079, 0.022750131948179207],
		[3, 0.99865010196836991, 0.0013498980316300945],
		[5, 0.99999971334842812, 2.8665157187919391e-7]
	];
	it.each(cases)('Φ(%f) matches the 60-digit reference', (x, cdf, upper) => {
		expectRelative(normalCdf(x), cdf);
		expectRelative(normalUpperTail(x), upper);
	});

	it('keeps full relative precision far in the tails', () => {
		expectRelative(normalUpperTail(10), 7.6198530241605261e-24);
		expectRelative(normalUpperTail(20), 2.7536241186062337e-89);
		expectRelative(normalCdf(-20), 2.7536241186062337e-89);
		expect(normalCdf(10)).toBe(1);
	});

	it('is symmetric, monotone and handles the limits', () => {
		expect(normalCdf(0)).toBe(0.5);
		for (let x = -8; x <= 8; x += 0.37) {
			expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
			expect(normalCdf(x + 0.01)).toBeGreaterThan(normalCdf(x));
		}
		expect(normalCdf(-Infinity)).toBe(0);
		expect(normalCdf(Infinity)).toBe(1);
		expect(normalCdf(Number.NaN)).toBeNaN();
	});

	it('normalPdf matches the reference', () => {
		expectRelative(normalPdf(2), 0.053990966513188052);
		expectRelative(normalPdf(-1), 0.24197072451914335);
	});
});

describe('normalQuantile', () => {
	const cases: Array<[number, number]> = [
		[0.975, 1.9599639845400542],
		[0.995, 2.5758293035489008],
		[0.95, 1.6448536269514727],
		[0.9, 1.2815515655446005],
		[0.025, -1.9599639845400542],
		[1e-10, -6.3613409024040562]
	];
	it.each(cases)('Φ⁻¹(%f) matches the 60-digit reference', (p, z) => {
		expectRelative(normalQuantile(p), z, 1e-15);
	});

	it('inverts normalCdf across the range', () => {
		// Φ(x + dx)/Φ(x) ≈ 1 + |x|·dx, so one ulp of x at x ≈ −37 is already ~3e-13 relative in p.
		for (const p of [1e-300, 1e-50, 1e-6, 0.001, 0.2, 0.5, 0.8, 0.999]) {
			expectRelative(normalCdf(normalQuantile(p)), p, 1e-12);
		}
		expect(normalQuantile(0)).toBe(-Infinity);
		expect(normalQuantile(1)).toBe(Infinity);
		expect(() => normalQuantile(1.5)).toThrow(RangeError);
	});

	it('zForConfidence gives the two-sided critical value', () => {
		expectRelative(zForConfidence(0.95), 1.9599639845400542, 1e-15);
		expectRelative(zForConfidence(0.99), 2.5758293035489008, 1e-15);
		expect(() => zForConfidence(1)).toThrow(RangeError);
		expect(() => zForConfidence(0)).toThrow(RangeError);
	});
});
