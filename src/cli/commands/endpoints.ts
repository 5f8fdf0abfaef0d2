import { CliError, usageError, notFound } from '../cli-error';
import { intOption, parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printTable } from '../output';
import {
	createEndpoint,
	defaultEndpointId,
	deleteEndpoint,
	endpointConfig,
	EndpointError,
	envEndpointView,
	findEndpoint,
	listEndpoints,
	setDefaultEndpoint,
	updateEndpoint
} from '$lib/server/runs/endpoints';
import { API_STYLES, ENDPOINT_PRESET_IDS, ENDPOINT_PRESETS, endpointFromEnv, testConnection, type ApiStyle, type EndpointPresetId } from '$lib/server/llm';
import { processEnv } from '$lib/server/config';

const USAGE = `Usage:
  npx instruct-audit endpoints list [--json]
  npx instruct-audit endpoints add <name> (--preset ${ENDPOINT_PRESET_IDS.join('|')} | --base-url <url>) --model <model>
        [--api-style completions|chat] [--concurrency N] [--rpm N] [--tpm N] [--price-in USD] [--price-out USD] [--default]
  npx instruct-audit endpoints test <name|id|env>
  npx instruct-audit endpoints set-key <name|id>          (the new key from LLM_API_KEY)
  npx instruct-audit endpoints default <name|id>
  npx instruct-audit endpoints remove <name|id>

Stored endpoints are what the app's Admin → Endpoints page shows. The API key is read from the
LLM_API_KEY environment variable (never from the command line, where it would stay in the
shell history) and is only ever printed masked. "env" is the endpoint made of LLM_* variables.`;

function number(value: string | undefined, name: string): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) throw new CliError(`--${name} must be a non-negative number.`, 2);
	return n;
}

/** A limit per minute (--rpm, --tpm): a whole number of requests or tokens, 1 or more. */
function perMinute(value: string | undefined, name: string): number | undefined {
	if (value === undefined) return undefined;
	const n = intOption(value, name, 0);
	if (n < 1) throw new CliError(`--${name} must be 1 or more, got ${n}.`, 2);
	return n;
}

/** The command-line option each endpoint field comes from, to name it in a refusal ("--concurrency: …", not "concurrency: …"). */
const FIELD_OPTIONS: Record<string, string> = {
	name: 'name',
	baseUrl: '--base-url',
	apiKey: 'LLM_API_KEY',
	apiStyle: '--api-style',
	model: '--model',
	preset: '--preset',
	concurrency: '--concurrency',
	requestsPerMinute: '--rpm',
	tokensPerMinute: '--tpm',
	priceInputPer1M: '--price-in',
	priceOutputPer1M: '--price-out'
};

function stored(ref: string | undefined) {
	if (!ref) throw usageError(`Name the endpoint.`, USAGE);
	const endpoint = findEndpoint(ref);
	if (!endpoint) throw notFound(`No stored endpoint "${ref}".`);
	return endpoint;
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			name: { type: 'string' },
			preset: { type: 'string' },
			'base-url': { type: 'string' },
			model: { type: 'string' },
			'api-style': { type: 'string' },
			concurrency: { type: 'string' },
			rpm: { type: 'string' },
			tpm: { type: 'string' },
			'price-in': { type: 'string' },
			'price-out': { type: 'string' },
			default: { type: 'boolean' },
			json: { type: 'boolean' }
		},
		USAGE
	);
	const [action, ref] = positionals;
	refuseExtraPositionals(positionals, action === 'list' ? 1 : 2, USAGE);
	switch (action) {
		case 'list': {
			const rows = listEndpoints();
			const env = envEndpointView();
			const defaultId = defaultEndpointId();
			if (values.json) return printJson({ stored: rows, env });
			printTable(
				rows.map((e) => ({ id: e.id, name: e.name, default: e.id === defaultId ? 'yes' : '', style: e.apiStyle, model: e.model, baseUrl: e.baseUrl, key: e.apiKeyMasked, concurrency: e.concurrency }))
			);
			if (env && 'config' in env) console.log(`\nenv (LLM_*): ${env.config.baseUrl} ${env.config.apiStyle} ${env.config.model || '(no model)'} key ${env.config.apiKeyMasked || 'none'}`);
			else if (env && 'error' in env) console.log(`\nenv (LLM_*): not usable — ${env.error}`);
			return;
		}
		case 'add': {
			const presetId = values.preset as EndpointPresetId | undefined;
			if (presetId && !ENDPOINT_PRESET_IDS.includes(presetId)) throw new CliError(`--preset must be one of ${ENDPOINT_PRESET_IDS.join(', ')}.`, 2);
			const preset = presetId ? ENDPOINT_PRESETS[presetId] : undefined;
			const apiStyle = (values['api-style'] ?? preset?.apiStyle ?? 'completions') as ApiStyle;
			if (!API_STYLES.includes(apiStyle)) throw new CliError('--api-style must be completions or chat.', 2);
			if (ref !== undefined && values.name !== undefined && ref !== values.name) throw new CliError(`Two names given: "${ref}" and --name "${values.name}"; give one.`, 2);
			try {
				const created = createEndpoint({
					name: values.name ?? ref ?? '',
					preset: presetId ?? null,
					baseUrl: values['base-url'] ?? preset?.baseUrl ?? '',
					apiKey: processEnv().LLM_API_KEY ?? '',
					apiStyle,
					model: values.model ?? '',
					concurrency: intOption(values.concurrency, 'concurrency', preset?.concurrency ?? 8),
					requestsPerMinute: perMinute(values.rpm, 'rpm') ?? null,
					tokensPerMinute: perMinute(values.tpm, 'tpm') ?? null,
					priceInputPer1M: number(values['price-in'], 'price-in') ?? null,
					priceOutputPer1M: number(values['price-out'], 'price-out') ?? null,
					isDefault: Boolean(values.default)
				});
				// The key itself never: only whether there is one, masked.
				if (values.json) printJson({ added: { id: created.id, name: created.name, apiStyle: created.apiStyle, model: created.model, baseUrl: created.baseUrl, hasApiKey: created.hasApiKey, apiKeyMasked: created.apiKeyMasked } });
				else console.log(`Added endpoint ${created.id} "${created.name}" (${created.apiStyle}, ${created.model} at ${created.baseUrl}${created.hasApiKey ? `, key ${created.apiKeyMasked}` : ''}).`);
			} catch (err) {
				// Its own code: exists for a name already taken, else the refusal's (invalid), with the field.
				if (err instanceof EndpointError) throw new CliError(`${err.field ? `${FIELD_OPTIONS[err.field] ?? err.field}: ` : ''}${err.message}`, 1, err.field ? { field: err.field } : {}, undefined, err.field === 'name' && / already exists\.$/.test(err.message) ? 'exists' : err.code);
				throw err;
			}
			return;
		}
		case 'test': {
			let config;
			config = ref === 'env' ? endpointFromEnv() : endpointConfig(stored(ref).id);
			if (!config) throw new CliError('No endpoint in the environment: set LLM_BASE_URL (or LLM_PRESET) and LLM_MODEL.');
			const report = await testConnection(config);
			// A failed test is a failure: the error document (code: refused, timeout, auth_rejected, …) with the report beside it, exit 1.
			if (!report.ok) throw new CliError(`${report.outcome.replace(/_/g, ' ')}: ${report.message}`, 1, {}, report, report.outcome);
			if (values.json) printJson(report);
			else console.log(report.message);
			return;
		}
		case 'set-key': {
			// A rejected key (401) is fixed here and the run resumed: runs keep their endpoint, so
			// removing it and adding it again would strand them.
			const current = stored(ref);
			const key = processEnv().LLM_API_KEY?.trim() ?? '';
			if (key === '') throw new CliError('Put the new key in the LLM_API_KEY environment variable (never on the command line).', 2);
			const { id, hasApiKey: _had, apiKeyMasked: _masked, updatedAt: _at, ...settings } = current;
			const updated = updateEndpoint(id, { ...settings, apiKey: key });
			if (values.json) printJson({ updated: { id: updated.id, name: updated.name, hasApiKey: updated.hasApiKey, apiKeyMasked: updated.apiKeyMasked } });
			else console.log(`Endpoint "${updated.name}" now uses the key ${updated.apiKeyMasked}; resume its runs with generate --resume <run> or judge resume <run>.`);
			return;
		}
		case 'default':
			setDefaultEndpoint(stored(ref).id);
			if (values.json) printJson({ default: ref });
			else console.log(`"${ref}" is now the default endpoint.`);
			return;
		case 'remove':
			try {
				deleteEndpoint(stored(ref).id);
			} catch (err) {
				if (err instanceof EndpointError) throw err;
				throw err;
			}
			if (values.json) printJson({ removed: ref });
			else console.log(`Removed endpoint "${ref}".`);
			return;
		default:
			throw new CliError(USAGE, 2);
	}
}
