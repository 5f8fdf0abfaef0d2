import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';
import { config } from '$lib/server/config';
import { BundleError, importAuditBundle } from '$lib/server/bundles';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	// A form post is held to MAX_BODY_MB like any other (only the dataset import streams): the page says so, and names the CLI for larger bundles.
	return { datasets: listDatasets().map((d) => ({ id: d.id, name: d.name })), maxBytes: config().maxBodyBytes };
};

/** The words for a bundle over the web form's limit; the page says the same before upload. */
function tooLarge(name: string, maxBytes: number): string {
	return `${name} is larger than the ${Math.floor(maxBytes / 1024 / 1024)} MB a form may send (MAX_BODY_MB): import it with npx instruct-audit audit import <bundle.jsonl> --dataset <name|id>.`;
}

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const user = requireRole(locals, 'researcher');
		const form = await request.formData();
		const file = form.get('bundle');
		const datasetId = Number(form.get('dataset'));
		if (!(file instanceof File) || file.size === 0) return fail(400, { error: 'Choose a bundle file (.jsonl).', problems: [] as string[] });
		if (file.size > config().maxBodyBytes) return fail(413, { error: tooLarge(file.name, config().maxBodyBytes), problems: [] as string[] });
		if (!Number.isInteger(datasetId) || datasetId <= 0) return fail(400, { error: 'Choose the dataset the audit is about.', problems: [] as string[] });
		try {
			const stream = file.stream() as unknown as AsyncIterable<Uint8Array>;
			const result = await importAuditBundle(stream, { fileName: file.name, datasetId, createdBy: user.id });
			return { result };
		} catch (err) {
			if (err instanceof BundleError) return fail(err.status, { error: err.message.split('\n')[0], problems: err.problems, datasetId });
			throw err;
		}
	}
};
