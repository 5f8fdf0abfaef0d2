import { transaction, type Db } from '../db';
import { bulkPause, retryBulkWhenBusy } from '../db/busy';
import { importOwner, ownerIsGone, withoutForeignKeys } from '../datasets/importing';

/**
 * Audits being written in batches (createAuditInBatches): status 'preparing', no reviewers, hidden
 * from every lookup until the last commit opens them. One left by a killed process is removed at
 * the next start, in short transactions, as a killed import's dataset is.
 */

/** This process, as the writer of a preparing audit (the same host:pid form as an import's owner). */
export function preparingOwner(): string {
	return importOwner();
}

/** Per transaction of the clean-up: at most this long deleting, then a pause as long. */
const CLEANUP_MAX_WRITE_MS = 50;
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
	const chunk = `SELECT id FROM audit_items WHERE audit_id = ? ORDER BY id LIMIT ${CLEANUP_CHUNK}`;
	const children = [
		c.prepare<[number]>(`DELETE FROM audit_item_responses WHERE item_id IN (${chunk})`),
		c.prepare<[number]>(`DELETE FROM audit_gold_ratings WHERE item_id IN (${chunk})`),
		c.prepare<[number]>(`DELETE FROM audit_gold_answers WHERE item_id IN (${chunk})`)
	];
	const items = c.prepare<[number]>(`DELETE FROM audit_items WHERE id IN (${chunk})`);
	let removed = 0;
	let done = false;
	while (!done) {
		removed += await retryBulkWhenBusy(c, () =>
				withoutForeignKeys(database, () =>
					transaction(
						database,
						() => {
							const started = performance.now();
							let n = 0;
							for (;;) {
								for (const child of children) child.run(auditId);
								const k = items.run(auditId).changes;
								n += k;
								if (k < CLEANUP_CHUNK) {
									done = true;
									break;
								}
								if (performance.now() - started > CLEANUP_MAX_WRITE_MS) break;
							}
							return n;
						},
						'audit cleanup'
					)
				));
		if (!done) await bulkPause(c, CLEANUP_MAX_WRITE_MS);
	}
	await retryBulkWhenBusy(c, () =>
			withoutForeignKeys(database, () =>
				transaction(database, () => c.prepare<[number]>(`DELETE FROM audits WHERE id = ? AND status = 'preparing'`).run(auditId), 'audit cleanup')
			));
	return removed;
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
