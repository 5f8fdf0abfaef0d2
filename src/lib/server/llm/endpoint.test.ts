import { describe, expect, it } from 'vitest';
import {
	ENDPOINT_PRESETS,
	EndpointConfigError,
	endpointFromEnv,
	endpointFromPreset,
	estimateCostUsd,
	maskApiKey,
	parseEndpoint,
	displayBaseUrl,
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

describe('base URL secrets', () => {
	const base = { apiStyle: 'chat', model: 'm' };
	it('refuses a user name or password in the base URL, pointing to the API key field', () => {
		expect(() => parseEndpoint({ ...base, baseUrl: 'http://user:URLSECRETPW@127.0.0.1:9/v1' })).toThrow(
			'Invalid endpoint: baseUrl: Base URL must not contain a user name or password (user:password@): put the key in the API key field.'
		);
		expect(() => parseEndpoint({ ...base, baseUrl: 'http://justuser@127.0.0.1:9/v1' })).toThrow('user name or password');
	});

	it('refuses a query string or fragment (the client appends paths after it, so it never worked)', () => {
		expect(() => parseEndpoint({ ...base, baseUrl: 'http://127.0.0.1:9/v1?api-key=QUERYSECRET' })).toThrow('Base URL must not contain a query string');
		expect(() => parseEndpoint({ ...base, baseUrl: 'http://127.0.0.1:9/v1#x' })).toThrow('query string (?…) or fragment');
		expect(parseEndpoint({ ...base, baseUrl: 'http://127.0.0.1:9/v1/' }).baseUrl).toBe('http://127.0.0.1:9/v1');
		// Not a URL at all: the one message, not a crash in these checks.
		expect(() => parseEndpoint({ ...base, baseUrl: 'not a url' })).toThrow('Invalid endpoint: baseUrl: Base URL must be an http(s) address');
	});

	it('shows a URL stored before this rule with its secrets blanked', () => {
		expect(displayBaseUrl('http://user:URLSECRETPW@127.0.0.1:9/v1')).toBe('http://***:***@127.0.0.1:9/v1');
		expect(displayBaseUrl('http://127.0.0.1:9/v1?api-key=QUERYSECRET&x=1')).toBe('http://127.0.0.1:9/v1?api-key=***&x=***');
		expect(displayBaseUrl('http://127.0.0.1:9/v1')).toBe('http://127.0.0.1:9/v1');
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
