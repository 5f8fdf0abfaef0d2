import { formatCount } from '../text/words';

/**
 * What closing an audit does to the items reviewers are labelling at that moment, said once for
 * the audit page (before and after closing) and the CLI. A submit to a closed audit is refused
 * (routing's assertOpen): the label is not taken; the review screen keeps the answer for its
 * reviewer to copy, and the saved draft stays on the item's lease for a reopening.
 */
export function closingConsequence(beingLabelled: number, reviewers: number, when: 'now' | 'were'): string {
	if (!beingLabelled) return '';
	const items = formatCount(beingLabelled, 'item');
	const who = formatCount(reviewers, 'reviewer');
	const head = when === 'now' ? `${items} ${beingLabelled === 1 ? 'is' : 'are'} being labelled now (${who})` : `${items} ${beingLabelled === 1 ? 'was' : 'were'} being labelled (${who})`;
	return `${head}: ${when === 'now' ? 'once the audit is closed, ' : ''}their labels are not accepted. Each reviewer's screen keeps the answer to copy, and saved drafts stay if the audit is reopened.`;
}
