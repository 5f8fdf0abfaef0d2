import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { getDataset } from '$lib/server/datasets/datasets';
import { nearDuplicateReport } from '$lib/server/filters/near-duplicates';

const PAGE_SIZE = 25;
const querySchema = z.object({
	threshold: z.coerce.number().min(0.3).max(1).catch(0.7),
	page: z.coerce.number().int().min(1).catch(1)
});

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const dataset = getDataset(Number(params.id)) ?? error(404, { message: 'No such dataset.' });
	const { threshold, page } = querySchema.parse(Object.fromEntries(url.searchParams));
	const report = nearDuplicateReport(dataset.id, threshold);
	const pages = Math.max(1, Math.ceil(report.groups.length / PAGE_SIZE));
	const current = Math.min(page, pages);
	// Only what the page shows goes to the browser: the group's size and its first pairs' texts
	// (whole member lists of large groups ran to hundreds of kilobytes nobody saw).
	const groups = report.groups.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE).map((g, i) => {
		const pairs = g.pairs.slice(0, 12);
		const shown = new Set(pairs.flatMap((p) => [p.a, p.b]));
		const byId = new Map(g.members.filter((m) => shown.has(m.id)).map((m) => [m.id, m.instruction]));
		return {
			number: (current - 1) * PAGE_SIZE + i + 1,
			maxScore: g.maxScore,
			size: g.members.length,
			pairs: pairs.map((p) => ({ ...p, aText: byId.get(p.a) ?? '', bText: byId.get(p.b) ?? '' }))
		};
	});
	return {
		dataset: { id: dataset.id, name: dataset.name },
		threshold,
		instructions: report.instructions,
		groupCount: report.groups.length,
		instructionsInGroups: report.instructionsInGroups,
		durationMs: report.durationMs,
		groups,
		page: current,
		pages
	};
};
