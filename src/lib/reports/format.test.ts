import { describe, expect, it } from 'vitest';
import { coefficient, interval, percent, points, pointsInterval, pValue, seconds } from './format';

describe('report number formats', () => {
	it('writes shares, intervals and differences', () => {
		expect(percent(0.565)).toBe('56.5%');
		expect(percent(null)).toBe('—');
		expect(interval(0.11762, 0.76928)).toBe('[11.8%, 76.9%]');
		expect(points(0.2)).toBe('+20.0 pp');
		expect(points(-0.0524)).toBe('−5.2 pp');
		expect(points(-0.00001)).toBe('0.0 pp');
		expect(pointsInterval(-0.1, 0.3)).toBe('[−10.0 pp, +30.0 pp]');
	});
	it('writes coefficients, p-values and times', () => {
		expect(coefficient(31 / 47)).toBe('0.660');
		expect(coefficient(null)).toBe('—');
		expect(coefficient(-1e-17)).toBe('0.000');
		expect(coefficient(-1 / 35)).toBe('-0.029');
		expect(pValue(0.58621)).toBe('0.59');
		expect(pValue(0.0123)).toBe('0.012');
		expect(pValue(0.0004)).toBe('< 0.001');
		expect(pValue(1)).toBe('1.00');
		expect(seconds(4.25)).toBe('4.3 s');
		expect(seconds(35)).toBe('35 s');
		expect(seconds(null)).toBe('—');
	});
});
