import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { datasetOrError } from '$lib/server/datasets/http';
import { nearDuplicateReport } from '$lib/server/filters/near-duplicates';
import { LINKAGES, isLinkage, type Linkage, type NearDuplicateCluster } from '$lib/rouge/clusters';
import { MIN_NEAR_DUPLICATE_THRESHOLD, parseNearDuplicateThreshold } from '$lib/rouge/threshold';

const PAGE_SIZE = 25;
/** Pairs shown under each group in the list; a group's own page lists them all, paged. */
const PAIRS_IN_LIST = 12;
const PAIRS_PER_PAGE = 50;
const positive = z.coerce.number().int().min(1).catch(1);

export const load: PageServerLoad = async ({ locals, url, params, request }) => {
	requireRole(locals, 'researcher', url);
	const dataset = datasetOrError(params.id);
	const threshold = parseNearDuplicateThreshold(url.searchParams.get('threshold'));
	const rawLinkage = url.searchParams.get('linkage') ?? 'components';
	const linkage: Linkage = isLinkage(rawLinkage) ? rawLinkage : 'components';
	const base = {
		dataset: { id: dataset.id, name: dataset.name },
		threshold: threshold.value,
		thresholdText: url.searchParams.get('threshold') ?? String(threshold.value),
		linkage,
		minThreshold: MIN_NEAR_DUPLICATE_THRESHOLD
	};
	if (threshold.error || rawLinkage !== linkage) {
		return {
			...base,
			error: threshold.error ?? `Unknown grouping "${rawLinkage}": use ${LINKAGES.join(' or ')}.`,
			report: null,
			group: null
		};
	}
	// The grouping stops if the visitor leaves before it is done (and no one else waits for it).
	const report = await nearDuplicateReport(dataset.id, threshold.value, undefined, linkage, request.signal);
	const page = positive.parse(url.searchParams.get('page') ?? '1');
	const summary = {
		instructions: report.instructions,
		groupCount: report.groups.length,
		instructionsInGroups: report.instructionsInGroups,
		durationMs: report.durationMs,
		stoppedAt: report.stoppedAt ?? null
	};

	// One group, its pairs paged: ?group=N (its number in the list).
	const groupParam = url.searchParams.get('group');
	if (groupParam !== null) {
		const number = Number(groupParam);
		const g = Number.isInteger(number) && number >= 1 ? report.groups[number - 1] : undefined;
		if (!g) error(404, { message: `No group ${groupParam} at this threshold (there are ${report.groups.length}).` });
		const pages = Math.max(1, Math.ceil(g.pairs.length / PAIRS_PER_PAGE));
		const current = Math.min(page, pages);
		return {
			...base,
			error: null,
			report: { ...summary, groups: [], page: 1, pages: 1 },
			group: { ...view(g, number, (current - 1) * PAIRS_PER_PAGE, PAIRS_PER_PAGE), page: current, pages }
		};
	}

	const pages = Math.max(1, Math.ceil(report.groups.length / PAGE_SIZE));
	const current = Math.min(page, pages);
	// Only what the page shows goes to the browser: the group's size and its first pairs' texts
	// (whole member lists of large groups ran to hundreds of kilobytes nobody saw).
	const groups = report.groups.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE).map((g, i) => view(g, (current - 1) * PAGE_SIZE + i + 1, 0, PAIRS_IN_LIST));
	return { ...base, error: null, report: { ...summary, groups, page: current, pages }, group: null };
};

/** A group as the page shows it: `count` of its listed pairs from `from`, with their texts. */
function view(g: NearDuplicateCluster<number>, number: number, from: number, count: number) {
	const pairs = g.pairs.slice(from, from + count);
	const shown = new Set(pairs.flatMap((p) => [p.a, p.b]));
	if (g.centre !== undefined) shown.add(g.centre);
	const byId = new Map(g.members.filter((m) => shown.has(m.id)).map((m) => [m.id, m.instruction]));
	return {
		number,
		maxScore: g.maxScore,
		size: g.members.length,
		/** Pairs above the threshold in the group, and how many of them are listed. */
		pairCount: g.pairCount,
		listedPairs: g.pairs.length,
		from,
		centre: g.centre === undefined ? null : { id: g.centre, text: byId.get(g.centre) ?? '' },
		pairs: pairs.map((p) => ({ ...p, aText: byId.get(p.a) ?? '', bText: byId.get(p.b) ?? '' }))
	};
}
