import type { PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { analyze, AnalysisError, formatSeedChoice, parseSeedChoice } from '$lib/server/analyses/analyze';
import { analysisChoices } from '$lib/server/analyses/choices';
import { MAX_SIDE_BY_SIDE, parseScopeRef, scopeRef } from '$lib/server/analyses/params';

export const load: PageServerLoad = async ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const choices = analysisChoices();
	const refs = url.searchParams.getAll('s').filter((s) => s.trim() !== '');
	try {
		if (refs.length > MAX_SIDE_BY_SIDE) throw new AnalysisError(`Side by side shows at most ${MAX_SIDE_BY_SIDE} datasets or runs.`);
		const seeds = parseSeedChoice(url.searchParams.get('seeds'));
		const results = [];
		// One after the other: each yields to the event loop while it reads, and most come from the cache.
		for (const ref of refs) results.push(await analyze(parseScopeRef(ref), { seeds }));
		return { results, refs: results.map((r) => scopeRef(r.scope)), choices, seedsParam: formatSeedChoice(seeds) };
	} catch (err) {
		httpError(err);
	}
};
