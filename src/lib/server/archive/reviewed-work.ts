/**
 * Reviewed work: what people put into an audit — labels (counting and set aside), every
 * submission received, adjudications, unsent drafts and the reasons written for skips. A dataset or audit holding any of it is
 * never deleted; it is archived, and only an administrator's purge (after a backup) removes it.
 */
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';

export interface AuditWork {
	auditId: number;
	name: string;
	labels: number;
	/** Labels of removed reviewers, set aside (they no longer count). */
	archivedLabels: number;
	submissions: number;
	adjudications: number;
	drafts: number;
	/** Items skipped with a reason written (a reviewer's flag: "contains PII", "cannot judge"). */
	skipReasons: number;
}

const WORK_COLUMNS = `a.id AS auditId, a.name,
	(SELECT count(*) FROM audit_labels x WHERE x.audit_id = a.id) AS labels,
	(SELECT count(*) FROM audit_archived_labels x WHERE x.audit_id = a.id) AS archivedLabels,
	(SELECT count(*) FROM audit_submissions x WHERE x.audit_id = a.id) AS submissions,
	(SELECT count(*) FROM audit_adjudications x WHERE x.audit_id = a.id) AS adjudications,
	(SELECT count(*) FROM audit_assignments x WHERE x.audit_id = a.id AND x.draft IS NOT NULL) AS drafts,
	(SELECT count(*) FROM audit_assignments x WHERE x.audit_id = a.id AND x.status = 'skipped' AND trim(coalesce(x.skip_reason, '')) <> '') AS skipReasons`;

export function hasWork(w: AuditWork): boolean {
	return w.labels + w.archivedLabels + w.submissions + w.adjudications + w.drafts + w.skipReasons > 0;
}

/** Reviewed work of every audit of a dataset that has any. */
export function datasetWork(c: Database.Database, datasetId: number): AuditWork[] {
	return (c.prepare<[number], AuditWork>(`SELECT ${WORK_COLUMNS} FROM audits a WHERE a.dataset_id = ? ORDER BY a.id`).all(datasetId)).filter(hasWork);
}

export function auditWork(c: Database.Database, auditId: number): AuditWork | undefined {
	return c.prepare<[number], AuditWork>(`SELECT ${WORK_COLUMNS} FROM audits a WHERE a.id = ?`).get(auditId);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `audit "Pilot" (#3): 120 labels, 2 adjudications` — the parts that are not zero, labels always. */
export function describeWork(w: AuditWork): string {
	const parts = [plural(w.labels, 'label')];
	if (w.archivedLabels) parts.push(plural(w.archivedLabels, 'set-aside label'));
	if (w.adjudications) parts.push(plural(w.adjudications, 'adjudication'));
	if (w.drafts) parts.push(plural(w.drafts, 'unsent draft'));
	if (w.skipReasons) parts.push(plural(w.skipReasons, 'skip with a reason', 'skips with a reason'));
	if (w.submissions && !w.labels && !w.archivedLabels) parts.push(plural(w.submissions, 'logged submission'));
	return `audit "${w.name}" (#${w.auditId}): ${parts.join(', ')}`;
}

/** For pages: the reviewed work a dataset holds, per audit (empty when it can be deleted). */
export function datasetReviewedWork(datasetId: number, database: Db = db()): AuditWork[] {
	return datasetWork(database.$client, datasetId);
}

export function auditReviewedWork(auditId: number, database: Db = db()): AuditWork[] {
	const w = auditWork(database.$client, auditId);
	return w && hasWork(w) ? [w] : [];
}
