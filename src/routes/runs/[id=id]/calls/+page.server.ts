import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { callDetail, listCalls } from '$lib/server/runs/engine/calls';
import { CALL_FAILURE_LABELS } from '$lib/server/runs/engine/failures';
import { ruleLabel } from '$lib/server/runs/generation/progress';
import { CALL_STATUSES, type CallStatus } from '$lib/server/db/tables';
import { runNavSection } from '$lib/components/nav-section';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const id = Number(params.id);
	const run = getRun(id);
	if (!run) error(404, 'No such run.');
	const step = url.searchParams.get('step') || undefined;
	const statusParam = url.searchParams.get('status') || undefined;
	const status = CALL_STATUSES.includes(statusParam as CallStatus) ? (statusParam as CallStatus) : undefined;
	const reason = url.searchParams.get('reason') || undefined;
	const withProblems = url.searchParams.get('problems') === '1';
	const page = Number(url.searchParams.get('page') ?? 1) || 1;
	const callId = Number(url.searchParams.get('call'));
	const selected = Number.isInteger(callId) && callId > 0 ? (callDetail(undefined, run.id, callId) ?? null) : null;
	return {
		run: { id: run.id, name: run.name, pipeline: run.pipeline, datasetId: run.datasetId },
		filters: { step: step ?? '', status: status ?? '', reason: reason ?? '', problems: withProblems },
		calls: listCalls(undefined, run.id, { step, status, reason, withProblems, page }),
		reasonLabels: CALL_FAILURE_LABELS,
		selected,
		/** Why the selected call's reply was rejected as a whole (parsed.problem), in words. */
		selectedRejected: selected && typeof (selected.parsed as { problem?: unknown } | null)?.problem === 'string' ? ruleLabel((selected.parsed as { problem: string }).problem) : null,
		navSection: runNavSection(run.pipeline)
	};
};
