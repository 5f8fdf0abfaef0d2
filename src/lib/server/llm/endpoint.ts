/**
 * An OpenAI-compatible endpoint: where to send prompts, how, and how fast. The API key lives
 * only here and in the client built from it; pages get `publicEndpoint()` (key masked).
 */
import { DomainError } from '$lib/errors';
import * as z from 'zod';
import { processEnv } from '../config';

/** `completions` for base models (as in the papers); `chat` wraps the prompt as one user message. */
export const API_STYLES = ['completions', 'chat'] as const;
export type ApiStyle = (typeof API_STYLES)[number];

export interface EndpointConfig {
	/** Base URL ending in /v1 (the SDK appends /completions, /chat/completions, /models). */
	baseUrl: string;
	/** Empty for local servers that need none. */
	apiKey: string;
	apiStyle: ApiStyle;
	model: string;
	/** Requests in flight at once. */
	concurrency: number;
	requestsPerMinute?: number;
	/** Counted as prompt tokens (estimated) + max_tokens, corrected by the reply's usage. */
	tokensPerMinute?: number;
	/** US dollars per 1M prompt tokens, for cost estimates. */
	priceInputPer1M?: number;
	/** US dollars per 1M completion tokens. */
	priceOutputPer1M?: number;
	/** Per attempt; default DEFAULT_TIMEOUT_MS. */
	timeoutMs?: number;
}

/** Generation calls return within seconds on a healthy server; a 2-minute silence is a fault. */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_CONCURRENCY = 8;

export const ENDPOINT_PRESET_IDS = ['openai', 'vllm', 'ollama', 'llamacpp'] as const;
export type EndpointPresetId = (typeof ENDPOINT_PRESET_IDS)[number];

export interface EndpointPreset {
	id: EndpointPresetId;
	label: string;
	baseUrl: string;
	apiStyle: ApiStyle;
	needsApiKey: boolean;
	concurrency: number;
	/** One line of advice shown next to the preset. */
	note: string;
}

export const ENDPOINT_PRESETS: Record<EndpointPresetId, EndpointPreset> = {
	openai: {
		id: 'openai',
		label: 'OpenAI',
		baseUrl: 'https://api.openai.com/v1',
		apiStyle: 'chat',
		needsApiKey: true,
		concurrency: 8,
		note: 'Completions style works only with the base-style models OpenAI still serves (e.g. gpt-3.5-turbo-instruct, davinci-002).'
	},
	vllm: {
		id: 'vllm',
		label: 'vLLM',
		baseUrl: 'http://localhost:8000/v1',
		apiStyle: 'completions',
		needsApiKey: false,
		concurrency: 32,
		note: 'Start with `vllm serve <model>`; the model name is the one you served. A key is needed only if you passed --api-key.'
	},
	ollama: {
		id: 'ollama',
		label: 'Ollama',
		baseUrl: 'http://localhost:11434/v1',
		apiStyle: 'completions',
		needsApiKey: false,
		concurrency: 4,
		note: 'Use the model tag as the model name (e.g. llama3.1:8b-text for a base model). Ollama ignores the key.'
	},
	llamacpp: {
		id: 'llamacpp',
		label: 'llama.cpp server',
		baseUrl: 'http://localhost:8080/v1',
		apiStyle: 'completions',
		needsApiKey: false,
		concurrency: 4,
		note: 'Start `llama-server -m model.gguf --parallel N`; concurrency should not exceed N. Any model name is accepted.'
	}
};

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

export const endpointSchema = z.object({
	baseUrl: z
		.string()
		.trim()
		.pipe(z.url({ protocol: /^https?$/, message: 'Base URL must be an http(s) address, e.g. http://localhost:8000/v1' }))
		// Secrets in the URL would be stored and shown wherever the URL is (pages, CLI, logs), and
		// neither form reaches the server: the client appends paths to the URL and sends no userinfo.
		// (Checked also when the URL check above failed: an address that does not parse passes these.)
		.refine((u) => { const url = URL.parse(u); return !url?.username && !url?.password; }, 'Base URL must not contain a user name or password (user:password@): put the key in the API key field.')
		.refine((u) => { const url = URL.parse(u); return !url?.search && !url?.hash; }, 'Base URL must not contain a query string (?…) or fragment: put the key in the API key field.')
		.transform((u) => u.replace(/\/+$/, '')),
	apiKey: z.string().trim().default(''),
	apiStyle: z.enum(API_STYLES),
	model: z.string().trim().min(1, 'Model name is required'),
	concurrency: z.number().int().min(1).max(1024).default(DEFAULT_CONCURRENCY),
	requestsPerMinute: positive.optional(),
	tokensPerMinute: positive.optional(),
	priceInputPer1M: nonNegative.optional(),
	priceOutputPer1M: nonNegative.optional(),
	timeoutMs: z.number().int().min(100).optional()
});

export type EndpointInput = z.input<typeof endpointSchema>;

/**
 * A base URL as shown (pages, CLI, logs): any user name, password or query values blanked. New
 * endpoints cannot have them; one stored before they were refused must not show them either.
 */
export function displayBaseUrl(baseUrl: string): string {
	let url: URL;
	try {
		url = new URL(baseUrl);
	} catch {
		return baseUrl;
	}
	if (!url.username && !url.password && !url.search && !url.hash) return baseUrl;
	url.username = url.username ? '***' : '';
	url.password = url.password ? '***' : '';
	for (const key of [...new Set(url.searchParams.keys())]) url.searchParams.set(key, '***');
	url.hash = '';
	return url.toString().replace(/%2A%2A%2A/g, '***');
}

export class EndpointConfigError extends DomainError {
	constructor(message: string) {
		super(message, 400);
	}
}

/** Validate user input into an endpoint; throws EndpointConfigError with readable issues. */
export function parseEndpoint(input: unknown): EndpointConfig {
	const result = endpointSchema.safeParse(input);
	if (!result.success) {
		const issues = result.error.issues.map((i) => `${i.path.join('.') || 'endpoint'}: ${i.message}`);
		throw new EndpointConfigError(`Invalid endpoint: ${issues.join('; ')}`);
	}
	return result.data;
}

/** An endpoint from a preset, with the fields the user must supply. */
export function endpointFromPreset(
	presetId: EndpointPresetId,
	fields: { model: string; apiKey?: string; apiStyle?: ApiStyle } & Partial<EndpointConfig>
): EndpointConfig {
	const preset = ENDPOINT_PRESETS[presetId];
	return parseEndpoint({
		baseUrl: preset.baseUrl,
		apiStyle: preset.apiStyle,
		concurrency: preset.concurrency,
		...fields
	});
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
	const raw = env[name];
	if (raw === undefined || raw === '') return undefined;
	const n = Number(raw);
	if (!Number.isFinite(n)) throw new EndpointConfigError(`Environment variable ${name} must be a number, got "${raw}"`);
	return n;
}

/**
 * Headless endpoint from LLM_BASE_URL, LLM_API_KEY, LLM_API_STYLE, LLM_MODEL, LLM_CONCURRENCY,
 * LLM_REQUESTS_PER_MINUTE, LLM_TOKENS_PER_MINUTE, LLM_PRICE_INPUT_PER_1M,
 * LLM_PRICE_OUTPUT_PER_1M, LLM_TIMEOUT_MS. LLM_PRESET (openai|vllm|ollama|llamacpp) fills the
 * base URL and style. Returns undefined when neither LLM_BASE_URL nor LLM_PRESET is set.
 */
export function endpointFromEnv(env: NodeJS.ProcessEnv = processEnv()): EndpointConfig | undefined {
	const presetId = env.LLM_PRESET as EndpointPresetId | undefined;
	if (presetId && !ENDPOINT_PRESET_IDS.includes(presetId)) {
		throw new EndpointConfigError(`LLM_PRESET must be one of ${ENDPOINT_PRESET_IDS.join(', ')}, got "${presetId}"`);
	}
	const preset = presetId ? ENDPOINT_PRESETS[presetId] : undefined;
	if (!env.LLM_BASE_URL && !preset) return undefined;
	const input = {
		baseUrl: env.LLM_BASE_URL || preset?.baseUrl,
		apiKey: env.LLM_API_KEY ?? '',
		apiStyle: env.LLM_API_STYLE || preset?.apiStyle || 'completions',
		model: env.LLM_MODEL ?? '',
		concurrency: numberFromEnv(env, 'LLM_CONCURRENCY') ?? preset?.concurrency,
		requestsPerMinute: numberFromEnv(env, 'LLM_REQUESTS_PER_MINUTE'),
		tokensPerMinute: numberFromEnv(env, 'LLM_TOKENS_PER_MINUTE'),
		priceInputPer1M: numberFromEnv(env, 'LLM_PRICE_INPUT_PER_1M'),
		priceOutputPer1M: numberFromEnv(env, 'LLM_PRICE_OUTPUT_PER_1M'),
		timeoutMs: numberFromEnv(env, 'LLM_TIMEOUT_MS')
	};
	return parseEndpoint(input);
}

/** "sk-…Wxyz": enough to recognise a key, never enough to use it. */
export function maskApiKey(apiKey: string): string {
	if (!apiKey) return '';
	if (apiKey.length <= 8) return '…';
	const prefix = /^[a-z]{2,4}-/i.exec(apiKey)?.[0] ?? '';
	return `${prefix}…${apiKey.slice(-4)}`;
}

export type PublicEndpoint = Omit<EndpointConfig, 'apiKey'> & { apiKeyMasked: string; hasApiKey: boolean };

/** What may leave the server (pages, logs, run parameters): everything but the key. */
export function publicEndpoint(endpoint: EndpointConfig): PublicEndpoint {
	const { apiKey, ...rest } = endpoint;
	return { ...rest, apiKeyMasked: maskApiKey(apiKey), hasApiKey: apiKey !== '' };
}

/** Estimated cost in US dollars, or undefined when the endpoint has no prices. */
export function estimateCostUsd(
	usage: { promptTokens: number; completionTokens: number },
	endpoint: Pick<EndpointConfig, 'priceInputPer1M' | 'priceOutputPer1M'>
): number | undefined {
	if (endpoint.priceInputPer1M === undefined && endpoint.priceOutputPer1M === undefined) return undefined;
	return (
		(usage.promptTokens * (endpoint.priceInputPer1M ?? 0) + usage.completionTokens * (endpoint.priceOutputPer1M ?? 0)) /
		1_000_000
	);
}
