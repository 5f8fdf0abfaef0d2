/**
 * A worker thread's side of the server's report computations (src/lib/server/reports/threads.ts):
 * each audit's input answered with its report, built by the same pure code as in the main thread.
 * Only ever imported dynamically, so that the built app keeps it in a chunk of its own whose
 * export names a worker can find.
 */
import { allValidEstimateOfInstances, buildAuditReport, type AllValidEstimate, type AuditReport, type ReportOptions } from './report';
import type { ReportInput } from './types';
import type { LatentMemo } from './latent-memo';

/** Where this module lives, so a worker thread can load the same code. */
export const REPORT_THREAD_MODULE_URL = import.meta.url;

/**
 * An audit's report, or an export population's "all fields valid" estimate. With `progress`,
 * each latent-truth bootstrap replicate is announced by an interim reply before the result.
 */
export type ReportRequest =
	| { id: number; kind: 'report'; input: ReportInput; options: ReportOptions; progress?: boolean }
	| { id: number; kind: 'allValid'; inputs: ReportInput[]; instanceIds: number[]; options: ReportOptions; progress?: boolean };
/** The result with what its latent memo was left with, or the error; interim: one more replicate done. */
export type ReportReply =
	| { id: number; result: AuditReport | AllValidEstimate; latent?: Pick<LatentMemo, 'computed' | 'deferred'> }
	| { id: number; error: string }
	| { id: number; interim: true };

/** A worker thread's message port, as far as serveReports uses it (this module imports nothing of Node). */
export interface ReportPort {
	on(event: 'message', listener: (request: ReportRequest) => void): unknown;
	postMessage(reply: ReportReply): void;
}

/** Answers each request with its result, or with the error that computing it threw. */
export function serveReports(port: ReportPort): void {
	port.on('message', (request) => {
		try {
			const memo = request.options.latent;
			if (memo && request.progress) memo.onReplicate = () => port.postMessage({ id: request.id, interim: true });
			const result =
				request.kind === 'report' ? buildAuditReport(request.input, request.options) : allValidEstimateOfInstances(request.inputs, request.instanceIds, request.options);
			port.postMessage({ id: request.id, result, ...(memo ? { latent: { computed: memo.computed, deferred: memo.deferred } } : {}) });
		} catch (err) {
			port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
		}
	});
}
