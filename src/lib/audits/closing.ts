import { formatCount } from '../text/words';

/** What stops an audit taking labels: closing it (undone by reopening) or archiving it (undone by restoring). */
export type AuditEnding = 'closed' | 'archived' | 'closed or archived';

const UNDONE_BY: Record<AuditEnding, string> = { closed: 'reopened', archived: 'restored', 'closed or archived': 'reopened or restored' };

/**
 * What closing (or archiving) an audit does to the items reviewers are labelling at that moment,
 * said once for the audit page (before and after) and the CLI. A submit to a closed or archived
 * audit is refused (routing's assertOpen, membership): the label is not taken; the review screen
 * keeps the answer for its reviewer to copy, and the saved draft stays on the item's lease for a
 * reopening or restoring.
 */
export function closingConsequence(beingLabelled: number, reviewers: number, when: 'now' | 'were', ending: AuditEnding = 'closed'): string {
	if (!beingLabelled) return '';
	const items = formatCount(beingLabelled, 'item');
	const who = formatCount(reviewers, 'reviewer');
	const head = when === 'now' ? `${items} ${beingLabelled === 1 ? 'is' : 'are'} being labelled now (${who})` : `${items} ${beingLabelled === 1 ? 'was' : 'were'} being labelled (${who})`;
	return `${head}: ${when === 'now' ? `once the audit is ${ending}, ` : ''}their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is ${UNDONE_BY[ending]}.`;
}
