/** Where an imported audit came from, as every page, report and manifest shows it (see AuditImport). */
import { db, type Db } from '../db';
import type { AuditImport } from '$lib/reports/types';

export function auditImport(auditId: number, database: Db = db()): AuditImport | null {
	const row = database.$client
		.prepare<[number], { at: number | null; by: string | null; name: string | null; sha256: string | null }>(
			`SELECT a.imported_at AS at, u.email AS by, a.imported_file_name AS name, a.imported_file_sha256 AS sha256
			 FROM audits a LEFT JOIN users u ON u.id = a.imported_by WHERE a.id = ?`
		)
		.get(auditId);
	if (!row || row.at === null) return null;
	const labelsBeforeAccount = database.$client
		.prepare<[number], number>('SELECT count(*) FROM audit_labels l JOIN users u ON u.id = l.reviewer_id WHERE l.audit_id = ? AND l.submitted_at < u.created_at')
		.pluck()
		.get(auditId)!;
	return { by: row.by, at: new Date(row.at).toISOString(), file: { name: row.name ?? '', sha256: row.sha256 ?? '' }, labelsBeforeAccount };
}
