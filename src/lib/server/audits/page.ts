import type { ReviewItemView, NextResult, ReviewScreenData } from '../../audits/views';
import { nextAssignment } from './routing';
import { reviewAuditInfo, reviewHistory, reviewItemView, reviewProgress } from './review';
import { db, type Db } from '../db';

/**
 * Everything the review screen starts with: the item at `ref` (one of the reviewer's own) or,
 * without a ref, the reviewer's current item (leasing a new one if they hold none).
 */
export function reviewScreenData(auditId: number, reviewerId: number, ref: string | null, database: Db = db()): ReviewScreenData {
	const audit = reviewAuditInfo(auditId, reviewerId, database);
	let item: ReviewItemView | null = null;
	let next: NextResult | null = null;
	if (ref) item = reviewItemView(auditId, reviewerId, ref, database);
	else if (audit.status === 'open') {
		next = nextAssignment(auditId, reviewerId, {}, database);
		if (next.status === 'assigned') item = reviewItemView(auditId, reviewerId, next.ref, database);
	}
	return {
		audit,
		progress: reviewProgress(auditId, reviewerId, database),
		item,
		next,
		history: reviewHistory(auditId, reviewerId, {}, database),
		userId: reviewerId
	};
}
