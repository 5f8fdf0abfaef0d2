import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { ESTIMATORS, type EstimatorKey } from '$lib/reports/types';
import { methodsText } from '$lib/reports/methods';
import { REPORT_PAGE_TIES_LISTED } from '$lib/reports/report';
import {
	LATENT_BACKGROUND_ANSWERS,
	ReportError,
	auditFilterReportOffThread,
	auditMethods,
	datasetFiguresForReport,
	auditReportOffThread,
	hasFilterReport,
	judgeCalibrationOffThread,
	latentProgress,
	listReportableAudits,
	setHeadlineEstimator
} from '$lib/server/reports';
import { createReportJudgeRun, judgeModeForAudit, judgeRunsOfDataset, overlappingJudgeRuns, reportJudgeScope } from '$lib/server/judge';
import type { JudgeMode } from '$lib/server/runs/judge/params';
import { envEndpointView, listEndpoints, suggestedEndpoint, type RunEndpointChoice } from '$lib/server/runs/endpoints';
import { launchRun } from '$lib/server/runs/engine/manager';
import { RunError, RunParamsError } from '$lib/server/runs/errors';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { readJudgeProgress } from '$lib/server/runs/judge/progress';


/**
 * The judge part of a report, in the mode that fits the audit (quality: the three questions;
 * rating: A–D per response; pairwise: each pair in both orders): runs of the dataset in that
 * mode, the chosen one's calibration, what a new run can use.
 */
async function judgeData(auditId: number, datasetId: number, mode: JudgeMode, url: URL) {
	const runs = judgeRunsOfDataset(datasetId)
		.filter((r) => r.mode === mode)
		.map((r) => {
			const run = getRun(r.id);
			const judge = run ? readJudgeProgress(run.progress).judge : null;
			return { ...r, rows: judge?.rows ?? 0, done: judge ? judge.parsed + judge.unparsed : 0, message: run?.message ?? null };
		});
	const asked = Number(url.searchParams.get('judge'));
	const overlapping = overlappingJudgeRuns(auditId);
	const selectedId = runs.some((r) => r.id === asked) ? asked : (overlapping[0]?.id ?? null);
	// In the report thread: it reads every label of the audit and of the judge run.
	const calibration = selectedId !== null && overlapping.some((r) => r.id === selectedId) ? await judgeCalibrationOffThread(auditId, selectedId) : null;
	const env = envEndpointView();
	return {
		mode,
		runs,
		selectedId,
		wholeDataset: reportJudgeScope(auditId),
		calibration,
		endpoints: listEndpoints().map((e) => ({ id: e.id, name: e.name, model: e.model })),
		envEndpoint: env && 'config' in env ? { model: env.config.model } : null,
		suggestedEndpoint: suggestedEndpoint(env !== null && 'config' in env)
	};
}

export const load: PageServerLoad = async ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	try {
		// Large latent-truth fits not computed yet are left to the background: the page answers at once and fills them in.
		// A large audit ties on thousands of items: the page lists the first, the disagreements page all of them.
		const report = await auditReportOffThread(Number(params.auditId), { tiesListed: REPORT_PAGE_TIES_LISTED }, undefined, { backgroundAbove: LATENT_BACKGROUND_ANSWERS });
		const others = listReportableAudits()
			.filter((a) => a.kind === report.audit.kind && a.id !== report.audit.id)
			.map((a) => ({ id: a.id, name: a.name }));
		// Audits stratified by filter verdict also get the filter report and the ROUGE-L sweep.
		const filters = hasFilterReport(report.audit.id) ? await auditFilterReportOffThread(report.audit.id) : null;
		const mode = judgeModeForAudit(report.audit.kind);
		const judge = mode ? await judgeData(report.audit.id, report.audit.datasetId, mode, url) : null;
		const methods = methodsText(auditMethods(report, undefined, judge?.calibration?.mode === 'quality' ? judge.calibration : null));
		return { report, tiesTotal: report.basis.tied, latent: latentProgress({ audit: report.audit.id }), others, judge, filters, datasetStats: datasetFiguresForReport(report.audit), methods };
	} catch (err) {
		httpError(err);
	}
};

export const actions: Actions = {
	/** The headline estimator of this audit's report (and of exports' manifests). */
	estimator: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const value = String((await request.formData()).get('estimator') ?? '');
		if (value !== 'auto' && !(ESTIMATORS as readonly string[]).includes(value)) return fail(400, { estimatorError: 'Choose an estimator.' });
		try {
			setHeadlineEstimator(Number(params.auditId), value === 'auto' ? null : (value as EstimatorKey));
		} catch (err) {
			httpError(err);
		}
		return { estimatorSaved: true };
	},

	/** Starts a judge run over the audit's dataset (or only its items) in this server process. */
	judge: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const auditId = Number(params.auditId);
		const form = await request.formData();
		const endpointRef = String(form.get('endpoint') ?? '');
		let endpoint: RunEndpointChoice;
		if (endpointRef === 'env') endpoint = { kind: 'env' };
		else if (/^\d+$/.test(endpointRef)) endpoint = { kind: 'stored', id: Number(endpointRef) };
		else return fail(400, { judgeError: 'Choose an endpoint for the judge.' });
		const model = String(form.get('model') ?? '').trim() || undefined;
		const scope = form.get('scope') === 'audit' ? 'audit' : 'dataset';
		let runId: number;
		try {
			// The whole dataset is the audit's sampling frame: filter-rejected rows too when the audit included them.
			runId = createReportJudgeRun(auditId, { scope, endpoint, model, batch: form.get('batch') === 'on', createdBy: user.id }).id;
		} catch (err) {
			if (err instanceof RunParamsError || err instanceof ReportError) return fail(400, { judgeError: err.message });
			throw err;
		}
		try {
			launchRun(runId);
		} catch (err) {
			if (!(err instanceof RunError)) throw err;
		}
		redirect(303, `/reports/${auditId}?judge=${runId}#judge-heading`);
	}
};
