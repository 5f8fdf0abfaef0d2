import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { batchLineError, redactSecrets, retryAfterFromHeaders, toLlmError } from './errors';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, retryDelayMs } from './retry';

const key = 'sk-proj-0123456789abcdef';

function apiError(status: number, message: string, headers: Record<string, string> = {}) {
	// As the SDK does: the parsed JSON body, whose `error` holds the message.
	return APIError.generate(status, { error: { message } }, undefined, new Headers(headers));
}

describe('toLlmError', () => {
	it.each([
		[429, 'rate_limited', true],
		[500, 'server_error', true],
		[503, 'server_error', true],
		[408, 'timeout', true],
		[409, 'server_error', true],
		[400, 'bad_request', false],
		[422, 'bad_request', false],
		[401, 'auth', false],
		[403, 'permission', false],
		[404, 'not_found', false],
		[418, 'other', false]
	] as const)('status %i → %s (retryable %s)', (status, kind, retryable) => {
		const error = toLlmError(apiError(status, 'x'), key);
		expect(error).toMatchObject({ kind, status, retryable });
	});

	it('obeys x-should-retry', () => {
		expect(toLlmError(apiError(500, 'x', { 'x-should-retry': 'false' }), key).retryable).toBe(false);
		expect(toLlmError(apiError(400, 'x', { 'x-should-retry': 'true' }), key).retryable).toBe(true);
	});

	it('reads the retry hint of a 429', () => {
		expect(toLlmError(apiError(429, 'slow down', { 'retry-after': '3' }), key).retryAfterMs).toBe(3000);
	});

	it('classifies timeouts, aborts and connection errors', () => {
		expect(toLlmError(new APIConnectionTimeoutError(), key)).toMatchObject({ kind: 'timeout', retryable: true });
		expect(toLlmError(new APIUserAbortError(), key)).toMatchObject({ kind: 'aborted', retryable: false });
		const refused = new APIConnectionError({
			cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) })
		});
		expect(toLlmError(refused, key)).toMatchObject({ kind: 'connection', networkCode: 'ECONNREFUSED', retryable: true });
	});

	it('scrubs the key from the message and keeps no reference to the SDK error', () => {
		const error = toLlmError(apiError(401, `Incorrect API key provided: ${key}`), key);
		expect(error.message).not.toContain(key);
		expect(error.message).toContain('[redacted]');
		expect(error.cause).toBeUndefined();
	});
});

describe('batchLineError', () => {
	it('reads a Batch API line without a reply as the same call sent live would be', () => {
		const tooLong = batchLineError({ code: 'context_length_exceeded', message: 'too long' }, '');
		expect([tooLong.kind, tooLong.retryable]).toEqual(['context_length', false]);
		const expired = batchLineError({ code: 'batch_expired', message: 'not run in time' }, '');
		expect([expired.kind, expired.retryable]).toEqual(['timeout', true]);
		const serverError = batchLineError({ code: 'server_error', message: 'boom' }, '');
		expect([serverError.kind, serverError.retryable]).toEqual(['server_error', true]);
		const http500 = batchLineError({ statusCode: 500, body: { error: { message: 'boom' } } }, '');
		expect([http500.kind, http500.retryable, http500.status, http500.message]).toEqual(['server_error', true, 500, 'boom']);
		const badParam = batchLineError({ statusCode: 400, body: { error: { message: 'max_tokens is too large', param: 'max_tokens', code: 'invalid_value' } } }, 'sk-secret');
		expect([badParam.kind, badParam.retryable, badParam.param]).toEqual(['invalid_request', false, 'max_tokens']);
		expect(batchLineError({ statusCode: 429, body: null }, '').kind).toBe('rate_limited');
		expect(batchLineError({ code: 'x', message: 'key sk-secret leaked' }, 'sk-secret').message).not.toContain('sk-secret');
	});
});

describe('redactSecrets', () => {
	it('removes the key, bearer tokens and sk- keys', () => {
		expect(redactSecrets(`a ${key} b`, key)).toBe('a [redacted] b');
		expect(redactSecrets('Authorization: Bearer abc.def', '')).toBe('Authorization: Bearer [redacted]');
		expect(redactSecrets('other key sk-abcdefghijkl here', key)).toBe('other key sk-[redacted] here');
	});
});

describe('retryAfterFromHeaders', () => {
	const now = Date.parse('2025-01-01T00:00:00Z');
	it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
		expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
		expect(retryAfterFromHeaders(new Headers({ 'retry-after': '1.5' }), now)).toBe(1500);
		expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }), now)).toBe(7000);
	});
	it('ignores what it cannot read, and past dates mean now', () => {
		expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
		expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '-5' }), now)).toBeUndefined();
		expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }), now)).toBe(0);
		expect(retryAfterFromHeaders(undefined, now)).toBeUndefined();
	});
});

describe('backoff', () => {
	const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
	it('doubles the cap per failure up to the maximum (full jitter scales it)', () => {
		const top = () => 1;
		expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, top))).toEqual([100, 200, 400, 800, 1000, 1000]);
		expect(backoffDelayMs(3, policy, () => 0.25)).toBe(100);
		expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
	});
	it('uses the server hint when there is one, capped', () => {
		expect(retryDelayMs({ retryAfterMs: 2_000 }, 1, policy, () => 0)).toBe(2_000);
		expect(retryDelayMs({ retryAfterMs: 10 * 60_000 }, 1, policy, () => 0)).toBe(policy.maxRetryAfterMs);
		expect(retryDelayMs({ retryAfterMs: undefined }, 2, policy, () => 1)).toBe(200);
	});
});
