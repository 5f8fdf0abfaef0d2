/**
 * Which guidelines version a label was given under. A label keeps the version in force when it was
 * first submitted and when it was last changed (audit_labels.first_guidelines_version and
 * guidelines_version, set as it is written); a row that has none (written by a path that does not
 * set it, or imported from an older bundle) is given the one its times say, as migration 0036 did
 * for the labels before it.
 */

/** Stands for an earlier text of the guidelines that was not kept (labels given before the oldest version on record). */
export const EARLIER_GUIDELINES = 0;

/**
 * SQL: the version in force at a label's time from the times on record: the latest version saved at
 * or before it, EARLIER_GUIDELINES before the oldest; where no version is kept, 1 from when the text
 * on record was saved (its last change, else the audit's creation). `label`: the audit_labels alias.
 */
export function guidelinesVersionAt(label: string, at: 'submitted_at' | 'updated_at'): string {
	return `CASE
		WHEN EXISTS (SELECT 1 FROM audit_guidelines_versions gv WHERE gv.audit_id = ${label}.audit_id)
		THEN coalesce((SELECT max(gv.version) FROM audit_guidelines_versions gv WHERE gv.audit_id = ${label}.audit_id AND gv.saved_at <= ${label}.${at}), ${EARLIER_GUIDELINES})
		ELSE (SELECT CASE WHEN ${label}.${at} < coalesce(ga.guidelines_changed_at, ga.created_at) THEN ${EARLIER_GUIDELINES} ELSE 1 END FROM audits ga WHERE ga.id = ${label}.audit_id)
	END`;
}

/** SQL: the version a label was last changed under, and first given under (stored, else from its times). */
export const labelGuidelinesVersion = (label: string) => `coalesce(${label}.guidelines_version, ${guidelinesVersionAt(label, 'updated_at')})`;
export const labelFirstGuidelinesVersion = (label: string) => `coalesce(${label}.first_guidelines_version, ${guidelinesVersionAt(label, 'submitted_at')})`;
