/**
 * Endpoint settings an admin keeps in the database, the endpoint from LLM_* variables for
 * headless use, and which of them a run's calls go to (`resolveEndpoint`). The API key is read only by `endpointConfig()` (for the model client, on the
 * server); everything a page, a log or a run's parameters see is a `StoredEndpointView`, key
 * masked.
 */
import { DomainError } from '$lib/errors';
import { and, asc, eq, notInArray } from 'drizzle-orm';
import { db, transaction, truncateLog, type Db } from '../db';
import { endpoints, generationRuns, type Endpoint } from '../db/tables';
import {
	API_STYLES,
	ENDPOINT_PRESET_IDS,
	EndpointConfigError,
	endpointFromEnv,
	maskApiKey,
	displayBaseUrl,
	parseEndpoint,
	type ApiStyle,
	type EndpointConfig,
	type EndpointPresetId
} from '../llm';
import { RunParamsError } from './errors';
import { processEnv } from '../config';

export class EndpointError extends DomainError {
	constructor(message: string, field?: string, status: 400 | 404 = 400) {
		super(message, status, status === 404 ? 'not_found' : 'invalid', field);
	}
}

/** A stored endpoint as pages may see it: no key, only whether one is set and its mask. */
export interface StoredEndpointView {
	id: number;
	name: string;
	preset: EndpointPresetId | null;
	baseUrl: string;
	apiStyle: ApiStyle;
	model: string;
	concurrency: number;
	requestsPerMinute: number | null;
	tokensPerMinute: number | null;
	priceInputPer1M: number | null;
	priceOutputPer1M: number | null;
	timeoutMs: number | null;
	isDefault: boolean;
	hasApiKey: boolean;
	apiKeyMasked: string;
	updatedAt: Date;
}

export interface EndpointInput {
	name: string;
	preset?: EndpointPresetId | null;
	baseUrl: string;
	/**
	 * On update: undefined or '' keeps the stored key (the form never shows it), `clearApiKey`
	 * removes it, anything else replaces it.
	 */
	apiKey?: string;
	clearApiKey?: boolean;
	apiStyle: ApiStyle;
	model: string;
	concurrency: number;
	requestsPerMinute?: number | null;
	tokensPerMinute?: number | null;
	priceInputPer1M?: number | null;
	priceOutputPer1M?: number | null;
	timeoutMs?: number | null;
	isDefault?: boolean;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._\-/()+:]{0,79}$/u;
/** Reserved for the endpoint made of LLM_* variables. */
export const ENV_ENDPOINT_NAME = 'env';

function view(row: Endpoint): StoredEndpointView {
	return {
		id: row.id,
		name: row.name,
		preset: (ENDPOINT_PRESET_IDS as readonly string[]).includes(row.preset ?? '') ? (row.preset as EndpointPresetId) : null,
		baseUrl: displayBaseUrl(row.baseUrl),
		apiStyle: row.apiStyle,
		model: row.model,
		concurrency: row.concurrency,
		requestsPerMinute: row.requestsPerMinute,
		tokensPerMinute: row.tokensPerMinute,
		priceInputPer1M: row.priceInputPer1M,
		priceOutputPer1M: row.priceOutputPer1M,
		timeoutMs: row.timeoutMs,
		isDefault: row.isDefault,
		hasApiKey: row.apiKey !== '',
		apiKeyMasked: maskApiKey(row.apiKey),
		updatedAt: row.updatedAt
	};
}

function toConfig(row: Pick<Endpoint, 'baseUrl' | 'apiKey' | 'apiStyle' | 'model' | 'concurrency' | 'requestsPerMinute' | 'tokensPerMinute' | 'priceInputPer1M' | 'priceOutputPer1M' | 'timeoutMs'>): EndpointConfig {
	return parseEndpoint({
		baseUrl: row.baseUrl,
		apiKey: row.apiKey,
		apiStyle: row.apiStyle,
		model: row.model,
		concurrency: row.concurrency,
		requestsPerMinute: row.requestsPerMinute ?? undefined,
		tokensPerMinute: row.tokensPerMinute ?? undefined,
		priceInputPer1M: row.priceInputPer1M ?? undefined,
		priceOutputPer1M: row.priceOutputPer1M ?? undefined,
		timeoutMs: row.timeoutMs ?? undefined
	});
}

export function listEndpoints(database: Db = db()): StoredEndpointView[] {
	return database.select().from(endpoints).orderBy(asc(endpoints.name)).all().map(view);
}

export function getEndpointView(id: number, database: Db = db()): StoredEndpointView | undefined {
	const row = database.select().from(endpoints).where(eq(endpoints.id, id)).get();
	return row ? view(row) : undefined;
}

/** The full configuration, key included: only for the model client, never for a page. */
export function endpointConfig(id: number, database: Db = db()): EndpointConfig | undefined {
	const row = database.select().from(endpoints).where(eq(endpoints.id, id)).get();
	return row ? toConfig(row) : undefined;
}

export function defaultEndpointId(database: Db = db()): number | undefined {
	return (
		database.select({ id: endpoints.id }).from(endpoints).where(eq(endpoints.isDefault, true)).get()?.id ??
		// A single stored endpoint is the default whether or not it was marked.
		(() => {
			const all = database.select({ id: endpoints.id }).from(endpoints).limit(2).all();
			return all.length === 1 ? all[0].id : undefined;
		})()
	);
}

/**
 * The endpoint a new run starts with: the marked default; else the one the latest run used,
 * if it still exists; else the first stored one; else "env" when the LLM_* variables make an
 * endpoint. Null when there is none at all.
 */
export function suggestedEndpoint(envConfigured: boolean, database: Db = db()): string | null {
	const marked = defaultEndpointId(database);
	if (marked !== undefined) return String(marked);
	const latest = database.$client
		.prepare<[], { source: string; id: number | null }>('SELECT r.endpoint_source AS source, e.id AS id FROM generation_runs r LEFT JOIN endpoints e ON e.id = r.endpoint_id ORDER BY r.id DESC LIMIT 1')
		.get();
	if (latest?.source === 'stored' && latest.id !== null) return String(latest.id);
	if (latest?.source === 'env' && envConfigured) return 'env';
	const first = database.select({ id: endpoints.id }).from(endpoints).orderBy(asc(endpoints.name)).limit(1).get();
	if (first) return String(first.id);
	return envConfigured ? 'env' : null;
}

/** A stored endpoint by name or id (CLI). */
export function findEndpoint(ref: string, database: Db = db()): StoredEndpointView | undefined {
	const byName = database.select().from(endpoints).where(eq(endpoints.name, ref.trim())).get();
	if (byName) return view(byName);
	return /^\d+$/.test(ref) ? getEndpointView(Number(ref), database) : undefined;
}

function validated(input: EndpointInput, apiKey: string): Omit<Endpoint, 'id' | 'createdAt' | 'updatedAt' | 'createdBy'> {
	const name = input.name.trim();
	if (!NAME.test(name)) {
		throw new EndpointError('A name is 1–80 letters, digits, spaces or . _ - / ( ) + :, starting with a letter or digit.', 'name');
	}
	if (name.toLowerCase() === ENV_ENDPOINT_NAME) throw new EndpointError(`"${ENV_ENDPOINT_NAME}" is reserved for the LLM_* variables.`, 'name');
	if (input.preset && !(ENDPOINT_PRESET_IDS as readonly string[]).includes(input.preset)) {
		throw new EndpointError('Unknown preset.', 'preset');
	}
	if (!(API_STYLES as readonly string[]).includes(input.apiStyle)) throw new EndpointError('Choose completions or chat.', 'apiStyle');
	let config: EndpointConfig;
	try {
		config = parseEndpoint({
			baseUrl: input.baseUrl,
			apiKey,
			apiStyle: input.apiStyle,
			model: input.model,
			concurrency: input.concurrency,
			requestsPerMinute: input.requestsPerMinute ?? undefined,
			tokensPerMinute: input.tokensPerMinute ?? undefined,
			priceInputPer1M: input.priceInputPer1M ?? undefined,
			priceOutputPer1M: input.priceOutputPer1M ?? undefined,
			timeoutMs: input.timeoutMs ?? undefined
		});
	} catch (err) {
		if (err instanceof EndpointConfigError) {
			// "Invalid endpoint: baseUrl: …" → the field and its message.
			const first = /^Invalid endpoint: (\w+): ([^;]+)/.exec(err.message);
			throw new EndpointError(first ? first[2] : err.message, first?.[1]);
		}
		throw err;
	}
	return { name, preset: input.preset ?? null, ...settingsOf(config), apiKey: config.apiKey, isDefault: input.isDefault ?? false };
}

/** An endpoint's settings as stored and shown: optional limits and prices as null rather than absent. */
function settingsOf(config: EndpointConfig) {
	return {
		baseUrl: config.baseUrl,
		apiStyle: config.apiStyle,
		model: config.model,
		concurrency: config.concurrency,
		requestsPerMinute: config.requestsPerMinute ?? null,
		tokensPerMinute: config.tokensPerMinute ?? null,
		priceInputPer1M: config.priceInputPer1M ?? null,
		priceOutputPer1M: config.priceOutputPer1M ?? null,
		timeoutMs: config.timeoutMs ?? null
	};
}

function nameTaken(name: string, exceptId: number | null, database: Db): boolean {
	const row = database.select({ id: endpoints.id }).from(endpoints).where(eq(endpoints.name, name)).get();
	return !!row && row.id !== exceptId;
}

export function createEndpoint(input: EndpointInput, createdBy: number | null = null, database: Db = db()): StoredEndpointView {
	const values = validated(input, input.apiKey?.trim() ?? '');
	return transaction(database, () => {
		if (nameTaken(values.name, null, database)) throw new EndpointError(`An endpoint named "${values.name}" already exists.`, 'name');
		if (values.isDefault) database.update(endpoints).set({ isDefault: false }).run();
		const now = new Date();
		const row = database
			.insert(endpoints)
			.values({ ...values, createdAt: now, updatedAt: now, createdBy })
			.returning()
			.get();
		return view(row);
	});
}

export function updateEndpoint(id: number, input: EndpointInput, database: Db = db()): StoredEndpointView {
	const updated = transaction(database, () => {
		const existing = database.select().from(endpoints).where(eq(endpoints.id, id)).get();
		if (!existing) throw new EndpointError('No such endpoint.', undefined, 404);
		const typed = input.apiKey?.trim() ?? '';
		const apiKey = input.clearApiKey ? '' : typed !== '' ? typed : existing.apiKey;
		const values = validated(input, apiKey);
		if (nameTaken(values.name, id, database)) throw new EndpointError(`An endpoint named "${values.name}" already exists.`, 'name');
		if (values.isDefault) database.update(endpoints).set({ isDefault: false }).run();
		const row = database
			.update(endpoints)
			.set({ ...values, updatedAt: new Date() })
			.where(eq(endpoints.id, id))
			.returning()
			.get();
		return { row, keyReplaced: existing.apiKey !== '' && existing.apiKey !== apiKey };
	});
	if (updated.keyReplaced) eraseOldKey(database);
	return view(updated.row);
}

export function setDefaultEndpoint(id: number, database: Db = db()): void {
	transaction(database, () => {
		database.update(endpoints).set({ isDefault: false }).run();
		database.update(endpoints).set({ isDefault: true }).where(eq(endpoints.id, id)).run();
	});
}

/**
 * Removes a stored endpoint. Refused while a run that can still go on (queued, running, paused,
 * interrupted or failed) uses it: such a run resumes only on its own endpoint, and would be left
 * with none. Finished and cancelled runs keep their record without it.
 */
export function deleteEndpoint(id: number, database: Db = db()): void {
	transaction(database, () => {
		const endpoint = database.select({ name: endpoints.name }).from(endpoints).where(eq(endpoints.id, id)).get();
		if (!endpoint) throw new EndpointError('No such endpoint.', undefined, 404);
		const open = database
			.select({ id: generationRuns.id })
			.from(generationRuns)
			.where(and(eq(generationRuns.endpointId, id), notInArray(generationRuns.status, ['completed', 'cancelled'])))
			.orderBy(asc(generationRuns.id))
			.all()
			.map((r) => r.id);
		if (open.length) {
			const runs = open.length === 1 ? `run ${open[0]}, which` : `runs ${open.join(', ')}, which`;
			throw new EndpointError(
				`Endpoint "${endpoint.name}" is used by ${runs} can still be resumed, and a run resumes only on its own endpoint. Let ${open.length === 1 ? 'it' : 'them'} finish or cancel ${open.length === 1 ? 'it' : 'them'} first; to change the key, address or model, edit the endpoint instead.`
			);
		}
		// Blanked first: the row's page is rewritten with the key zeroed, even if the delete frees the page whole.
		database.update(endpoints).set({ apiKey: '' }).where(eq(endpoints.id, id)).run();
		database.delete(endpoints).where(eq(endpoints.id, id)).run();
	});
	eraseOldKey(database);
}

/**
 * A key removed or replaced is zeroed in its page (secure_delete, see db/index.ts); its earlier
 * copies in the write-ahead log go with the log's truncation, before the caller reports success.
 */
function eraseOldKey(database: Db): void {
	if (!truncateLog(database)) {
		console.warn(`note: a reader held the database's write-ahead log, so the old API key's bytes may stay in ${database.$client.name}-wal until the log is next emptied (at the latest when the server stops).`);
	}
}

/** The endpoint made of LLM_* variables, key masked, for pages; null when none is configured or it is invalid. */
export function envEndpointView(env: NodeJS.ProcessEnv = processEnv()): { config: Omit<StoredEndpointView, 'id' | 'updatedAt' | 'isDefault' | 'preset'> } | { error: string } | null {
	try {
		const config = endpointFromEnv(env);
		if (!config) return null;
		return {
			config: {
				name: ENV_ENDPOINT_NAME,
				...settingsOf(config),
				hasApiKey: config.apiKey !== '',
				apiKeyMasked: maskApiKey(config.apiKey)
			}
		};
	} catch (err) {
		return { error: err instanceof Error ? err.message : String(err) };
	}
}

/** Where a run's calls go: a stored endpoint, or the LLM_* variables. */
export type RunEndpointChoice = { kind: 'stored'; id: number } | { kind: 'env' };

/**
 * The endpoint a run's calls go to, key included (server only). A stored endpoint is read
 * afresh, so a key fixed after a failure is used on resume.
 */
export function resolveEndpoint(
	choice: RunEndpointChoice,
	model: string | undefined,
	database: Db = db(),
	env: NodeJS.ProcessEnv = processEnv()
): { config: EndpointConfig; name: string } {
	if (choice.kind === 'env') {
		let config: EndpointConfig | undefined;
		try {
			config = endpointFromEnv(model ? { ...env, LLM_MODEL: model } : env);
		} catch (err) {
			if (err instanceof EndpointConfigError) throw new RunParamsError(err.message, 'endpoint');
			throw err;
		}
		if (!config) throw new RunParamsError('No endpoint in the environment: set LLM_BASE_URL (or LLM_PRESET) and LLM_MODEL.', 'endpoint');
		return { config, name: ENV_ENDPOINT_NAME };
	}
	const stored = endpointConfig(choice.id, database);
	if (!stored) throw new RunParamsError('That endpoint no longer exists; choose another one in Admin → Endpoints.', 'endpoint');
	const name = getEndpointView(choice.id, database)!.name;
	return { config: model?.trim() ? { ...stored, model: model.trim() } : stored, name };
}
