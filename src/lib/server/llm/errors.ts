/**
 * Errors from model calls, translated from the SDK's into one class with a kind the pipelines
 * can act on. Messages are scrubbed of the API key: servers sometimes echo it back.
 */
import {
	APIConnectionError,
	APIConnectionTimeoutError,
	APIError,
	APIUserAbortError
} from 'openai';

export type LlmErrorKind =
	| 'rate_limited'
	/** Out of credit, or billing not set up (429 insufficient_quota, 402): waiting does not help. */
	| 'quota'
	/** This prompt (with max_tokens) does not fit the model's context window. */
	| 'context_length'
	/** The endpoint's content policy refused this prompt. */
	| 'content_filter'
	/** The server rejected one parameter of this request (it names it in `param`). */
	| 'invalid_request'
	| 'server_error'
	| 'timeout'
	| 'connection'
	| 'auth'
	| 'permission'
	| 'not_found'
	| 'bad_request'
	| 'bad_response'
	| 'aborted'
	| 'other';

export class LlmError extends Error {
	readonly kind: LlmErrorKind;
	/** HTTP status, when the server answered. */
	readonly status?: number;
	/** The server's error code (e.g. "model_not_found"), when given. */
	readonly code?: string;
	/** The request parameter the server blamed (e.g. "max_tokens", "messages"), when given. */
	readonly param?: string;
	/** The server's error type (e.g. "invalid_request_error"), when given. */
	readonly errorType?: string;
	/** Network error code (e.g. ECONNREFUSED, ENOTFOUND), when the connection failed. */
	readonly networkCode?: string;
	/** Whether trying again may succeed (429, 5xx, 408/409, timeouts, connection errors). */
	readonly retryable: boolean;
	/** What the server asked us to wait (Retry-After / retry-after-ms), in ms. */
	readonly retryAfterMs?: number;
	/** Attempts made before giving up (set by the client). */
	attempts: number;
	/** The start of a body that could not be read (a proxy's HTML page sent with 200), at most BODY_KEPT characters. */
	readonly body?: string;

	constructor(
		kind: LlmErrorKind,
		message: string,
		details: {
			status?: number;
			code?: string;
			param?: string;
			errorType?: string;
			networkCode?: string;
			retryable?: boolean;
			retryAfterMs?: number;
			attempts?: number;
			body?: string;
		} = {}
	) {
		super(message);
		this.name = 'LlmError';
		this.kind = kind;
		this.status = details.status;
		this.code = details.code;
		this.param = details.param;
		this.errorType = details.errorType;
		this.networkCode = details.networkCode;
		this.retryable = details.retryable ?? false;
		this.retryAfterMs = details.retryAfterMs;
		this.attempts = details.attempts ?? 1;
		if (details.body !== undefined) this.body = details.body;
	}
}

/** How much of an unreadable body is kept with the error (a whole HTML page is not needed). */
export const BODY_KEPT = 2000;

/**
 * Thrown by the client's fetch when a successful status comes with a body that is not JSON —
 * typically a proxy's error page ("<html>Bad gateway</html>") sent with 200. The SDK would fail
 * on it with JSON.parse's message, which keeps ten characters of the body. Its own message stays
 * free of the body: the SDK reads "timed out" in a thrown error's text as a timeout.
 */
export class NotJsonReply extends Error {
	constructor(
		readonly status: number,
		readonly body: string
	) {
		super('The server answered with a body that is not JSON.');
		this.name = 'NotJsonReply';
	}
}

/** Replace the key (and anything that looks like a bearer token or an sk- key) with a mask. */
export function redactSecrets(text: string, apiKey: string): string {
	let out = text;
	if (apiKey.length >= 4) out = out.split(apiKey).join('[redacted]');
	return out
		.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]')
		.replace(/\bsk-[A-Za-z0-9_-]{6,}/g, 'sk-[redacted]');
}

/**
 * Every string in `value` (deeply: arrays, plain objects) with the key removed, as
 * redactSecrets does for one message: for results that leave the model door whole (a
 * connection report, a model list a careless server filled with our Authorization header).
 */
export function redactDeep<T>(value: T, apiKey: string, redact: (text: string, apiKey: string) => string = redactSecrets): T {
	if (typeof value === 'string') return redact(value, apiKey) as T;
	if (Array.isArray(value)) return value.map((v) => redactDeep(v, apiKey, redact)) as T;
	if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, apiKey, redact)])) as T;
	}
	return value;
}

/** Only the key itself, for model output (which may hold sk-… strings that are not ours). */
export function redactKeyOnly(text: string, apiKey: string): string {
	return apiKey.length >= 4 && text.includes(apiKey) ? text.split(apiKey).join('[redacted]') : text;
}

/**
 * Wait asked for by the server: `retry-after-ms` (OpenAI's, in ms) first, then `Retry-After`
 * in seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterFromHeaders(headers: Headers | undefined, now = Date.now()): number | undefined {
	if (!headers) return undefined;
	const ms = headers.get('retry-after-ms');
	if (ms !== null) {
		const n = Number.parseFloat(ms);
		if (Number.isFinite(n) && n >= 0) return n;
	}
	const after = headers.get('retry-after');
	if (after !== null && after.trim() !== '') {
		const seconds = Number(after);
		if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
		const date = Date.parse(after);
		if (!Number.isNaN(date)) return Math.max(0, date - now);
	}
	return undefined;
}

/** System and TLS error codes: ECONNREFUSED, ENOTFOUND, UND_ERR_…, ERR_SSL_…, CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT … */
const NETWORK_CODE = /^(E[A-Z_]+|UND_ERR\w*|ERR_(TLS|SSL)_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+|HOSTNAME_MISMATCH)$/;

export function networkCodeOf(err: unknown): string | undefined {
	// undici wraps the system error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
	let current: unknown = err;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && NETWORK_CODE.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function isAbortLike(err: unknown): boolean {
	return err instanceof APIUserAbortError || (err instanceof Error && err.name === 'AbortError');
}

// OpenAI's codes, and the wording of servers that send none (vLLM, llama.cpp, Azure).
function isQuota(code: string | undefined, type: string | undefined, message: string): boolean {
	return code === 'insufficient_quota' || type === 'insufficient_quota' || code === 'billing_hard_limit_reached' || /exceeded your current quota|check your plan and billing/i.test(message);
}

function isContextLength(code: string | undefined, type: string | undefined, message: string): boolean {
	return (
		code === 'context_length_exceeded' ||
		type === 'exceed_context_size_error' ||
		/maximum context length|context (length|window|size)|prompt is too long|too many (input )?tokens|input tokens exceed|exceeds? the (model'?s? )?(context|maximum)/i.test(message)
	);
}

function isContentFilter(code: string | undefined, message: string): boolean {
	return code === 'content_filter' || code === 'content_policy_violation' || /content (management )?polic|content filter|safety system/i.test(message);
}

/**
 * Whether the server said the model only serves chat: the evidence for "choose the chat API
 * style" (OpenAI: "This is a chat model and not supported in the v1/completions endpoint").
 */
export function saysChatOnly(error: Pick<LlmError, 'message'>): boolean {
	return /chat model|v1\/chat\/completions|chat\/completions endpoint|only supports? chat|not a completions? model/i.test(error.message);
}

/**
 * What an HTTP error means, and whether trying again may help. A rejected request is told
 * apart by what it is about: this prompt (context length, content policy, one of its
 * parameters) or the request as every call sends it (bad_request).
 */
function kindOfStatus(status: number, code: string | undefined, param: string | undefined, type: string | undefined, message: string): [LlmErrorKind, boolean] {
	if (status === 402 || (status === 429 && isQuota(code, type, message))) return ['quota', false];
	if (status === 429) return ['rate_limited', true];
	if (status === 408) return ['timeout', true];
	if (status === 409 || status >= 500) return ['server_error', true];
	if (status === 401) return ['auth', false];
	if (status === 403) return ['permission', false];
	if (status === 404) return ['not_found', false];
	if (status === 400 || status === 413 || status === 422) {
		if (isContextLength(code, type, message)) return ['context_length', false];
		if (isContentFilter(code, message)) return ['content_filter', false];
		if (param !== undefined && param !== 'model') return ['invalid_request', false];
		if (status !== 413) return ['bad_request', false];
	}
	return ['other', false];
}

/** Translate anything thrown while calling the SDK into an LlmError with a scrubbed message. */
export function toLlmError(err: unknown, apiKey: string): LlmError {
	if (err instanceof LlmError) return err;
	const clean = (m: string) => redactSecrets(m, apiKey);
	if (isAbortLike(err)) return new LlmError('aborted', 'The request was cancelled.');
	if (err instanceof APIConnectionTimeoutError) {
		return new LlmError('timeout', 'The server did not answer in time.', { retryable: true });
	}
	// Our fetch's refusal of a non-JSON body, as the SDK wraps it. Retried like a 5xx: such a page
	// is usually a proxy's, and transient.
	if (err instanceof APIConnectionError && err.cause instanceof NotJsonReply) {
		const { status, body } = err.cause;
		const start = clean(body.slice(0, 200)).replace(/\s+/g, ' ').trim();
		return new LlmError('bad_response', `The server answered ${status} with a body that is not JSON: ${start}${body.length > 200 ? '…' : ''}`, {
			status,
			retryable: true,
			body: clean(body.slice(0, BODY_KEPT))
		});
	}
	if (err instanceof APIConnectionError) {
		const networkCode = networkCodeOf(err.cause);
		const detail = networkCode ? ` (${networkCode})` : '';
		return new LlmError('connection', clean(`Could not reach the server${detail}: ${err.message}`), {
			retryable: true,
			networkCode
		});
	}
	if (err instanceof APIError && typeof err.status === 'number') {
		const status = err.status;
		const headers = err.headers instanceof Headers ? err.headers : undefined;
		const shouldRetry = headers?.get('x-should-retry');
		const code = typeof err.code === 'string' ? err.code : undefined;
		const param = typeof err.param === 'string' && err.param ? err.param : undefined;
		const errorType = typeof err.type === 'string' ? err.type : undefined;
		const retryAfterMs = retryAfterFromHeaders(headers);
		const message = clean(err.message);
		const [kind, retryableByStatus] = kindOfStatus(status, code, param, errorType, message);
		const retryable = kind === 'quota' ? false : shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : retryableByStatus;
		return new LlmError(kind, message, { status, code, param, errorType, retryable, retryAfterMs });
	}
	const message = err instanceof Error ? err.message : String(err);
	return new LlmError('other', clean(message));
}

/**
 * What a Batch API result line without a usable reply means, read as the same call sent live
 * would be: an HTTP error line by the status rules above, an error line (the request got no HTTP
 * answer) by its code and words — a prompt too long or refused is this call's own failure;
 * anything else (batch_expired, server_error) may succeed when sent again.
 */
export function batchLineError(line: { statusCode: number; body: unknown } | { code: string; message: string }, apiKey: string): LlmError {
	if ('statusCode' in line) {
		const error = (line.body as { error?: { message?: unknown; code?: unknown; param?: unknown; type?: unknown } } | null)?.error ?? {};
		const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
		const code = str(error.code);
		const param = str(error.param);
		const errorType = str(error.type);
		const message = redactSecrets(str(error.message) ?? `HTTP ${line.statusCode}`, apiKey);
		const [kind, retryable] = kindOfStatus(line.statusCode, code, param, errorType, message);
		return new LlmError(kind, message, { status: line.statusCode, code, param, errorType, retryable });
	}
	const message = redactSecrets(line.message || line.code, apiKey);
	const code = line.code;
	if (isContextLength(code, undefined, message)) return new LlmError('context_length', message, { code });
	if (isContentFilter(code, message)) return new LlmError('content_filter', message, { code });
	if (code === 'batch_expired') return new LlmError('timeout', message, { code, retryable: true });
	return new LlmError('server_error', message, { code, retryable: true });
}
