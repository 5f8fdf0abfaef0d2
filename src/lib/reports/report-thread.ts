/**
 * A worker thread's side of the server's report computations (src/lib/server/reports/threads.ts):
 * each audit's input answered with its report, built by the same pure code as in the main thread.
 * Only ever imported dynamically, so that the built app keeps it in a chunk of its own whose
 * export names a worker can find.
 */
import { buildAuditReport, type AuditReport, type ReportOptions } from './report';
import type { ReportInput } from './types';

/** Where this module lives, so a worker thread can load the same code. */
export const REPORT_THREAD_MODULE_URL = import.meta.url;

export type ReportRequest = { id: number; input: ReportInput; options: ReportOptions };
export type ReportReply = { id: number; report: AuditReport } | { id: number; error: string };

/** A worker thread's message port, as far as serveReports uses it (this module imports nothing of Node). */
export interface ReportPort {
	on(event: 'message', listener: (request: ReportRequest) => void): unknown;
	postMessage(reply: ReportReply): void;
}

/** Answers each request with its report, or with the error that building it threw. */
export function serveReports(port: ReportPort): void {
	port.on('message', ({ id, input, options }) => {
		try {
			port.postMessage({ id, report: buildAuditReport(input, options) });
		} catch (err) {
			port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
		}
	});
}
