import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { blankIsMissing, parseForm, checkbox } from '$lib/server/forms';
import {
	createEndpoint,
	defaultEndpointId,
	deleteEndpoint,
	endpointConfig,
	envEndpointView,
	listEndpoints,
	setDefaultEndpoint,
	updateEndpoint
} from '$lib/server/runs/endpoints';
import { API_STYLES, ENDPOINT_PRESET_IDS, ENDPOINT_PRESETS, endpointFromEnv, testConnection } from '$lib/server/llm';
import { fieldErrorsOf } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'admin', url);
	return {
		endpoints: listEndpoints(),
		/** The one new runs use: the marked default, or the only endpoint. */
		defaultId: defaultEndpointId() ?? null,
		env: envEndpointView(),
		presets: ENDPOINT_PRESET_IDS.map((id) => ({ ...ENDPOINT_PRESETS[id] }))
	};
};

const optionalNumber = z
	.string()
	.trim()
	.optional()
	.transform((v, ctx) => {
		if (v === undefined || v === '') return null;
		const n = Number(v);
		if (!Number.isFinite(n) || n < 0) {
			ctx.addIssue({ code: 'custom', message: 'Enter a number (or leave it empty).' });
			return z.NEVER;
		}
		return n;
	});

const saveSchema = z.object({
	id: z.string().optional().transform((v) => (v && /^\d+$/.test(v) ? Number(v) : null)),
	name: z.string().trim().min(1, 'Give the endpoint a name.'),
	preset: z.enum(['', ...ENDPOINT_PRESET_IDS]).optional().transform((v) => (v ? v : null)),
	baseUrl: z.string().trim().min(1, 'Enter the base URL, e.g. http://localhost:8000/v1'),
	apiKey: z.string().optional(),
	clearApiKey: checkbox,
	apiStyle: z.enum(API_STYLES, { message: 'Choose completions or chat.' }),
	model: z.string().trim().min(1, 'Enter the model name.'),
	concurrency: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1.').max(1024)),
	requestsPerMinute: optionalNumber,
	tokensPerMinute: optionalNumber,
	priceInputPer1M: optionalNumber,
	priceOutputPer1M: optionalNumber,
	// In seconds, as the form asks; the endpoint keeps milliseconds (at least 100).
	timeoutSeconds: optionalNumber.refine((v) => v === null || v >= 0.1, 'At least 0.1 seconds (or leave it empty for 120).'),
	isDefault: checkbox
});

// What a failed save sends back to refill the form. Never the API key: the admin types it again.
const SAVE_ECHO = [
	'id', 'name', 'preset', 'baseUrl', 'clearApiKey', 'apiStyle', 'model', 'concurrency',
	'requestsPerMinute', 'tokensPerMinute', 'priceInputPer1M', 'priceOutputPer1M', 'timeoutSeconds', 'isDefault'
] as const;

const idSchema = z.object({ id: z.coerce.number().int().positive() });

export const actions: Actions = {
	save: async ({ request, locals }) => {
		const user = requireRole(locals, 'admin');
		const parsed = parseForm(saveSchema, await request.formData(), SAVE_ECHO);
		if (!parsed.ok) return fail(400, { action: 'save', errors: parsed.errors, values: parsed.values });
		const { id, timeoutSeconds, requestsPerMinute, tokensPerMinute, ...rest } = parsed.data;
		const input = {
			...rest,
			requestsPerMinute: requestsPerMinute || null,
			tokensPerMinute: tokensPerMinute || null,
			timeoutMs: timeoutSeconds ? Math.round(timeoutSeconds * 1000) : null
		};
		try {
			const saved = id === null ? createEndpoint(input, user.id) : updateEndpoint(id, input);
			return { action: 'save', message: `${id === null ? 'Added' : 'Saved'} endpoint ${saved.name}.` };
		} catch (err) {
			return fail(400, { action: 'save', errors: fieldErrorsOf(err), values: parsed.values });
		}
	},
	delete: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return fail(400, { action: 'delete', errors: parsed.errors, values: {} as Record<string, string> });
		try {
			deleteEndpoint(parsed.data.id);
		} catch (err) {
			return fail(400, { action: 'delete', errors: fieldErrorsOf(err), values: {} as Record<string, string> });
		}
		return { action: 'delete', message: 'Endpoint removed. Finished runs that used it keep their record.' };
	},
	makeDefault: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return fail(400, { action: 'makeDefault', errors: parsed.errors, values: {} as Record<string, string> });
		setDefaultEndpoint(parsed.data.id);
		return { action: 'makeDefault', message: 'Default endpoint changed.' };
	},
	test: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const form = await request.formData();
		const ref = String(form.get('id') ?? '');
		let config;
		try {
			config = ref === 'env' ? endpointFromEnv() : /^\d+$/.test(ref) ? endpointConfig(Number(ref)) : undefined;
		} catch (err) {
			return fail(400, { action: 'test', test: { id: ref, ok: false, message: err instanceof Error ? err.message : String(err) } });
		}
		if (!config) return fail(400, { action: 'test', test: { id: ref, ok: false, message: 'No such endpoint.' } });
		const report = await testConnection(config);
		return { action: 'test', test: { id: ref, ok: report.ok, message: report.message } };
	}
};
