import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';
import { defaultEndpointId, envEndpointView, listEndpoints } from '$lib/server/endpoints/store';
import { createRun } from '$lib/server/pipelines/create';
import { DECODING_FIELDS, runFormDefaults, runRequestFromForm } from '$lib/server/pipelines/form';
import { RunParamsError } from '$lib/server/pipelines/params';
import { launchRun } from '$lib/server/jobs/manager';
import { echoValues } from '$lib/server/forms';
import { RunError } from '$lib/server/jobs/runs';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const env = envEndpointView();
	return {
		endpoints: listEndpoints().map((e) => ({ id: e.id, name: e.name, model: e.model, apiStyle: e.apiStyle, baseUrl: e.baseUrl, concurrency: e.concurrency })),
		envEndpoint: env && 'config' in env ? { model: env.config.model, apiStyle: env.config.apiStyle, baseUrl: env.config.baseUrl } : null,
		defaultEndpoint: defaultEndpointId() ?? null,
		datasets: listDatasets().map((d) => ({ id: d.id, name: d.name, tasks: d.tasks })),
		defaults: runFormDefaults(),
		pipeline: url.searchParams.get('pipeline') === 'unnatural' ? 'unnatural' : 'self-instruct'
	};
};

// The fields a failed submit refills (an allow-list: nothing else is sent back).
const RUN_FORM_FIELDS = [
	'pipeline', 'target', 'endpoint', 'model', 'name', 'datasetName', 'randomSeed', 'seedSource', 'seedDataset',
	'shotsHuman', 'shotsMachine', 'filterPreset', 'rougeThreshold', 'maxInstructionCalls', 'seedSets',
	'filterMissingFields', 'filterCopies', 'filterDuplicates', 'rephrasings', 'maxCoreCalls',
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
		let runId: number;
		try {
			const run = await createRun(await runRequestFromForm(form, user.id));
			runId = run.id;
		} catch (err) {
			if (err instanceof RunParamsError) return fail(400, { errors: { [err.field ?? 'form']: err.message } as Record<string, string>, values });
			throw err;
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
