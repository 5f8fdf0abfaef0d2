/**
 * A worker thread's side of the server's report computations (src/lib/server/reports/threads.ts):
 * each audit's input answered with its report, built by the same pure code as in the main thread.
 * Only ever imported dynamically, so that the built app keeps it in a chunk of its own whose
 * export names a worker can find.
 */
import { allValidEstimateOfInstances, buildAuditReport, type AllValidEstimate, type AuditReport, type ReportOptions } from './report';
import type { ReportInput } from './types';
import type { LatentMemo } from './latent-memo';
import { ReportMemo, requestFingerprint } from './report-memo';

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

/**
 * Answers each request with its result, or with the error that computing it threw. Replies to
 * requests nobody follows the progress of are kept (./report-memo): the same request again — a
 * page viewed again over unchanged labels — is answered with the kept reply.
 */
export function serveReports(port: ReportPort): void {
	const kept = new ReportMemo<Omit<Extract<ReportReply, { result: unknown }>, 'id'>>();
	port.on('message', (request) => {
		try {
			const memo = request.options.latent;
			const { id: _, progress: __, ...asked } = request;
			const key = request.progress ? null : requestFingerprint(asked);
			const known = key === null ? undefined : kept.get(key);
			if (known) {
				port.postMessage({ id: request.id, ...known });
				return;
			}
			if (memo && request.progress) memo.onReplicate = () => port.postMessage({ id: request.id, interim: true });
			const result =
				request.kind === 'report' ? buildAuditReport(request.input, request.options) : allValidEstimateOfInstances(request.inputs, request.instanceIds, request.options);
			const reply = { result, ...(memo ? { latent: { computed: memo.computed, deferred: memo.deferred } } : {}) };
			if (key !== null) kept.set(key, reply);
			port.postMessage({ id: request.id, ...reply });
		} catch (err) {
			port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
		}
	});
}
