/**
 * The human labels an export can filter on, read straight from the audit tables
 * (src/lib/server/db/schema/audits.ts) as SQL the export query joins, so they stream with it.
 *
 * The final label of an instance (quality audits) or a response (rating audits) is the one
 * reports use ($lib/reports/verdicts.ts): a researcher's adjudication where there is one (a
 * blank answer in it falls back to the reviewers), otherwise the reviewers' plurality
 * (majority) label, and no label when the top answers tie (a rating filter, `rating=B`, is decided
 * on its own line instead: ratedAtLeastSql). Labels of every audit of
 * the dataset count together unless the export names the audits, each reviewer once per instance
 * or response (their latest label). Gold items are the researcher's own test items and never
 * count; nor do the labels of a reviewer who has not passed an audit's qualification step there
 * (AuditScope.notCounted), as the report leaves them out.
 *
 * "All fields valid" is judged as the reports judge it: each reviewer's own answer (yes to all three,
 * or no to any — whatever field they named), the item's being the majority of those, a tie when
 * they split; an adjudication's three answers decide it outright.
 *
 * Unresolved disagreement: the reviewers of an item did not all give the same answer (to any of
 * the three questions, or the same A–D level) and no researcher has adjudicated it.
 *
 * Whole conversations are judged by conversation audits (withConversationFinal) and preference
 * pairs by pairwise audits (withPairsJudged); the instance labels above are not theirs.
 */
import { RATING_KEYS, type RatingLevel } from '$lib/audits/rubric';
import type { ReviewerInAudit } from '$lib/audits/qualification';
import type { SqlQuery } from './sql';

/** Which audits' labels count. */
export interface AuditScope {
	datasetId: number;
	/** Restrict to these audits (of the dataset); all when empty or absent. */
	auditIds?: number[];
	/**
	 * Reviewers whose labels do not count in an audit: they failed its qualification step or have
	 * not finished it (routing's reviewersNotCounted, read once per export).
	 */
	notCounted: readonly ReviewerInAudit[];
}

function scopeSql(q: SqlQuery, scope: AuditScope, kind: 'quality' | 'rating' | 'conversation' | 'pairwise'): string {
	const parts = [`a.dataset_id = ${q.param(scope.datasetId)}`, `a.kind = '${kind}'`, 'it.is_gold = 0'];
	if (scope.auditIds?.length) parts.push(`a.id IN (${q.list(scope.auditIds)})`);
	return parts.join(' AND ');
}

/** scopeSql for reviewers' labels (alias `l`): without those of reviewers who do not count in their audit. */
function labelScopeSql(q: SqlQuery, scope: AuditScope, kind: 'quality' | 'rating' | 'conversation' | 'pairwise'): string {
	return scopeSql(q, scope, kind) + notCountedSql(scope.notCounted);
}

/**
 * ` AND …` leaving out the labels (alias `l`) of the reviewers who do not count in their audit, or
 * '' when there are none. The ids are written in, not bound: a list of any length, where
 * parameters run out at 32,766.
 */
export function notCountedSql(notCounted: readonly ReviewerInAudit[]): string {
	if (!notCounted.length) return '';
	const rows = notCounted.map((r) => {
		if (!Number.isSafeInteger(r.auditId) || !Number.isSafeInteger(r.reviewerId)) throw new TypeError('Audit and reviewer ids are whole numbers.');
		return `(${r.auditId}, ${r.reviewerId})`;
	});
	return ` AND (l.audit_id, l.reviewer_id) NOT IN (VALUES ${rows.join(', ')})`;
}

/**
 * CTE `quality_final`: one row per labelled instance with its final answer to each question
 * (1 yes, 0 no, NULL tie), `all_yes`, `labels`, `adjudicated` and `disagreement` (unresolved).
 */
export function withQualityFinal(q: SqlQuery, scope: AuditScope): string {
	// One answer per reviewer and instance: an instance several audits sampled (or an audit bundle
	// copied into the dataset) counts each reviewer once, with their latest label — as the
	// manifest's estimate counts it ($lib/reports/report.ts, allValidEstimate). SQLite takes the
	// bare columns of a max() aggregate from the row holding the max.
	q.with('quality_latest', () => {
		return `SELECT it.instance_id AS instance_id, l.instruction_valid AS ins, l.input_valid AS inp, l.output_valid AS out, max(l.submitted_at) AS at
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_labels l ON l.item_id = it.id
			WHERE ${labelScopeSql(q, scope, 'quality')} AND it.instance_id IS NOT NULL
			GROUP BY it.instance_id, l.reviewer_id`;
	});
	q.with('quality_votes', () => {
		return `SELECT instance_id, count(*) AS labels,
				sum(ins = 1) AS ins_yes, sum(ins = 0) AS ins_no,
				sum(inp = 1) AS inp_yes, sum(inp = 0) AS inp_no,
				sum(out = 1) AS out_yes, sum(out = 0) AS out_no,
				sum(ins = 1 AND inp = 1 AND out = 1) AS valid_yes,
				sum(ins = 0 OR inp = 0 OR out = 0) AS valid_no
			FROM quality_latest
			GROUP BY instance_id`;
	});
	// The latest adjudication of the instance (an instance can sit in several audits).
	q.with('quality_adjudicated', () => {
		return `SELECT it.instance_id AS instance_id, j.instruction_valid AS ins, j.input_valid AS inp, j.output_valid AS out,
				max(j.updated_at) AS at
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_adjudications j ON j.item_id = it.id
			WHERE ${scopeSql(q, scope, 'quality')} AND it.instance_id IS NOT NULL
			GROUP BY it.instance_id`;
	});
	const vote = (yes: string, no: string) => `CASE WHEN v.${yes} > v.${no} THEN 1 WHEN v.${no} > v.${yes} THEN 0 END`;
	// A question's final answer: the adjudication's, else the reviewers' majority.
	const fin = (q: 'ins' | 'inp' | 'out') => `coalesce(j.${q}, ${vote(`${q}_yes`, `${q}_no`)})`;
	q.with('quality_final', () => {
		return `SELECT x.instance_id AS instance_id,
				coalesce(v.labels, 0) AS labels,
				j.instance_id IS NOT NULL AS adjudicated,
				coalesce(j.ins, ${vote('ins_yes', 'ins_no')}) AS ins,
				coalesce(j.inp, ${vote('inp_yes', 'inp_no')}) AS inp,
				coalesce(j.out, ${vote('out_yes', 'out_no')}) AS out,
				CASE WHEN j.instance_id IS NOT NULL AND (${fin('ins')} = 0 OR ${fin('inp')} = 0 OR ${fin('out')} = 0) THEN 0
					WHEN j.instance_id IS NOT NULL AND ${fin('ins')} = 1 AND ${fin('inp')} = 1 AND ${fin('out')} = 1 THEN 1
					ELSE ${vote('valid_yes', 'valid_no')} END AS valid,
				j.instance_id IS NULL AND coalesce((v.ins_yes > 0 AND v.ins_no > 0) OR (v.inp_yes > 0 AND v.inp_no > 0) OR (v.out_yes > 0 AND v.out_no > 0), 0) AS disagreement
			FROM (SELECT instance_id FROM quality_votes UNION SELECT instance_id FROM quality_adjudicated) x
			LEFT JOIN quality_votes v ON v.instance_id = x.instance_id
			LEFT JOIN quality_adjudicated j ON j.instance_id = x.instance_id`;
	});
	return 'quality_final';
}

/** SQL truth of "all fields valid" in the final label, over a quality_final row aliased `qf`. */
export const QUALITY_ALL_YES = 'qf.valid = 1';
/** SQL truth of "not all fields valid" in the final label (a person rejected the item). */
export const QUALITY_NOT_ALL_YES = 'qf.valid = 0';
/** "All fields valid" is decided (not tied, not unanswered). */
export const QUALITY_DECIDED = 'qf.valid IS NOT NULL';


/**
 * CTE `rating_final`: one row per rated response with its final A–D level (NULL on a tie),
 * its reviewers' ratings per level (`na` … `nd`), `a_or_b` (1 / 0, NULL on a tie across the line:
 * ratedAtLeastSql('B')), `labels`, `adjudicated` and `disagreement` (unresolved).
 */
export function withRatingFinal(q: SqlQuery, scope: AuditScope): string {
	// One rating per reviewer and response, their latest (a response several audits rated), as the
	// manifest's estimate counts it ($lib/exports/rating-estimate.ts); see quality_latest.
	q.with('rating_latest', () => {
		return `SELECT r.response_id AS response_id, r.rating AS rating, max(l.submitted_at) AS at
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_labels l ON l.item_id = it.id
				JOIN audit_label_ratings r ON r.label_id = l.id
			WHERE ${labelScopeSql(q, scope, 'rating')}
			GROUP BY r.response_id, l.reviewer_id`;
	});
	q.with('rating_votes', () => {
		return `SELECT response_id, count(*) AS labels,
				sum(rating = 'A') AS na, sum(rating = 'B') AS nb, sum(rating = 'C') AS nc, sum(rating = 'D') AS nd
			FROM rating_latest
			GROUP BY response_id`;
	});
	q.with('rating_adjudicated', () => {
		return `SELECT jr.response_id AS response_id, jr.rating AS rating, max(j.updated_at) AS at
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_adjudications j ON j.item_id = it.id
				JOIN audit_adjudication_ratings jr ON jr.adjudication_id = j.id
			WHERE ${scopeSql(q, scope, 'rating')}
			GROUP BY jr.response_id`;
	});
	q.with('rating_final', () => {
		const rf = { alias: 'v', adjudicated: 'j.response_id IS NOT NULL', rating: 'j.rating' };
		return `SELECT x.response_id AS response_id,
				coalesce(v.labels, 0) AS labels,
				j.response_id IS NOT NULL AS adjudicated,
				CASE WHEN j.response_id IS NOT NULL THEN j.rating
					WHEN v.na > max(v.nb, v.nc, v.nd) THEN 'A' WHEN v.nb > max(v.na, v.nc, v.nd) THEN 'B'
					WHEN v.nc > max(v.na, v.nb, v.nd) THEN 'C' WHEN v.nd > max(v.na, v.nb, v.nc) THEN 'D' END AS rating,
				coalesce(v.na, 0) AS na, coalesce(v.nb, 0) AS nb, coalesce(v.nc, 0) AS nc, coalesce(v.nd, 0) AS nd,
				${atLeastSql('B', rf)} AS a_or_b,
				j.response_id IS NULL AND coalesce((v.na > 0) + (v.nb > 0) + (v.nc > 0) + (v.nd > 0) > 1, 0) AS disagreement
			FROM (SELECT response_id FROM rating_votes UNION SELECT response_id FROM rating_adjudicated) x
			LEFT JOIN rating_votes v ON v.response_id = x.response_id
			LEFT JOIN rating_adjudicated j ON j.response_id = x.response_id`;
	});
	return 'rating_final';
}

/**
 * "Rated `min` or better", decided on that line itself: the researcher's adjudicated rating where
 * there is one, else the reviewers' majority on the two sides of the line — reviewers who rate A
 * and B agree that a response is B or better, so it passes `rating=B`; a split evenly across the
 * line (B and C for `rating=B`) is a tie, NULL, which passes neither way. Not the plurality letter:
 * a response rated A by one reviewer and B by the other has none, yet is B or better. The
 * manifest's "rated A or B" (`a_or_b`) is this line at B.
 */
function atLeastSql(min: RatingLevel, rf: { alias: string; adjudicated: string; rating: string }): string {
	const levels = levelsAtLeast(min);
	const count = (list: readonly RatingLevel[]) => (list.length ? list.map((l) => `${rf.alias}.n${l.toLowerCase()}`).join(' + ') : '0');
	const better = count(levels);
	const worse = count(RATING_KEYS.filter((l) => !levels.includes(l)));
	return `CASE WHEN ${rf.adjudicated} THEN ${rf.rating} IN (${levels.map((l) => `'${l}'`).join(', ')})
					WHEN ${better} > ${worse} THEN 1 WHEN ${better} < ${worse} THEN 0 END`;
}

/** SQL truth of "rated `min` or better" over a rating_final row aliased `rf` (1 / 0, NULL on a tie across the line): see atLeastSql. */
export function ratedAtLeastSql(min: RatingLevel, alias = 'rf'): string {
	return atLeastSql(min, { alias, adjudicated: `${alias}.adjudicated`, rating: `${alias}.rating` });
}

/** Levels at least as good as `min` (A best). */
export function levelsAtLeast(min: RatingLevel): RatingLevel[] {
	return RATING_KEYS.slice(0, RATING_KEYS.indexOf(min) + 1);
}

/**
 * CTE `conversation_final`: one row per conversation a conversation audit judged, with `valid`
 * (1 / 0, NULL on a tie): the majority of the reviewers' verdicts on the conversation as a whole
 * (each reviewer once, their latest label; a label's output_valid is that verdict — the one
 * judgement of the whole, or every assistant reply valid), as the audit's report counts it.
 * Conversation audits have no adjudication. `disagreement`: the reviewers' verdicts differ.
 */
export function withConversationFinal(q: SqlQuery, scope: AuditScope): string {
	q.with('conversation_latest', () => {
		return `SELECT it.conversation_id AS conversation_id, l.output_valid AS valid, max(l.submitted_at) AS at
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_labels l ON l.item_id = it.id
			WHERE ${labelScopeSql(q, scope, 'conversation')} AND it.conversation_id IS NOT NULL AND l.output_valid IS NOT NULL
			GROUP BY it.conversation_id, l.reviewer_id`;
	});
	q.with('conversation_final', () => {
		return `SELECT conversation_id, count(*) AS labels,
				CASE WHEN sum(valid = 1) > sum(valid = 0) THEN 1 WHEN sum(valid = 0) > sum(valid = 1) THEN 0 END AS valid,
				sum(valid = 1) > 0 AND sum(valid = 0) > 0 AS disagreement
			FROM conversation_latest GROUP BY conversation_id`;
	});
	return 'conversation_final';
}

/** CTE `pairs_judged`: the ids of the pairs a pairwise audit (in scope) has a reviewer's preference on. */
export function withPairsJudged(q: SqlQuery, scope: AuditScope): string {
	q.with('pairs_judged', () => {
		return `SELECT DISTINCT it.pair_id AS pair_id
			FROM audits a JOIN audit_items it ON it.audit_id = a.id JOIN audit_labels l ON l.item_id = it.id
			WHERE ${labelScopeSql(q, scope, 'pairwise')} AND it.pair_id IS NOT NULL AND l.preference IS NOT NULL`;
	});
	return 'pairs_judged';
}
