/**
 * The audit bundle: a whole audit as JSON Lines, to move it to another installation or merge two
 * labs' reviews. One record per line, told apart by `type`:
 *
 *   {"type":"audit-bundle","format":"instruct-audit/audit-bundle","version":1, "audit":{…settings, guidelines}, "dataset":{"name"}, …}
 *   {"type":"reviewer","email","name","addedAt","removedAt"}      every reviewer of the audit
 *   {"type":"item","position","isGold","stratum","shuffleKey","instruction","input","output","responses":[{"model","response"}]}
 *        pairwise items: responses are the pair's A then B, and "prompt" is the pair's own (version 3);
 *        conversation items: "conversation":{"sourceId","turns":[{"role","content","sourceRole","name"}]} (version 3)
 *   {"type":"gold","item":<position>, answers or ratings (pairwise: "preference"), "note"}
 *   {"type":"label","item":<position>,"reviewer":<email>, answers or ratings, "comment", times,
 *        "firstGuidelinesVersion","guidelinesVersion"}   (the guidelines version when first given and last changed; optional)
 *        pairwise: "preference" (a, b, tie, both_bad in the pair's A/B order); conversation: "outputValid" (the
 *        whole conversation) and "turns":[{"position","valid","rating"}] (position -1: judged as a whole) (version 3)
 *        gold items: "firstAnswer" (answers or ratings, "preference") when the first answer sent differs
 *        from the label's current one, as qualification and gold accuracy score it (absent: the same)
 *   {"type":"skip","item":<position>,"reviewer":<email>,"reason","at"}
 *   {"type":"adjudication","item":<position>,"adjudicator":<email|null>, answers or ratings, "comment", times}
 *   {"type":"archived-label", as a label, "archivedAt","archivedBy":<email|null>}  a removed reviewer's set-aside label (version 2)
 *   {"type":"end","counts":{…}}                                   so a cut-off file is refused
 *
 * Items carry their text (instruction, input, output, responses), not ids: the importing side
 * finds them in its own dataset by instruction and input. Reviewers are named by email. Times
 * are ISO 8601. Ratings name the response by model. This module only defines and checks the
 * records; reading and writing the database is in $lib/server/bundles.
 */
import { z } from 'zod';
import { PAIR_VERDICTS, REASON_KEYS, RATING_KEYS, WHOLE_CONVERSATION_POSITION } from './rubric';
import { TURN_ROLES } from '../formats/types';
import type { RatingLevel } from './rubric';
import type { Answer } from './answers';
import { choiceFromVerdict } from './order';

export const BUNDLE_FORMAT = 'instruct-audit/audit-bundle';
/**
 * 2: set-aside labels (archived-label records, counted at the end). 3: pairwise and conversation
 * audits (their pairs, conversations, preferences and per-turn verdicts). Older bundles are still read.
 */
export const BUNDLE_VERSION = 3;
const BUNDLE_VERSIONS = [1, 2, 3] as const;

/** The audit kinds a bundle carries whole (every kind there is). */
export const BUNDLE_KINDS = ['quality', 'rating', 'conversation', 'pairwise'] as const;

const time = z.iso.datetime();
const answer = z.boolean().nullable();
const reason = z.enum(REASON_KEYS).nullable();
const ratings = z.array(z.object({ model: z.string().min(1), rating: z.enum(RATING_KEYS) }));
const position = z.number().int().min(0);
const email = z.string().min(3).max(320);

export const headerRecord = z.object({
	type: z.literal('audit-bundle'),
	format: z.literal(BUNDLE_FORMAT),
	version: z.union(BUNDLE_VERSIONS.map((v) => z.literal(v))),
	exportedAt: time,
	appVersion: z.string(),
	dataset: z.object({ name: z.string() }),
	audit: z.object({
		name: z.string().min(1).max(200),
		kind: z.enum(BUNDLE_KINDS),
		status: z.enum(['open', 'closed']),
		sampleSize: z.number().int().min(1),
		seed: z.number().int().min(0),
		instanceMode: z.enum(['one', 'all']),
		stratify: z.enum(['none', 'classification', 'verdict']),
		/** Verdict stratification: each stratum's population and size when drawn (absent otherwise). */
		strata: z.array(z.object({ key: z.string(), population: z.number().int().min(0), size: z.number().int().min(0) })).nullable().optional(),
		includeRejected: z.boolean(),
		models: z.array(z.string()).nullable(),
		overlap: z.number().int().min(1),
		blind: z.boolean(),
		leaseSeconds: z.number().int().min(1),
		/** Conversation audits: each assistant reply judged, or the conversation as a whole (absent: per reply). */
		conversationUnit: z.enum(['turn', 'conversation']).optional(),
		guidelines: z.string(),
		/** When the guidelines were last edited after creation (absent or null: never, or not recorded). */
		guidelinesChangedAt: time.nullable().optional(),
		/** Every version of the guidelines once they were changed, oldest first (absent: never changed, or an older bundle). */
		guidelinesHistory: z
			// savedBy: the email of who saved the version (absent in older bundles; null when not recorded).
			.array(z.object({ version: z.number().int().min(1), text: z.string(), savedAt: time, savedBy: z.string().nullable().optional() }))
			.refine((list) => list.every((v, i) => i === 0 || v.version > list[i - 1].version), 'The guidelines versions must be numbered in increasing order.')
			.optional(),
		/** The sampling frame when the sample was drawn (absent: not recorded). */
		samplingFrame: z.object({ units: z.number().int().min(0), choices: z.number().int().min(0), filtered: z.boolean(), goldExcluded: z.number().int().min(0).optional(), rejectedExcluded: z.number().int().min(0).optional() }).nullable().optional(),
		goldRate: z.number().min(0).max(1),
		/**
		 * The qualification step: each reviewer's first `items` gold items decide whether their labels
		 * count, from `accuracy` right (absent: an older bundle, or none — items 0).
		 */
		qualification: z.object({ items: z.number().int().min(0), accuracy: z.number().gt(0).max(1) }).optional(),
		createdAt: time,
		closedAt: time.nullable()
	})
});

export const reviewerRecord = z.object({
	type: z.literal('reviewer'),
	email,
	name: z.string(),
	addedAt: time,
	removedAt: time.nullable()
});

export const itemRecord = z.object({
	type: z.literal('item'),
	position,
	isGold: z.boolean(),
	stratum: z.string().nullable(),
	shuffleKey: z.number().int().min(0).max(2 ** 32 - 1),
	instruction: z.string().min(1),
	/** The instance shown; null for a rating item without a known instance. */
	input: z.string().nullable(),
	output: z.string().nullable(),
	responses: z.array(z.object({ model: z.string().min(1), response: z.string() })),
	/** Pairwise items: the pair's prompt as its source gave it (null for pairs built from a dataset's responses). */
	prompt: z.string().nullable().optional(),
	/** Conversation items: the dialogue judged, every turn as text (found again by its turns). */
	conversation: z
		.object({
			sourceId: z.string().nullable(),
			turns: z.array(z.object({ role: z.enum(TURN_ROLES as unknown as [string, ...string[]]), content: z.string(), sourceRole: z.string().nullable(), name: z.string().nullable() })).min(1)
		})
		.optional()
});

/** Pairwise: the verdict in the pair's own A/B order (absent for other kinds). */
const preference = z.enum(PAIR_VERDICTS).nullable().optional();
/** Conversation: each assistant turn's verdict by its position in the conversation (WHOLE_CONVERSATION_POSITION: the dialogue as a whole). */
const turns = z.array(z.object({ position: z.number().int().min(WHOLE_CONVERSATION_POSITION), valid: z.boolean(), rating: z.enum(RATING_KEYS) })).optional();
const answers = { instructionValid: answer, inputValid: answer, outputValid: answer, errorReason: reason, ratings, preference };

export const goldRecord = z.object({ type: z.literal('gold'), item: position, ...answers, note: z.string(), createdAt: time });

/**
 * A gold label's first answer sent, in the label's own terms (ratings by model, the pair's own A/B
 * order; conversation: the verdict on the whole dialogue as outputValid). Qualification and gold
 * accuracy score it rather than the answer as later edited (My labels).
 */
export const firstAnswerRecord = z.object({ instructionValid: answer, inputValid: answer, outputValid: answer, ratings, preference });

export const labelRecord = z.object({
	type: z.literal('label'),
	item: position,
	reviewer: email,
	...answers,
	turns,
	/** Gold items: the first answer sent, when it differs from the current one (optional: older bundles carry none). */
	firstAnswer: firstAnswerRecord.optional(),
	comment: z.string(),
	durationMs: z.number().int().min(0),
	activeMs: z.number().int().min(0),
	submittedAt: time,
	updatedAt: time,
	revision: z.number().int().min(1),
	/**
	 * The guidelines version in force when the label was first given and when it was last changed (0:
	 * an earlier text that was not kept). Absent in older bundles: counted from the label's times.
	 */
	firstGuidelinesVersion: z.number().int().min(0).nullable().optional(),
	guidelinesVersion: z.number().int().min(0).nullable().optional()
});

/** A label set aside when its reviewer was removed: it does not count, but can be brought back. */
export const archivedLabelRecord = labelRecord.extend({ type: z.literal('archived-label'), archivedAt: time, archivedBy: email.nullable() });

export const skipRecord = z.object({ type: z.literal('skip'), item: position, reviewer: email, reason: z.string().nullable(), at: time.nullable() });

export const adjudicationRecord = z.object({
	type: z.literal('adjudication'),
	item: position,
	adjudicator: email.nullable(),
	...answers,
	comment: z.string(),
	createdAt: time,
	updatedAt: time
});

export const endRecord = z.object({
	type: z.literal('end'),
	counts: z.object({
		reviewers: z.number().int(),
		items: z.number().int(),
		gold: z.number().int(),
		labels: z.number().int(),
		skips: z.number().int(),
		adjudications: z.number().int(),
		/** Version 2 on; absent in version 1 (no set-aside labels were written). */
		archivedLabels: z.number().int().optional()
	})
});

export type BundleHeader = z.infer<typeof headerRecord>;
export type BundleReviewer = z.infer<typeof reviewerRecord>;
export type BundleItem = z.infer<typeof itemRecord>;
export type BundleGold = z.infer<typeof goldRecord>;
export type BundleLabel = z.infer<typeof labelRecord>;
export type BundleFirstAnswer = z.infer<typeof firstAnswerRecord>;
export type BundleSkip = z.infer<typeof skipRecord>;
export type BundleArchivedLabel = z.infer<typeof archivedLabelRecord>;
export type BundleAdjudication = z.infer<typeof adjudicationRecord>;
export type BundleEnd = z.infer<typeof endRecord>;
export type BundleRecord = BundleHeader | BundleReviewer | BundleItem | BundleGold | BundleLabel | BundleSkip | BundleAdjudication | BundleArchivedLabel | BundleEnd;

const bodyRecords = { reviewer: reviewerRecord, item: itemRecord, gold: goldRecord, label: labelRecord, skip: skipRecord, adjudication: adjudicationRecord, 'archived-label': archivedLabelRecord, end: endRecord } as const;

/**
 * An item as messages name it: numbered from 1, as the pages do ("Item 3"), with the 0-based
 * position the bundle's records hold (an item's "position", the others' "item") to find it in the file.
 */
export const bundleItemName = (position: number) => `item ${position + 1} (position ${position})`;

/** How far ahead of this installation's clock another's may run before a date counts as in the future. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A bundle that cannot be read, with where: the line and the field. */
export class BundleFormatError extends Error {
	constructor(
		readonly problem: string,
		readonly line: number,
		readonly field?: string
	) {
		super(`line ${line}${field ? `, ${field}` : ''}: ${problem}`);
		this.name = 'BundleFormatError';
	}
}

/** The parts of a bundle, gathered record by record with their lines checked as they come. */
export interface Bundle {
	header: BundleHeader;
	reviewers: BundleReviewer[];
	items: BundleItem[];
	gold: BundleGold[];
	labels: BundleLabel[];
	skips: BundleSkip[];
	adjudications: BundleAdjudication[];
	archivedLabels: BundleArchivedLabel[];
}

/**
 * Reads a bundle line by line: the header first, the end record last, every record checked
 * against its shape, references to items and reviewers checked against the records before them
 * (items come before anything that names them), and the end's counts against what was read.
 */
export class BundleReader {
	private bundle: Partial<Bundle> & Omit<Bundle, 'header'> = { reviewers: [], items: [], gold: [], labels: [], skips: [], adjudications: [], archivedLabels: [] };
	private positions = new Set<number>();
	private emails = new Set<string>();
	private ended = false;
	private lastLine = 0;

	/** `now`: labels, skips and adjudications dated after it (give or take CLOCK_SKEW_MS) are refused. */
	constructor(private readonly now: number = Date.now()) {}

	/** A date a record cannot have yet: its line and field are named. */
	private notInFuture(iso: string | null, line: number, field: string): void {
		if (iso !== null && Date.parse(iso) > this.now + CLOCK_SKEW_MS) throw new BundleFormatError(`${field} ${iso} is in the future`, line, field);
	}

	push(text: string, line: number): void {
		this.lastLine = line;
		if (this.ended) throw new BundleFormatError('text after the end record', line);
		let raw: unknown;
		try {
			raw = JSON.parse(text);
		} catch {
			throw new BundleFormatError('not valid JSON', line);
		}
		const type = (raw as { type?: unknown } | null)?.type;
		if (!this.bundle.header) {
			if (type !== 'audit-bundle') throw new BundleFormatError(`the first line must be the bundle header ({"type":"audit-bundle",…}); this is not an audit bundle`, line);
			const version = (raw as { version?: unknown }).version;
			if (!(BUNDLE_VERSIONS as readonly unknown[]).includes(version)) throw new BundleFormatError(unsupportedVersion(version), line, 'version');
			this.bundle.header = parseWith(headerRecord, raw, line);
			return;
		}
		if (typeof type !== 'string' || !(type in bodyRecords)) throw new BundleFormatError(`unknown record type ${JSON.stringify(type)}`, line, 'type');
		const record = parseWith(bodyRecords[type as keyof typeof bodyRecords], raw, line) as Exclude<BundleRecord, BundleHeader>;
		const b = this.bundle;
		if (record.type === 'reviewer') {
			record.email = record.email.trim().toLowerCase();
			if (this.emails.has(record.email)) throw new BundleFormatError(`reviewer ${record.email} is listed twice`, line, 'email');
			this.emails.add(record.email);
			b.reviewers.push(record);
		} else if (record.type === 'item') {
			if (this.positions.has(record.position)) throw new BundleFormatError(`${bundleItemName(record.position)} is listed twice`, line, 'position');
			this.positions.add(record.position);
			b.items.push(record);
		} else if (record.type === 'end') {
			this.ended = true;
			this.checkCounts(record, line);
		} else {
			if (!this.positions.has(record.item)) throw new BundleFormatError(`${bundleItemName(record.item)} is not in the bundle (items come before what refers to them)`, line, 'item');
			if (record.type === 'label' || record.type === 'skip' || record.type === 'archived-label') {
				record.reviewer = record.reviewer.trim().toLowerCase();
				if (!this.emails.has(record.reviewer)) throw new BundleFormatError(`reviewer ${record.reviewer} is not listed in the bundle`, line, 'reviewer');
			}
			if (record.type === 'label' || record.type === 'archived-label') for (const field of ['submittedAt', 'updatedAt'] as const) this.notInFuture(record[field], line, field);
			if (record.type === 'archived-label') this.notInFuture(record.archivedAt, line, 'archivedAt');
			if (record.type === 'skip') this.notInFuture(record.at, line, 'at');
			if (record.type === 'adjudication') for (const field of ['createdAt', 'updatedAt'] as const) this.notInFuture(record[field], line, field);
			if (record.type === 'gold') b.gold.push(record);
			else if (record.type === 'label') b.labels.push(record);
			else if (record.type === 'skip') b.skips.push(record);
			else if (record.type === 'archived-label') {
				if (record.archivedBy) record.archivedBy = record.archivedBy.trim().toLowerCase();
				b.archivedLabels.push(record);
			}
			else {
				if (record.adjudicator) record.adjudicator = record.adjudicator.trim().toLowerCase();
				b.adjudications.push(record);
			}
		}
	}

	private checkCounts(end: BundleEnd, line: number): void {
		const b = this.bundle;
		const read = { reviewers: b.reviewers.length, items: b.items.length, gold: b.gold.length, labels: b.labels.length, skips: b.skips.length, adjudications: b.adjudications.length, archivedLabels: b.archivedLabels.length };
		for (const [key, n] of Object.entries(read)) {
			const said = end.counts[key as keyof typeof read] ?? (this.bundle.header!.version === 1 && key === 'archivedLabels' ? 0 : undefined);
			if (said !== n) throw new BundleFormatError(`the end record counts ${said} ${key} but the bundle has ${n}`, line, `counts.${key}`);
		}
	}

	/** The whole bundle; refused if the header or the end record is missing (a cut-off file). */
	finish(): Bundle {
		if (!this.bundle.header) throw new BundleFormatError('the file is empty', Math.max(this.lastLine, 1));
		if (!this.ended) throw new BundleFormatError('the end record is missing: the file was cut off', this.lastLine + 1);
		return this.bundle as Bundle;
	}
}

/** A bundle this app cannot read: which versions it reads, and what to do (a newer app wrote it, or it is not a bundle's version). */
export function unsupportedVersion(version: unknown): string {
	const reads = `this app reads versions ${BUNDLE_VERSIONS[0]}–${BUNDLE_VERSION}`;
	if (typeof version === 'number' && Number.isInteger(version) && version > BUNDLE_VERSION)
		return `bundle version ${version} is not supported; ${reads} (the bundle was written by a newer version of the app: update this one, or export it from an installation of this version)`;
	return `bundle version ${JSON.stringify(version ?? null)} is not supported; ${reads}`;
}

function parseWith<T extends z.ZodType>(schema: T, raw: unknown, line: number): z.infer<T> {
	const result = schema.safeParse(raw);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	throw new BundleFormatError(issue.message, line, issue.path.join('.') || undefined);
}

/**
 * A gold label's first answer (a label record's firstAnswer) as the reviewer's screen would have
 * sent it, for the submissions log that qualification and gold accuracy read: `order` is the
 * responses' order on that reviewer's screen (responseOrder, for this reviewer and item), `models`
 * the item's responses' models by position. Null when it cannot be one (a question unanswered, a
 * response unrated). A conversation's answer stands for its verdict on the whole dialogue only
 * (one turn, rated as the label's first turn is), the one thing scored.
 */
export function firstAnswerAsSent(
	kind: (typeof BUNDLE_KINDS)[number],
	first: BundleFirstAnswer,
	label: Pick<BundleLabel, 'errorReason' | 'comment' | 'turns'>,
	order: readonly number[],
	models: readonly string[]
): Answer | null {
	const comment = label.comment;
	switch (kind) {
		case 'quality': {
			const { instructionValid: instruction, inputValid: input, outputValid: output } = first;
			if (instruction === null || input === null || output === null) return null;
			const allYes = instruction && input && output;
			return { kind, instruction, input, output, reason: allYes ? null : (label.errorReason ?? 'other'), comment };
		}
		case 'rating': {
			const byModel = new Map(first.ratings.map((r) => [r.model, r.rating]));
			const ratings = order.map((i) => byModel.get(models[i]));
			return ratings.every((r) => r !== undefined) ? { kind, ratings: ratings as RatingLevel[], comment } : null;
		}
		case 'conversation':
			if (first.outputValid === null) return null;
			return { kind, turns: [{ valid: first.outputValid, rating: label.turns?.[0]?.rating ?? RATING_KEYS[0] }], comment };
		case 'pairwise':
			return first.preference ? { kind, choice: choiceFromVerdict(first.preference, order), comment } : null;
	}
}
