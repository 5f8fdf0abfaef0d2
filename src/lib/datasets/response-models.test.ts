import { describe, expect, it } from 'vitest';
import { responseModelsText } from './response-models';

describe('responseModelsText', () => {
	it('counts named models, and responses from unnamed ones apart', () => {
		expect(responseModelsText(2, 6)).toBe('2 named models; 6 from unnamed models');
		expect(responseModelsText(1, 0)).toBe('1 model');
		expect(responseModelsText(3, 0)).toBe('3 models');
		expect(responseModelsText(0, 1200)).toBe('1,200 from unnamed models');
	});
});
