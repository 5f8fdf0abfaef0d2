/**
 * Imports an audit bundle into this installation as a new audit on one of its datasets. Items are
 * found by their text (instruction, then the instance by input and output; rating items' responses
 * by model and text; a pair by its prompt and both responses, A and B, by model and text; a
 * conversation by its turns), reviewers and adjudicators by email. If anything does not match, nothing is
 * written and the error lists every mismatch; otherwise the audit, its items, gold answers,
 * labels, skips and adjudications are written in one transaction.
 */
import { DEFAULT_QUALIFICATION_ACCURACY } from '../../audits/qualification';
import { createHash, randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { DomainError } from '$lib/errors';
import { db, transaction, type Db } from '../db';
import { bulkPause, bulkWriteBudget, retryBulkWhenBusy } from '../db/busy';
import { BATCH_MAX_WRITE_MS } from '../datasets/import';
import { receivingImport } from '../datasets/datasets';
import { preparingOwner, removePreparingAudit } from '../audits/preparing';
import { BundleFormatError, BundleReader, bundleItemName, firstAnswerAsSent, type Bundle, type BundleArchivedLabel, type BundleItem, type BundleLabel } from '$lib/audits/bundle';
import { JsonLinesSplitter, type RawRecord } from '$lib/formats/splitters';
import { ImportError } from '$lib/formats/import-error';
import { normalizeWhitespace } from '$lib/formats/text';
import { newItemRef, orderSalt } from '../audits/create';
import { EARLIER_GUIDELINES } from '../audits/guidelines-versions';
import { responseOrder } from '$lib/audits/order';
import { conversationFingerprint } from '../datasets/shape-rows';
import { buildResponsePairs } from '../datasets/response-pairs';
import { WHOLE_CONVERSATION_POSITION } from '$lib/audits/rubric';
import type { TurnRole } from '$lib/formats/types';

/** A bundle that cannot be imported: `problems` lists each mismatch, in the bundle's order. */
export class BundleError extends DomainError {
	constructor(
		message: string,
		readonly problems: string[] = [],
		status: 400 | 404 | 409 = 400
	) {
		super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message, status);
	}
}

/** How many mismatches the error lists before "and N more". */
const MAX_LISTED = 25;

/** Reads and checks a bundle from a byte stream (JSON Lines, UTF-8). */
export async function readBundle(source: AsyncIterable<Uint8Array>, fileName: string): Promise<Bundle> {
	const reader = new BundleReader(Date.now());
	const splitter = new JsonLinesSplitter(fileName);
	const decoder = new TextDecoder('utf-8', { fatal: true });
	const records: RawRecord[] = [];
	try {
		const feed = () => {
			for (const r of records) reader.push(r.text, r.line);
			records.length = 0;
		};
		for await (const chunk of source) {
			splitter.push(decoder.decode(chunk, { stream: true }), records);
			feed();
		}
		splitter.push(decoder.decode(), records);
		splitter.end(records);
		feed();
		return reader.finish();
	} catch (err) {
		if (err instanceof BundleFormatError) throw new BundleError(`${fileName}: ${err.message}`);
		if (err instanceof ImportError) throw new BundleError(err.message);
		if (err instanceof TypeError) throw new BundleError(`${fileName}: the file is not UTF-8 text.`);
		throw err;
	}
}

const clip = (s: string, n = 70) => {
	const one = normalizeWhitespace(s);
	return JSON.stringify(one.length > n ? `${one.slice(0, n - 1)}…` : one);
};

interface Resolved {
	taskId: number;
	instanceId: number | null;
	/** Pairwise items: the pair here; conversation items: the conversation here. */
	pairId?: number;
	conversationId?: number;
	/** Model → response id, for the item's responses. */
	responses: Map<string, number>;
	responseOrder: number[];
}

/**
 * The dataset's task ids (in id order) for each of the bundle's instructions, whitespace
 * normalised, from one pass over the dataset's tasks. The key has no index of its own: it
 * would cost every task insert (imports, generation commits) for this rare look-up.
 */
function tasksByInstruction(c: Db['$client'], datasetId: number, items: BundleItem[]): Map<string, number[]> {
	const wanted = new Map<string, number[]>();
	for (const item of items) wanted.set(normalizeWhitespace(item.instruction), []);
	const rows = c.prepare<[number], [number, string]>('SELECT id, instruction_key FROM tasks WHERE dataset_id = ? ORDER BY id').raw();
	for (const [id, key] of rows.iterate(datasetId)) wanted.get(key)?.push(id);
	return wanted;
}

/** Characters of normalised instance text kept in taskInstances' cache. */
const CACHED_CHARACTERS = 32_000_000;

/**
 * A task's instances by normalised input (each with its id and normalised output), read and
 * normalised once per task rather than once per bundle item: an audit samples many instances of
 * a task with thousands. The most recently used tasks are kept, up to CACHED_CHARACTERS.
 */
function taskInstances(c: Db['$client']): (taskId: number) => Map<string, Array<{ id: number; output: string }>> {
	const read = c.prepare<[number], { id: number; input: string; output: string }>('SELECT id, input, output FROM instances WHERE task_id = ? ORDER BY id');
	const cache = new Map<number, { byInput: Map<string, Array<{ id: number; output: string }>>; characters: number }>();
	let characters = 0;
	return (taskId) => {
		const kept = cache.get(taskId);
		if (kept) {
			cache.delete(taskId);
			cache.set(taskId, kept);
			return kept.byInput;
		}
		const byInput = new Map<string, Array<{ id: number; output: string }>>();
		let size = 0;
		for (const r of read.all(taskId)) {
			const input = normalizeWhitespace(r.input);
			const output = normalizeWhitespace(r.output);
			size += input.length + output.length;
			const list = byInput.get(input);
			if (list) list.push({ id: r.id, output });
			else byInput.set(input, [{ id: r.id, output }]);
		}
		cache.set(taskId, { byInput, characters: size });
		characters += size;
		for (const [oldest, entry] of cache) {
			if (characters <= CACHED_CHARACTERS || oldest === taskId) break;
			cache.delete(oldest);
			characters -= entry.characters;
		}
		return byInput;
	};
}

type Found = { taskId: number; instanceId: number | null; pairId?: number; conversationId?: number; pairResponses?: [number, number] };

/**
 * A pairwise item's pair: one of its task's pairs here whose response A and B are the bundle's,
 * model and text. Pairs built from two models' responses (`audit create --pair-models`) are not
 * in the data files: where this dataset has no pair between the item's two models, they are
 * built here as that command builds them (the first model's response as A), so a fresh
 * installation holding the same responses takes the audit. Built pairs are the dataset's, like
 * those of `audit create`: they stay if the import is then refused for another reason.
 */
function pairFinder(database: Db, datasetId: number) {
	const c = database.$client;
	const pairsOf = c.prepare<[number, number], { id: number; instanceId: number | null; aId: number; aModel: string; aText: string; bId: number; bModel: string; bText: string }>(
		`SELECT p.id, p.instance_id AS instanceId, a.id AS aId, b.id AS bId, a.model AS aModel, a.response AS aText, b.model AS bModel, b.response AS bText
		 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
		 WHERE p.task_id = ? AND p.dataset_id = ? ORDER BY p.id`
	);
	const pairedEitherWay = c
		.prepare<[number, string, string, string, string], number>(
			`SELECT 1 FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id
			 WHERE p.dataset_id = ? AND ((a.model = ? AND b.model = ?) OR (a.model = ? AND b.model = ?)) LIMIT 1`
		)
		.pluck();
	const tried = new Set<string>();
	/** Builds the pairs of two models once, if the dataset has none between them (in either order); true when it wrote some. */
	const buildPairs = (modelA: string, modelB: string): boolean => {
		const key = JSON.stringify([modelA, modelB]);
		if (tried.has(key) || modelA === modelB) return false;
		tried.add(key);
		if (pairedEitherWay.get(datasetId, modelA, modelB, modelB, modelA) !== undefined) return false;
		try {
			return buildResponsePairs(datasetId, [modelA, modelB], database).created > 0;
		} catch (err) {
			if (err instanceof DomainError) return false; // no responses of one of the models here: said below
			throw err;
		}
	};
	const same = (model: string, text: string, r: BundleItem['responses'][number]) => model === r.model && normalizeWhitespace(text) === normalizeWhitespace(r.response);
	return (taskId: number, item: BundleItem): { found?: Found; why: string } => {
		const [a, b] = item.responses;
		const matching = (pairs: ReturnType<typeof pairsOf.all>) => pairs.find((p) => same(p.aModel, p.aText, a) && same(p.bModel, p.bText, b));
		let pairs = pairsOf.all(taskId, datasetId);
		let pair = matching(pairs);
		if (!pair && buildPairs(a.model, b.model)) pair = matching((pairs = pairsOf.all(taskId, datasetId)));
		if (pair) return { found: { taskId, instanceId: pair.instanceId, pairId: pair.id, pairResponses: [pair.aId, pair.bId] }, why: '' };
		// The verdicts (a, b) are for the bundle's order: a pair shown the other way round is another item.
		const reversed = pairs.some((p) => same(p.aModel, p.aText, b) && same(p.bModel, p.bText, a));
		return {
			why: reversed
				? `the pair here shows these responses the other way round (A of model "${b.model}", B of model "${a.model}"), and the bundle's verdicts are for A of model "${a.model}"`
				: pairs.length
					? `no pair of this prompt here has response A of model "${a.model}" ${clip(a.response, 30)} and response B of model "${b.model}" ${clip(b.response, 30)}`
					: `the task has no preference pairs here, and none could be built from responses of models "${a.model}" and "${b.model}"`
		};
	};
}

/** A conversation item's conversation: the dataset's with the same turns (speaker and text), as the dataset import tells duplicates apart. */
function conversationFinder(c: Db['$client'], datasetId: number, datasetName: string) {
	const byFingerprint = c.prepare<[number, string], { id: number; taskId: number }>('SELECT id, task_id AS taskId FROM conversations WHERE dataset_id = ? AND fingerprint = ?');
	const bySource = c.prepare<[number, string], number>('SELECT 1 FROM conversations WHERE dataset_id = ? AND source_id = ? LIMIT 1').pluck();
	return (item: BundleItem): { found?: Found; why: string } => {
		const { sourceId, turns } = item.conversation!;
		const here = byFingerprint.get(datasetId, conversationFingerprint(turns.map((t) => ({ ...t, role: t.role as TurnRole }))));
		if (here) return { found: { taskId: here.taskId, instanceId: null, conversationId: here.id }, why: '' };
		const sameSource = sourceId === null ? undefined : bySource.get(datasetId, sourceId);
		return {
			why:
				`no conversation in "${datasetName}" has these ${turns.length} turns (the first: ${clip(turns[0].content, 40)})` +
				(sameSource === undefined ? '' : `; conversation "${sourceId}" here has other turns`)
		};
	};
}

/** Finds each bundle item in the dataset, or says why it cannot be found. */
function resolveItems(database: Db, datasetId: number, datasetName: string, kind: string, items: BundleItem[], problems: string[]): Map<number, Resolved> {
	const c = database.$client;
	const findPair = kind === 'pairwise' ? pairFinder(database, datasetId) : null;
	const findConversation = kind === 'conversation' ? conversationFinder(c, datasetId, datasetName) : null;
	const tasks = tasksByInstruction(c, datasetId, items);
	const instances = taskInstances(c);
	const responses = c.prepare<[number], { id: number; model: string; response: string }>('SELECT id, model, response FROM responses WHERE task_id = ? ORDER BY id');
	const resolved = new Map<number, Resolved>();
	const seen = new Map<string, number>();
	for (const item of items) {
		const where = bundleItemName(item.position);
		if (findPair && item.responses.length !== 2) {
			problems.push(`${where}: a pairwise item shows two responses (A and B), this one ${item.responses.length}`);
			continue;
		}
		if (findConversation && !item.conversation) {
			problems.push(`${where}: a conversation item carries its conversation's turns, this one none`);
			continue;
		}
		let found: Found | undefined;
		let why = '';
		if (findConversation) {
			({ found, why } = findConversation(item));
			if (!found) {
				problems.push(`${where}${item.conversation!.sourceId === null ? '' : ` (conversation "${item.conversation!.sourceId}")`}: ${why}`);
				continue;
			}
		}
		const candidates = found ? [] : tasks.get(normalizeWhitespace(item.instruction))!;
		if (!found && !candidates.length) {
			problems.push(`${where}: no task in "${datasetName}" has the instruction ${clip(item.instruction)}`);
			continue;
		}
		for (const taskId of candidates) {
			if (findPair) {
				({ found, why } = findPair(taskId, item));
				if (found) break;
				continue;
			}
			if (item.input === null) {
				found = { taskId, instanceId: null };
				break;
			}
			const sameInput = instances(taskId).get(normalizeWhitespace(item.input)) ?? [];
			const output = normalizeWhitespace(item.output ?? '');
			const same = sameInput.find((r) => r.output === output);
			if (same) {
				found = { taskId, instanceId: same.id };
				break;
			}
			why = sameInput.length
				? `the instance with input ${clip(item.input)} has another output here (${clip(sameInput[0].output, 40)}, the bundle's: ${clip(item.output ?? '', 40)})`
				: `the task has no instance with input ${clip(item.input)}`;
		}
		if (!found) {
			problems.push(`${where} (${clip(item.instruction, 40)}): ${why}`);
			continue;
		}
		// A gold item may show what a sampled one shows (gold is drawn from the same dataset).
		const key = `${item.isGold ? 'gold ' : ''}${found.pairId ? `pair ${found.pairId}` : found.conversationId ? `conversation ${found.conversationId}` : `${found.taskId}:${found.instanceId ?? ''}`}`;
		if (seen.has(key)) {
			problems.push(`${where}: it is the same ${found.pairId ? 'pair' : found.conversationId ? 'conversation' : 'task and instance'} here as ${bundleItemName(seen.get(key)!)}`);
			continue;
		}
		seen.set(key, item.position);
		const byModel = new Map<string, number>();
		const order: number[] = [];
		if (found.pairResponses) {
			// The pair's responses, A then B, as the audit shows them (no ratings name them).
			order.push(...found.pairResponses);
		} else if (item.responses.length) {
			const rows = responses.all(found.taskId);
			for (const r of item.responses) {
				const ofModel = rows.filter((x) => x.model === r.model);
				const same = ofModel.find((x) => normalizeWhitespace(x.response) === normalizeWhitespace(r.response));
				if (!same) {
					problems.push(
						ofModel.length
							? `${where}: model "${r.model}" answered this task differently here`
							: `${where}: no response of model "${r.model}" to this task in "${datasetName}"`
					);
					continue;
				}
				byModel.set(r.model, same.id);
				order.push(same.id);
			}
		}
		resolved.set(item.position, { ...found, responses: byModel, responseOrder: order });
	}
	return resolved;
}

/**
 * An audit of the dataset that the bundle is a copy of, or null. A bundle names no audit id, so its
 * origin is told by what the sampling gave it, copied as is by every export and import: its kind,
 * creation time and seed, and each item's position, gold flag and random shuffle key. The same
 * labels are the same reviewers' labels of the same items, with the same times and revisions (an
 * audit labelled further since is not the same, and imports).
 */
function sameAuditHere(c: Db['$client'], datasetId: number, bundle: Bundle): { id: number; name: string; archivedAt: number | null; importedFrom: string | null; items: number; labels: number } | null {
	const { audit } = bundle.header;
	const candidates = c
		.prepare<[number, string, number, number], { id: number; name: string; archivedAt: number | null; fileName: string | null }>(
			`SELECT id, name, archived_at AS archivedAt, imported_file_name AS fileName FROM audits
			 WHERE dataset_id = ? AND kind = ? AND created_at = ? AND seed = ? AND status <> 'preparing' ORDER BY id`
		)
		.all(datasetId, audit.kind, Date.parse(audit.createdAt), audit.seed);
	if (!candidates.length) return null;
	const sorted = (keys: string[]) => keys.sort().join('\n');
	const bundleItems = sorted(bundle.items.map((i) => JSON.stringify([i.position, i.isGold ? 1 : 0, i.shuffleKey])));
	const bundleLabels = sorted(bundle.labels.map((l) => JSON.stringify([l.item, l.reviewer, Date.parse(l.submittedAt), Date.parse(l.updatedAt), l.revision])));
	const itemsOf = c.prepare<[number], [number, number, number]>('SELECT position, is_gold, shuffle_key FROM audit_items WHERE audit_id = ?').raw();
	const labelsOf = c
		.prepare<[number], [number, string, number, number, number]>(
			`SELECT i.position, u.email, l.submitted_at, l.updated_at, l.revision FROM audit_labels l
			 JOIN audit_items i ON i.id = l.item_id JOIN users u ON u.id = l.reviewer_id WHERE l.audit_id = ?`
		)
		.raw();
	for (const a of candidates) {
		if (sorted(itemsOf.all(a.id).map((r) => JSON.stringify(r))) !== bundleItems) continue;
		if (sorted(labelsOf.all(a.id).map((r) => JSON.stringify(r))) !== bundleLabels) continue;
		return { id: a.id, name: a.name, archivedAt: a.archivedAt, importedFrom: a.fileName, items: bundle.items.length, labels: bundle.labels.length };
	}
	return null;
}

export interface BundleImportResult {
	auditId: number;
	name: string;
	items: number;
	gold: number;
	labels: number;
	skips: number;
	adjudications: number;
	/** Set-aside labels of removed reviewers, kept so they can be brought back here. */
	archivedLabels: number;
	/** The audit's reviewers, removed ones included. */
	reviewers: number;
	/** Reviewers whose labels count (`labels` are theirs). */
	labelReviewers: number;
	/** Removed reviewers whose labels were set aside (`archivedLabels` are theirs). */
	setAsideReviewers: number;
}

/**
 * Writes the bundle as a new audit on `datasetId`, or throws a BundleError listing everything
 * that does not match this installation (nothing is written then).
 */
export async function importBundle(
	bundle: Bundle,
	options: { datasetId: number; createdBy?: number | null; file: { name: string; sha256: string } },
	database: Db = db()
): Promise<BundleImportResult> {
	const c = database.$client;
	const dataset = c.prepare<[number], { id: number; name: string; archivedAt: number | null }>("SELECT id, name, archived_at AS archivedAt FROM datasets WHERE id = ? AND status = 'ready'").get(options.datasetId);
	if (!dataset) {
		const busy = receivingImport({ id: options.datasetId }, database);
		throw new BundleError(busy ?? 'No such dataset.', [], busy ? 409 : 404);
	}
	if (dataset.archivedAt !== null) throw new BundleError(`Dataset "${dataset.name}" is archived; restore it before importing into it.`, [], 409);
	// The same file imported again would be a second, identical audit (same name, labels counted
	// twice by exports that pool the dataset's audits): refused, naming the first.
	const earlier = c
		.prepare<[number, string], { id: number; name: string; archivedAt: number | null }>(
			`SELECT id, name, archived_at AS archivedAt FROM audits WHERE dataset_id = ? AND imported_file_sha256 = ? AND status <> 'preparing' ORDER BY id LIMIT 1`
		)
		.get(options.datasetId, options.file.sha256);
	if (earlier)
		throw new BundleError(
			`This bundle (SHA-256 ${options.file.sha256.slice(0, 12)}…) was already imported into dataset "${dataset.name}" as audit ${earlier.id} "${earlier.name}"${earlier.archivedAt !== null ? ' (archived)' : ''}; nothing was imported. Delete or purge that audit first to import it again.`,
			[],
			409
		);
	// The same audit in another file (exported again: every export stamps its own exportedAt) is
	// found by what it holds, refused likewise.
	const same = sameAuditHere(c, dataset.id, bundle);
	if (same)
		throw new BundleError(
			`This bundle holds an audit dataset "${dataset.name}" already has: audit ${same.id} "${same.name}"${same.archivedAt !== null ? ' (archived)' : ''}, ${same.importedFrom ? `imported from the file "${same.importedFrom}"` : 'the audit it was exported from'}, with the same ${same.items} item${same.items === 1 ? '' : 's'} and the same ${same.labels} label${same.labels === 1 ? '' : 's'} (reviewers, times and revisions); nothing was imported. Delete or purge that audit first to import it again.`,
			[],
			409
		);
	const { header, reviewers, items, gold, labels, skips, adjudications, archivedLabels } = bundle;
	const audit = header.audit;
	const problems: string[] = [];

	// People, by email: every reviewer and adjudicator must have an account here.
	const users = new Map<string, number>();
	const findUser = c.prepare<[string], number>('SELECT id FROM users WHERE email = ?').pluck();
	// Each missing account said once, however many records name it (an adjudicator of many items).
	const missing = new Set<string>();
	const person = (email: string, what: string) => {
		if (users.has(email) || missing.has(email)) return;
		const id = findUser.get(email);
		if (id === undefined) {
			missing.add(email);
			problems.push(`${what} ${email}: no account with this email here`);
		} else users.set(email, id);
	};
	for (const r of reviewers) person(r.email, 'reviewer');
	for (const j of adjudications) if (j.adjudicator) person(j.adjudicator, 'adjudicator');
	// Who set a label aside is a record, not a say in the numbers: no account here leaves it unnamed.
	const archiver = (email: string | null) => (email === null ? null : (users.get(email) ?? findUser.get(email) ?? null));

	const resolved = resolveItems(database, dataset.id, dataset.name, audit.kind, items, problems);
	const itemOf = new Map(items.map((i) => [i.position, i]));

	// The bundle's own consistency: labels within k, one label or skip per reviewer and item,
	// ratings naming the item's models.
	const perItem = new Map<number, number>();
	const taken = new Set<string>();
	const checkRatings = (where: string, item: number, ratings: { model: string }[]) => {
		const models = new Set(itemOf.get(item)!.responses.map((r) => r.model));
		for (const r of ratings) if (!models.has(r.model)) problems.push(`${where}: rates model "${r.model}", which ${bundleItemName(item)} does not show`);
	};
	// Each kind's own answer: a pairwise label's verdict, a conversation label's verdict on each judged position.
	const judged = (item: number): number[] =>
		audit.conversationUnit === 'conversation'
			? [WHOLE_CONVERSATION_POSITION]
			: (itemOf.get(item)!.conversation?.turns ?? []).flatMap((t, position) => (t.role === 'assistant' ? [position] : []));
	const checkAnswer = (where: string, l: BundleLabel | BundleArchivedLabel) => {
		// The review screen sends a quality label only with all three answered; a blank one would count as neither yes nor no.
		if (audit.kind === 'quality') {
			const blank = (['instructionValid', 'inputValid', 'outputValid'] as const).filter((q) => l[q] === null);
			if (blank.length) problems.push(`${where}: no answer to ${blank.join(', ')} (a quality label answers all three questions yes or no)`);
		}
		if (audit.kind === 'pairwise' && !l.preference) problems.push(`${where}: no preference (a pairwise label says a, b, tie or both_bad)`);
		if (audit.kind === 'conversation') {
			const expected = judged(l.item).join(',');
			const given = (l.turns ?? []).map((t) => t.position).join(',');
			if (given !== expected) problems.push(`${where}: judges turns [${given}], the conversation's judged turns are [${expected}]`);
		}
	};
	for (const l of labels) {
		const key = `${l.item}:${l.reviewer}`;
		if (taken.has(key)) problems.push(`label of ${l.reviewer} on ${bundleItemName(l.item)}: given twice`);
		taken.add(key);
		perItem.set(l.item, (perItem.get(l.item) ?? 0) + 1);
		checkRatings(`label of ${l.reviewer} on ${bundleItemName(l.item)}`, l.item, l.ratings);
		if (l.firstAnswer) checkRatings(`first answer of ${l.reviewer} on ${bundleItemName(l.item)}`, l.item, l.firstAnswer.ratings);
		checkAnswer(`label of ${l.reviewer} on ${bundleItemName(l.item)}`, l);
	}
	for (const s of skips) {
		const key = `${s.item}:${s.reviewer}`;
		if (taken.has(key)) problems.push(`skip of ${s.reviewer} on ${bundleItemName(s.item)}: the reviewer also labelled or skipped it`);
		taken.add(key);
	}
	for (const [position, n] of perItem) {
		if (!itemOf.get(position)!.isGold && n > audit.overlap) problems.push(`${bundleItemName(position)}: ${n} labels, more than the audit's k = ${audit.overlap}`);
	}
	for (const j of adjudications) checkRatings(`adjudication of ${bundleItemName(j.item)}`, j.item, j.ratings);
	for (const x of archivedLabels) checkRatings(`set-aside label of ${x.reviewer} on ${bundleItemName(x.item)}`, x.item, x.ratings);
	// Labels set aside before their verdicts were kept with them have none: brought back, they would count as no answer.
	for (const x of archivedLabels) if (x.preference || x.turns?.length) checkAnswer(`set-aside label of ${x.reviewer} on ${bundleItemName(x.item)}`, x);
	if (adjudications.length && (audit.kind === 'pairwise' || audit.kind === 'conversation')) problems.push(`${audit.kind} audits have no adjudications, but the bundle has ${adjudications.length}`);
	for (const g of gold) checkRatings(`gold answer of ${bundleItemName(g.item)}`, g.item, g.ratings);
	if (new Set(adjudications.map((j) => j.item)).size !== adjudications.length) problems.push('an item is adjudicated twice');

	if (problems.length) {
		const listed = problems.slice(0, MAX_LISTED);
		if (problems.length > MAX_LISTED) listed.push(`… and ${problems.length - MAX_LISTED} more`);
		throw new BundleError(`The bundle does not match this installation (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was imported:`, listed);
	}

	const ms = (iso: string) => Date.parse(iso);
	// Written as a big audit is created (createAuditInBatches): the audit row first, as 'preparing'
	// (no reviewers, seen by no page, report or export), its rows in short transactions, then its
	// reviewers with the bundle's status; a failure removes what was written, and a process killed
	// meanwhile leaves a preparing audit the next start removes.
	const auditId = await retryBulkWhenBusy(c, () =>
		transaction(
			database,
			() => {
				const id = c
					.prepare<[number, unknown, unknown, unknown, unknown, unknown, unknown, number, string | null, unknown, number, unknown, unknown, unknown, unknown, unknown, number | null, number, number | null, string | null, string, number, number | null, number, string, string, number | null, string | null, string, number, number], { id: number }>(
						`INSERT INTO audits (dataset_id, name, kind, status, sample_size, seed, instance_mode, stratify, include_rejected, models, overlap,
							blind, lease_seconds, guidelines, gold_rate, item_count, gold_count, created_by, created_at, closed_at, strata, prepare_owner, prepare_heartbeat_at,
							imported_by, imported_at, imported_file_name, imported_file_sha256, guidelines_changed_at, sampling_frame, conversation_unit,
							qualification_items, qualification_accuracy)
						 VALUES (?, ?, ?, 'preparing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
					)
					.get(
						dataset.id, audit.name, audit.kind, audit.sampleSize, audit.seed, audit.instanceMode, audit.stratify,
						audit.includeRejected ? 1 : 0, audit.models ? JSON.stringify(audit.models) : null, audit.overlap, audit.blind ? 1 : 0,
						audit.leaseSeconds, audit.guidelines, audit.goldRate, items.filter((i) => !i.isGold).length, items.filter((i) => i.isGold).length,
						options.createdBy ?? null, ms(audit.createdAt), audit.closedAt ? ms(audit.closedAt) : null, audit.strata ? JSON.stringify(audit.strata) : null,
						preparingOwner(), Date.now(), options.createdBy ?? null, Date.now(), options.file.name, options.file.sha256,
						audit.guidelinesChangedAt ? ms(audit.guidelinesChangedAt) : null, audit.samplingFrame ? JSON.stringify(audit.samplingFrame) : null,
						audit.conversationUnit ?? 'turn',
						// Older bundles carry no qualification step: none (the audits table's defaults).
						Math.min(audit.qualification?.items ?? 0, items.filter((i) => i.isGold).length), audit.qualification?.accuracy ?? DEFAULT_QUALIFICATION_ACCURACY
					)!.id;
				// The guidelines' versions, so the methods paragraph counts the labels given under each here too.
				// Who saved each, by email, when that account exists here (not a reason to refuse: only a record).
				const version = c.prepare<[number, number, string, number, string | null]>(
					'INSERT INTO audit_guidelines_versions (audit_id, version, text, saved_at, saved_by) VALUES (?, ?, ?, ?, (SELECT id FROM users WHERE email = ?))'
				);
				for (const v of audit.guidelinesHistory ?? []) version.run(id, v.version, v.text, ms(v.savedAt), v.savedBy ?? null);
				return id;
			},
			'import bundle'
		)
	);
	try {
		const itemIds = new Map<number, number>();
		const insertItem = c.prepare<[number, string, unknown, number, number | null, unknown, number, unknown, number, number, number | null, number | null], { id: number }>(
			`INSERT INTO audit_items (audit_id, ref, position, task_id, instance_id, stratum, is_gold, shuffle_key, label_count, claimed_count, conversation_id, pair_id)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		);
		const insertItemResponse = c.prepare<[number, number, number]>('INSERT INTO audit_item_responses (item_id, response_id, position) VALUES (?, ?, ?)');
		const responseId = (item: number, model: string) => resolved.get(item)!.responses.get(model)!;
		const b = (v: boolean | null) => (v === null ? null : +v);
		const insertGold = c.prepare<[number, number, number | null, number | null, number | null, unknown, unknown, unknown, number | null, number]>(
			`INSERT INTO audit_gold_answers (item_id, audit_id, instruction_valid, input_valid, output_valid, error_reason, preference, note, created_by, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		const insertGoldRating = c.prepare<[number, number, unknown]>('INSERT INTO audit_gold_ratings (item_id, response_id, rating) VALUES (?, ?, ?)');
		// A label comes with its assignment (submitted), as if routed: the reviewer is never given the item again.
		const insertAssignment = c.prepare<[number, number, number, string, number, number, number | null, number | null, unknown | null]>(
			`INSERT INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at, shown_at, finished_at, skip_reason)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		const insertLabel = c.prepare<[number, number, number, number | null, number | null, number | null, unknown, unknown, unknown, unknown, unknown, number, number, unknown, number | null, number | null], { id: number }>(
			`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, error_reason, preference, comment,
				duration_ms, active_ms, submitted_at, updated_at, revision, first_guidelines_version, guidelines_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		);
		// The guidelines version each label was given under, as the bundle says; a version the bundle does
		// not have (or none, an older bundle) is left unset, and counted from the label's times.
		const knownVersions = new Set([EARLIER_GUIDELINES, ...(audit.guidelinesHistory?.length ? audit.guidelinesHistory.map((v) => v.version) : [1])]);
		const guidelinesVersion = (v: number | null | undefined) => (v != null && knownVersions.has(v) ? v : null);
		const insertTurn = c.prepare<[number, number, number, number, number, string]>('INSERT INTO audit_label_turns (label_id, audit_id, item_id, position, valid, rating) VALUES (?, ?, ?, ?, ?, ?)');
		const insertLabelRating = c.prepare<[number, number, number, number, unknown, unknown]>('INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating) VALUES (?, ?, ?, ?, ?, ?)');
		// A gold label's first answer sent, when the bundle says it differs from the current one: logged
		// as its first submission, which qualification and gold accuracy score (firstGoldAnswers).
		const logFirstAnswer = c.prepare<[string, number, number, number, number, string, number]>(
			`INSERT INTO audit_submissions (id, audit_id, item_id, reviewer_id, label_id, outcome, payload, received_at) VALUES (?, ?, ?, ?, ?, 'created', ?, ?)`
		);
		const insertAdjudication = c.prepare<[number, number, number | null, number | null, number | null, number | null, unknown, unknown, number, number], { id: number }>(
			`INSERT INTO audit_adjudications (audit_id, item_id, adjudicator_id, instruction_valid, input_valid, output_valid, error_reason, comment, created_at, updated_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		);
		const insertAdjudicationRating = c.prepare<[number, number, unknown, unknown]>('INSERT INTO audit_adjudication_ratings (adjudication_id, response_id, model, rating) VALUES (?, ?, ?, ?)');

		// Every row to write, in order (items first: the rest refer to them).
		const writes: (() => void)[] = [];
		for (const item of items) {
			writes.push(() => {
				const r = resolved.get(item.position)!;
				const n = perItem.get(item.position) ?? 0;
				const { id } = insertItem.get(auditId, newItemRef(), item.position, r.taskId, r.instanceId, item.stratum, item.isGold ? 1 : 0, item.shuffleKey, n, n, r.conversationId ?? null, r.pairId ?? null)!;
				itemIds.set(item.position, id);
				r.responseOrder.forEach((responseId, position) => insertItemResponse.run(id, responseId, position));
			});
		}
		for (const g of gold) {
			writes.push(() => {
				const itemId = itemIds.get(g.item)!;
				insertGold.run(itemId, auditId, b(g.instructionValid), b(g.inputValid), b(g.outputValid), g.errorReason, g.preference ?? null, g.note, options.createdBy ?? null, ms(g.createdAt));
				for (const r of g.ratings) insertGoldRating.run(itemId, responseId(g.item, r.model), r.rating);
			});
		}
		for (const l of labels) {
			writes.push(() => {
				const itemId = itemIds.get(l.item)!;
				const reviewerId = users.get(l.reviewer)!;
				const submitted = ms(l.submittedAt);
				const shown = submitted - l.durationMs;
				insertAssignment.run(auditId, itemId, reviewerId, 'submitted', shown, shown, shown, submitted, null);
				const { id } = insertLabel.get(
					auditId, itemId, reviewerId, b(l.instructionValid), b(l.inputValid), b(l.outputValid), l.errorReason, l.preference ?? null, l.comment,
					l.durationMs, l.activeMs, submitted, ms(l.updatedAt), l.revision, guidelinesVersion(l.firstGuidelinesVersion), guidelinesVersion(l.guidelinesVersion)
				)!;
				for (const r of l.ratings) insertLabelRating.run(id, auditId, itemId, responseId(l.item, r.model), r.model, r.rating);
				for (const t of l.turns ?? []) insertTurn.run(id, auditId, itemId, t.position, +t.valid, t.rating);
				if (l.firstAnswer && itemOf.get(l.item)!.isGold) {
					const r = resolved.get(l.item)!;
					const modelOfResponse = new Map([...r.responses].map(([model, responseId]) => [responseId, model]));
					const models = r.responseOrder.map((responseId) => modelOfResponse.get(responseId)!);
					const order = responseOrder(models.length, reviewerId, itemId, audit.blind);
					const answer = firstAnswerAsSent(audit.kind, l.firstAnswer, l, order, models);
					// `imported`: rebuilt from the bundle (for this reviewer's and item's screen order here), not received.
					if (answer) logFirstAnswer.run(randomUUID(), auditId, itemId, reviewerId, id, JSON.stringify({ answer, activeMs: 0, imported: true }), submitted);
				}
			});
		}
		for (const s of skips) {
			writes.push(() => {
				const at = s.at ? ms(s.at) : ms(audit.createdAt);
				insertAssignment.run(auditId, itemIds.get(s.item)!, users.get(s.reviewer)!, 'skipped', at, at, null, s.at ? at : null, s.reason);
			});
		}
		for (const j of adjudications) {
			writes.push(() => {
				const { id } = insertAdjudication.get(
					auditId, itemIds.get(j.item)!, j.adjudicator ? users.get(j.adjudicator)! : null, b(j.instructionValid), b(j.inputValid), b(j.outputValid),
					j.errorReason, j.comment, ms(j.createdAt), ms(j.updatedAt)
				)!;
				for (const r of j.ratings) insertAdjudicationRating.run(id, responseId(j.item, r.model), r.model, r.rating);
			});
		}
		// A set-aside label keeps the id it gets back when brought back: one no label here has or will be given.
		const nextLabelId = c
			.prepare<[], number>(
				`SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_labels'), 0), coalesce((SELECT max(id) FROM audit_labels), 0),
					coalesce((SELECT max(id) FROM audit_archived_labels), 0)) + 1`
			)
			.pluck();
		const reserveLabelId = c.prepare<[number]>(`UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'audit_labels'`);
		const startSequence = c.prepare<[number]>(`INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_labels', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'audit_labels')`);
		const insertArchived = c.prepare<[number, number, number, number, string, number, number | null]>(
			'INSERT INTO audit_archived_labels (id, audit_id, item_id, reviewer_id, label, archived_at, archived_by) VALUES (?, ?, ?, ?, ?, ?, ?)'
		);
		for (const x of archivedLabels) {
			writes.push(() => {
				const id = nextLabelId.get()!;
				const itemId = itemIds.get(x.item)!;
				const reviewerId = users.get(x.reviewer)!;
				// The shape setAsideReviewerLabels stores (the audit_labels row and its ratings).
				const label = {
					id, audit_id: auditId, item_id: itemId, reviewer_id: reviewerId, instruction_valid: b(x.instructionValid), input_valid: b(x.inputValid),
					output_valid: b(x.outputValid), error_reason: x.errorReason, preference: x.preference ?? null, comment: x.comment, duration_ms: x.durationMs, active_ms: x.activeMs,
					submitted_at: ms(x.submittedAt), updated_at: ms(x.updatedAt), revision: x.revision,
					ratings: x.ratings.map((r) => ({ response_id: responseId(x.item, r.model), model: r.model, rating: r.rating })).sort((p, q) => p.response_id - q.response_id),
					...(x.turns?.length ? { turns: x.turns.map((t) => ({ position: t.position, valid: +t.valid, rating: t.rating })) } : {})
				};
				insertArchived.run(id, auditId, itemId, reviewerId, JSON.stringify(label), ms(x.archivedAt), archiver(x.archivedBy));
				startSequence.run(id);
				reserveLabelId.run(id);
			});
		}
		const heartbeat = c.prepare<[number, number]>('UPDATE audits SET prepare_heartbeat_at = ? WHERE id = ?');
		let written = 0;
		while (written < writes.length) {
			written = await retryBulkWhenBusy(c, () =>
				transaction(
					database,
					() => {
						const spent = bulkWriteBudget(c, BATCH_MAX_WRITE_MS);
						let i = written;
						while (i < writes.length) {
							writes[i++]();
							if ((i & 63) === 0 && spent()) break;
						}
						heartbeat.run(Date.now(), auditId);
						return i;
					},
					'import bundle'
				)
			);
			if (written < writes.length) await bulkPause(c, BATCH_MAX_WRITE_MS / 5);
		}
		await retryBulkWhenBusy(c, () =>
			transaction(
				database,
				() => {
					const addReviewer = c.prepare<[number, number, number, number, number | null]>('INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at, removed_at) VALUES (?, ?, ?, ?, ?)');
					for (const r of reviewers) {
						const userId = users.get(r.email)!;
						addReviewer.run(auditId, userId, orderSalt(auditId, userId, audit.seed), ms(r.addedAt), r.removedAt ? ms(r.removedAt) : null);
					}
					c.prepare<[string, number]>(`UPDATE audits SET status = ?, prepare_owner = NULL, prepare_heartbeat_at = NULL WHERE id = ? AND status = 'preparing'`).run(audit.status, auditId);
				},
				'import bundle'
			)
		);
	} catch (err) {
		try {
			await removePreparingAudit(auditId, database);
		} catch (cleanup) {
			console.error('Removing the unfinished audit failed (the next start removes it):', cleanup);
		}
		throw err;
	}
	return { auditId, name: audit.name, items: items.length, gold: gold.length, labels: labels.length, skips: skips.length, adjudications: adjudications.length, archivedLabels: archivedLabels.length, reviewers: reviewers.length, labelReviewers: new Set(labels.map((l) => l.reviewer)).size, setAsideReviewers: new Set(archivedLabels.map((l) => l.reviewer)).size };
}

/** Reads a bundle from a stream and imports it (see importBundle), recording the file's name and SHA-256 on the audit. */
export async function importAuditBundle(
	source: AsyncIterable<Uint8Array>,
	options: { fileName: string; datasetId: number; createdBy?: number | null },
	database: Db = db()
): Promise<BundleImportResult> {
	const hash = createHash('sha256');
	async function* hashed() {
		for await (const chunk of source) {
			hash.update(chunk);
			yield chunk;
		}
	}
	const bundle = await readBundle(hashed(), options.fileName);
	return importBundle(bundle, { ...options, file: { name: basename(options.fileName), sha256: hash.digest('hex') } }, database);
}
