/**
 * Deleting, archiving, restoring and purging datasets and audits, and setting aside a removed
 * reviewer's labels. The rule: reviewed work (reviewed-work.ts) is never deleted by a delete —
 * the delete is refused, naming the audits and their counts, and the thing can be archived
 * (hidden from lists, read-only, restorable by a researcher). Only an administrator's purge,
 * with the counts shown and the name typed, deletes it, and only after a verified backup.
 * The schema backs this up: the label tables' parents are ON DELETE RESTRICT.
 */
import type Database from 'better-sqlite3';
import { db, transaction, type Db } from '../db';
import { retryBulkWhenBusy } from '../db/busy';
import { preparingOwner, removePreparingAudit } from '../audits/preparing';
import type { Role } from '../db/tables';
import { createBackup, type BackupResult } from '../backups/backup';
import { ArchiveError } from './errors';
import { auditWork, datasetWork, describeWork, hasWork } from './reviewed-work';
import { importOwner, placeholderName, removeImportingDataset } from '../datasets/importing';
import { receivingImport } from '../datasets/datasets';
import { randomUUID } from 'node:crypto';
import { forgetDatasetAnalyses } from '../analyses/cache';
import { forgetNearDuplicates } from '../filters/near-duplicates';

export interface Actor {
	id: number;
	role: Role;
}

interface DatasetRow {
	id: number;
	name: string;
	archivedAt: number | null;
}
interface AuditRow {
	id: number;
	name: string;
	datasetId: number;
	archivedAt: number | null;
	datasetArchivedAt: number | null;
}

function datasetRow(c: Database.Database, id: number): DatasetRow {
	const row = c.prepare<[number], DatasetRow>("SELECT id, name, archived_at AS archivedAt FROM datasets WHERE id = ? AND status = 'ready'").get(id);
	if (!row) {
		const busy = receivingImport({ id }, c);
		throw new ArchiveError(busy ?? 'No such dataset.', busy ? 409 : 404, busy ? 'busy' : 'not_found');
	}
	return row;
}

function auditRow(c: Database.Database, id: number): AuditRow {
	const row = c
		.prepare<[number], AuditRow>(
			`SELECT a.id, a.name, a.dataset_id AS datasetId, a.archived_at AS archivedAt, d.archived_at AS datasetArchivedAt
			 FROM audits a JOIN datasets d ON d.id = a.dataset_id WHERE a.id = ? AND a.status <> 'preparing'`
		)
		.get(id);
	if (!row) throw new ArchiveError('No such audit.', 404, 'not_found');
	return row;
}

function requireAdmin(actor: Actor): void {
	if (actor.role !== 'admin') throw new ArchiveError('Only an administrator can purge.', 403, 'forbidden');
}

/**
 * A generation run that may still write into the dataset (running, or paused/interrupted and
 * resumable): the dataset cannot be deleted or archived under it.
 */
function assertNoActiveRun(c: Database.Database, datasetId: number, doing: string): void {
	const run = c
		.prepare<[number], { id: number; status: string; pipeline: string }>(
			`SELECT id, status, pipeline FROM generation_runs WHERE dataset_id = ? AND status IN ('queued', 'running', 'paused', 'interrupted') LIMIT 1`
		)
		.get(datasetId);
	if (run) {
		const kind = run.pipeline === 'judge' ? 'Judge run' : 'Generation run';
		throw new ArchiveError(`${kind} #${run.id} (${run.status}) can still write to this dataset; cancel it or let it finish before you ${doing} it.`, 409, 'busy');
	}
}

// ---------------------------------------------------------------- datasets

/**
 * Deletes a dataset that holds no reviewed work (with its tasks, instances, responses and any
 * audits without labels). One holding reviewed work is refused, naming each audit and its counts.
 * The dataset disappears at once (one short transaction hides it, see hideForRemoval); its rows
 * are then deleted in short transactions — `removal` settles when they are gone (a process that
 * stops meanwhile leaves them to the next start).
 */
export function deleteDataset(datasetId: number, database: Db = db()): { name: string; removal: Promise<number> } {
	const c = database.$client;
	const name = transaction(database, () => {
		const dataset = datasetRow(c, datasetId);
		// Reviewed work first: it is the lasting reason (a run ends; the work stays).
		const work = datasetWork(c, datasetId);
		if (work.length) {
			throw new ArchiveError(
				`Dataset "${dataset.name}" holds reviewed work, so it cannot be deleted: ${work.map(describeWork).join('; ')}. Archive it instead (hidden and read-only, restorable); an administrator can then purge it.`,
				409,
				'reviewed-work'
			);
		}
		assertNoActiveRun(c, datasetId, 'delete');
		hideForRemoval(c, datasetId);
		return dataset.name;
	}, 'delete dataset');
	const removal = removeImportingDataset(datasetId, database, undefined, 'delete dataset');
	removal.catch((err) => console.error(`Deleting the rows of dataset "${name}" failed (the next start finishes it):`, err));
	return { name, removal };
}

/**
 * Inside a transaction: makes a dataset and its audits invisible and unreachable, ready to be
 * deleted in short transactions by the same code that removes a failed import. The people's work
 * on its audits (labels, drafts, adjudications) goes here, all at once (it is bounded by what
 * people did); the audits become 'preparing' audits without reviewers, the dataset an 'importing'
 * one under a placeholder name, both owned by this process so the start-up clean-up finishes
 * them if it stops. Cached analyses of it are dropped. Generation runs that wrote into it keep their history, pointing nowhere (as
 * the foreign key's SET NULL would leave them). Judge labels on its rows go with those rows, in
 * the short transactions (a judge run labels every row: as many labels as rows).
 */
function hideForRemoval(c: Database.Database, datasetId: number): void {
	const owner = importOwner();
	const now = Date.now();
	for (const id of c.prepare<[number], number>('SELECT id FROM audits WHERE dataset_id = ?').pluck().all(datasetId)) {
		deleteAuditWork(c, id);
		c.prepare<[number]>('DELETE FROM audit_assignments WHERE audit_id = ?').run(id);
		c.prepare<[number]>('DELETE FROM audit_reviewers WHERE audit_id = ?').run(id);
		c.prepare<[string, number, number]>(`UPDATE audits SET status = 'preparing', prepare_owner = ?, prepare_heartbeat_at = ? WHERE id = ?`).run(owner, now, id);
	}
	c.prepare<[number]>('UPDATE generation_runs SET dataset_id = NULL WHERE dataset_id = ?').run(datasetId);
	// What was computed from its rows goes with them: cached analyses and near-duplicate groups.
	forgetDatasetAnalyses(c, datasetId);
	forgetNearDuplicates(datasetId);
	c.prepare<[string, string, number, number]>(`UPDATE datasets SET status = 'importing', name = ?, import_owner = ?, import_heartbeat_at = ? WHERE id = ?`).run(
		placeholderName(randomUUID()),
		owner,
		now,
		datasetId
	);
}

/** Hides a dataset and its audits from lists and makes them read-only, until restored. */
export function archiveDataset(datasetId: number, archivedBy: number | null, database: Db = db()): { audits: number } {
	const c = database.$client;
	return transaction(database, () => {
		const dataset = datasetRow(c, datasetId);
		if (dataset.archivedAt !== null) throw new ArchiveError(`Dataset "${dataset.name}" is already archived.`, 409, 'archived');
		assertNoActiveRun(c, datasetId, 'archive');
		// Audits are stamped with the dataset's time, so restoring the dataset brings back exactly
		// these; the time differs from any audit archived on its own before (which stays archived).
		const latest = c.prepare<[number], number | null>('SELECT max(archived_at) FROM audits WHERE dataset_id = ?').pluck().get(datasetId)!;
		const now = Math.max(Date.now(), (latest ?? 0) + 1);
		c.prepare<[number, number | null, number]>('UPDATE datasets SET archived_at = ?, archived_by = ? WHERE id = ?').run(now, archivedBy, datasetId);
		const audits = c.prepare<[number, number | null, number]>('UPDATE audits SET archived_at = ?, archived_by = ? WHERE dataset_id = ? AND archived_at IS NULL').run(now, archivedBy, datasetId).changes;
		return { audits };
	});
}

/** Brings an archived dataset back, with the audits that were archived along with it. */
export function restoreDataset(datasetId: number, database: Db = db()): { audits: number } {
	const c = database.$client;
	return transaction(database, () => {
		const dataset = datasetRow(c, datasetId);
		if (dataset.archivedAt === null) throw new ArchiveError(`Dataset "${dataset.name}" is not archived.`, 409, 'not-archived');
		const audits = c.prepare<[number, number]>('UPDATE audits SET archived_at = NULL, archived_by = NULL WHERE dataset_id = ? AND archived_at = ?').run(datasetId, dataset.archivedAt).changes;
		c.prepare<[number]>('UPDATE datasets SET archived_at = NULL, archived_by = NULL WHERE id = ?').run(datasetId);
		return { audits };
	});
}

// ---------------------------------------------------------------- audits

/**
 * Deletes an audit nobody has worked on yet (e.g. created by mistake); refused otherwise. Checked
 * and hidden in one short transaction (it becomes a half-made audit: seen by no page, list or
 * reviewer, with its reviewers and leases gone), then its items go in short transactions, as a
 * half-made audit's do — 100,000 items held the write lock 1.9 s in one. A process killed
 * meanwhile leaves it to the next start (removeLeftoverAudits).
 */
export async function deleteAudit(auditId: number, database: Db = db()): Promise<{ name: string; datasetId: number }> {
	const c = database.$client;
	const audit = await retryBulkWhenBusy(c, () =>
		transaction(
			database,
			() => {
				const audit = auditRow(c, auditId);
				const work = auditWork(c, auditId);
				if (work && hasWork(work)) {
					throw new ArchiveError(
						`Audit "${audit.name}" holds reviewed work, so it cannot be deleted (${describeWork(work)}). Archive it instead (hidden and read-only, restorable); an administrator can then purge it.`,
						409,
						'reviewed-work'
					);
				}
				// Without reviewed work, an audit's rows are its items (removed below), their responses and
				// gold answers (removed with them), its reviewers and their leases and skips (removed here).
				c.prepare<[number]>('DELETE FROM audit_assignments WHERE audit_id = ?').run(auditId);
				c.prepare<[number]>('DELETE FROM audit_reviewers WHERE audit_id = ?').run(auditId);
				c.prepare<[string, number, number]>(`UPDATE audits SET status = 'preparing', prepare_owner = ?, prepare_heartbeat_at = ? WHERE id = ?`).run(preparingOwner(), Date.now(), auditId);
				return audit;
			},
			'delete audit'
		)
	);
	await removePreparingAudit(auditId, database);
	return { name: audit.name, datasetId: audit.datasetId };
}

export function archiveAudit(auditId: number, archivedBy: number | null, database: Db = db()): void {
	const c = database.$client;
	transaction(database, () => {
		const audit = auditRow(c, auditId);
		if (audit.archivedAt !== null) throw new ArchiveError(`Audit "${audit.name}" is already archived.`, 409, 'archived');
		c.prepare<[number, number | null, number]>('UPDATE audits SET archived_at = ?, archived_by = ? WHERE id = ?').run(Date.now(), archivedBy, auditId);
	});
}

export function restoreAudit(auditId: number, database: Db = db()): void {
	const c = database.$client;
	transaction(database, () => {
		const audit = auditRow(c, auditId);
		if (audit.archivedAt === null) throw new ArchiveError(`Audit "${audit.name}" is not archived.`, 409, 'not-archived');
		if (audit.datasetArchivedAt !== null) throw new ArchiveError('Its dataset is archived: restore the dataset first.', 409, 'archived');
		c.prepare<[number]>('UPDATE audits SET archived_at = NULL, archived_by = NULL WHERE id = ?').run(auditId);
	});
}

// ---------------------------------------------------------------- purge

export interface PurgeCount {
	what: string;
	n: number;
}

export interface PurgePlan {
	kind: 'dataset' | 'audit' | 'reviewer-labels';
	id: number;
	name: string;
	/** What the administrator must type to confirm. */
	confirmWith: string;
	counts: PurgeCount[];
}

const count = (c: Database.Database, sql: string, ...params: unknown[]) => c.prepare<unknown[], number>(sql).pluck().get(...params)!;
/** A count with its noun: "1 audit", "19 labels". */
const counted = (n: number, one: string, many = `${one}s`): PurgeCount => ({ what: n === 1 ? one : many, n });

function auditCounts(c: Database.Database, where: string, param: number): PurgeCount[] {
	const q = (table: string) => count(c, `SELECT count(*) FROM ${table} WHERE audit_id IN (SELECT id FROM audits WHERE ${where})`, param);
	return [
		counted(count(c, `SELECT count(*) FROM audits WHERE ${where}`, param), 'audit'),
		counted(q('audit_items'), 'audit item'),
		counted(q('audit_labels'), 'label'),
		counted(q('audit_archived_labels'), 'set-aside label'),
		counted(q('audit_submissions'), 'logged submission'),
		counted(q('audit_adjudications'), 'adjudication'),
		counted(q('audit_gold_answers'), 'gold answer')
	];
}

/** What purging the dataset would delete (shown before the administrator confirms). */
export function datasetPurgePlan(datasetId: number, database: Db = db()): PurgePlan {
	const c = database.$client;
	const dataset = datasetRow(c, datasetId);
	return {
		kind: 'dataset',
		id: dataset.id,
		name: dataset.name,
		confirmWith: dataset.name,
		counts: [
			counted(count(c, 'SELECT count(*) FROM tasks WHERE dataset_id = ?', datasetId), 'task'),
			counted(count(c, 'SELECT count(*) FROM instances WHERE dataset_id = ?', datasetId), 'instance'),
			counted(count(c, 'SELECT count(*) FROM responses WHERE dataset_id = ?', datasetId), 'model response'),
			...auditCounts(c, 'dataset_id = ?', datasetId)
		]
	};
}

export function auditPurgePlan(auditId: number, database: Db = db()): PurgePlan {
	const c = database.$client;
	const audit = auditRow(c, auditId);
	return { kind: 'audit', id: audit.id, name: audit.name, confirmWith: audit.name, counts: auditCounts(c, 'id = ?', auditId).slice(1) };
}

/** Deletes every row of an audit, the people's work first (their parents refuse otherwise). */
function deleteAuditRows(c: Database.Database, auditId: number): void {
	deleteAuditWork(c, auditId);
	c.prepare<[number]>('DELETE FROM audits WHERE id = ?').run(auditId);
}

/** The people's work on an audit: labels, submissions, set-aside labels, adjudications. */
function deleteAuditWork(c: Database.Database, auditId: number): void {
	c.prepare<[number]>('DELETE FROM audit_label_ratings WHERE audit_id = ?').run(auditId);
	c.prepare<[number]>('DELETE FROM audit_submissions WHERE audit_id = ?').run(auditId);
	c.prepare<[number]>('DELETE FROM audit_labels WHERE audit_id = ?').run(auditId);
	c.prepare<[number]>('DELETE FROM audit_archived_labels WHERE audit_id = ?').run(auditId);
	c.prepare<[number]>('DELETE FROM audit_adjudications WHERE audit_id = ?').run(auditId);
}

export interface PurgeResult {
	plan: PurgePlan;
	/** The verified backup written just before, holding everything purged. */
	backup: BackupResult;
}

function assertConfirmed(plan: PurgePlan, confirm: string | undefined): void {
	if ((confirm ?? '').trim() !== plan.confirmWith) {
		throw new ArchiveError(`Type "${plan.confirmWith}" to confirm the purge.`, 409, 'confirm', 'confirm');
	}
}

/**
 * Deletes an archived dataset with everything in it, audits and their labels included. Only an
 * administrator, only with the name typed, and only after a verified backup of the database.
 */
export async function purgeDataset(datasetId: number, actor: Actor, confirm: string | undefined, database: Db = db()): Promise<PurgeResult> {
	requireAdmin(actor);
	const c = database.$client;
	const dataset = datasetRow(c, datasetId);
	if (dataset.archivedAt === null) throw new ArchiveError(`Archive dataset "${dataset.name}" before purging it.`, 409, 'not-archived');
	assertConfirmed(datasetPurgePlan(datasetId, database), confirm);
	// Archived, so nobody can add work to it between the backup and the delete.
	const backup = await createBackup({ kind: 'pre-purge', database });
	// One short transaction hides the dataset and deletes the people's work; its rows then go in
	// short transactions, so reviewers of other audits keep working while a big dataset is purged.
	const plan = transaction(database, () => {
		const plan = datasetPurgePlan(datasetId, database);
		if (datasetRow(c, datasetId).archivedAt === null) throw new ArchiveError('The dataset was restored meanwhile; nothing purged.', 409, 'not-archived');
		hideForRemoval(c, datasetId);
		return plan;
	}, 'purge dataset');
	await removeImportingDataset(datasetId, database, undefined, 'purge dataset');
	return { plan, backup };
}

export async function purgeAudit(auditId: number, actor: Actor, confirm: string | undefined, database: Db = db()): Promise<PurgeResult> {
	requireAdmin(actor);
	const c = database.$client;
	const audit = auditRow(c, auditId);
	if (audit.archivedAt === null) throw new ArchiveError(`Archive audit "${audit.name}" before purging it.`, 409, 'not-archived');
	assertConfirmed(auditPurgePlan(auditId, database), confirm);
	const backup = await createBackup({ kind: 'pre-purge', database });
	return transaction(database, () => {
		const plan = auditPurgePlan(auditId, database);
		if (auditRow(c, auditId).archivedAt === null) throw new ArchiveError('The audit was restored meanwhile; nothing purged.', 409, 'not-archived');
		deleteAuditRows(c, auditId);
		return { plan, backup };
	});
}
