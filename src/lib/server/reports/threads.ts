/**
 * Reports (and exports' estimates) computed in a worker thread. The latent-class rates' bootstrap
 * takes seconds from a few hundred audited items on and minutes at 100,000 labels; in the server's
 * own thread it would hold up every other request (reviewers' submits included) for that long. A
 * thread, started on first use, computes them one after another. Where it cannot start (a dev
 * server's module runner) or stops, they are computed in this thread, as before.
 */
import type { Worker } from 'node:worker_threads';
import {
	agreementSoFar,
	allValidEstimateOfInstances,
	auditLatentFits,
	buildAuditReport,
	disagreementList,
	itemVerdictsOf,
	newLatentMemo,
	type ItemVerdict,
	type AgreementSoFar,
	type DisagreementFilter,
	type DisagreementList,
	type AllValidEstimate,
	type AuditKind,
	type AuditReport,
	type ReportInput,
	type ReportOptions
} from '$lib/reports';
import type { AuditSource, ReportReply, ReportRequest, ServerTaskKind } from '$lib/reports/report-thread';
import { startModuleWorker } from '../workers/module-worker';
import { WorkerRequests } from '../workers/requests';
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';
import { loadReportInput } from './load';
import { judgeCalibration, type AnyJudgeAuditCalibration } from '../judge/calibration';
import { auditFilterReport, type AuditFilterReport } from './filters';
import { shapeSections, type ShapeSections } from './shapes';
import { exportJudgeFigures, judgeFilterPrecision, type ExportJudgeFigures, type JudgeFilterPrecision } from '../exports/judge';
import type { ExportSelection } from '../exports/query';

type ReportThread = { worker: Worker; requests: WorkerRequests<ReportReply> };
/**
 * Two threads: one for the reports pages and downloads wait for, one for latent-truth fits the
 * server computes in the background (./latent), which take minutes and must not hold up the first.
 */
type Slot = 'requests' | 'background';
const threads: Record<Slot, Promise<ReportThread | null> | undefined> = { requests: undefined, background: undefined };
/**
 * Requests a page or download waits on, in the requests thread now. The background thread's fits
 * pause while it is above 0 (report-thread's giveWayTo), so that a page's report has the
 * machine to itself: on two cores, a fit running beside it made a report at 100,000 labels wait
 * about a third longer.
 */
const waitedOn = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

async function reportThread(slot: Slot): Promise<ReportThread | null> {
	threads[slot] ??= (async () => {
		const mod = await import('./report-db-thread');
		// The worker's entry, named here so the bundler keeps it in the module's chunk.
		const entry: keyof typeof mod = 'serveReportsFromDatabase';
		if (typeof mod[entry] !== 'function') return null;
		const worker = await startModuleWorker(mod.REPORT_DB_THREAD_URL, entry);
		if (!worker) return null;
		const requests = new WorkerRequests<ReportReply>([worker], 'The report thread stopped.');
		// A process that is done still ends, whatever a thread is doing: each thread is held only while
		// someone waits on it (offThread). Unref'd after the message listener, whose adding refs it again.
		worker.unref();
		return { worker, requests };
	})();
	const started = await threads[slot];
	if (started?.requests.failed) {
		threads[slot] = undefined; // started again for the next report
		return null;
	}
	return started;
}

/**
 * `request` answered in a report thread; `here()` when there is none or it failed (its own error
 * then). The request's latent memo is left as if the work had been done here: what the thread
 * computed and deferred is copied into it, and its `onReplicate` hears each replicate. A
 * background request whose thread stops midway is not done here: minutes of work in the server's
 * thread are what the background thread exists to avoid (it fails; the next page view queues it).
 */
async function offThread<T>(slot: Slot, request: ReportRequestBody, here: () => T): Promise<T> {
	const started = await reportThread(slot);
	if (started) {
		const memo = request.options.latent;
		// The memo crosses without its listener (a function cannot be sent); the thread announces replicates instead.
		const options = memo ? { ...request.options, latent: newLatentMemo(memo.known, memo.deferAbove) } : request.options;
		// Held while a request waits on it; the background thread never holds the process.
		if (slot === 'requests') {
			started.worker.ref();
			Atomics.add(waitedOn, 0, 1);
		}
		try {
			const reply = await started.requests.send(
				started.worker,
				(id) => ({ id, ...request, options, progress: memo?.onReplicate !== undefined, ...(slot === 'background' ? { yieldTo: waitedOn } : {}) }),
				undefined,
				() => memo?.onReplicate?.()
			);
			if ('result' in reply) {
				if (memo && reply.latent) {
					Object.assign(memo.computed, reply.latent.computed);
					for (const f of reply.latent.deferred) if (!memo.deferred.includes(f)) memo.deferred.push(f);
				}
				return reply.result as T;
			}
			if (slot === 'background' && 'error' in reply) throw new Error(reply.error);
		} catch (err) {
			if (slot === 'background') throw err;
			// The thread stopped while computing: computed here instead.
		} finally {
			if (slot === 'requests') {
				Atomics.sub(waitedOn, 0, 1);
				Atomics.notify(waitedOn, 0);
				if (started.requests.waiting === 0) started.worker.unref();
			}
		}
	}
	return here();
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A request as its sender writes it (the id, progress and yielding are added on sending). */
type ReportRequestBody = DistributiveOmit<ReportRequest, 'id' | 'progress' | 'yieldTo'>;

/**
 * An audit as a request names it: a database file's audit is read by the report thread itself
 * (the server's thread neither reads nor copies its labels); one held in memory is read here and
 * sent. `input()` reads it here, for a request computed in this thread after all.
 */
function auditOf(auditId: number, database: Db): { audit: AuditSource; input: () => ReportInput } {
	const c = database.$client;
	if (c.memory) {
		const input = loadReportInput(auditId, database);
		return { audit: { input }, input: () => input };
	}
	return { audit: { auditId, source: c.name }, input: () => loadReportInput(auditId, database) };
}

/** An audit's report, in the report thread. */
export function buildAuditReportOffThread(auditId: number, database: Db, options: ReportOptions = {}, slot: Slot = 'requests'): Promise<AuditReport> {
	const { audit, input } = auditOf(auditId, database);
	return offThread(slot, { kind: 'report', audit, options }, () => buildAuditReport(input(), options));
}

/** The latent-truth fits of an audit's report alone (auditLatentFits), into `options.latent`: a page's pending fits, in the background thread. */
export function auditLatentFitsOffThread(auditId: number, database: Db, options: ReportOptions, slot: Slot = 'background'): Promise<void> {
	const { audit, input } = auditOf(auditId, database);
	return offThread(slot, { kind: 'latent', audit, options }, () => auditLatentFits(input(), options));
}

/**
 * An audit page's agreement so far, in the report thread like a report: at 100,000 labels, reading
 * and grouping them takes most of a second the server's thread (reviewers' submits) would wait.
 */
export function agreementSoFarOffThread(auditId: number, database: Db): Promise<AgreementSoFar> {
	const { audit, input } = auditOf(auditId, database);
	return offThread('requests', { kind: 'soFar', audit, options: {} }, () => agreementSoFar(input()));
}

/** An audit's items with their final labels (the items download), in the report thread like a report: 0.6 s at 100,000 labels. */
export function itemVerdictsOffThread(auditId: number, database: Db = db()): Promise<ItemVerdict[]> {
	const { audit, input } = auditOf(auditId, database);
	return offThread('requests', { kind: 'verdicts', audit, options: {} }, () => itemVerdictsOf(input()));
}

/** A page of an audit's disagreements (without their texts), in the report thread like a report. */
export function disagreementListOffThread(auditId: number, filter: DisagreementFilter, paging: { size: number; page: number }, database: Db): Promise<DisagreementList> {
	const { audit, input } = auditOf(auditId, database);
	return offThread('requests', { kind: 'disagreements', audit, filter, paging, options: {} }, () => disagreementList(input(), filter, paging));
}

/**
 * One of the report thread's database tasks (report-thread's ServerTasks) on the app's database
 * file, computed there; a database in memory is computed here.
 */
export function serverTask<T>(database: Db, request: (source: string) => Extract<ReportRequestBody, { kind: ServerTaskKind }>, here: () => T): Promise<T> {
	const c = database.$client;
	if (c.memory) return Promise.resolve().then(here);
	return offThread('requests', request(c.name), here);
}

/**
 * A judge run's calibration against an audit (the report page's judge section), in the report
 * thread: it reads the audit's labels and the judge's, 1.7 s at 100,000 labels that the server's
 * thread would otherwise spend.
 */
export function judgeCalibrationOffThread(auditId: number, runId: number, database: Db = db(), options: { confidence?: number } = {}): Promise<AnyJudgeAuditCalibration> {
	return serverTask(database, (source) => ({ kind: 'judge', auditId, runId, source, options }), () => judgeCalibration(auditId, runId, options, database));
}

/** A conversation or pairwise audit's own report sections, in the report thread: it reads every turn judgement or preference (0.6 s of the server's thread at 100,000). */
export function shapeSectionsOffThread(auditId: number, kind: AuditKind, confidence: number, database: Db = db()): Promise<ShapeSections> {
	return serverTask(database, (source) => ({ kind: 'shapes', auditId, auditKind: kind, source, options: { confidence } }), () => shapeSections(auditId, kind, confidence, database));
}

/** A verdict-stratified audit's filter report (the report page's), in the report thread: it reads the audit's labels and every filtered row of the dataset. */
export function auditFilterReportOffThread(auditId: number, database: Db = db(), options: { confidence?: number } = {}): Promise<AuditFilterReport> {
	return serverTask(database, (source) => ({ kind: 'filters', auditId, source, options }), () => auditFilterReport(auditId, options, database));
}

/**
 * The measured precision of an export's judge-valid filter (the export page's count), in the
 * report thread: it computes the judge's calibration against the audit (1.5 s at 50,000 rows).
 */
export function judgeFilterPrecisionOffThread(selection: ExportSelection, database: Db = db()): Promise<JudgeFilterPrecision | null> {
	return serverTask(database, (source) => ({ kind: 'judgePrecision', selection, source, options: {} }), () => judgeFilterPrecision(database.$client, selection));
}

/**
 * A download's judge figures (its estimate and judge-valid precision) over the app's database,
 * in the report thread: the judge's calibration against the audit reads every label of both
 * (0.8 s at 50,000 rows).
 */
export function exportJudgeOffThread(selection: ExportSelection, database: Db = db()): Promise<ExportJudgeFigures> {
	return serverTask(database, (source) => ({ kind: 'exportJudge', selection, source, options: {} }), () => exportJudgeFigures(database.$client, selection));
}

/**
 * allValidEstimateOfInstances (an export's estimate) over `auditIds`, in the report thread (the
 * background one for a fit nobody waits on, ./latent). The audits are read through `reader`: a
 * database file's own connection is left to the thread, which reads them itself; anything else —
 * an export's read snapshot, whose rows the estimate must match, or a database in memory — is read
 * here and sent.
 */
export function allValidEstimateOffThread(
	reader: Database.Database,
	database: Db,
	auditIds: number[],
	instanceIds: number[],
	options: ReportOptions = {},
	slot: Slot = 'requests'
): Promise<AllValidEstimate> {
	// The loader reads through $client only.
	const inputsHere = () => auditIds.map((id) => loadReportInput(id, { $client: reader } as unknown as Db));
	if (reader === database.$client && !reader.memory) {
		return offThread(slot, { kind: 'allValid', audits: { auditIds, source: reader.name }, instanceIds, options }, () => allValidEstimateOfInstances(inputsHere(), instanceIds, options));
	}
	const inputs = inputsHere();
	return offThread(slot, { kind: 'allValid', audits: { inputs }, instanceIds, options }, () => allValidEstimateOfInstances(inputs, instanceIds, options));
}

/** Stops the report threads (a bench or command that is done): requests still waiting fail, background ones included. */
export async function stopReportThreads(): Promise<void> {
	for (const slot of Object.keys(threads) as Slot[]) {
		const started = await threads[slot];
		threads[slot] = undefined;
		await started?.worker.terminate();
	}
}
