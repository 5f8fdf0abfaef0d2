import { transaction, type Db } from '../db';
import { retryBulkWhenBusy } from '../db/busy';
import { deleteInShortTransactions, importOwner, ownerIsGone, withoutForeignKeys } from '../datasets/importing';

/**
 * Audits being written in batches (createAuditInBatches): status 'preparing', no reviewers, hidden
 * from every lookup until the last commit opens them. One left by a killed process is removed at
 * the next start, in short transactions, as a killed import's dataset is.
 */

/** This process, as the writer of a preparing audit (the same host:pid form as an import's owner). */
export function preparingOwner(): string {
	return importOwner();
}

/** Items per step of the clean-up (deleteInShortTransactions bounds each transaction's time). */
const CLEANUP_CHUNK = 500;

/**
 * Deletes a preparing audit and its items (with their responses and gold answers, the only rows
 * that can point at them: nobody could review it). Foreign keys are off per batch, as for a
 * killed import: with them on, each deleted item would be looked up in every label table.
 */
export async function removePreparingAudit(auditId: number, database: Db): Promise<number> {
	const c = database.$client;
	const status = c.prepare<[number], string>('SELECT status FROM audits WHERE id = ?').pluck().get(auditId);
	if (status !== 'preparing') return 0;
	const chunk = 'SELECT id FROM audit_items WHERE audit_id = ? ORDER BY id LIMIT ?';
	const children = [
		c.prepare<[number, number]>(`DELETE FROM audit_item_responses WHERE item_id IN (${chunk})`),
		c.prepare<[number, number]>(`DELETE FROM audit_gold_ratings WHERE item_id IN (${chunk})`),
		c.prepare<[number, number]>(`DELETE FROM audit_gold_answers WHERE item_id IN (${chunk})`),
		// A bundle's set-aside labels (an import that failed part way).
		c.prepare<[number, number]>(`DELETE FROM audit_archived_labels WHERE item_id IN (${chunk})`)
	];
	const items = c.prepare<[number, number]>(`DELETE FROM audit_items WHERE id IN (${chunk})`);
	const removed = await deleteInShortTransactions(
		database,
		'audit cleanup',
		(size) => {
			for (const child of children) child.run(auditId, size);
			return items.run(auditId, size).changes;
		},
		{ maxStep: CLEANUP_CHUNK, fixedSize: true }
	);
	// Foreign keys are off here, so ON DELETE CASCADE does not run: every table that cascades from
	// the audit is emptied of its rows by hand, read from the schema so that a table added later is
	// not left pointing at no audit (migration 0034's guidelines versions were, and every backup's
	// check then refused the database).
	const cascading = auditCascades(c).map(({ table, column }) => c.prepare<[number]>(`DELETE FROM "${table}" WHERE "${column}" = ?`));
	await retryBulkWhenBusy(c, () =>
		withoutForeignKeys(database, () =>
			transaction(
				database,
				() => {
					if (c.prepare<[number], string>('SELECT status FROM audits WHERE id = ?').pluck().get(auditId) !== 'preparing') return;
					for (const remove of cascading) remove.run(auditId);
					c.prepare<[number]>(`DELETE FROM audits WHERE id = ? AND status = 'preparing'`).run(auditId);
				},
				'audit cleanup'
			)
		)
	);
	return removed;
}

/** The tables whose rows name an audit and go with it (ON DELETE CASCADE), and the naming column. */
export function auditCascades(c: Db['$client']): { table: string; column: string }[] {
	return c
		.prepare<[], { table: string; column: string }>(
			`SELECT m.name AS "table", f."from" AS "column" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
			 WHERE m.type = 'table' AND f."table" = 'audits' AND f.on_delete = 'CASCADE' ORDER BY m.name`
		)
		.all();
}

/** At start-up: removes the preparing audits of processes that are gone. */
export async function removeLeftoverAudits(database: Db): Promise<{ audits: number; items: number }> {
	const now = Date.now();
	const leftovers = (
		database.$client
			.prepare<[], { id: number; owner: string | null; heartbeatAt: number | null }>(`SELECT id, prepare_owner AS owner, prepare_heartbeat_at AS heartbeatAt FROM audits WHERE status = 'preparing'`)
			.all()
	).filter((a) => ownerIsGone(a.owner, a.heartbeatAt, now));
	let items = 0;
	for (const a of leftovers) items += await removePreparingAudit(a.id, database);
	return { audits: leftovers.length, items };
}
