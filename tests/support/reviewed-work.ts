/**
 * A database holding every kind of reviewed work, for the tests that must prove none of it is
 * lost: a quality audit (three reviewers, skips, a gold item, an adjudication), a rating audit
 * (per-response ratings and an adjudication with ratings), an unsent draft, and a dataset with an
 * audit nobody has worked on. Built through the app's own write paths.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/lib/server/db';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from './audit-fixtures';
import { setAdjudication } from '../../src/lib/server/reports';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, saveDraft } from '../../src/lib/server/audits/routing';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from './db';

export interface ReviewedWork {
	quality: BuiltAudit;
	rating: BuiltAudit;
	/** A dataset with one audit and no work in it (deletable). */
	idle: { datasetId: number; auditId: number };
	researcherId: number;
	adminId: number;
}

export const RATING_PLAN = {
	tasks: ['r1', 'r2', 'r3', 'r4'].map((key) => ({ key, classification: null })),
	models: ['m1', 'm2'],
	reviewers: ['Dee', 'Eli'],
	overlap: 2,
	labels: {
		r1: { Dee: { ratings: { m1: 'A', m2: 'C' } }, Eli: { ratings: { m1: 'A', m2: 'B' } } },
		r2: { Dee: { ratings: { m1: 'B', m2: 'B' } }, Eli: { ratings: { m1: 'B', m2: 'D' } } },
		r3: { Dee: { ratings: { m1: 'A', m2: 'D' } } }
	}
} as const;

export function makeAccount(db: Db, role: 'admin' | 'researcher' | 'reviewer', email = `${role}-${randomUUID().slice(0, 8)}@example.org`): number {
	return (db.$client
		.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, '', ?, 'not-a-hash', ?) RETURNING id`)
		.get(email, role, Date.now()) as { id: number }).id;
}

export async function buildReviewedWork(db: Db, prefix = 'kept'): Promise<ReviewedWork> {
	const researcherId = makeAccount(db, 'researcher');
	const adminId = makeAccount(db, 'admin');
	const quality = await buildQualityAudit(db, { ...QUALITY_AUDIT_PLAN, datasetName: `${prefix} quality`, name: 'Quality audit' });
	setAdjudication(quality.auditId, quality.items.t2, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output', comment: 'checked' }, db);
	const rating = await buildRatingAudit(db, {
		...RATING_PLAN,
		tasks: [...RATING_PLAN.tasks],
		models: [...RATING_PLAN.models],
		reviewers: [...RATING_PLAN.reviewers],
		labels: RATING_PLAN.labels as never,
		datasetName: `${prefix} rating`,
		name: 'Rating audit'
	});
	setAdjudication(
		rating.auditId,
		rating.items.r2,
		researcherId,
		{ kind: 'rating', ratings: [{ responseId: rating.responses.r2.m1, rating: 'B' }, { responseId: rating.responses.r2.m2, rating: 'C' }] },
		db
	);
	// An unsent draft: a new reviewer takes an item of the rating audit and types half an answer.
	const drafter = makeAccount(db, 'reviewer');
	db.$client.prepare('INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at) VALUES (?, ?, 1, ?)').run(rating.auditId, drafter, Date.now());
	const next = nextAssignment(rating.auditId, drafter, {}, db);
	if (next.status !== 'assigned') throw new Error('the drafter got no item');
	saveDraft(rating.auditId, drafter, next.ref, { kind: 'rating', ratings: ['A', null], comment: 'half done' }, {}, db);

	const idleData = await importFile(streamOf(jsonl([{ instruction: 'An idle task.', input: '', output: 'done' }])), { datasetName: `${prefix} idle`, fileName: 'idle.jsonl' }, db);
	const reviewer = makeAccount(db, 'reviewer');
	const idleAudit = createAudit({ datasetId: idleData.datasetId, kind: 'quality', sampleSize: 1, seed: 1, reviewerIds: [reviewer] }, db);
	return { quality, rating, idle: { datasetId: idleData.datasetId, auditId: idleAudit.id }, researcherId, adminId };
}

/** Row counts of the tables that hold people's work, for one audit. */
export function workCounts(db: Db, auditId: number) {
	const n = (table: string) => db.$client.prepare(`SELECT count(*) FROM ${table} WHERE audit_id = ?`).pluck().get(auditId) as number;
	return {
		labels: n('audit_labels'),
		ratings: n('audit_label_ratings'),
		submissions: n('audit_submissions'),
		adjudications: n('audit_adjudications'),
		archived: n('audit_archived_labels'),
		drafts: db.$client.prepare('SELECT count(*) FROM audit_assignments WHERE audit_id = ? AND draft IS NOT NULL').pluck().get(auditId) as number
	};
}
