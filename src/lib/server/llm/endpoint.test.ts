import { describe, expect, it } from 'vitest';
import {
	ENDPOINT_PRESETS,
	EndpointConfigError,
	endpointFromEnv,
	endpointFromPreset,
	estimateCostUsd,
	maskApiKey,
	parseEndpoint,
	publicEndpoint
} from './endpoint';

describe('presets', () => {
	it('carry the usual base URLs', () => {
		expect(ENDPOINT_PRESETS.openai.baseUrl).toBe('https://api.openai.com/v1');
		expect(ENDPOINT_PRESETS.vllm.baseUrl).toBe('http://localhost:8000/v1');
		expect(ENDPOINT_PRESETS.ollama.baseUrl).toBe('http://localhost:11434/v1');
		expect(ENDPOINT_PRESETS.llamacpp.baseUrl).toBe('http://localhost:8080/v1');
	});

	it('fill an endpoint, the user supplying the model', () => {
		expect(endpointFromPreset('ollama', { model: 'llama3.1:8b-text' })).toEqual({
			baseUrl: 'http://localhost:11434/v1',
			apiKey: '',
			apiStyle: 'completions',
			model: 'llama3.1:8b-text',
			concurrency: 4
		});
	});
});

describe('parseEndpoint', () => {
	it('trims, drops a trailing slash and applies defaults', () => {
		expect(parseEndpoint({ baseUrl: ' http://gpu:8000/v1/ ', apiStyle: 'chat', model: 'm' })).toEqual({
			baseUrl: 'http://gpu:8000/v1',
			apiKey: '',
			apiStyle: 'chat',
			model: 'm',
			concurrency: 8
		});
	});

	it('lists every problem in one readable error', () => {
		try {
			parseEndpoint({ baseUrl: 'localhost:8000', apiStyle: 'rest', model: '', concurrency: 0 });
			throw new Error('should not parse');
		} catch (err) {
			expect(err).toBeInstanceOf(EndpointConfigError);
			const message = (err as Error).message;
			expect(message).toContain('baseUrl');
			expect(message).toContain('apiStyle');
			expect(message).toContain('Model name is required');
			expect(message).toContain('concurrency');
		}
	});
});

describe('endpointFromEnv', () => {
	it('is undefined without LLM_BASE_URL or LLM_PRESET', () => {
		expect(endpointFromEnv({})).toBeUndefined();
	});

	it('reads a preset plus overrides', () => {
		expect(
			endpointFromEnv({ LLM_PRESET: 'vllm', LLM_MODEL: 'meta-llama/Llama-3.1-8B', LLM_CONCURRENCY: '16', LLM_REQUESTS_PER_MINUTE: '600' })
		).toMatchObject({ baseUrl: 'http://localhost:8000/v1', apiStyle: 'completions', concurrency: 16, requestsPerMinute: 600 });
	});

	it('rejects bad values by name', () => {
		expect(() => endpointFromEnv({ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'm', LLM_CONCURRENCY: 'many' })).toThrow(/LLM_CONCURRENCY/);
		expect(() => endpointFromEnv({ LLM_PRESET: 'azure' })).toThrow(/LLM_PRESET/);
	});
});

describe('key masking and cost', () => {
	it('masks keys', () => {
		expect(maskApiKey('')).toBe('');
		expect(maskApiKey('short')).toBe('…');
		expect(maskApiKey('sk-proj-abcdefghijklmnop')).toBe('sk-…mnop');
		expect(maskApiKey('0123456789abcdef')).toBe('…cdef');
	});

	it('publicEndpoint drops the key', () => {
		const pub = publicEndpoint({ baseUrl: 'http://x/v1', apiKey: 'sk-verysecretkey1234', apiStyle: 'chat', model: 'm', concurrency: 1 });
		expect(pub).not.toHaveProperty('apiKey');
		expect(JSON.stringify(pub)).not.toContain('verysecret');
		expect(pub).toMatchObject({ apiKeyMasked: 'sk-…1234', hasApiKey: true });
	});

	it('estimates cost per 1M tokens', () => {
		expect(estimateCostUsd({ promptTokens: 500_000, completionTokens: 100_000 }, { priceInputPer1M: 0.5, priceOutputPer1M: 1.5 })).toBeCloseTo(0.4, 10);
		expect(estimateCostUsd({ promptTokens: 1, completionTokens: 1 }, {})).toBeUndefined();
	});
});
