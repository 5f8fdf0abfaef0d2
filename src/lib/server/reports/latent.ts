/**
 * Latent-truth results the server keeps, and computes in the background for the report pages.
 *
 * Dawid–Skene with 200 bootstrap refits takes seconds from a few hundred items on and minutes at
 * 100,000 labels. Every report keeps what it computed (audit_latent_results, keyed by a
 * fingerprint of the exact labels and settings), so the next report of unchanged labels reads
 * it back. The report pages go further: a fit over more than LATENT_BACKGROUND_ANSWERS answers
 * that is not kept yet is left 'pending' and queued here, so the page answers at once with the
 * other estimators and a progress line, and shows the latent figures once the background thread
 * has computed them. The export page does the same with its estimate (kept per dataset). Downloads,
 * the CLI and export manifests never leave a fit pending: they wait for it.
 */
import { transaction, type Db } from '../db';
import { DEFAULT_BOOTSTRAP_REPLICATES } from '$lib/stats';
import { newLatentMemo, type LatentMemo, type LatentProgress, type StoredLatent } from '$lib/reports';

/** Fits over more answers than this (each a few seconds' work) are left to the background by the report pages. */
export const LATENT_BACKGROUND_ANSWERS = 1_000;
/** Kept results per audit or dataset, the newest: a few recent states of its labels and settings. */
const KEPT_PER_OWNER = 16;

/**
 * Whose results: an audit's (its reports) or a dataset's (its exports' estimates, which pool the
 * dataset's audits over the rows a selection picks).
 */
export type LatentOwner = { audit: number } | { dataset: number };

function store(owner: LatentOwner): { table: string; column: string; id: number; key: string } {
	return 'audit' in owner
		? { table: 'audit_latent_results', column: 'audit_id', id: owner.audit, key: `audit ${owner.audit}` }
		: { table: 'dataset_latent_results', column: 'dataset_id', id: owner.dataset, key: `dataset ${owner.dataset}` };
}

/** The results kept for an audit or dataset, by fingerprint. */
export function keptLatent(owner: LatentOwner, database: Db): Record<string, StoredLatent> {
	const { table, column, id } = store(owner);
	const rows = database.$client
		.prepare<[number], { fingerprint: string; result: string; computedAt: number }>(
			`SELECT fingerprint, result, computed_at AS computedAt FROM ${table} WHERE ${column} = ?`
		)
		.all(id);
	return Object.fromEntries(rows.map((r) => [r.fingerprint, { ...(JSON.parse(r.result) as StoredLatent), computedAt: new Date(r.computedAt).toISOString() }]));
}

/**
 * Keeps newly computed results (and forgets the owner's oldest beyond KEPT_PER_OWNER). Only a
 * cache: on a connection that cannot write now (busy, or a read-only snapshot) nothing is kept
 * and the next report computes the fit again.
 */
export function keepLatent(owner: LatentOwner, computed: Record<string, StoredLatent>, database: Db): void {
	const entries = Object.entries(computed);
	if (entries.length === 0) return;
	const { table, column, id } = store(owner);
	const c = database.$client;
	const now = Date.now();
	try {
		transaction(database, () => {
			const insert = c.prepare<[number, string, string, number]>(`INSERT OR REPLACE INTO ${table} (${column}, fingerprint, result, computed_at) VALUES (?, ?, ?, ?)`);
			for (const [fingerprint, { computedAt: _, ...result }] of entries) insert.run(id, fingerprint, JSON.stringify(result), now);
			c.prepare<[number, number, number]>(
				`DELETE FROM ${table} WHERE ${column} = ? AND fingerprint NOT IN
				 (SELECT fingerprint FROM ${table} WHERE ${column} = ? ORDER BY computed_at DESC, rowid DESC LIMIT ?)`
			).run(id, id, KEPT_PER_OWNER);
		}, 'keep latent-truth results');
	} catch (err) {
		const code = (err as { code?: unknown }).code;
		if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_READONLY'))) return;
		throw err;
	}
}

interface LatentJob {
	owner: LatentOwner;
	/** Computes the pending fits into `memo` (in the background thread). */
	compute: (memo: LatentMemo) => Promise<unknown>;
	database: Db;
	total: number;
	done: number;
	startedAt: number | null;
}

/** One job per audit or dataset, run one after another (the background thread computes one at a time). */
const jobs = new Map<string, LatentJob>();
let running = false;

/**
 * Queues the computation of an owner's pending fits: `compute` runs them into the memo it is
 * handed, `fits` of them, each of `replicates` bootstrap refits. An owner already queued takes the
 * newer computation; one already running finishes first, and a page whose labels or selection
 * changed meanwhile queues again when it asks after it is done.
 */
export function computeLatentLater(
	owner: LatentOwner,
	compute: (memo: LatentMemo) => Promise<unknown>,
	work: { fits: number; replicates?: number },
	database: Db
): void {
	const total = work.fits * (work.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES);
	const key = store(owner).key;
	const job = jobs.get(key);
	if (job) {
		if (job.startedAt === null) Object.assign(job, { compute, database, total });
		return;
	}
	jobs.set(key, { owner, compute, database, total, done: 0, startedAt: null });
	void runJobs();
}

async function runJobs(): Promise<void> {
	if (running) return;
	running = true;
	try {
		for (let next = waitingJob(); next; next = waitingJob()) {
			const [key, job] = next;
			job.startedAt = Date.now();
			try {
				const memo = newLatentMemo(keptLatent(job.owner, job.database));
				memo.onReplicate = () => job.done++;
				await job.compute(memo);
				keepLatent(job.owner, memo.computed, job.database);
			} catch (err) {
				// Removed meanwhile, or the computation failed: the next page view queues it again.
				console.error(`Latent-truth estimates of ${key} not computed:`, err instanceof Error ? err.message : err);
			} finally {
				jobs.delete(key);
			}
		}
	} finally {
		running = false;
	}
}

function waitingJob(): [string, LatentJob] | undefined {
	for (const entry of jobs) if (entry[1].startedAt === null) return entry;
	return undefined;
}

/** The owner's background computation, or null when none is queued or running. */
export function latentProgress(owner: LatentOwner): LatentProgress | null {
	const job = jobs.get(store(owner).key);
	if (!job) return null;
	return { done: Math.min(job.done, job.total), total: job.total, startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString() };
}

/** Resolves when no background computation is queued or running (tests, and a command that wants them done). */
export async function latentJobsSettled(): Promise<void> {
	while (jobs.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
