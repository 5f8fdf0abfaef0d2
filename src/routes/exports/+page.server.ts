import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';
import { exportFacets } from '$lib/server/exports/facets';
import { FILTER_HELP } from '$lib/server/exports/filters';
import { EXPORT_FORMATS, PROMPT_TEMPLATES } from '$lib/formats/serialize';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const datasets = listDatasets().map((d) => ({ id: d.id, name: d.name, instances: d.instances }));
	const wanted = Number(url.searchParams.get('dataset'));
	const selected = datasets.find((d) => d.id === wanted) ?? datasets[0] ?? null;
	return {
		datasets,
		selected: selected?.id ?? null,
		facets: selected ? exportFacets(selected.id) : { runs: [], models: [], audits: [], judgeRuns: [] },
		formats: EXPORT_FORMATS.map((f) => ({ id: f.id, label: f.label, description: f.description })),
		templates: PROMPT_TEMPLATES.map((t) => ({ id: t.id, label: t.label, description: t.description })),
		filterHelp: FILTER_HELP
	};
};
