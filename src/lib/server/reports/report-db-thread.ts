/**
 * The server's report threads: the pure report computation ($lib/reports/report-thread) with a
 * loader, so that a thread asked for an audit's report reads its labels itself, over a read-only
 * connection of its own (WAL: a consistent snapshot while reviewers submit). At 100,000 labels that
 * is 0.4 s the server's thread no longer spends reading, and as long again not spent copying
 * the labels to the thread. Imported only dynamically, so the built app gives it a chunk of its own
 * that a worker can load by URL.
 */
import type Database from 'better-sqlite3';
import { serveReports, type ReportPort } from '../../reports/report-thread';
import { loadReportInputSince, type SequencedReportInput } from './load';
import { judgeCalibration } from '../judge/calibration';
import { auditFilterReport } from './filters';
import { shapeSections } from './shapes';
import { DEFAULT_CONFIDENCE } from '../../stats';
import { exportJudgeFigures, judgeFilterPrecision } from '../exports/judge';
import type { ExportSelection } from '../exports/query';
import { estimateQuality, type QualityComputed } from '../exports/quality';
import { openReadOnly, type Db } from '../db';
import { keptWhileUnchanged } from '../db/unchanged';
import type { ReportInput } from '../../reports/types';

/** Where this module lives, so a worker thread can load the same code. */
export const REPORT_DB_THREAD_URL = import.meta.url;

/** One read-only connection per database file, kept open while the thread lives. */
const connections = new Map<string, Database.Database>();

function connection(file: string): Db {
	let c = connections.get(file);
	if (!c) {
		c = openReadOnly(file);
		connections.set(file, c);
	}
	// The loader reads through $client only.
	return { $client: c } as unknown as Db;
}

/** Audits whose input is kept per database file. */
const KEPT_INPUTS = 2;

/**
 * An audit's input as `read` gives it, kept while its database file is unchanged: a page viewed
 * again, or the report, audit and disagreements pages of one audit in turn, read 100,000 labels
 * once rather than for every view (0.4 s each). After a change, the last input read of the audit
 * is the base `read` builds on, reading only the items changed since (loadReportInputSince).
 * Callers never change an input (the pure report functions take it read-only).
 */
export function keptInputs(
	read: (auditId: number, database: Db, base?: SequencedReportInput) => SequencedReportInput = loadReportInputSince
): (auditId: number, database: Db) => ReportInput {
	// Its own kind per reader: a test's counting reader keeps apart from the thread's.
	const kind = `report-input:${++readers}`;
	/** Per connection, the last input read of each audit kept (at most KEPT_INPUTS, the latest used last). */
	const bases = new WeakMap<Database.Database, Map<number, SequencedReportInput>>();
	return (auditId, database) =>
		keptWhileUnchanged(
			database.$client,
			kind,
			String(auditId),
			() => {
				let latest = bases.get(database.$client);
				if (!latest) bases.set(database.$client, (latest = new Map()));
				const fresh = read(auditId, database, latest.get(auditId));
				latest.delete(auditId);
				latest.set(auditId, fresh);
				while (latest.size > KEPT_INPUTS) latest.delete(latest.keys().next().value!);
				return fresh.input;
			},
			KEPT_INPUTS
		);
}
let readers = 0;

/** The thread's entry: reports, judge calibrations, filter reports and judge-filter precision, reading their database file when asked to. */
export function serveReportsFromDatabase(port: ReportPort): void {
	const input = keptInputs();
	serveReports(port, (auditId, file) => input(auditId, connection(file)), {
		// Kept like inputs: a report page viewed again with a judge run at 50,000 rows waited 1.5 s for it.
		judge: (auditId, runId, file, options) =>
			keptWhileUnchanged(connection(file).$client, 'judge-calibration-report', `${auditId}:${runId}:${options.confidence}`, () => judgeCalibration(auditId, runId, options, connection(file))),
		filters: (auditId, file, options) =>
			keptWhileUnchanged(connection(file).$client, 'filter-report', `${auditId}:${options.confidence}`, () => auditFilterReport(auditId, options, connection(file))),
		judgePrecision: (selection, file) => judgeFilterPrecision(connection(file).$client, selection as ExportSelection),
		// Kept too: the export page counted again over unchanged labels (filters tried and put back) waited 0.25 s for it.
		exportQuality: (selection, computed, file) =>
			keptWhileUnchanged(connection(file).$client, 'export-quality', JSON.stringify([selection, computed]), () =>
				estimateQuality(connection(file).$client, selection as ExportSelection, computed as QualityComputed)
			),
		exportJudge: (selection, file) => exportJudgeFigures(connection(file).$client, selection as ExportSelection),
		// Kept like inputs: a pairwise report viewed again over unchanged labels read its 100,000 preferences again.
		shapes: (auditId, kind, file, options) =>
			keptWhileUnchanged(connection(file).$client, 'shape-sections', `${auditId}:${kind}:${options.confidence}`, () =>
				shapeSections(auditId, kind, options.confidence ?? DEFAULT_CONFIDENCE, connection(file))
			)
	});
}
