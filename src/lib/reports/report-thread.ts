/**
 * A worker thread's side of the server's report computations (src/lib/server/reports/threads.ts):
 * each audit's input answered with its report, built by the same pure code as in the main thread.
 * The server's threads run it from ../server/reports/report-db-thread, which gives it a loader.
 */
import { agreementSoFar, allValidEstimateOfInstances, auditLatentFits, buildAuditReport, itemVerdictsOf, type ReportOptions } from './report';
import type { AuditKind, ReportInput } from './types';
import { VerdictMemo } from './verdicts';
import { disagreementList, type DisagreementFilter } from './disagreements';
import type { LatentMemo } from './latent-memo';
import { ReportMemo, reportInputFingerprint, requestFingerprint } from './report-memo';

/** Where a request's audit comes from: sent with it, or read by the thread from a database file (`source`). */
export type AuditSource = { input: ReportInput } | { auditId: number; source: string };

/**
 * An audit's report, the report's latent-truth fits alone (a page's pending fits, computed in
 * the background), an audit page's agreement so far, its items' final labels (the items
 * download), a page of its disagreements, or an export
 * population's "all fields valid" estimate (over several audits). With `progress`, each
 * latent-truth bootstrap replicate is announced by an interim reply before the result. With
 * `yieldTo` (a background computation), the latent-truth fits pause at each EM step while its
 * count is above 0: the requests a page waits on, being answered in the other thread.
 */
export type ReportRequest = (
	| { id: number; kind: 'report'; audit: AuditSource; options: ReportOptions }
	| { id: number; kind: 'soFar'; audit: AuditSource; options: ReportOptions }
	| { id: number; kind: 'verdicts'; audit: AuditSource; options: ReportOptions }
	| { id: number; kind: 'latent'; audit: AuditSource; options: ReportOptions }
	| { id: number; kind: 'disagreements'; audit: AuditSource; filter: DisagreementFilter; paging: Paging; options: ReportOptions }
	| { id: number; kind: 'allValid'; audits: { inputs: ReportInput[] } | { auditIds: number[]; source: string }; instanceIds: number[]; options: ReportOptions }
	| { id: number; kind: 'judge'; auditId: number; runId: number; source: string; options: ReportOptions }
	| { id: number; kind: 'filters'; auditId: number; source: string; options: ReportOptions }
	| { id: number; kind: 'judgePrecision'; selection: unknown; source: string; options: ReportOptions }
	| { id: number; kind: 'exportQuality'; selection: unknown; computed: unknown; source: string; options: ReportOptions }
	| { id: number; kind: 'exportJudge'; selection: unknown; source: string; options: ReportOptions }
	| { id: number; kind: 'shapes'; auditId: number; auditKind: AuditKind; source: string; options: ReportOptions }
) & { progress?: boolean; yieldTo?: Int32Array };
/** The requests a thread answers with one of its ServerTasks. */
export type ServerTaskKind = 'judge' | 'filters' | 'judgePrecision' | 'exportQuality' | 'exportJudge' | 'shapes';
/**
 * Computations that read `source` (a database file) themselves, in the thread: a judge run's
 * calibration against an audit, a verdict-stratified audit's filter report, the measured
 * precision of an export's judge-valid filter, the export page's quality estimate around its
 * "all fields valid" figure (`computed`), a download's judge estimate and precision, and a
 * conversation or pairwise audit's own report sections. They are server code, which the server's
 * threads give; this module stays pure.
 */
export interface ServerTasks {
	judge(auditId: number, runId: number, source: string, options: { confidence?: number }): unknown;
	filters(auditId: number, source: string, options: { confidence?: number }): unknown;
	judgePrecision(selection: unknown, source: string): unknown;
	exportQuality(selection: unknown, computed: unknown, source: string): unknown;
	exportJudge(selection: unknown, source: string): unknown;
	shapes(auditId: number, kind: AuditKind, source: string, options: { confidence?: number }): unknown;
}
/**
 * Reads an audit's input from `source` (a database file) in the thread: the server's threads are
 * given one (./server/reports/report-db-thread), so that a large audit's labels are neither read in
 * the server's thread nor copied between threads.
 */
export type ReportLoader = (auditId: number, source: string) => ReportInput;
/** The result with what its latent memo was left with, or the error; interim: one more replicate done. */
export type ReportReply =
	// A report, an estimate, agreement so far, a disagreements page, or a server task's result (ServerTasks).
	| { id: number; result: unknown; latent?: Pick<LatentMemo, 'computed' | 'deferred'> }
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
export function serveReports(port: ReportPort, load?: ReportLoader, tasks?: ServerTasks): void {
	const kept = new ReportMemo<Omit<Extract<ReportReply, { result: unknown }>, 'id'>>();
	// For the audits the loader reads: their unchanged items keep their objects from read to read.
	const verdicts = new VerdictMemo();
	port.on('message', (request) => {
		try {
			if (isServerTask(request)) {
				// Not kept here: their key would be every row they read; the tasks keep what they can.
				if (!tasks) throw new Error('This report thread cannot read the database.');
				port.postMessage({ id: request.id, result: serverTaskResult(tasks, request) });
				return;
			}
			const memo = request.options.latent;
			const asked = askedOf(request, load);
			// Keyed by what the report reads (the input, loaded or sent), never by an audit's id.
			const key = request.progress ? null : requestFingerprint(keyOf(asked));
			const known = key === null ? undefined : kept.get(key);
			if (known) {
				port.postMessage({ id: request.id, ...known });
				return;
			}
			if (memo && request.progress) memo.onReplicate = () => port.postMessage({ id: request.id, interim: true });
			const waiting = request.yieldTo;
			if (memo && waiting) memo.onStep = giveWayTo(waiting);
			const result = resultOf(asked, 'audit' in request && !('input' in request.audit) ? verdicts : undefined);
			const reply = { result, ...(memo ? { latent: { computed: memo.computed, deferred: memo.deferred } } : {}) };
			if (key !== null) kept.set(key, reply);
			port.postMessage({ id: request.id, ...reply });
		} catch (err) {
			port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
		}
	});
}

function isServerTask(request: ReportRequest): request is Extract<ReportRequest, { kind: ServerTaskKind }> {
	return (['judge', 'filters', 'judgePrecision', 'exportQuality', 'exportJudge', 'shapes'] as const).some((kind) => kind === request.kind);
}

function serverTaskResult(tasks: ServerTasks, request: Extract<ReportRequest, { kind: ServerTaskKind }>): unknown {
	switch (request.kind) {
		case 'judge':
			return tasks.judge(request.auditId, request.runId, request.source, { confidence: request.options.confidence });
		case 'filters':
			return tasks.filters(request.auditId, request.source, { confidence: request.options.confidence });
		case 'judgePrecision':
			return tasks.judgePrecision(request.selection, request.source);
		case 'exportQuality':
			return tasks.exportQuality(request.selection, request.computed, request.source);
		case 'exportJudge':
			return tasks.exportJudge(request.selection, request.source);
		case 'shapes':
			return tasks.shapes(request.auditId, request.auditKind, request.source, { confidence: request.options.confidence });
	}
}

/** Longest one pause lasts: a page's request that never ends must not stop the background for good. */
const LONGEST_PAUSE_MS = 5_000;

/**
 * Waits while `waiting[0]` > 0, at most `longestMs`; true when nothing is waited on any more,
 * false when it gave up. The two report threads share the machine's cores (two, on the machines
 * this is measured on): a background fit running on while a page's report is built makes the
 * page wait longer, for work nobody waits on.
 */
export function pauseWhileWaiting(waiting: Int32Array, longestMs = LONGEST_PAUSE_MS): boolean {
	const until = Date.now() + longestMs;
	for (let n = Atomics.load(waiting, 0); n > 0; n = Atomics.load(waiting, 0)) {
		const left = until - Date.now();
		if (left <= 0) return false;
		Atomics.wait(waiting, 0, n, left);
	}
	return true;
}

/**
 * A background computation's step hook: it pauses while pages wait, and after a pause that ran
 * to its limit it runs for a fifth as long before pausing again, so that pages asking without end
 * slow the background down but never stop it.
 */
export function giveWayTo(waiting: Int32Array, longestMs = LONGEST_PAUSE_MS): () => void {
	let runUntil = 0;
	return () => {
		if (Atomics.load(waiting, 0) === 0 || Date.now() < runUntil) return;
		if (!pauseWhileWaiting(waiting, longestMs)) runUntil = Date.now() + longestMs / 5;
	};
}

/**
 * Fingerprints of inputs fingerprinted before: the loader keeps an unchanged audit's input
 * (report-db-thread's keptInputs), and inputs are never changed.
 */
const inputFingerprints = new WeakMap<ReportInput, string>();
function inputFingerprint(input: ReportInput): string {
	let key = inputFingerprints.get(input);
	if (key === undefined) inputFingerprints.set(input, (key = reportInputFingerprint(input)));
	return key;
}

/** What a request's kept reply is keyed by: the request as computed, each input by its fingerprint. */
function keyOf(asked: Asked): unknown {
	return asked.kind === 'allValid' ? { ...asked, inputs: asked.inputs.map(inputFingerprint) } : { ...asked, input: inputFingerprint(asked.input) };
}

/** `memo`: for inputs the loader read, whose objects are never changed (VerdictMemo). */
function resultOf(asked: Asked, memo: VerdictMemo | undefined): unknown {
	switch (asked.kind) {
		case 'report':
			return buildAuditReport(asked.input, asked.options, memo);
		case 'soFar':
			return agreementSoFar(asked.input, memo);
		case 'verdicts':
			return itemVerdictsOf(asked.input, {}, memo);
		case 'latent':
			auditLatentFits(asked.input, asked.options);
			return null;
		case 'disagreements':
			return disagreementList(asked.input, asked.filter, asked.paging, memo);
		case 'allValid':
			return allValidEstimateOfInstances(asked.inputs, asked.instanceIds, asked.options);
	}
}

/** A request as computed: its audits read. The kept replies are keyed by it. */
type Asked =
	| { kind: 'report'; input: ReportInput; options: ReportOptions }
	| { kind: 'soFar' | 'verdicts' | 'latent'; input: ReportInput; options: ReportOptions }
	| { kind: 'disagreements'; input: ReportInput; filter: DisagreementFilter; paging: Paging; options: ReportOptions }
	| { kind: 'allValid'; inputs: ReportInput[]; instanceIds: number[]; options: ReportOptions };
type Paging = { size: number; page: number };

function askedOf(request: Exclude<ReportRequest, { kind: ServerTaskKind }>, load: ReportLoader | undefined): Asked {
	const read = (auditId: number, source: string) => {
		if (!load) throw new Error('This report thread cannot read the database.');
		return load(auditId, source);
	};
	const inputOf = (audit: AuditSource) => ('input' in audit ? audit.input : read(audit.auditId, audit.source));
	switch (request.kind) {
		case 'report':
		case 'soFar':
		case 'verdicts':
		case 'latent':
			return { kind: request.kind, input: inputOf(request.audit), options: request.options };
		case 'disagreements':
			return { kind: 'disagreements', input: inputOf(request.audit), filter: request.filter, paging: request.paging, options: request.options };
		case 'allValid': {
			const { audits } = request;
			const inputs = 'inputs' in audits ? audits.inputs : audits.auditIds.map((id) => read(id, audits.source));
			return { kind: 'allValid', inputs, instanceIds: request.instanceIds, options: request.options };
		}
	}
}
