import { fail, redirect } from '@sveltejs/kit';
import { randomInt } from 'node:crypto';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { parseForm } from '$lib/server/forms';
import { listDatasets } from '$lib/server/datasets/datasets';
import { listUsers } from '$lib/server/auth/users';
import { auditFormSchema, auditFormToInput, createAuditInBatches, suggestionRunOptions, DEFAULT_LEASE_MINUTES } from '$lib/server/audits';
import { DEFAULT_SAMPLE_SIZE } from '$lib/audits/sampling';
import { fieldErrorsOf } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const preselected = Number(url.searchParams.get('dataset')) || null;
	return {
		datasets: listDatasets().map((d) => ({ id: d.id, name: d.name, tasks: d.tasks, instances: d.instances, responses: d.responses })),
		users: listUsers()
			.filter((u) => !u.disabledAt)
			.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role })),
		suggestionRuns: suggestionRunOptions(),
		defaults: { sampleSize: DEFAULT_SAMPLE_SIZE, seed: randomInt(1, 1_000_000), leaseMinutes: DEFAULT_LEASE_MINUTES, datasetId: preselected }
	};
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const user = requireRole(locals, 'researcher');
		const parsed = parseForm(auditFormSchema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		let audit: { id: number; sampleSize: number };
		let input: ReturnType<typeof auditFormToInput>;
		// Inside the try: a malformed gold line or a half-chosen model pair is an error beside its
		// field, with everything typed kept, not a crash that loses the form.
		try {
			input = auditFormToInput(parsed.data, user.id);
			audit = await createAuditInBatches(input);
		} catch (err) {
			return fail(400, { errors: fieldErrorsOf(err), values: {} as Record<string, string> });
		}
		// Asked for more than the dataset holds: the audit page says it drew them all.
		const asked = !input.strataSizes && input.sampleSize !== undefined && input.sampleSize > audit.sampleSize ? `?asked=${input.sampleSize}` : '';
		redirect(303, `/audits/${audit.id}${asked}`);
	}
};
