/**
 * The report sections of conversation and pairwise audits, read from their own tables (turn
 * judgements, preferences). The report pages ask the report thread for them (./threads), which
 * reads a large audit's labels there: 100,000 preferences took 0.6 s of the server's thread.
 */
import type { Db } from '../db';
import { reviewersNotCountedIn } from '../audits/routing';
import { screenChoice } from '$lib/audits/order';
import type { AuditKind, AuditReport, ItemVerdict } from '$lib/reports';
import { conversationItemVerdicts, conversationReport, pairwiseItemVerdicts, pairwiseReport, type ConversationLabel, type ConversationReport, type PairwiseLabel, type PairwiseReport } from '$lib/reports/shapes';

/** A conversation audit's section, or a pairwise audit's. */
export type ShapeSections = { conversation: ConversationReport } | { pairwise: PairwiseReport } | null;

/** Whether audits of this kind have sections of their own in place of the quality and rating ones. */
export function hasShapeSections(kind: AuditKind): boolean {
	return kind === 'conversation' || kind === 'pairwise';
}

/** The audit's own sections (null for quality and rating audits). */
export function shapeSections(auditId: number, kind: AuditKind, confidence: number, database: Db): ShapeSections {
	if (kind === 'conversation') {
		const unit = database.$client.prepare<[number], 'turn' | 'conversation'>('SELECT conversation_unit FROM audits WHERE id = ?').pluck().get(auditId)!;
		return { conversation: conversationReport(loadConversationLabels(auditId, database), confidence, unit) };
	}
	if (kind === 'pairwise') {
		const blind = database.$client.prepare<[number], number>('SELECT blind FROM audits WHERE id = ?').pluck().get(auditId) === 1;
		return { pairwise: pairwiseReport(loadPairwiseLabels(auditId, database), confidence, blind ? 'shuffled' : 'fixed') };
	}
	return null;
}

/** The report with its audit's own sections in place of the quality and rating ones. */
export function withShapeSections(report: AuditReport, sections: ShapeSections): AuditReport {
	if (sections === null) return report;
	// A conversation's tie is its reviewers splitting on the conversation as a whole (what its section counts both ways).
	const basis = 'conversation' in sections ? { ...report.basis, tied: sections.conversation.conversations.majority.tied } : report.basis;
	const replies = 'conversation' in sections ? sections.conversation.replyAgreementByReviewer : null;
	// Each reviewer's agreement on replies sits beside their agreement on the whole conversation.
	const byReviewer = new Map(replies?.map(({ reviewerId, ...a }) => [reviewerId, a]));
	const reviewers = replies ? report.reviewers.map((r) => ({ ...r, replyAgreement: byReviewer.get(r.reviewerId) ?? { value: null, pairs: 0, items: 0 } })) : report.reviewers;
	return { ...report, basis, reviewers, quality: null, rating: null, ...sections };
}

/**
 * The items download's verdicts of a pairwise or conversation audit: each item's leading choice,
 * or its majority on the conversation and on each reply, read from their own tables (the quality
 * and rating fields stay empty). Other kinds' verdicts are returned as they are.
 */
export function withShapeVerdicts(auditId: number, kind: AuditKind, verdicts: readonly ItemVerdict[], database: Db): ItemVerdict[] {
	const basisOf = (labels: number): ItemVerdict['basis'] => (labels === 0 ? 'none' : labels === 1 ? 'single' : 'majority');
	if (kind === 'pairwise') {
		const byItem = new Map(pairwiseItemVerdicts(loadPairwiseLabels(auditId, database)).map((v) => [v.itemId, v]));
		return verdicts.map(({ ratingsByResponse: _, ...v }) => {
			const found = byItem.get(v.itemId);
			if (!found) return { ...v, labels: 0, basis: 'none', tie: false, ties: [] };
			const { itemId: __, labels, split, ...pairwise } = found;
			return { ...v, labels, basis: basisOf(labels), tie: split, ties: split ? ['preference'] : [], pairwise };
		});
	}
	if (kind === 'conversation') {
		const unit = database.$client.prepare<[number], 'turn' | 'conversation'>('SELECT conversation_unit FROM audits WHERE id = ?').pluck().get(auditId)!;
		const byItem = new Map(conversationItemVerdicts(loadConversationLabels(auditId, database), unit).map((v) => [v.itemId, v]));
		return verdicts.map(({ ratingsByResponse: _, ...v }) => {
			const found = byItem.get(v.itemId);
			if (!found) return { ...v, labels: 0, basis: 'none', tie: false, ties: [] };
			const { itemId: __, labels, ...conversation } = found;
			const ties = [...(conversation.conversation.tie ? ['conversation'] : []), ...conversation.replies.filter((r) => r.tie).map((r) => `reply ${r.reply}`)];
			return { ...v, labels, basis: basisOf(labels), tie: ties.length > 0, ties, conversation };
		});
	}
	return [...verdicts];
}

/** Conversation labels on sampled items: each reviewer's judgements of the assistant replies, in order. */
function loadConversationLabels(auditId: number, database: Db): ConversationLabel[] {
	const rows = database.$client
		.prepare<[number], { id: number; itemId: number; reviewerId: number; valid: number; rating: ConversationLabel['turns'][number]['rating'] }>(
			`SELECT l.id, l.item_id AS itemId, l.reviewer_id AS reviewerId, t.valid, t.rating
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN audit_label_turns t ON t.label_id = l.id
			 WHERE l.audit_id = ? AND i.is_gold = 0 ORDER BY l.id, t.position`
		)
		.all(auditId);
	// A reviewer who has not passed the audit's qualification step does not count, as in the rest of the report (qualifiedInput).
	const notCounted = reviewersNotCountedIn(database, auditId);
	const byLabel = new Map<number, ConversationLabel>();
	for (const r of rows) {
		if (notCounted.has(r.reviewerId)) continue;
		let label = byLabel.get(r.id);
		if (!label) byLabel.set(r.id, (label = { itemId: r.itemId, reviewerId: r.reviewerId, turns: [] }));
		label.turns.push({ valid: r.valid === 1, rating: r.rating });
	}
	return [...byLabel.values()];
}

/** The models of each sampled item's pair (A's, B's), by item id. */
type PairModels = Map<number, readonly [string, string]>;

/**
 * Per connection, the pair models of the last pairwise audits read. An audit's items and their
 * pairs are written once, when it is created (ids are never reused), so they are read again only
 * when the item count differs: a report after one preference changed reads its labels alone
 * (0.13 s at 100,000) rather than joining each to its pair's two responses (0.3–0.5 s).
 */
const pairModelsKept = new WeakMap<Db['$client'], Map<number, { items: number; models: PairModels }>>();
const PAIR_AUDITS_KEPT = 4;

function pairModelsOf(auditId: number, database: Db): PairModels {
	const c = database.$client;
	const items = c.prepare<[number], number>('SELECT count(*) FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().get(auditId)!;
	let kept = pairModelsKept.get(c);
	if (!kept) pairModelsKept.set(c, (kept = new Map()));
	const found = kept.get(auditId);
	if (found?.items === items) return found.models;
	const models: PairModels = new Map();
	for (const [itemId, modelA, modelB] of c
		.prepare<[number], [number, string, string]>(
			`SELECT i.id, ra.model, rb.model FROM audit_items i
			 JOIN preference_pairs p ON p.id = i.pair_id JOIN responses ra ON ra.id = p.response_a_id JOIN responses rb ON rb.id = p.response_b_id
			 WHERE i.audit_id = ? AND i.is_gold = 0`
		)
		.raw()
		.iterate(auditId)) {
		models.set(itemId, [modelA, modelB]);
	}
	kept.delete(auditId);
	kept.set(auditId, { items, models });
	while (kept.size > PAIR_AUDITS_KEPT) kept.delete(kept.keys().next().value!);
	return models;
}

/** Pairwise labels on sampled items, with the models of the pair's two responses, in label order. */
function loadPairwiseLabels(auditId: number, database: Db): PairwiseLabel[] {
	const models = pairModelsOf(auditId, database);
	const audit = database.$client.prepare<[number], { blind: number; imported: number }>('SELECT blind, imported_at IS NOT NULL AS imported FROM audits WHERE id = ?').get(auditId)!;
	// The order a reviewer saw is derived from their id and the item's; an audit imported from a bundle has both renumbered, so its sides are unknown.
	const sides = audit.imported === 0;
	const notCounted = reviewersNotCountedIn(database, auditId);
	const labels: PairwiseLabel[] = [];
	for (const [itemId, reviewerId, preference] of database.$client
		.prepare<[number], [number, number, PairwiseLabel['preference']]>('SELECT item_id, reviewer_id, preference FROM audit_labels WHERE audit_id = ? AND preference IS NOT NULL ORDER BY id')
		.raw()
		.iterate(auditId)) {
		if (notCounted.has(reviewerId)) continue;
		const pair = models.get(itemId);
		// Gold items are not in the map: their labels score reviewers, not the models.
		if (pair) labels.push({ itemId, reviewerId, preference, modelA: pair[0], modelB: pair[1], ...(sides ? { screenChoice: screenChoice(preference, reviewerId, itemId, audit.blind === 1) } : {}) });
	}
	return labels;
}
