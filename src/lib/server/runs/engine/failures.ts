/**
 * What a failed model call means for its run. An error about this prompt — too long for the
 * model, refused by a content filter, one of its parameters rejected, a reply cut by the
 * content filter — fails only that call: it is recorded with its reason and the run goes on.
 * An error about the endpoint pauses the run (temporary: the retries ran out) or fails it (a
 * person must fix the key, model, URL or account first). Messages say what happened and what
 * to change. Pure: no I/O.
 */
import { binomialPmf } from '$lib/stats/binomial';
import { saysChatOnly, type LlmError, type LlmErrorKind } from '../../llm';

export const CALL_FAILURE_REASONS = ['context_length', 'content_filter', 'invalid_request', 'bad_response', 'other'] as const;
export type CallFailureReason = (typeof CALL_FAILURE_REASONS)[number];

export const CALL_FAILURE_LABELS: Record<CallFailureReason, string> = {
	context_length: 'Prompt too long for the model',
	content_filter: 'Refused by a content filter',
	invalid_request: 'A parameter of the call rejected',
	bad_response: 'Unusable reply',
	other: 'Other error'
};

export function callFailureLabel(reason: string): string {
	return CALL_FAILURE_LABELS[reason as CallFailureReason] ?? reason;
}

/** What to do before retrying calls that failed for each reason (an unusable reply is the server's doing, not the prompt's). */
const RETRY_ADVICE: Record<CallFailureReason, string> = {
	context_length: 'after a change: a model with a larger context, a lower max_tokens or a shorter template',
	content_filter: 'after a change: another model or an edited template',
	invalid_request: 'after fixing the parameter the server rejected (each call shows which)',
	bad_response: 'as they are: the server sent no usable reply, which is often passing (if it persists, check the server)',
	other: "after reading each call's error"
};

/** What each judge mode's calls are about. */
const JUDGE_UNITS = { quality: 'rows', rating: 'responses', pairwise: 'pairs' } as const;

/** A judge prompt has no seed examples or shots: what there is to shorten is the template (or the row itself). */
const JUDGE_CONTEXT_ADVICE = 'after a change: a model with a larger context, a lower max_tokens or a shorter judge template';

/**
 * A completed run's note on its failed calls: how many and why, what waits on them (the tasks
 * held back; for a pipeline whose calls each ask for new tasks, nothing), and the advice each
 * reason calls for. `notSentAgain`: those a retry leaves as they are (they asked for new
 * candidates and the run has its target; see retryableFailedCalls), so the advice is only
 * given for the calls a retry does send.
 */
export function failedCallsNote(
	pipeline: string,
	failedByReason: Record<string, number>,
	heldBack: number,
	runId?: number,
	notSentAgain = 0,
	judgeMode: 'quality' | 'rating' | 'pairwise' = 'quality'
): string | null {
	const reasons = Object.entries(failedByReason)
		.filter(([, k]) => k > 0)
		.sort((a, b) => b[1] - a[1]);
	const n = reasons.reduce((sum, [, k]) => sum + k, 0);
	if (n === 0) return null;
	// "label: count" rather than "count label": the labels are phrases that do not take a plural ("2 prompt too long").
	const why = reasons.map(([reason, k]) => `${callFailureLabel(reason).toLowerCase()}: ${k}`).join(', ');
	const what =
		pipeline === 'judge'
			? // The driver writes each such unit's label at once (unparsed, "call_failed"): judged, without a verdict.
				// Only the quality judge has a yes/no estimate to count it in.
				`the ${JUDGE_UNITS[judgeMode]} they were for ${judgeMode === 'quality' ? 'are recorded without a readable verdict (counted as "no" in the estimate)' : 'are recorded without a verdict'} until they are answered`
			: heldBack > 0
				? `${heldBack} task${heldBack === 1 ? ' they were for is' : 's they were for are'} held back until they are answered`
				: 'no task waits on them (they asked for new tasks; other calls took their place)';
	const advice = reasons.map(([reason]) => (pipeline === 'judge' && reason === 'context_length' ? JUDGE_CONTEXT_ADVICE : (RETRY_ADVICE[reason as CallFailureReason] ?? RETRY_ADVICE.other)));
	const distinct = [...new Set(advice)];
	const retry = distinct.length === 1 ? `Retry them ${distinct[0]}.` : `Retry them: ${reasons.map(([reason], i) => `${callFailureLabel(reason).toLowerCase()}, ${advice[i]}`).join('; ')}.`;
	const how = pipeline === 'judge' && runId !== undefined ? ` From the command line: judge retry-failed ${runId}.` : '';
	const head = `Completed with ${n} failed call${n === 1 ? '' : 's'} (${why}); ${what}`;
	const left = Math.min(notSentAgain, n);
	if (left === n) return `${head}, and the run has its target: ${n === 1 ? 'it is' : 'they are'} not sent again.`;
	if (left > 0) {
		const sent = n - left;
		return `${head}. ${retry} Only the ${sent} about held-back tasks ${sent === 1 ? 'is' : 'are'} sent again: the other ${left} asked for new tasks, and the run has its target.${how}`;
	}
	return `${head}. ${retry}${how}`;
}

/** Token counts a context-length error states (any may be missing). */
export interface ContextTokens {
	/** The model's context window. */
	limit?: number;
	/** Prompt + completion, as the server counted. */
	requested?: number;
	prompt?: number;
	/** What max_tokens asked for. */
	completion?: number;
}

export interface CallFailure {
	reason: CallFailureReason;
	/** Plain words: what happened and what to change. */
	message: string;
	/** What the server said, as it said it (key already scrubbed), kept on the call. */
	detail: {
		status?: number;
		code?: string;
		param?: string;
		type?: string;
		serverMessage?: string;
		finishReason?: string;
		tokens?: ContextTokens;
		attempts?: number;
		/** The start of a body that was not JSON (LlmError.body). */
		body?: string;
		/** A Batch API request answered by lines that disagree: each line's raw result. */
		conflictingResults?: string[];
	};
}

export type CallErrorEffect = 'call' | 'pause' | 'fail' | 'aborted';

/** Kinds a person has to fix (key, model, URL, account, request shape) before the run can go on. */
const ENDPOINT_FAILURES = new Set<LlmErrorKind>(['auth', 'permission', 'not_found', 'bad_request', 'quota']);

export function callErrorEffect(error: LlmError): CallErrorEffect {
	if (error.kind === 'aborted') return 'aborted';
	// A body that was not JSON, still after the retries: this call fails with the body kept; if
	// it keeps happening, the share of failed calls pauses the run.
	if (error.kind === 'bad_response') return 'call';
	if (error.retryable) return 'pause';
	return ENDPOINT_FAILURES.has(error.kind) ? 'fail' : 'call';
}

function count(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const n = Number(text.replace(/[,_\s]/g, ''));
	return Number.isFinite(n) ? n : undefined;
}

function firstMatch(message: string, patterns: RegExp[]): number | undefined {
	for (const pattern of patterns) {
		const m = pattern.exec(message);
		if (m) return count(m[1]);
	}
	return undefined;
}

const NUMBER = '(\\d[\\d,]*)';

/** Reads the numbers out of OpenAI's, vLLM's and llama.cpp's context-length messages. */
export function parseContextTokens(message: string): ContextTokens {
	const tokens: ContextTokens = {
		limit: firstMatch(message, [
			new RegExp(`maximum context length is ${NUMBER}`, 'i'),
			new RegExp(`context size \\(${NUMBER} tokens\\)`, 'i'),
			new RegExp(`limit of ${NUMBER} tokens`, 'i'),
			new RegExp(`context (?:window|length) (?:is|of) ${NUMBER}`, 'i')
		]),
		requested: firstMatch(message, [
			new RegExp(`you requested ${NUMBER} tokens`, 'i'),
			new RegExp(`request \\(${NUMBER} tokens\\)`, 'i')
		]),
		prompt: firstMatch(message, [
			// OpenAI's "your messages resulted in N tokens" counts the messages alone, not max_tokens.
			new RegExp(`resulted in ${NUMBER} tokens`, 'i'),
			new RegExp(`${NUMBER} in (?:your prompt|the messages|the prompt)`, 'i'),
			new RegExp(`has ${NUMBER} input tokens`, 'i')
		]),
		completion: firstMatch(message, [new RegExp(`${NUMBER} (?:for|in) the completion`, 'i'), new RegExp(`is too large: ${NUMBER}`, 'i')])
	};
	return Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== undefined)) as ContextTokens;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** "the prompt is 1,076 tokens and max_tokens asks for 1,024 more: 2,100 in all, over the model's limit of 2,048" */
function describeContext(tokens: ContextTokens, maxTokens: number | undefined): string {
	const completion = tokens.completion ?? maxTokens;
	const prompt = tokens.prompt ?? (tokens.requested !== undefined && completion !== undefined ? tokens.requested - completion : undefined);
	const total = tokens.requested ?? (prompt !== undefined && completion !== undefined ? prompt + completion : undefined);
	// With neither the prompt's size nor the request's total, nothing shows what went over: say
	// what is known (the limit, this step's max_tokens) without setting one against the other.
	if (prompt === undefined && total === undefined) {
		const known = [
			...(tokens.limit !== undefined ? [`the model's limit is ${fmt(tokens.limit)} tokens`] : []),
			...(completion !== undefined ? [`this step's max_tokens is ${fmt(completion)}`] : [])
		];
		return known.length ? `${known.join(' and ')}; the endpoint did not say how long the prompt is` : '';
	}
	const parts: string[] = [];
	if (prompt !== undefined) parts.push(`the prompt is ${fmt(prompt)} tokens`);
	if (completion !== undefined) parts.push(`max_tokens asks for ${fmt(completion)} more`);
	let text = parts.join(' and ');
	if (total !== undefined && parts.length === 2) text += `: ${fmt(total)} in all`;
	else if (total !== undefined) text += `${text ? '; ' : ''}${fmt(total)} tokens in all`;
	if (tokens.limit !== undefined) text += `${text ? ', over' : 'over'} the model's limit of ${fmt(tokens.limit)}`;
	return text;
}

/** The record of a call the endpoint refused for reasons of its own prompt. */
export function callFailureFromError(error: LlmError, call: { maxTokens?: number; judge?: boolean } = {}): CallFailure {
	const detail: CallFailure['detail'] = {
		...(error.status !== undefined ? { status: error.status } : {}),
		...(error.code ? { code: error.code } : {}),
		...(error.param ? { param: error.param } : {}),
		...(error.errorType ? { type: error.errorType } : {}),
		serverMessage: error.message,
		attempts: error.attempts,
		...(error.body !== undefined ? { body: error.body } : {})
	};
	const status = error.status !== undefined ? ` (${error.status})` : '';
	switch (error.kind) {
		case 'context_length': {
			const tokens = parseContextTokens(error.message);
			const numbers = describeContext(tokens, call.maxTokens);
			return {
				reason: 'context_length',
				detail: { ...detail, tokens },
				message: `Too long for the model's context${status}${numbers ? `: ${numbers}` : ''}. ${call.judge ? 'Shorten the prompt (a shorter judge template; the row itself may be too long for this model)' : 'Shorten the prompt (fewer or shorter seed examples, fewer shots)'}, lower max_tokens for this step, or use a model with a larger context; then retry the failed calls.`
			};
		}
		case 'content_filter':
			return {
				reason: 'content_filter',
				detail,
				message: `The endpoint's content filter refused this prompt${status}. The prompt is kept on the call; edit the template or the seeds if the same prompts keep being refused.`
			};
		case 'invalid_request':
			return {
				reason: 'invalid_request',
				detail,
				message: `The endpoint rejected this call's ${error.param}${status}: ${error.message}`
			};
		case 'bad_response':
			return { reason: 'bad_response', detail, message: `The reply could not be used: ${error.message}` };
		default:
			return { reason: 'other', detail, message: `The call failed${status}: ${error.message}` };
	}
}

/** A reply the content filter stopped: paid for and kept, but not used. */
export function contentFilterFinish(rawFinishReason: string | null): CallFailure {
	return {
		reason: 'content_filter',
		detail: { finishReason: rawFinishReason ?? 'content_filter' },
		message: 'The endpoint\'s content filter stopped the reply (finish_reason "content_filter"). What it wrote is kept on the call and not used.'
	};
}

export function pauseMessage(error: LlmError): string {
	const what =
		error.kind === 'rate_limited'
			? 'kept answering 429 (rate limit)'
			: error.kind === 'timeout'
				? 'did not answer in time'
				: error.kind === 'connection'
					? 'could not be reached'
					: 'kept failing';
	return `Paused: the endpoint ${what} after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'} (${error.message}). Resume the run once the endpoint is back; nothing was lost.`;
}

export function failMessage(error: LlmError, model: string, apiStyle?: string): string {
	// The chat-style hint only where the server's words point to it.
	const chatHint =
		apiStyle === 'completions' && saysChatOnly(error)
			? ' The server says this is a chat model: choose the chat API style for this endpoint in Admin → Endpoints, then resume the run.'
			: '';
	switch (error.kind) {
		case 'auth':
			return 'Failed: the endpoint rejected the API key (401). Fix the key (in Admin → Endpoints, or LLM_API_KEY for the endpoint taken from the environment), then resume the run.';
		case 'permission':
			return `Failed: the API key is not allowed to use this model or endpoint (403). ${error.message}`;
		case 'quota':
			return `Failed: the endpoint says the account is out of quota or its billing is not set up (${error.status ?? 429}): ${error.message} Add credit or raise the limit, then resume the run.`;
		case 'not_found':
			return chatHint
				? `Failed: the endpoint refused model "${model}" on the completions API (${error.status ?? 404}).${chatHint}`
				: `Failed: the endpoint answered 404 — it does not know the model "${model}", or the base URL is wrong. ${error.message}`;
		case 'bad_request':
			return `Failed: the endpoint rejected a request (${error.status ?? 400}): ${error.message}${chatHint}`;
		default:
			return `Failed: ${error.message}`;
	}
}

/**
 * The share guard's settings: pause when, among the last `window` calls, the share that failed
 * on their own prompt is above `maxShare` beyond reasonable doubt — a one-sided exact binomial
 * test: that many failures would come by chance less than once in 1,000 if calls failed at
 * `maxShare`. A few unlucky failures in a row do not stop a healthy run (checked after every
 * commit, the guard tests many overlapping windows), while an obviously failing run pauses
 * early: at the 5% default, 5 failures of the first 10 calls, 6 of 20, 8 of 35 (firstPausingFailures).
 */
export interface FailureGuard {
	maxShare: number;
	window: number;
	/** Calls settled in this session before the share is judged. */
	minCalls: number;
	/** The chance of that many failures at `maxShare` below which the run pauses. */
	significance: number;
}

export const DEFAULT_FAILED_CALL_SHARE = 0.05;
export const FAILURE_GUARD_WINDOW = 200;
export const FAILURE_GUARD_MIN_CALLS = 10;
export const FAILURE_GUARD_SIGNIFICANCE = 0.001;

export function failureGuard(maxShare: number = DEFAULT_FAILED_CALL_SHARE): FailureGuard {
	return { maxShare, window: FAILURE_GUARD_WINDOW, minCalls: FAILURE_GUARD_MIN_CALLS, significance: FAILURE_GUARD_SIGNIFICANCE };
}

/** The fewest failures among `calls` recent calls that pause a run (null: none can, or too few calls). */
export function firstPausingFailures(calls: number, guard: FailureGuard = failureGuard()): number | null {
	if (calls < guard.minCalls) return null;
	for (let k = 0; k <= calls; k++) {
		if (k / calls > guard.maxShare && failuresAtLeast(k, calls, guard.maxShare) < guard.significance) return k;
	}
	return null;
}

/** The guard's rule in words, for the CLI help and the new-run form; its examples are the rule's own thresholds. */
export const FAILURE_GUARD_RULE = `Once ${FAILURE_GUARD_MIN_CALLS} calls are in, the run pauses when more than this share of its last ${FAILURE_GUARD_WINDOW} calls failed beyond chance (fewer than 1 in 1,000 runs failing at this share would fail that often); at 5% it pauses at ${[10, 20, 35]
	.map((n, i) => `${firstPausingFailures(n)} ${i === 0 ? `failures of the first ${n} calls` : `of ${n}`}`)
	.join(', ')}.`;

const percent = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0).replace(/\.0$/, '')}%`;

/** P(X ≥ k) for X ~ Binomial(n, p): the chance of at least k failures when calls fail at p. */
export function failuresAtLeast(k: number, n: number, p: number): number {
	let sum = 0;
	for (let i = Math.max(0, k); i <= n; i++) sum += binomialPmf(i, n, p);
	return Math.min(1, sum);
}

/**
 * The guard's verdict over the latest outcomes (null = answered, else the failure's reason):
 * a pause message with the breakdown by reason, or null while the share is within bounds.
 */
export function checkFailureGuard(recent: readonly (CallFailureReason | null)[], guard: FailureGuard): string | null {
	if (recent.length < guard.minCalls) return null;
	const byReason = new Map<CallFailureReason, number>();
	for (const r of recent) if (r) byReason.set(r, (byReason.get(r) ?? 0) + 1);
	const failed = [...byReason.values()].reduce((a, b) => a + b, 0);
	if (failed / recent.length <= guard.maxShare) return null;
	const chance = failuresAtLeast(failed, recent.length, guard.maxShare);
	if (chance >= guard.significance) return null;
	const breakdown = [...byReason.entries()]
		.sort((a, b) => b[1] - a[1])
		.map(([reason, n]) => `${n} ${CALL_FAILURE_LABELS[reason].toLowerCase()}`)
		.join(', ');
	return `Paused: ${failed} of the last ${recent.length} calls failed on their own prompt (${percent(failed / recent.length)}, above the ${percent(guard.maxShare)} allowed, and beyond chance: calls failing at ${percent(guard.maxShare)} would fail that often less than once in 1,000): ${breakdown}. So many failures usually mean a setting to change rather than bad luck — look at the failed calls, fix the cause, then retry them; or raise the allowed share and resume.`;
}
