/**
 * Reports on audits: the one place the report page, the downloads, the CLI and the export step get
 * their numbers from. Each function loads the audit (load.ts) and hands it to the pure code in
 * $lib/reports, so every face shows the same figures.
 */
import { db, type Db } from '../db';
import {
	buildAuditReport,
	compareReports,
	ComparisonError,
	ESTIMATORS,
	newLatentMemo,
	type AgreementSoFar,
	itemVerdictsOf,
	type AuditComparison,
	type AuditReport,
	type EstimatorKey,
	type ItemVerdict,
	type LatentMemo,
	type ReportOptions
} from '$lib/reports';
import { ReportError } from './errors';
import { loadReportInput } from './load';
import { agreementSoFarOffThread, auditLatentFitsOffThread, buildAuditReportOffThread, shapeSectionsOffThread } from './threads';
import { computeLatentLater, keepLatent, keptLatent } from './latent';
import { hasShapeSections, shapeSections, withShapeSections } from './shapes';

/**
 * The full report of an audit (sampled items only; gold items feed reviewer accuracy). Latent-truth
 * results kept from earlier reports are reused, and those computed here kept (./latent).
 */
export function auditReport(auditId: number, options: ReportOptions = {}, database: Db = db(), timing: ReportTiming = {}): AuditReport {
	const memo = latentMemoFor(auditId, database, timing);
	const report = buildAuditReport(loadReportInput(auditId, database), { ...options, latent: memo });
	if (!timing.withoutLatent) keepLatent({ audit: auditId }, memo.computed, database);
	return withShapeSections(report, shapeSections(auditId, report.audit.kind, report.confidence, database));
}

/** What a report's reader waits for. */
export interface ReportTiming {
	/** Latent-truth fits over more answers than this are left pending and computed in the background (the report pages). */
	backgroundAbove?: number;
	/** No latent-truth fit at all (left pending, not queued): for readers that show none, such as comparisons. */
	withoutLatent?: boolean;
}

function latentMemoFor(auditId: number, database: Db, timing: ReportTiming) {
	return timing.withoutLatent ? newLatentMemo({}, 0) : newLatentMemo(keptLatent({ audit: auditId }, database), timing.backgroundAbove);
}

/**
 * auditReport for the server's pages and downloads: the same report, its computation in the report
 * thread (./threads), so that a large audit's report does not hold up other requests meanwhile.
 * With `timing.backgroundAbove` (the report pages), large latent-truth fits not kept yet come back
 * pending and are queued for the background thread (./latent).
 */
export async function auditReportOffThread(auditId: number, options: ReportOptions = {}, database: Db = db(), timing: ReportTiming = {}): Promise<AuditReport> {
	const memo = latentMemoFor(auditId, database, timing);
	const report = await buildAuditReportOffThread(auditId, database, { ...options, latent: memo });
	if (!timing.withoutLatent) {
		keepLatent({ audit: auditId }, memo.computed, database);
		if (memo.deferred.length > 0) {
			// The background thread reads the labels as they are when it starts.
			const background = (latent: LatentMemo) => auditLatentFitsOffThread(auditId, database, { ...options, latent });
			computeLatentLater({ audit: auditId }, background, { fits: memo.deferred.length, replicates: options.replicates }, database);
		}
	}
	return hasShapeSections(report.audit.kind) ? withShapeSections(report, await shapeSectionsOffThread(auditId, report.audit.kind, report.confidence, database)) : report;
}

/** The audit page's view while labelling goes on: agreement over complete items, who qualified (in the report thread). */
export function auditAgreementSoFar(auditId: number, database: Db = db()): Promise<AgreementSoFar> {
	return agreementSoFarOffThread(auditId, database);
}

/** Two audits of the same kind side by side, with differences and Newcombe intervals. */
export function compareAudits(firstId: number, secondId: number, options: ReportOptions = {}, database: Db = db()): AuditComparison {
	if (firstId === secondId) throw new ReportError('Choose two different audits to compare.');
	// A comparison reads no latent-truth figure: their minutes of bootstrap are skipped.
	const timing = { withoutLatent: true };
	return comparison(() => compareReports(auditReport(firstId, options, database, timing), auditReport(secondId, options, database, timing), { sharedItems: sharedItems(firstId, secondId, database) }));
}

/** compareAudits for the server's pages and downloads: both reports built in the report thread (see auditReportOffThread). */
export async function compareAuditsOffThread(firstId: number, secondId: number, options: ReportOptions = {}, database: Db = db()): Promise<AuditComparison> {
	if (firstId === secondId) throw new ReportError('Choose two different audits to compare.');
	const timing = { withoutLatent: true }; // as compareAudits
	const first = await auditReportOffThread(firstId, options, database, timing);
	const second = await auditReportOffThread(secondId, options, database, timing);
	return comparison(() => compareReports(first, second, { sharedItems: sharedItems(firstId, secondId, database) }));
}

/** Sampled (not gold) instances both audits hold: a second audit drawn with the first's seed holds all of them. */
function sharedItems(firstId: number, secondId: number, database: Db): number {
	return database.$client
		.prepare<[number, number], number>('SELECT COUNT(DISTINCT a.instance_id) FROM audit_items a JOIN audit_items b ON b.instance_id = a.instance_id WHERE a.audit_id = ? AND b.audit_id = ? AND NOT a.is_gold AND NOT b.is_gold')
		.pluck()
		.get(firstId, secondId)!;
}

/** A comparison the two reports do not allow is a refusal with its reason. */
function comparison(compare: () => AuditComparison): AuditComparison {
	try {
		return compare();
	} catch (err) {
		if (err instanceof ComparisonError) throw new ReportError(err.message);
		throw err;
	}
}

/**
 * The report's headline estimator for an audit, as a researcher picks it on the report page
 * (null: let the data choose). Exports' manifests use the same choice.
 */
export function setHeadlineEstimator(auditId: number, estimator: EstimatorKey | null, database: Db = db()): void {
	if (estimator !== null && !ESTIMATORS.includes(estimator)) throw new ReportError(`Unknown estimator "${String(estimator)}"; use ${ESTIMATORS.join(', ')}.`);
	const changed = database.$client.prepare<[unknown, number]>('UPDATE audits SET headline_estimator = ? WHERE id = ?').run(estimator, auditId).changes;
	if (!changed) throw new ReportError(`No audit ${auditId}.`, 404);
}

/** For exports: each sampled item's final label (and, for rating audits, each response's). */
export function itemVerdicts(auditId: number, options: { includeGold?: boolean } = {}, database: Db = db()): ItemVerdict[] {
	return itemVerdictsOf(loadReportInput(auditId, database), options);
}

export interface ReportableAudit {
	id: number;
	name: string;
	kind: 'quality' | 'rating' | 'conversation' | 'pairwise';
	status: 'open' | 'closed';
	datasetId: number;
	datasetName: string;
	overlap: number;
	itemCount: number;
	/** Sampled items with at least one label. */
	labelledItems: number;
	/** Labels on sampled items (gold items' labels not counted, as in the report). */
	labels: number;
	adjudications: number;
	createdAt: string;
}

/** Every audit (archived ones aside), newest first, with how far its labelling has got (for the reports index). */
export function listReportableAudits(database: Db = db()): ReportableAudit[] {
	const rows = database.$client
		.prepare<[], Omit<ReportableAudit, 'createdAt'> & { createdAt: number }>(
			`SELECT a.id, a.name, a.kind, a.status, a.dataset_id AS datasetId, d.name AS datasetName, a.overlap,
				a.item_count AS itemCount, a.created_at AS createdAt,
				(SELECT count(DISTINCT l.item_id) FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = a.id AND i.is_gold = 0) AS labelledItems,
				(SELECT count(*) FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = a.id AND i.is_gold = 0) AS labels,
				(SELECT count(*) FROM audit_adjudications j WHERE j.audit_id = a.id) AS adjudications
			 FROM audits a JOIN datasets d ON d.id = a.dataset_id
			 WHERE a.archived_at IS NULL AND a.status <> 'preparing'
			 ORDER BY a.created_at DESC, a.id DESC`
		)
		.all();
	return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}
