/**
 * What disabling an account means for the audits it reviews. A disabled account cannot sign in,
 * so it is no active reviewer: its leases lapse at once and stuck-item counts leave it out (see
 * ACTIVE_REVIEWER). Its audit_reviewers rows stay, so enabling it again makes it a reviewer again.
 */
import type Database from 'better-sqlite3';

/** SQL condition on an audit_reviewers row `r`: a current reviewer whose account is not disabled. */
export const ACTIVE_REVIEWER = 'r.removed_at IS NULL AND r.user_id NOT IN (SELECT id FROM users WHERE disabled_at IS NOT NULL)';

export interface ReviewedAudit {
	id: number;
	name: string;
}

/** The open audits (not archived) the account is a current reviewer of, oldest first. */
export function openAuditsReviewedBy(c: Database.Database, userId: number): ReviewedAudit[] {
	return c
		.prepare<[number], ReviewedAudit>(
			`SELECT a.id, a.name FROM audit_reviewers r JOIN audits a ON a.id = r.audit_id
			 WHERE r.user_id = ? AND r.removed_at IS NULL AND a.status = 'open' AND a.archived_at IS NULL ORDER BY a.id`
		)
		.all(userId);
}

/**
 * Ends the account's leases in every audit, as removing a reviewer does: the items return to the
 * pool for the other reviewers; the drafts stay, and once enabled again the reviewer gets those
 * items back while they have room (as after any lapse). Run inside the caller's transaction.
 */
export function releaseLeasesOf(c: Database.Database, userId: number): number {
	const leases = c.prepare<[number], { id: number; itemId: number }>(`SELECT id, item_id AS itemId FROM audit_assignments WHERE reviewer_id = ? AND status = 'active'`).all(userId);
	const expire = c.prepare<[number]>(`UPDATE audit_assignments SET status = 'expired' WHERE id = ?`);
	const unclaim = c.prepare<[number]>(`UPDATE audit_items SET claimed_count = claimed_count - 1 WHERE id = ?`);
	for (const lease of leases) {
		expire.run(lease.id);
		unclaim.run(lease.itemId);
	}
	return leases.length;
}
