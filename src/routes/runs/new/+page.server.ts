import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';
import { envEndpointView, listEndpoints, suggestedEndpoint } from '$lib/server/runs/endpoints';
import { createRun } from '$lib/server/runs/generation/create';
import { DECODING_FIELDS, decodingFieldErrors, runFormDefaults, runRequestFromForm } from '$lib/server/runs/generation/form';
import { RunError } from '$lib/server/runs/errors';
import { launchRun } from '$lib/server/runs/engine/manager';
import { DEFAULT_FAILED_CALL_SHARE, FAILURE_GUARD_RULE } from '$lib/server/runs/engine/failures';
import { echoValues } from '$lib/server/forms';
import { fieldErrorsOf } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const env = envEndpointView();
	return {
		endpoints: listEndpoints().map((e) => ({ id: e.id, name: e.name, model: e.model, apiStyle: e.apiStyle, baseUrl: e.baseUrl, concurrency: e.concurrency })),
		envEndpoint: env && 'config' in env ? { model: env.config.model, apiStyle: env.config.apiStyle, baseUrl: env.config.baseUrl } : null,
		/** Preselected: the default, else the latest run's, else the first (so Start never meets a blank choice). */
		suggestedEndpoint: suggestedEndpoint(env !== null && 'config' in env),
		failedCallShare: DEFAULT_FAILED_CALL_SHARE,
		failureGuardRule: FAILURE_GUARD_RULE,
		datasets: listDatasets().map((d) => ({ id: d.id, name: d.name, tasks: d.tasks })),
		defaults: runFormDefaults(),
		pipeline: (['unnatural', 'alpaca'] as const).find((p) => p === url.searchParams.get('pipeline')) ?? 'self-instruct'
	};
};

// The fields a failed submit refills (an allow-list: nothing else is sent back).
const RUN_FORM_FIELDS = [
	'pipeline', 'target', 'endpoint', 'model', 'name', 'datasetName', 'randomSeed', 'seedSource', 'seedDataset',
	'shotsHuman', 'shotsMachine', 'filterPreset', 'rougeThreshold', 'maxInstructionCalls', 'seedSets',
	'filterMissingFields', 'filterCopies', 'filterDuplicates', 'rephrasings', 'maxCoreCalls', 'failedCallPercent',
	'alpacaSeedShots', 'maxGenerationCalls', 'classificationOnly', 'allowSeedsWithoutOutputs',
	...runFormDefaults().steps.flatMap((s) => [
		`template:${s.id}`,
		`decoding:${s.id}:stop`,
		...DECODING_FIELDS.map((f) => `decoding:${s.id}:${f.name}`)
	])
];

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const user = requireRole(locals, 'researcher');
		const form = await request.formData();
		const values = echoValues(form, RUN_FORM_FIELDS);
		// Every decoding field's problem at once, each shown at its field.
		const decodingErrors = decodingFieldErrors(form);
		if (Object.keys(decodingErrors).length) return fail(400, { errors: decodingErrors, values });
		let runId: number;
		try {
			const env = envEndpointView();
			const endpointsExist = listEndpoints().length > 0 || (env !== null && 'config' in env);
			const run = await createRun(await runRequestFromForm(form, user.id, { endpointsExist }));
			runId = run.id;
		} catch (err) {
			return fail(400, { errors: fieldErrorsOf(err), values });
		}
		try {
			launchRun(runId);
		} catch (err) {
			// The run exists and shows why it did not start; the page offers to resume it.
			if (!(err instanceof RunError)) throw err;
		}
		redirect(303, `/runs/${runId}`);
	}
};
