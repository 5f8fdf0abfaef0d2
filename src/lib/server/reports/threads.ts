/**
 * Reports (and exports' estimates) computed in a worker thread. The latent-class rates' bootstrap
 * takes seconds from a few hundred audited items on and minutes at 100,000 labels; in the server's
 * own thread it would hold up every other request (reviewers' submits included) for that long. One
 * thread, started on first use, computes them one after another. Where it cannot start (a dev
 * server's module runner) or stops, they are computed in this thread, as before.
 */
import type { Worker } from 'node:worker_threads';
import { allValidEstimateOfInstances, buildAuditReport, type AllValidEstimate, type AuditReport, type ReportInput, type ReportOptions } from '$lib/reports';
import type { ReportReply, ReportRequest } from '$lib/reports/report-thread';
import { startModuleWorker } from '../workers/module-worker';
import { WorkerRequests } from '../workers/requests';

type ReportThread = { worker: Worker; requests: WorkerRequests<ReportReply> };
let thread: Promise<ReportThread | null> | undefined;

async function reportThread(): Promise<ReportThread | null> {
	thread ??= (async () => {
		const mod = await import('$lib/reports/report-thread');
		// The worker's entry, named here so the bundler keeps it in the module's chunk.
		if (typeof mod.serveReports !== 'function') return null;
		const worker = await startModuleWorker(mod.REPORT_THREAD_MODULE_URL, 'serveReports');
		if (!worker) return null;
		worker.unref(); // a command that asked for a report still ends when it is done
		return { worker, requests: new WorkerRequests<ReportReply>([worker], 'The report thread stopped.') };
	})();
	const started = await thread;
	if (started?.requests.failed) {
		thread = undefined; // started again for the next report
		return null;
	}
	return started;
}

/** `request` answered in the report thread; `here()` when there is none or it failed (its own error then). */
async function offThread<T>(request: DistributiveOmit<ReportRequest, 'id'>, here: () => T): Promise<T> {
	const started = await reportThread();
	if (started) {
		try {
			const reply = await started.requests.send(started.worker, (id) => ({ id, ...request }));
			if ('result' in reply) return reply.result as T;
		} catch {
			// The thread stopped while computing: computed here instead.
		}
	}
	return here();
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** buildAuditReport, in the report thread. */
export function buildReportOffThread(input: ReportInput, options: ReportOptions = {}): Promise<AuditReport> {
	return offThread({ kind: 'report', input, options }, () => buildAuditReport(input, options));
}

/** allValidEstimateOfInstances (an export's estimate), in the report thread. */
export function allValidEstimateOffThread(inputs: ReportInput[], instanceIds: number[], options: ReportOptions = {}): Promise<AllValidEstimate> {
	return offThread({ kind: 'allValid', inputs, instanceIds, options }, () => allValidEstimateOfInstances(inputs, instanceIds, options));
}
