/**
 * The one place that talks to the `openai` SDK. A client sends one prompt with decoding
 * parameters to an endpoint — as a completion (base models, as in the papers) or as a single
 * user message (chat models) — and applies our pacing and retry policy around it.
 */
import OpenAI, { toFile } from 'openai';
import type { DecodingParams } from '../../prompts/decoding';
import { DEFAULT_TIMEOUT_MS, estimateCostUsd, publicEndpoint, type EndpointConfig, type PublicEndpoint } from './endpoint';
import { LlmError, NotJsonReply, redactDeep, redactKeyOnly, redactSecrets, toLlmError } from './errors';
import { ConcurrencyLimiter, sleep, TokenBucket } from './limits';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry';

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other';

export interface GenerateRequest {
	prompt: string;
	decoding: DecodingParams;
	/** Stops waiting, retrying and the request in flight; the promise rejects with kind 'aborted'. */
	signal?: AbortSignal;
	/**
	 * Stable identity of this call (e.g. "run 12/instances/task 345"), sent as
	 * X-Client-Request-Id so server logs and the test server can tell calls apart.
	 */
	requestKey?: string;
}

export interface TokenLogprob {
	token: string;
	logprob: number;
	top?: Record<string, number>;
}

export interface GenerateChoice {
	index: number;
	text: string;
	finishReason: FinishReason;
	/** The raw finish reason as the server sent it. */
	rawFinishReason: string | null;
	logprobs?: TokenLogprob[];
}

export interface TokenUsage {
	promptTokens: number;
	completionTokens: number;
}

export interface GenerateResult {
	/** First choice's text. */
	text: string;
	/** First choice's finish reason; 'length' means the reply was cut by max_tokens. */
	finishReason: FinishReason;
	choices: GenerateChoice[];
	usage: TokenUsage;
	/** True when the server sent no usage and the counts are our estimate. */
	usageEstimated: boolean;
	/** Time of the successful HTTP attempt. */
	latencyMs: number;
	/** Wall time from the call to the reply, including queueing, pacing and retries. */
	elapsedMs: number;
	/** HTTP attempts made (1 = no retry). */
	attempts: number;
	/** Model as reported by the server (falls back to the requested one). */
	model: string;
	/** The server's id of this reply (e.g. "cmpl-…"), for provenance. */
	responseId: string;
	/** From the endpoint's prices; undefined when it has none. */
	costUsd?: number;
}

export type LlmEvent =
	| {
			type: 'retry';
			requestKey?: string;
			/** The attempt that failed (1-based). */
			attempt: number;
			delayMs: number;
			kind: LlmError['kind'];
			status?: number;
			message: string;
	  }
	| { type: 'cooldown'; untilMs: number; reason: 'rate_limited' };

export interface LlmClientStats {
	requests: number;
	succeeded: number;
	failed: number;
	retries: number;
	inFlight: number;
	waiting: number;
	promptTokens: number;
	completionTokens: number;
	costUsd: number;
}

export interface LlmClientOptions {
	retry?: Partial<RetryPolicy>;
	/** Random source for jitter (tests pin it). */
	random?: () => number;
	/** Retries and cool-downs, for progress views and logs (messages are already scrubbed). */
	onEvent?: (event: LlmEvent) => void;
	/** Per-attempt timeout, overriding the endpoint's. */
	timeoutMs?: number;
}

/** What the Batch API needs of one call: the endpoint path and the body a live call would send. */
export interface BatchRequestBody {
	url: '/v1/chat/completions' | '/v1/completions';
	body: Record<string, unknown>;
}

/** The remote batch as the API reports it (the fields the app reads). */
export interface RemoteBatch {
	id: string;
	status: string;
	input_file_id: string;
	output_file_id?: string | null;
	error_file_id?: string | null;
	metadata?: Record<string, string> | null;
	request_counts?: { total: number; completed: number; failed: number } | null;
	errors?: { data?: Array<{ line?: number | null; code?: string; message?: string }> } | null;
}

/**
 * The OpenAI Files and Batch APIs through the same SDK client (one door to the SDK). Errors come
 * out as LlmError with the key scrubbed.
 */
export interface BatchApi {
	uploadFile(fileName: string, text: string, signal?: AbortSignal): Promise<{ id: string }>;
	listFiles(signal?: AbortSignal): Promise<Array<{ id: string; filename: string; purpose: string }>>;
	createBatch(inputFileId: string, url: BatchRequestBody['url'], metadata: Record<string, string>, signal?: AbortSignal): Promise<RemoteBatch>;
	listBatches(signal?: AbortSignal): Promise<RemoteBatch[]>;
	retrieveBatch(batchId: string, signal?: AbortSignal): Promise<RemoteBatch>;
	/** The batch as the API answered the cancel (status cancelling, or already cancelled). */
	cancelBatch(batchId: string, signal?: AbortSignal): Promise<RemoteBatch>;
	fileText(fileId: string, signal?: AbortSignal): Promise<string>;
}

export interface LlmClient {
	/** The endpoint without its key. */
	readonly endpoint: PublicEndpoint;
	generate(request: GenerateRequest): Promise<GenerateResult>;
	/** The request `generate` would send for this prompt, as a Batch API line needs it. */
	requestBody(prompt: string, decoding: DecodingParams): BatchRequestBody;
	readonly batch: BatchApi;
	/** The retry policy `generate` follows; Batch API callers apply it to their own steps (those calls are not retried here). */
	readonly retryPolicy: Readonly<RetryPolicy>;
	listModels(signal?: AbortSignal): Promise<string[]>;
	stats(): LlmClientStats;
}

export function normaliseFinishReason(raw: string | null | undefined): FinishReason {
	switch (raw) {
		case 'stop':
		case 'eos':
		case 'stop_sequence':
			return 'stop';
		case 'length':
		case 'max_tokens':
			return 'length';
		case 'content_filter':
			return 'content_filter';
		default:
			return 'other';
	}
}

/**
 * Requests that may go at once, as milliseconds of the requests/min limit. Providers enforce a
 * per-minute limit over much shorter windows (60,000/min as 1,000 in any second): a second's
 * burst on top of the refill would send twice that in the first second and draw 429s, while
 * 50 ms still absorbs a late timer without losing pace.
 */
const REQUEST_BURST_MS = 50;

/** Rough prompt size in tokens (~4 characters each) for pacing before the server counts. */
export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4);
}

/** Header values must be visible ASCII; keys are ours, but be safe. */
function headerSafe(value: string): string {
	return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
}

/**
 * fetch for the SDK: an error body in vLLM's older shape (`{object: "error", message, type,
 * param, code}`, without OpenAI's `error` wrapper) is rewrapped, so the SDK keeps the server's
 * words instead of "400 status code (no body)". A successful reply whose body is not JSON is
 * refused with its body kept (NotJsonReply); other successful replies pass untouched.
 */
export async function fetchKeepingErrorBodies(input: string | URL | Request, init?: RequestInit): Promise<Response> {
	const response = await fetch(input, init);
	if (response.ok) {
		// A body the SDK would parse as JSON (or a proxy's HTML page) is read here, so one that is not
		// JSON fails with the body kept (NotJsonReply), not JSON.parse's ten characters. File
		// contents (octet-stream, JSON Lines) pass untouched.
		if (!/json|html/i.test(response.headers.get('content-type') ?? '') || /jsonl|ndjson/i.test(response.headers.get('content-type') ?? '')) return response;
		const text = await response.text();
		try {
			JSON.parse(text);
		} catch {
			throw new NotJsonReply(response.status, text);
		}
		return new Response(text, { status: response.status, statusText: response.statusText, headers: withoutLength(response.headers) });
	}
	const text = await response.text();
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	const flat = body && typeof body === 'object' && !Array.isArray(body) && !('error' in body) ? (body as Record<string, unknown>) : null;
	const rewrapped =
		flat && typeof flat.message === 'string'
			? JSON.stringify({
					error: {
						message: flat.message,
						type: typeof flat.type === 'string' ? flat.type : null,
						param: typeof flat.param === 'string' ? flat.param : null,
						code: typeof flat.code === 'string' ? flat.code : null
					}
				})
			: text;
	return new Response(rewrapped, { status: response.status, statusText: response.statusText, headers: withoutLength(response.headers) });
}

/** The headers of a body read and passed on as text: its length and encoding no longer apply. */
function withoutLength(original: Headers): Headers {
	const headers = new Headers(original);
	headers.delete('content-length');
	headers.delete('content-encoding');
	return headers;
}

export function createLlmClient(endpoint: EndpointConfig, options: LlmClientOptions = {}): LlmClient {
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const random = options.random ?? Math.random;
	const timeoutMs = options.timeoutMs ?? endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const apiKey = endpoint.apiKey;
	const sdk = new OpenAI({
		// Local servers need no key, but the SDK insists on one.
		apiKey: apiKey || 'no-key',
		baseURL: endpoint.baseUrl,
		// One retry policy: ours.
		maxRetries: 0,
		timeout: timeoutMs,
		// Do not pick up OPENAI_ORG_ID / OPENAI_PROJECT_ID meant for another endpoint.
		organization: null,
		project: null,
		// OPENAI_LOG=debug would print request details; keep the SDK quiet whatever the env says.
		logLevel: 'warn',
		fetch: fetchKeepingErrorBodies
	});
	const limiter = new ConcurrencyLimiter(endpoint.concurrency);
	const requestBucket = endpoint.requestsPerMinute
		? new TokenBucket(endpoint.requestsPerMinute, { capacity: Math.max(1, (endpoint.requestsPerMinute / 60_000) * REQUEST_BURST_MS) })
		: undefined;
	const tokenBucket = endpoint.tokensPerMinute ? new TokenBucket(endpoint.tokensPerMinute) : undefined;
	const counters = { requests: 0, succeeded: 0, failed: 0, retries: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
	/** After a 429 with Retry-After, no attempt starts before this (performance.now() time). */
	let cooldownUntil = 0;

	function commonBody(d: DecodingParams) {
		return {
			model: endpoint.model,
			max_tokens: d.maxTokens,
			temperature: d.temperature,
			top_p: d.topP,
			frequency_penalty: d.frequencyPenalty,
			presence_penalty: d.presencePenalty,
			...(d.stop && d.stop.length ? { stop: d.stop } : {}),
			...(d.n !== undefined && d.n !== 1 ? { n: d.n } : {})
		};
	}

	function requestBody(prompt: string, d: DecodingParams): BatchRequestBody {
		if (endpoint.apiStyle === 'completions') {
			return { url: '/v1/completions', body: { ...commonBody(d), prompt, ...(d.logprobs !== undefined ? { logprobs: d.logprobs } : {}) } };
		}
		return {
			url: '/v1/chat/completions',
			body: {
				...commonBody(d),
				messages: [{ role: 'user', content: prompt }],
				...(d.logprobs !== undefined ? { logprobs: true, top_logprobs: d.logprobs } : {})
			}
		};
	}

	async function guarded<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
		try {
			return await withRequestSignal(signal, work);
		} catch (raw) {
			throw toLlmError(raw, apiKey);
		}
	}

	const batch: BatchApi = {
		uploadFile: (fileName, text, signal) =>
			guarded(signal, async (signal) => {
				const file = await sdk.files.create({ file: await toFile(Buffer.from(text, 'utf8'), fileName), purpose: 'batch' }, { signal, timeout: timeoutMs });
				return { id: file.id };
			}),
		listFiles: (signal) =>
			guarded(signal, async (signal) => {
				const out: Array<{ id: string; filename: string; purpose: string }> = [];
				for await (const f of sdk.files.list({ purpose: 'batch' }, { signal, timeout: timeoutMs })) out.push({ id: f.id, filename: f.filename, purpose: f.purpose });
				return out;
			}),
		createBatch: (inputFileId, url, metadata, signal) =>
			guarded(signal, async (signal) => (await sdk.batches.create({ input_file_id: inputFileId, endpoint: url, completion_window: '24h', metadata }, { signal, timeout: timeoutMs })) as RemoteBatch),
		listBatches: (signal) =>
			guarded(signal, async (signal) => {
				const out: RemoteBatch[] = [];
				for await (const b of sdk.batches.list({ limit: 100 }, { signal, timeout: timeoutMs })) out.push(b as RemoteBatch);
				return out;
			}),
		retrieveBatch: (batchId, signal) => guarded(signal, async (signal) => (await sdk.batches.retrieve(batchId, { signal, timeout: timeoutMs })) as RemoteBatch),
		cancelBatch: (batchId, signal) => guarded(signal, async (signal) => (await sdk.batches.cancel(batchId, { signal, timeout: timeoutMs })) as RemoteBatch),
		fileText: (fileId, signal) => guarded(signal, async (signal) => redactKeyOnly(await (await sdk.files.content(fileId, { signal, timeout: timeoutMs })).text(), apiKey))
	};

	function sendOnce(request: GenerateRequest): Promise<Omit<GenerateResult, 'latencyMs' | 'elapsedMs' | 'attempts' | 'costUsd'>> {
		return withRequestSignal(request.signal, (signal) => sendWith(request, signal));
	}

	async function sendWith(request: GenerateRequest, signal: AbortSignal | undefined): Promise<Omit<GenerateResult, 'latencyMs' | 'elapsedMs' | 'attempts' | 'costUsd'>> {
		const d = request.decoding;
		const common = commonBody(d);
		const requestOptions = {
			signal,
			timeout: timeoutMs,
			...(request.requestKey ? { headers: { 'X-Client-Request-Id': headerSafe(request.requestKey) } } : {})
		};
		if (endpoint.apiStyle === 'completions') {
			const reply = await sdk.completions.create(
				{
					...common,
					prompt: request.prompt,
					stream: false,
					...(d.logprobs !== undefined ? { logprobs: d.logprobs } : {})
				},
				requestOptions
			);
			const choices: GenerateChoice[] = (reply.choices ?? []).map((c, i) => ({
				index: c.index ?? i,
				text: c.text ?? '',
				finishReason: normaliseFinishReason(c.finish_reason),
				rawFinishReason: c.finish_reason ?? null,
				...(c.logprobs?.tokens
					? {
							logprobs: c.logprobs.tokens.map((token, t) => ({
								token,
								logprob: c.logprobs?.token_logprobs?.[t] ?? Number.NaN,
								...(c.logprobs?.top_logprobs?.[t] ? { top: c.logprobs.top_logprobs[t] } : {})
							}))
						}
					: {})
			}));
			return finish(request, choices, reply.usage, reply.model, reply.id);
		}
		const reply = await sdk.chat.completions.create(
			{
				...common,
				messages: [{ role: 'user', content: request.prompt }],
				stream: false,
				...(d.logprobs !== undefined ? { logprobs: true, top_logprobs: d.logprobs } : {})
			},
			requestOptions
		);
		const choices: GenerateChoice[] = (reply.choices ?? []).map((c, i) => ({
			index: c.index ?? i,
			text: c.message?.content ?? '',
			finishReason: normaliseFinishReason(c.finish_reason),
			rawFinishReason: c.finish_reason ?? null,
			...(c.logprobs?.content
				? {
						logprobs: c.logprobs.content.map((t) => ({
							token: t.token,
							logprob: t.logprob,
							top: Object.fromEntries((t.top_logprobs ?? []).map((x) => [x.token, x.logprob]))
						}))
					}
				: {})
		}));
		return finish(request, choices, reply.usage, reply.model, reply.id);
	}

	function finish(
		request: GenerateRequest,
		choices: GenerateChoice[],
		usage: { prompt_tokens?: number; completion_tokens?: number } | undefined,
		model: string | undefined,
		id: string | undefined
	) {
		if (choices.length === 0) {
			throw new LlmError('bad_response', 'The server answered without any choices.', { status: 200 });
		}
		choices.sort((a, b) => a.index - b.index);
		const usageEstimated = typeof usage?.prompt_tokens !== 'number' || typeof usage?.completion_tokens !== 'number';
		return {
			text: choices[0].text,
			finishReason: choices[0].finishReason,
			choices,
			usage: {
				promptTokens: usage?.prompt_tokens ?? estimateTokens(request.prompt),
				completionTokens: usage?.completion_tokens ?? choices.reduce((s, c) => s + estimateTokens(c.text), 0)
			},
			usageEstimated,
			model: model || endpoint.model,
			responseId: id ?? ''
		};
	}

	async function generate(request: GenerateRequest): Promise<GenerateResult> {
		const { signal } = request;
		const started = performance.now();
		const tokenEstimate = estimateTokens(request.prompt) + request.decoding.maxTokens * (request.decoding.n ?? 1);
		let attempt = 0;
		try {
			for (;;) {
				attempt++;
				let delay: number;
				const release = await limiter.acquire(signal ?? undefined);
				let reservedTokens = 0;
				try {
					const cooldown = cooldownUntil - performance.now();
					if (cooldown > 0) await sleep(cooldown, signal);
					if (requestBucket) await requestBucket.take(1, signal);
					if (tokenBucket) {
						await tokenBucket.take(tokenEstimate, signal);
						reservedTokens = tokenEstimate;
					}
					counters.requests++;
					const sentAt = performance.now();
					const reply = await sendOnce(request);
					const latencyMs = performance.now() - sentAt;
					if (tokenBucket) {
						tokenBucket.adjust(reservedTokens - (reply.usage.promptTokens + reply.usage.completionTokens));
					}
					const costUsd = estimateCostUsd(reply.usage, endpoint);
					counters.succeeded++;
					counters.promptTokens += reply.usage.promptTokens;
					counters.completionTokens += reply.usage.completionTokens;
					counters.costUsd += costUsd ?? 0;
					// Nothing the server sent leaves this door with our key in it.
					return {
						...(apiKey.length >= 4 ? redactDeep(reply, apiKey, redactKeyOnly) : reply),
						latencyMs,
						elapsedMs: performance.now() - started,
						attempts: attempt,
						...(costUsd !== undefined ? { costUsd } : {})
					};
				} catch (raw) {
					// Nothing was generated: give the token estimate back.
					if (tokenBucket && reservedTokens) tokenBucket.adjust(reservedTokens);
					if (signal?.aborted) throw new LlmError('aborted', 'The request was cancelled.');
					const error = toLlmError(raw, apiKey);
					error.attempts = attempt;
					if (!error.retryable || attempt >= policy.maxAttempts) throw error;
					delay = retryDelayMs(error, attempt, policy, random);
					counters.retries++;
					if (error.kind === 'rate_limited' && error.retryAfterMs !== undefined) {
						// The server spoke for all our requests, not just this one.
						const until = performance.now() + delay;
						if (until > cooldownUntil) {
							cooldownUntil = until;
							options.onEvent?.({ type: 'cooldown', untilMs: Date.now() + delay, reason: 'rate_limited' });
						}
					}
					options.onEvent?.({
						type: 'retry',
						requestKey: request.requestKey,
						attempt,
						delayMs: delay,
						kind: error.kind,
						status: error.status,
						message: error.message
					});
				} finally {
					release();
				}
				// Back off without holding a slot, so healthy requests keep flowing.
				await sleep(delay, signal);
			}
		} catch (raw) {
			const error = signal?.aborted ? new LlmError('aborted', 'The request was cancelled.') : toLlmError(raw, apiKey);
			if (error.kind !== 'aborted') counters.failed++;
			error.attempts = Math.max(error.attempts, attempt);
			throw error;
		}
	}

	return {
		endpoint: publicEndpoint(endpoint),
		generate,
		requestBody,
		batch,
		retryPolicy: policy,
		async listModels(signal?: AbortSignal): Promise<string[]> {
			try {
				const page = await sdk.models.list({ signal, timeout: timeoutMs });
				return page.data.map((m) => redactSecrets(String(m.id), apiKey));
			} catch (raw) {
				throw toLlmError(raw, apiKey);
			}
		},
		stats() {
			return { ...counters, inFlight: limiter.active, waiting: limiter.waiting };
		}
	};
}

/**
 * Runs one SDK request with a signal of its own, aborted with the caller's. The openai SDK adds
 * an abort listener to the signal it is given and never removes it, so a run-long signal passed
 * straight through would keep one listener (and its request's AbortController) per request
 * until the run ends — a leak that grows with every call of a long run.
 */
export async function withRequestSignal<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
	if (!signal) return work(undefined);
	const own = new AbortController();
	const relay = () => own.abort(signal.reason);
	if (signal.aborted) relay();
	else signal.addEventListener('abort', relay, { once: true });
	try {
		return await work(own.signal);
	} finally {
		signal.removeEventListener('abort', relay);
	}
}
