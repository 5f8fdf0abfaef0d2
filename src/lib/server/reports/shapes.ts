/**
 * The report sections of conversation and pairwise audits, read from their own tables (turn
 * judgements, preferences). The report pages ask the report thread for them (./threads), which
 * reads a large audit's labels there: 100,000 preferences took 0.6 s of the server's thread.
 */
import type { Db } from '../db';
import type { AuditKind, AuditReport } from '$lib/reports';
import { conversationReport, pairwiseReport, type ConversationLabel, type ConversationReport, type PairwiseLabel, type PairwiseReport } from '$lib/reports/shapes';

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
	if (kind === 'pairwise') return { pairwise: pairwiseReport(loadPairwiseLabels(auditId, database), confidence) };
	return null;
}

/** The report with its audit's own sections in place of the quality and rating ones. */
export function withShapeSections(report: AuditReport, sections: ShapeSections): AuditReport {
	if (sections === null) return report;
	return { ...report, quality: null, rating: null, ...sections };
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
	const byLabel = new Map<number, ConversationLabel>();
	for (const r of rows) {
		let label = byLabel.get(r.id);
		if (!label) byLabel.set(r.id, (label = { itemId: r.itemId, reviewerId: r.reviewerId, turns: [] }));
		label.turns.push({ valid: r.valid === 1, rating: r.rating });
	}
	return [...byLabel.values()];
}

/** Pairwise labels on sampled items, with the models of the pair's two responses. */
function loadPairwiseLabels(auditId: number, database: Db): PairwiseLabel[] {
	return database.$client
		.prepare<[number], PairwiseLabel>(
			`SELECT l.item_id AS itemId, l.reviewer_id AS reviewerId, l.preference, ra.model AS modelA, rb.model AS modelB
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id
			 JOIN preference_pairs p ON p.id = i.pair_id JOIN responses ra ON ra.id = p.response_a_id JOIN responses rb ON rb.id = p.response_b_id
			 WHERE l.audit_id = ? AND i.is_gold = 0 AND l.preference IS NOT NULL ORDER BY l.id`
		)
		.all(auditId);
}
