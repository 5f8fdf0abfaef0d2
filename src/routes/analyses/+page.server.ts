import type { PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { analyze, formatSeedChoice } from '$lib/server/analyses/analyze';
import { analysisChoices } from '$lib/server/analyses/choices';
import { parseAnalysisParams, scopeRef } from '$lib/server/analyses/params';

export const load: PageServerLoad = async ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const choices = analysisChoices();
	if (!url.searchParams.has('dataset') && !url.searchParams.has('run')) return { result: null, choices, seedsParam: 'default', compareRef: null };
	try {
		const { scope, seeds } = parseAnalysisParams(url.searchParams);
		const result = await analyze(scope, { seeds });
		return {
			result,
			choices,
			seedsParam: formatSeedChoice(seeds),
			compareRef: result.scope.kind === 'selection' ? null : scopeRef(result.scope)
		};
	} catch (err) {
		httpError(err);
	}
};
