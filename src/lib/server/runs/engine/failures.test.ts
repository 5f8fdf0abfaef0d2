import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { LlmError, toLlmError } from '../../llm';
import {
	callErrorEffect,
	callFailureFromError,
	checkFailureGuard,
	failedCallsNote,
	failMessage,
	failureGuard,
	failuresAtLeast,
	firstPausingFailures,
	FAILURE_GUARD_RULE,
	parseContextTokens,
	type CallFailureReason
} from './failures';

function apiError(status: number, body: Record<string, unknown>) {
	return toLlmError(APIError.generate(status, { error: body }, undefined, new Headers()), '');
}

describe('what an error means for the run', () => {
	it.each([
		['context length (OpenAI code)', apiError(400, { message: 'too long', code: 'context_length_exceeded', param: 'messages' }), 'call', 'context_length'],
		['context length (vLLM words)', apiError(400, { message: "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens" }), 'call', 'context_length'],
		['context length (llama.cpp)', apiError(400, { message: 'request (8000 tokens) exceeds the available context size (4096 tokens), try increasing it', type: 'exceed_context_size_error' }), 'call', 'context_length'],
		['content policy (Azure)', apiError(400, { message: "filtered due to the prompt triggering Azure OpenAI's content management policy", code: 'content_filter', param: 'prompt' }), 'call', 'content_filter'],
		['a parameter of this call', apiError(400, { message: 'max_tokens is too large: 9000', code: 'invalid_value', param: 'max_tokens' }), 'call', 'invalid_request'],
		['a request every call sends', apiError(400, { message: "Unrecognized request argument supplied: 'presence_penalty'" }), 'fail', 'bad_request'],
		['the model named as the parameter', apiError(400, { message: 'invalid model ID', param: 'model' }), 'fail', 'bad_request'],
		['quota', apiError(429, { message: 'You exceeded your current quota, please check your plan and billing details.', code: 'insufficient_quota' }), 'fail', 'quota'],
		['payment required', apiError(402, { message: 'Payment required' }), 'fail', 'quota'],
		['rate limit', apiError(429, { message: 'Rate limit reached for requests' }), 'pause', 'rate_limited'],
		['server error', apiError(503, { message: 'overloaded' }), 'pause', 'server_error'],
		['wrong key', apiError(401, { message: 'bad key' }), 'fail', 'auth'],
		['unknown model', apiError(404, { message: 'no such model' }), 'fail', 'not_found'],
		['unusable reply', new LlmError('bad_response', 'The server answered without any choices.', { status: 200 }), 'call', 'bad_response']
	] as const)('%s → %s', (_what, error, effect, kind) => {
		expect(error.kind).toBe(kind);
		expect(callErrorEffect(error)).toBe(effect);
	});

	it('never retries a quota error', () => {
		expect(apiError(429, { message: 'quota', code: 'insufficient_quota' }).retryable).toBe(false);
	});
});

describe('context-length messages', () => {
	it('reads the numbers of OpenAI, vLLM and llama.cpp', () => {
		expect(
			parseContextTokens(
				"This model's maximum context length is 4097 tokens, however you requested 5000 tokens (1000 in your prompt; 4000 for the completion). Please reduce your prompt; or completion length."
			)
		).toEqual({ limit: 4097, requested: 5000, prompt: 1000, completion: 4000 });
		expect(
			parseContextTokens(
				"This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (1076 in the messages, 1024 in the completion). Please reduce the length of the messages or completion."
			)
		).toEqual({ limit: 2048, requested: 2100, prompt: 1076, completion: 1024 });
		expect(
			parseContextTokens(
				"'max_tokens' or 'max_completion_tokens' is too large: 1024. This model's maximum context length is 2048 tokens and your request has 1076 input tokens (1024 > 2048 - 1076)."
			)
		).toEqual({ limit: 2048, prompt: 1076, completion: 1024 });
		expect(parseContextTokens('request (8,000 tokens) exceeds the available context size (4,096 tokens), try increasing it')).toEqual({ limit: 4096, requested: 8000 });
		// "Your messages resulted in N tokens" is the messages alone (was read as prompt + max_tokens).
		expect(parseContextTokens('Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 300000 tokens.')).toEqual({
			limit: 272000,
			prompt: 300000
		});
		expect(parseContextTokens('prompt is too long')).toEqual({});
	});

	it('takes OpenAI\'s "your messages resulted in N tokens" as the prompt, with max_tokens on top (was 8,800 + 200 = 9,000)', () => {
		const error = apiError(400, {
			code: 'context_length_exceeded',
			message: "This model's maximum context length is 4096 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages."
		});
		const failure = callFailureFromError(error, { maxTokens: 200, judge: true });
		expect(failure.reason).toBe('context_length');
		expect(failure.message).toContain("the prompt is 9,000 tokens and max_tokens asks for 200 more: 9,200 in all, over the model's limit of 4,096");
		expect(failure.message).not.toContain('8,800');
	});

	it('says the token count, the limit and what to change', () => {
		const error = apiError(400, {
			code: 'context_length_exceeded',
			message: "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (1076 in the messages, 1024 in the completion)."
		});
		const failure = callFailureFromError(error, { maxTokens: 1024 });
		expect(failure.reason).toBe('context_length');
		expect(failure.message).toBe(
			"Too long for the model's context (400): the prompt is 1,076 tokens and max_tokens asks for 1,024 more: 2,100 in all, over the model's limit of 2,048. Shorten the prompt (fewer or shorter seed examples, fewer shots), lower max_tokens for this step, or use a model with a larger context; then retry the failed calls."
		);
		expect(failure.detail).toMatchObject({ status: 400, code: 'context_length_exceeded', tokens: { limit: 2048, prompt: 1076 } });
	});

	it('works out the prompt from the total and the call’s max_tokens when the server gives only those', () => {
		const error = apiError(400, { message: 'request (1300 tokens) exceeds the available context size (1024 tokens)', type: 'exceed_context_size_error' });
		expect(callFailureFromError(error, { maxTokens: 300 }).message).toContain(
			"the prompt is 1,000 tokens and max_tokens asks for 300 more: 1,300 in all, over the model's limit of 1,024"
		);
	});

	it('with only the limit known, states it and max_tokens without comparing them', () => {
		const error = apiError(400, { message: 'maximum context length is 4097 tokens', code: 'context_length_exceeded' });
		expect(callFailureFromError(error, { maxTokens: 3 }).message).toBe(
			"Too long for the model's context (400): the model's limit is 4,097 tokens and this step's max_tokens is 3; the endpoint did not say how long the prompt is. Shorten the prompt (fewer or shorter seed examples, fewer shots), lower max_tokens for this step, or use a model with a larger context; then retry the failed calls."
		);
		expect(callFailureFromError(apiError(400, { message: 'too long', code: 'context_length_exceeded' })).message).toMatch(/^Too long for the model's context \(400\)\. Shorten/);
	});
});

describe('the chat-style hint', () => {
	it('only where the server says it is a chat model', () => {
		const chat = apiError(404, { message: 'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?', param: 'model' });
		expect(failMessage(chat, 'gpt-4o', 'completions')).toContain('choose the chat API style');
		expect(failMessage(chat, 'gpt-4o', 'chat')).not.toContain('chat API style');
		const other = apiError(400, { message: 'Invalid value for temperature' });
		expect(failMessage(other, 'llama', 'completions')).not.toMatch(/chat/i);
	});
});

describe('the share guard', () => {
	const guard = failureGuard(0.05);
	const outcomes = (failed: CallFailureReason[], answered: number) => [...failed, ...Array<null>(answered).fill(null)];

	it('waits for 10 calls before judging, and then needs evidence beyond chance', () => {
		expect(checkFailureGuard(outcomes(['context_length', 'context_length', 'context_length'], 6), guard)).toBeNull();
		// 3 of 13 at a 5% share happens by chance 2.5% of the time: not enough.
		expect(checkFailureGuard(outcomes(['context_length', 'context_length', 'context_length'], 10), guard)).toBeNull();
	});

	it('the examples the help gives are the thresholds: 5 of 10, 6 of 20, 8 of 35 pause, one fewer does not', () => {
		for (const [k, n] of [[5, 10], [6, 20], [8, 35]]) {
			expect(firstPausingFailures(n)).toBe(k);
			expect(checkFailureGuard(outcomes(Array<CallFailureReason>(k).fill('content_filter'), n - k), guard)).toMatch(new RegExp(`^Paused: ${k} of the last ${n} calls`));
			expect(checkFailureGuard(outcomes(Array<CallFailureReason>(k - 1).fill('content_filter'), n - k + 1), guard)).toBeNull();
		}
		expect(FAILURE_GUARD_RULE).toContain('at 5% it pauses at 5 failures of the first 10 calls, 6 of 20, 8 of 35.');
	});

	it('pauses a small run that obviously fails: 12 of 35 calls at a 5% share, 5 of the first 10', () => {
		expect(checkFailureGuard(outcomes(Array<CallFailureReason>(12).fill('content_filter'), 23), guard)).toMatch(/^Paused: 12 of the last 35 calls failed on their own prompt \(34%, above the 5% allowed, and beyond chance/);
		expect(checkFailureGuard(outcomes(Array<CallFailureReason>(5).fill('content_filter'), 5), guard)).toMatch(/^Paused: 5 of the last 10 calls/);
		expect(failuresAtLeast(12, 35, 0.05)).toBeLessThan(1e-6);
	});

	it('pauses when the share is above the allowed one beyond doubt, with the breakdown by reason', () => {
		const failed: CallFailureReason[] = [...Array<CallFailureReason>(12).fill('context_length'), 'content_filter', 'content_filter'];
		const message = checkFailureGuard(outcomes(failed, 66), guard);
		expect(message).toMatch(
			/^Paused: 14 of the last 80 calls failed on their own prompt \(18%, above the 5% allowed, and beyond chance: calls failing at 5% would fail that often less than once in 1,000\): 12 prompt too long for the model, 2 refused by a content filter\./
		);
	});

	it('does not pause a healthy run for a few unlucky failures in a row', () => {
		expect(checkFailureGuard(outcomes(Array<CallFailureReason>(3).fill('context_length'), 57), guard)).toBeNull(); // 5%: not above
		// 8 of 100 is above 5%, but a true rate of 3% gives that often enough: not evidence.
		expect(checkFailureGuard(outcomes(Array<CallFailureReason>(8).fill('context_length'), 92), guard)).toBeNull();
		// Most calls failing is, as soon as it is judged.
		expect(checkFailureGuard(outcomes(Array<CallFailureReason>(30).fill('invalid_request'), 20), guard)).toMatch(/^Paused: 30 of the last 50 calls/);
	});

	it('with a true failure rate of 3%, almost never pauses over a long run (seeded simulation)', () => {
		let state = 12345;
		const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
		let pauses = 0;
		for (let run = 0; run < 20; run++) {
			const window: (CallFailureReason | null)[] = [];
			for (let call = 0; call < 5000; call++) {
				window.push(random() < 0.03 ? 'context_length' : null);
				if (window.length > guard.window) window.shift();
				if (checkFailureGuard(window, guard)) {
					pauses++;
					break;
				}
			}
		}
		expect(pauses).toBeLessThanOrEqual(1);
	});

	it('with a true failure rate of 15%, pauses within the first few hundred calls', () => {
		let state = 99;
		const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
		for (let run = 0; run < 20; run++) {
			const window: (CallFailureReason | null)[] = [];
			let pausedAt = -1;
			for (let call = 0; call < 400 && pausedAt < 0; call++) {
				window.push(random() < 0.15 ? 'content_filter' : null);
				if (window.length > guard.window) window.shift();
				if (checkFailureGuard(window, guard)) pausedAt = call;
			}
			expect(pausedAt).toBeGreaterThan(0);
		}
	});
});

describe("a completed run's note on its failed calls", () => {
	it('says nothing is held back when nothing is (Alpaca), and gives the advice of the reason', () => {
		expect(failedCallsNote('alpaca', { context_length: 2 }, 0)).toBe(
			'Completed with 2 failed calls (prompt too long for the model: 2); no task waits on them (they asked for new tasks; other calls took their place). Retry them after a change: a model with a larger context, a lower max_tokens or a shorter template.'
		);
		// An unusable reply is the server's, not the prompt's: no larger-context model.
		const unusable = failedCallsNote('alpaca', { bad_response: 1 }, 0)!;
		expect(unusable).toBe(
			'Completed with 1 failed call (unusable reply: 1); no task waits on them (they asked for new tasks; other calls took their place). Retry them as they are: the server sent no usable reply, which is often passing (if it persists, check the server).'
		);
		expect(unusable).not.toMatch(/larger|held back/);
	});

	it('counts the tasks held back, and gives each reason its advice', () => {
		expect(failedCallsNote('self-instruct', { context_length: 3, bad_response: 1 }, 2)).toBe(
			'Completed with 4 failed calls (prompt too long for the model: 3, unusable reply: 1); 2 tasks they were for are held back until they are answered. Retry them: prompt too long for the model, after a change: a model with a larger context, a lower max_tokens or a shorter template; unusable reply, as they are: the server sent no usable reply, which is often passing (if it persists, check the server).'
		);
		expect(failedCallsNote('unnatural', { content_filter: 1 }, 1)).toMatch(/; 1 task they were for is held back until they are answered\. Retry them after a change: another model/);
		// A judge run labels those rows at once (unparsed, counted "no"); its advice and command are the judge's.
		// A rating or pairwise run has no yes/no estimate: its note speaks of responses or pairs, never of "no".
		const rating = failedCallsNote('judge', { context_length: 1 }, 0, 7, 0, 'rating')!;
		expect(rating).toMatch(/^Completed with 1 failed call \(prompt too long for the model: 1\); the responses they were for are recorded without a verdict until they are answered\./);
		expect(rating).not.toMatch(/estimate|"no"/);
		expect(failedCallsNote('judge', { other: 2 }, 0, 8, 0, 'pairwise')).toMatch(/the pairs they were for are recorded without a verdict until/);
		const judge = failedCallsNote('judge', { other: 1, context_length: 1 }, 0, 6)!;
		expect(judge).toMatch(/the rows they were for are recorded without a readable verdict \(counted as "no" in the estimate\) until they are answered/);
		expect(judge).toContain('a shorter judge template');
		expect(judge).toMatch(/From the command line: judge retry-failed 6\.$/);
		expect(judge).not.toMatch(/not judged yet|seed/);
		expect(failedCallsNote('alpaca', {}, 0)).toBeNull();
	});
});
