import { DomainError } from '$lib/errors';
import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';
import { datasets, type Dataset } from '../db/tables';
import { datasetInstanceCount, datasetResponseCounts, datasetTaskCount, UNNAMED_MODEL_SQL } from './counts';
import { ownerIsGone } from './importing';

export class DatasetError extends DomainError {
	constructor(message: string, field?: string, status: 400 | 404 = 400) {
		super(message, status, status === 404 ? 'not_found' : 'invalid', field);
	}
}

export interface DatasetSummary extends Dataset {
	tasks: number;
	instances: number;
	responses: number;
	/** Named models (not the stand-ins of pairs that name none). */
	models: number;
	unnamedResponses: number;
}

const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._\-/()+]{0,119}$/u;

/**
 * A dataset name as stored and looked up: trimmed, in Unicode NFC. "é" typed or pasted as e + a
 * combining accent (NFD, as macOS file names give it) is the same name as the one character, and
 * the pattern's letters are whole characters (a bare combining mark was refused without a reason).
 */
export function datasetNameKey(name: string): string {
	return name.normalize('NFC').trim();
}

export function validateDatasetName(name: string): string {
	const trimmed = datasetNameKey(name);
	if (!NAME_PATTERN.test(trimmed)) {
		throw new DatasetError(
			'A dataset name is 1–120 letters, digits, spaces or . _ - / ( ) +, starting with a letter or digit.',
			'name'
		);
	}
	return trimmed;
}

/**
 * A new dataset's name may not be all digits: the CLI and addresses take a dataset by name or
 * by id, and a dataset named "1" would hide (or be hidden by) dataset 1.
 */
export function assertNameIsNoId(name: string): void {
	if (/^\d+$/.test(name.trim()))
		throw new DatasetError(`A dataset name cannot be only digits ("${name.trim()}" would be mistaken for the dataset with that id); add a letter, e.g. "set ${name.trim()}".`, 'name');
}

/**
 * Datasets still importing (status 'importing'), or closed while an import adds rows to them
 * ('appending'), are not found by any lookup here; receivingImport says why for the latter.
 */
export function getDataset(id: number, database: Db = db()): Dataset | undefined {
	return database.select().from(datasets).where(and(eq(datasets.id, id), eq(datasets.status, 'ready'))).get();
}

/** The dataset a route parameter names (its numeric id), if any. */
export function findDatasetByName(name: string, database: Db = db()): Dataset | undefined {
	return database.select().from(datasets).where(and(eq(datasets.name, datasetNameKey(name)), eq(datasets.status, 'ready'))).get();
}

/**
 * Why a dataset that exists cannot be opened now, when an import is adding rows to it (it is
 * closed until the import's last commit, so nobody sees half a file): a sentence for pages,
 * errors and the CLI.
 */
export function receivingImport(ref: { id: number } | { name: string }, database: Db | Database.Database = db()): string | undefined {
	const c = '$client' in database ? database.$client : database;
	const row = c
		.prepare<[number | null, string | null], { name: string; fileName: string | null; owner: string | null; heartbeatAt: number | null }>(
			`SELECT d.name, i.file_name AS fileName, d.import_owner AS owner, d.import_heartbeat_at AS heartbeatAt FROM datasets d
			 LEFT JOIN imports i ON i.id = json_extract(d.append_state, '$.importId')
			 WHERE d.status = 'appending' AND (d.id = ? OR d.name = ?)`
		)
		.get('id' in ref ? ref.id : null, 'name' in ref ? datasetNameKey(ref.name) : null);
	if (!row) return undefined;
	const file = row.fileName ? ` (${row.fileName})` : '';
	// An import whose process is gone never finishes: say so, and what takes its rows back.
	if (ownerIsGone(row.owner, row.heartbeatAt, Date.now()))
		return `Dataset "${row.name}" is closed by an import${file} that stopped before it finished; the next instruct-audit command or server start takes its rows back and opens it again.`;
	return `Dataset "${row.name}" is receiving an import${file}; it opens again when the import finishes.`;
}

/**
 * Datasets closed while an import adds rows to them, with the file and when it began; `stopped`
 * when the import's process is gone (the same test as receivingImport's), so the list never calls
 * a dead import live.
 */
export function datasetsReceivingImports(database: Db = db()): { id: number; name: string; fileName: string | null; since: number | null; stopped: boolean }[] {
	const now = Date.now();
	return database.$client
		.prepare<[], { id: number; name: string; fileName: string | null; since: number | null; owner: string | null; heartbeatAt: number | null }>(
			`SELECT d.id, d.name, i.file_name AS fileName, i.created_at AS since, d.import_owner AS owner, d.import_heartbeat_at AS heartbeatAt FROM datasets d
			 LEFT JOIN imports i ON i.id = json_extract(d.append_state, '$.importId')
			 WHERE d.status = 'appending' ORDER BY d.name`
		)
		.all()
		.map(({ owner, heartbeatAt, ...d }) => ({ ...d, stopped: ownerIsGone(owner, heartbeatAt, now) }));
}

/** A dataset by name or numeric id, for the CLI. */
export function resolveDataset(ref: string, database: Db = db()): Dataset {
	const byName = findDatasetByName(ref, database);
	if (byName) return byName;
	if (/^\d+$/.test(ref)) {
		const byId = getDataset(Number(ref), database);
		if (byId) return byId;
	}
	const busy = receivingImport({ name: ref }, database) ?? (/^\d+$/.test(ref) ? receivingImport({ id: Number(ref) }, database) : undefined);
	if (busy) throw new DatasetError(busy);
	throw new DatasetError(/^\d+$/.test(ref) ? `No dataset with id or name "${ref}".` : `No dataset named "${ref}".`, undefined, 404);
}

export function createDataset(
	input: { name: string; description?: string; createdBy?: number | null },
	database: Db = db()
): Dataset {
	const name = validateDatasetName(input.name);
	assertNameIsNoId(name);
	if (findDatasetByName(name, database)) throw new DatasetError(`A dataset named "${name}" already exists.`, 'name');
	const busy = receivingImport({ name }, database);
	if (busy) throw new DatasetError(busy, 'name');
	return database
		.insert(datasets)
		.values({ name, description: input.description?.trim() ?? '', createdAt: new Date(), createdBy: input.createdBy ?? null })
		.returning()
		.get();
}

/** Archived datasets are read-only: nothing is imported into, filtered in or audited from them. */
export function assertDatasetWritable(dataset: Dataset): Dataset {
	if (dataset.archivedAt) throw new DatasetError(`Dataset "${dataset.name}" is archived, so it is read-only; restore it first.`, 'dataset');
	return dataset;
}

export function getOrCreateDataset(name: string, createdBy: number | null, database: Db = db()): { dataset: Dataset; created: boolean } {
	const existing = findDatasetByName(name, database);
	if (existing) return { dataset: assertDatasetWritable(existing), created: false };
	return { dataset: createDataset({ name, createdBy }, database), created: true };
}

/**
 * Every dataset with its counts, in three grouped scans rather than one query per dataset.
 * Archived datasets are left out unless `archived` asks for them (and only them).
 */
export function listDatasets(database: Db = db(), options: { archived?: boolean } = {}): DatasetSummary[] {
	const rows = database
		.select()
		.from(datasets)
		.where(and(options.archived ? isNotNull(datasets.archivedAt) : isNull(datasets.archivedAt), eq(datasets.status, 'ready')))
		.orderBy(asc(datasets.name))
		.all();
	// Counted once per connection and then only for rows added since (counts.ts): scanning every
	// task of every dataset took 0.44 s at a million, on every view of the home and datasets pages.
	const client = database.$client;
	return rows.map((d) => {
		const { responses, models, unnamedResponses } = datasetResponseCounts(client, d.id);
		return { ...d, tasks: datasetTaskCount(client, d.id), instances: datasetInstanceCount(client, d.id), responses, models, unnamedResponses };
	});
}

export function updateDatasetDescription(id: number, description: string, database: Db = db()): void {
	const dataset = getDataset(id, database);
	if (dataset) assertDatasetWritable(dataset);
	database.update(datasets).set({ description: description.trim() }).where(eq(datasets.id, id)).run();
}

/**
 * A dataset's responses by named model, and how many responses are under the stand-in names of
 * pairs that name no model (not models, so not listed as such).
 */
export function datasetResponseModels(datasetId: number, database: Db = db()): { models: { model: string; responses: number }[]; unnamedResponses: number } {
	const models = database.$client
		.prepare<[number], { model: string; responses: number }>(
			`SELECT model, count(*) AS responses FROM responses WHERE dataset_id = ? AND NOT ${UNNAMED_MODEL_SQL} GROUP BY model ORDER BY model`
		)
		.all(datasetId);
	const unnamedResponses = database.$client
		.prepare<[number], number>(`SELECT count(*) FROM responses WHERE dataset_id = ? AND ${UNNAMED_MODEL_SQL}`)
		.pluck()
		.get(datasetId)!;
	return { models, unnamedResponses };
}

export function datasetModels(datasetId: number, database: Db = db()): { model: string; responses: number }[] {
	return database.$client
		.prepare<[number], { model: string; responses: number }>('SELECT model, count(*) AS responses FROM responses WHERE dataset_id = ? GROUP BY model ORDER BY model')
		.all(datasetId);
}
