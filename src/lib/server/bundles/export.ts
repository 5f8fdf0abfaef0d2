/**
 * Writes an audit as a bundle ($lib/audits/bundle): read from one snapshot, so the bundle is the
 * audit as of one instant even while reviewers submit, and handed out line by line as it is read.
 */
import { db, type Db } from '../db';
import { appVersion } from '../exports/version';
import type { RatingLevel } from '$lib/audits/rubric';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleFirstAnswer, type BundleItem, type BundleLabel, type BundleRecord } from '$lib/audits/bundle';
import { firstGoldAnswersOn } from '../audits/routing';
import { labelFirstGuidelinesVersion, labelGuidelinesVersion } from '../audits/guidelines-versions';
import type { PairVerdict } from '$lib/audits/rubric';
import { AuditError } from '../audits/errors';
import { storedFlag } from '../db/stored';
import { openReader } from '../exports/query';
import type { StoredLabel } from '../archive/labels';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

type Answers = { instructionValid: number | null; inputValid: number | null; outputValid: number | null; errorReason: string | null };
const answersOf = (r: Answers) => ({
	instructionValid: storedFlag(r.instructionValid),
	inputValid: storedFlag(r.inputValid),
	outputValid: storedFlag(r.outputValid),
	errorReason: r.errorReason as 'incomprehensible_instruction' | 'input_mismatch' | 'incorrect_output' | 'other' | null
});
type Rating = { model: string; rating: RatingLevel };
type Turn = NonNullable<BundleLabel['turns']>[number];
type StoredTurn = { position: number; valid: number; rating: RatingLevel };
const turnOf = (t: StoredTurn): Turn => ({ position: t.position, valid: t.valid === 1, rating: t.rating });
type ConversationTurn = NonNullable<BundleItem['conversation']>['turns'][number];

function grouped<K, V>(rows: (V & { key: K })[]): Map<K, V[]> {
	const map = new Map<K, V[]>();
	for (const { key, ...rest } of rows) {
		const list = map.get(key) ?? [];
		list.push(rest as unknown as V);
		map.set(key, list);
	}
	return map;
}

/** Items and labels per block of a bundle: each block is read and handed out before the next. */
const BUNDLE_BLOCK = 2_000;

/**
 * Every record of the audit's bundle, header first and end last, read from one snapshot on a
 * connection of its own (released when the records end or are abandoned). Items and labels are
 * read a block at a time: a download of a 100,000-label audit held the server's thread for 1.7 s
 * while its records were gathered, and now hands them out as they are read.
 */
export function* auditBundleRecordStream(auditId: number, database: Db = db()): Generator<BundleRecord> {
	const reader = openReader(database);
	try {
		const c = reader.client;
		const a = c
			.prepare<[number], Record<string, any>>(
				`SELECT a.*, d.name AS datasetName FROM audits a JOIN datasets d ON d.id = a.dataset_id WHERE a.id = ? AND a.status <> 'preparing'`
			)
			.get(auditId);
		if (!a) throw new AuditError('No such audit.', 404, 'not_found');
		// Each kind's own answers, only on its records: a quality or rating bundle reads as before.
		const pairwise = a.kind === 'pairwise';
		const conversation = a.kind === 'conversation';
		const counts = { reviewers: 0, items: 0, gold: 0, labels: 0, skips: 0, adjudications: 0, archivedLabels: 0 };
		yield {
			type: 'audit-bundle',
			format: BUNDLE_FORMAT,
			version: BUNDLE_VERSION,
			exportedAt: new Date().toISOString(),
			appVersion: appVersion().version,
			dataset: { name: a.datasetName },
			audit: {
				name: a.name,
				kind: a.kind,
				status: a.status,
				sampleSize: a.sample_size,
				seed: a.seed,
				instanceMode: a.instance_mode,
				stratify: a.stratify,
				...(a.strata ? { strata: JSON.parse(a.strata) } : {}),
				includeRejected: a.include_rejected === 1,
				models: a.models ? JSON.parse(a.models) : null,
				overlap: a.overlap,
				blind: a.blind === 1,
				leaseSeconds: a.lease_seconds,
				...(conversation ? { conversationUnit: a.conversation_unit } : {}),
				guidelines: a.guidelines,
				guidelinesChangedAt: isoOrNull(a.guidelines_changed_at),
				...guidelinesHistory(c, auditId),
				samplingFrame: a.sampling_frame ? JSON.parse(a.sampling_frame) : null,
				goldRate: a.gold_rate,
				qualification: { items: a.qualification_items, accuracy: a.qualification_accuracy },
				createdAt: iso(a.created_at),
				closedAt: isoOrNull(a.closed_at)
			}
		};
		const reviewers = c
			.prepare<[number], { email: string; name: string; addedAt: number; removedAt: number | null }>(
				`SELECT u.email, u.name, r.added_at AS addedAt, r.removed_at AS removedAt FROM audit_reviewers r JOIN users u ON u.id = r.user_id
				 WHERE r.audit_id = ? ORDER BY u.email`
			)
			.all(auditId);
		for (const r of reviewers) {
			counts.reviewers++;
			yield { type: 'reviewer', email: r.email, name: r.name, addedAt: iso(r.addedAt), removedAt: isoOrNull(r.removedAt) };
		}

		const itemIds = c.prepare<[number], [number, number]>('SELECT id, position FROM audit_items WHERE audit_id = ? ORDER BY position').raw().all(auditId);
		const positionOf = new Map(itemIds.map(([id, position]) => [id, position]));
		const responsesOf = c.prepare<[string], { key: number } & { model: string; response: string }>(
			`SELECT ir.item_id AS key, r.model, r.response FROM audit_item_responses ir JOIN responses r ON r.id = ir.response_id
			 WHERE ir.item_id IN (SELECT value FROM json_each(?)) ORDER BY ir.item_id, ir.position`
		);
		const itemsOf = c.prepare<
			[string],
			{ id: number; position: number; isGold: number; stratum: string | null; shuffleKey: number; instruction: string; input: string | null; output: string | null; prompt: string | null; sourceId: string | null }
		>(
			`SELECT i.id, i.position, i.is_gold AS isGold, i.stratum, i.shuffle_key AS shuffleKey, t.instruction, n.input, n.output, p.prompt, v.source_id AS sourceId
			 FROM audit_items i JOIN tasks t ON t.id = i.task_id LEFT JOIN instances n ON n.id = i.instance_id
			 LEFT JOIN preference_pairs p ON p.id = i.pair_id LEFT JOIN conversations v ON v.id = i.conversation_id
			 WHERE i.id IN (SELECT value FROM json_each(?)) ORDER BY i.position`
		);
		const conversationTurnsOf = c.prepare<[string], { key: number } & ConversationTurn>(
			`SELECT i.id AS key, u.role, u.content, u.source_role AS sourceRole, u.name FROM audit_items i JOIN conversation_turns u ON u.conversation_id = i.conversation_id
			 WHERE i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id, u.position`
		);
		for (let start = 0; start < itemIds.length; start += BUNDLE_BLOCK) {
			const block = JSON.stringify(itemIds.slice(start, start + BUNDLE_BLOCK).map(([id]) => id));
			const responses = grouped<number, { model: string; response: string }>(responsesOf.all(block));
			const dialogues = conversation ? grouped<number, ConversationTurn>(conversationTurnsOf.all(block)) : null;
			for (const i of itemsOf.all(block)) {
				counts.items++;
				yield {
					type: 'item',
					position: i.position,
					isGold: i.isGold === 1,
					stratum: i.stratum,
					shuffleKey: i.shuffleKey,
					instruction: i.instruction,
					input: i.input,
					output: i.output,
					responses: responses.get(i.id) ?? [],
					...(pairwise ? { prompt: i.prompt } : {}),
					...(dialogues ? { conversation: { sourceId: i.sourceId, turns: dialogues.get(i.id) ?? [] } } : {})
				};
			}
		}

		const goldRatings = grouped<number, Rating>(
			c
				.prepare<[number], { key: number } & Rating>(
					`SELECT g.item_id AS key, r.model, g.rating FROM audit_gold_ratings g JOIN responses r ON r.id = g.response_id
					 JOIN audit_items i ON i.id = g.item_id WHERE i.audit_id = ? ORDER BY r.model`
				)
				.all(auditId)
		);
		for (const g of c
			.prepare<[number], Answers & { itemId: number; preference: PairVerdict | null; note: string; createdAt: number }>(
				`SELECT item_id AS itemId, instruction_valid AS instructionValid, input_valid AS inputValid, output_valid AS outputValid,
					error_reason AS errorReason, preference, note, created_at AS createdAt FROM audit_gold_answers WHERE audit_id = ? ORDER BY item_id`
			)
			.all(auditId)) {
			counts.gold++;
			yield {
				type: 'gold',
				item: positionOf.get(g.itemId)!,
				...answersOf(g),
				ratings: goldRatings.get(g.itemId) ?? [],
				...(pairwise ? { preference: g.preference } : {}),
				note: g.note,
				createdAt: iso(g.createdAt)
			};
		}

		const labelIds = c.prepare<[number], number>('SELECT id FROM audit_labels WHERE audit_id = ? ORDER BY id').pluck().all(auditId);
		const ratingsOf = c.prepare<[string], { key: number } & Rating>('SELECT label_id AS key, model, rating FROM audit_label_ratings WHERE label_id IN (SELECT value FROM json_each(?)) ORDER BY label_id, model');
		const turnsOf = c.prepare<[string], { key: number } & StoredTurn>('SELECT label_id AS key, position, valid, rating FROM audit_label_turns WHERE label_id IN (SELECT value FROM json_each(?)) ORDER BY label_id, position');
		const labelsOf = c.prepare<
			[string],
			Answers & { id: number; itemId: number; email: string; preference: PairVerdict | null; comment: string; durationMs: number; activeMs: number; submittedAt: number; updatedAt: number; revision: number; firstGuidelinesVersion: number; guidelinesVersion: number }
		>(
			`SELECT l.id, l.item_id AS itemId, u.email, l.instruction_valid AS instructionValid, l.input_valid AS inputValid,
				l.output_valid AS outputValid, l.error_reason AS errorReason, l.preference, l.comment, l.duration_ms AS durationMs, l.active_ms AS activeMs,
				l.submitted_at AS submittedAt, l.updated_at AS updatedAt, l.revision,
				${labelFirstGuidelinesVersion('l')} AS firstGuidelinesVersion, ${labelGuidelinesVersion('l')} AS guidelinesVersion
			 FROM audit_labels l JOIN users u ON u.id = l.reviewer_id WHERE l.id IN (SELECT value FROM json_each(?)) ORDER BY l.id`
		);
		// Gold labels: the first answer sent, when an edit changed it since (qualification and gold accuracy score it).
		const firstOf = new Map(a.gold_count > 0 ? firstGoldAnswersOn(c, auditId).map((f) => [f.labelId, f.answers]) : []);
		const modelOf = new Map(
			c
				.prepare<[number], [number, string]>(
					`SELECT r.id, r.model FROM audit_item_responses x JOIN audit_items i ON i.id = x.item_id JOIN responses r ON r.id = x.response_id
					 WHERE i.audit_id = ? AND i.is_gold = 1`
				)
				.raw()
				.all(auditId)
		);
		const byModel = (p: Rating, q: Rating) => (p.model < q.model ? -1 : p.model > q.model ? 1 : 0);
		const firstAnswerOf = (labelId: number, current: BundleFirstAnswer): { firstAnswer?: BundleFirstAnswer } => {
			const f = firstOf.get(labelId);
			if (!f) return {};
			const first: BundleFirstAnswer = {
				instructionValid: f.instructionValid,
				inputValid: f.inputValid,
				outputValid: f.outputValid,
				ratings: f.ratings.map((r) => ({ model: modelOf.get(r.responseId)!, rating: r.rating as RatingLevel })).sort(byModel),
				...(pairwise ? { preference: (f.preference ?? null) as PairVerdict | null } : {})
			};
			const same =
				first.instructionValid === current.instructionValid &&
				first.inputValid === current.inputValid &&
				first.outputValid === current.outputValid &&
				(first.preference ?? null) === (current.preference ?? null) &&
				JSON.stringify(first.ratings) === JSON.stringify([...current.ratings].sort(byModel));
			return same ? {} : { firstAnswer: first };
		};
		for (let start = 0; start < labelIds.length; start += BUNDLE_BLOCK) {
			const block = JSON.stringify(labelIds.slice(start, start + BUNDLE_BLOCK));
			const labelRatings = grouped<number, Rating>(ratingsOf.all(block));
			const labelTurns = conversation ? grouped<number, StoredTurn>(turnsOf.all(block)) : null;
			for (const l of labelsOf.all(block)) {
				counts.labels++;
				const answers = { ...answersOf(l), ratings: labelRatings.get(l.id) ?? [], ...(pairwise ? { preference: l.preference } : {}) };
				yield {
					type: 'label',
					item: positionOf.get(l.itemId)!,
					reviewer: l.email,
					...answers,
					...(labelTurns ? { turns: (labelTurns.get(l.id) ?? []).map(turnOf) } : {}),
					...firstAnswerOf(l.id, answers),
					comment: l.comment,
					durationMs: l.durationMs,
					activeMs: l.activeMs,
					submittedAt: iso(l.submittedAt),
					updatedAt: iso(l.updatedAt),
					revision: l.revision,
					firstGuidelinesVersion: l.firstGuidelinesVersion,
					guidelinesVersion: l.guidelinesVersion
				};
			}
		}

		for (const s of c
			.prepare<[number], { itemId: number; email: string; reason: string | null; at: number | null }>(
				`SELECT s.item_id AS itemId, u.email, s.skip_reason AS reason, s.finished_at AS at FROM audit_assignments s JOIN users u ON u.id = s.reviewer_id
				 WHERE s.audit_id = ? AND s.status = 'skipped' ORDER BY s.id`
			)
			.all(auditId)) {
			counts.skips++;
			yield { type: 'skip', item: positionOf.get(s.itemId)!, reviewer: s.email, reason: s.reason, at: isoOrNull(s.at) };
		}

		const adjudicationRatings = grouped<number, Rating>(
			c
				.prepare<[number], { key: number } & Rating>(
					`SELECT ar.adjudication_id AS key, ar.model, ar.rating FROM audit_adjudication_ratings ar
					 JOIN audit_adjudications j ON j.id = ar.adjudication_id WHERE j.audit_id = ? ORDER BY ar.adjudication_id, ar.model`
				)
				.all(auditId)
		);
		for (const j of c
			.prepare<[number], Answers & { id: number; itemId: number; email: string | null; comment: string; createdAt: number; updatedAt: number }>(
				`SELECT j.id, j.item_id AS itemId, u.email, j.instruction_valid AS instructionValid, j.input_valid AS inputValid,
					j.output_valid AS outputValid, j.error_reason AS errorReason, j.comment, j.created_at AS createdAt, j.updated_at AS updatedAt
				 FROM audit_adjudications j LEFT JOIN users u ON u.id = j.adjudicator_id WHERE j.audit_id = ? ORDER BY j.id`
			)
			.all(auditId)) {
			counts.adjudications++;
			yield {
				type: 'adjudication',
				item: positionOf.get(j.itemId)!,
				adjudicator: j.email,
				...answersOf(j),
				ratings: adjudicationRatings.get(j.id) ?? [],
				comment: j.comment,
				createdAt: iso(j.createdAt),
				updatedAt: iso(j.updatedAt)
			};
		}

		// Set-aside labels of removed reviewers, as archived (audit_archived_labels keeps the label row and its ratings as JSON).
		for (const x of c
			.prepare<[number], { itemId: number; email: string; label: string; archivedAt: number; archivedBy: string | null }>(
				`SELECT x.item_id AS itemId, u.email, x.label, x.archived_at AS archivedAt, b.email AS archivedBy FROM audit_archived_labels x
				 JOIN users u ON u.id = x.reviewer_id LEFT JOIN users b ON b.id = x.archived_by WHERE x.audit_id = ? ORDER BY x.id`
			)
			.all(auditId)) {
			const l = JSON.parse(x.label) as StoredLabel;
			counts.archivedLabels++;
			yield {
				type: 'archived-label',
				item: positionOf.get(x.itemId)!,
				reviewer: x.email,
				...answersOf({ instructionValid: l.instruction_valid, inputValid: l.input_valid, outputValid: l.output_valid, errorReason: l.error_reason }),
				ratings: l.ratings.map((r) => ({ model: r.model, rating: r.rating as RatingLevel })).sort((p, q) => (p.model < q.model ? -1 : p.model > q.model ? 1 : 0)),
				...(pairwise ? { preference: (l.preference ?? null) as PairVerdict | null } : {}),
				...(conversation ? { turns: (l.turns ?? []).map((t) => turnOf({ ...t, rating: t.rating as RatingLevel })) } : {}),
				comment: l.comment,
				durationMs: l.duration_ms,
				activeMs: l.active_ms,
				submittedAt: iso(l.submitted_at),
				updatedAt: iso(l.updated_at),
				revision: l.revision,
				archivedAt: iso(x.archivedAt),
				archivedBy: x.archivedBy
			};
		}

		yield { type: 'end', counts };
	} finally {
		reader.close();
	}
}

/** Every record of the audit's bundle, header first and end last. */
export function auditBundleRecords(auditId: number, database: Db = db()): BundleRecord[] {
	return [...auditBundleRecordStream(auditId, database)];
}

/** The bundle as JSON Lines text, one line at a time. */
export function* auditBundleLines(auditId: number, database: Db = db()): Generator<string> {
	for (const record of auditBundleRecordStream(auditId, database)) yield JSON.stringify(record) + '\n';
}

/** The name of an audit a bundle can be written of (refused like the bundle: unknown, or still being prepared). */
export function auditName(auditId: number, database: Db = db()): string {
	const row = database.$client.prepare<[number], { name: string }>("SELECT name FROM audits WHERE id = ? AND status <> 'preparing'").get(auditId);
	if (row === undefined) throw new AuditError('No such audit.', 404, 'not_found');
	return row.name;
}

/** A file name for the bundle: audit-12-pilot-audit.bundle.jsonl. */
export function bundleFileName(auditId: number, name: string): string {
	const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
	return `audit-${auditId}${slug ? `-${slug}` : ''}.bundle.jsonl`;
}

/** The audit's guidelines versions for its bundle (none kept: the key is left out, as an unchanged audit's bundle always had it). */
function guidelinesHistory(c: Db['$client'], auditId: number): { guidelinesHistory?: Array<{ version: number; text: string; savedAt: string; savedBy: string | null }> } {
	const rows = c
		.prepare<[number], { version: number; text: string; savedAt: number; savedBy: string | null }>(
			'SELECT v.version, v.text, v.saved_at AS savedAt, u.email AS savedBy FROM audit_guidelines_versions v LEFT JOIN users u ON u.id = v.saved_by WHERE v.audit_id = ? ORDER BY v.version'
		)
		.all(auditId);
	return rows.length ? { guidelinesHistory: rows.map((r) => ({ version: r.version, text: r.text, savedAt: iso(r.savedAt), savedBy: r.savedBy })) } : {};
}
