/**
 * Latent-truth results the server keeps, and computes in the background for the report pages.
 *
 * Dawid–Skene with 200 bootstrap refits takes seconds from a few hundred items on and minutes at
 * 100,000 labels. Every report keeps what it computed (audit_latent_results, keyed by a
 * fingerprint of the exact labels and settings), so the next report of unchanged labels reads
 * it back. The report pages go further: a fit over more than LATENT_BACKGROUND_ANSWERS answers
 * that is not kept yet is left 'pending' and queued here, so the page answers at once with the
 * other estimators and a progress line, and shows the latent figures once the background thread
 * has computed them. Downloads, the CLI and exports never leave a fit pending: they wait for it.
 */
import { transaction, type Db } from '../db';
import { DEFAULT_BOOTSTRAP_REPLICATES } from '$lib/stats';
import { newLatentMemo, type LatentProgress, type ReportInput, type ReportOptions, type StoredLatent } from '$lib/reports';
import { buildReportInBackground } from './threads';

/** Fits over more answers than this (each a few seconds' work) are left to the background by the report pages. */
export const LATENT_BACKGROUND_ANSWERS = 1_000;
/** Kept results per audit, the newest: a few recent states of its labels and settings. */
const KEPT_PER_AUDIT = 16;

/** The results kept for an audit, by fingerprint. */
export function keptLatent(auditId: number, database: Db): Record<string, StoredLatent> {
	const rows = database.$client
		.prepare<[number], { fingerprint: string; result: string; computedAt: number }>(
			'SELECT fingerprint, result, computed_at AS computedAt FROM audit_latent_results WHERE audit_id = ?'
		)
		.all(auditId);
	return Object.fromEntries(rows.map((r) => [r.fingerprint, { ...(JSON.parse(r.result) as StoredLatent), computedAt: new Date(r.computedAt).toISOString() }]));
}

/**
 * Keeps newly computed results (and forgets the audit's oldest beyond KEPT_PER_AUDIT). Only a
 * cache: on a connection that cannot write now (busy, or a read-only snapshot) nothing is kept
 * and the next report computes the fit again.
 */
export function keepLatent(auditId: number, computed: Record<string, StoredLatent>, database: Db): void {
	const entries = Object.entries(computed);
	if (entries.length === 0) return;
	const c = database.$client;
	const now = Date.now();
	try {
		transaction(database, () => {
			const insert = c.prepare<[number, string, string, number]>(
				'INSERT OR REPLACE INTO audit_latent_results (audit_id, fingerprint, result, computed_at) VALUES (?, ?, ?, ?)'
			);
			for (const [fingerprint, { computedAt: _, ...result }] of entries) insert.run(auditId, fingerprint, JSON.stringify(result), now);
			c.prepare<[number, number, number]>(
				`DELETE FROM audit_latent_results WHERE audit_id = ? AND fingerprint NOT IN
				 (SELECT fingerprint FROM audit_latent_results WHERE audit_id = ? ORDER BY computed_at DESC, rowid DESC LIMIT ?)`
			).run(auditId, auditId, KEPT_PER_AUDIT);
		}, 'keep latent-truth results');
	} catch (err) {
		const code = (err as { code?: unknown }).code;
		if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_READONLY'))) return;
		throw err;
	}
}

interface LatentJob {
	input: ReportInput;
	options: ReportOptions;
	database: Db;
	total: number;
	done: number;
	startedAt: number | null;
}

/** One job per audit, run one after another (the background thread computes one report at a time). */
const jobs = new Map<number, LatentJob>();
let running = false;

/**
 * Queues the computation of an audit's pending fits (`fits` of them) on `input`. An audit already
 * queued takes the newer input; one already running finishes first, and a report of labels that
 * changed meanwhile queues again.
 */
export function computeLatentLater(auditId: number, input: ReportInput, options: ReportOptions, fits: number, database: Db): void {
	const { latent: _, ...plain } = options;
	const total = fits * (options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES);
	const job = jobs.get(auditId);
	if (job) {
		if (job.startedAt === null) Object.assign(job, { input, options: plain, database, total });
		return;
	}
	jobs.set(auditId, { input, options: plain, database, total, done: 0, startedAt: null });
	void runJobs();
}

async function runJobs(): Promise<void> {
	if (running) return;
	running = true;
	try {
		for (let next = waitingJob(); next; next = waitingJob()) {
			const [auditId, job] = next;
			job.startedAt = Date.now();
			try {
				const memo = newLatentMemo(keptLatent(auditId, job.database));
				memo.onReplicate = () => job.done++;
				await buildReportInBackground(job.input, { ...job.options, latent: memo });
				keepLatent(auditId, memo.computed, job.database);
			} catch (err) {
				// The audit was removed meanwhile, or the computation failed: the next report page queues it again.
				console.error(`Latent-truth estimates of audit ${auditId} not computed:`, err instanceof Error ? err.message : err);
			} finally {
				jobs.delete(auditId);
			}
		}
	} finally {
		running = false;
	}
}

function waitingJob(): [number, LatentJob] | undefined {
	for (const entry of jobs) if (entry[1].startedAt === null) return entry;
	return undefined;
}

/** The audit's background computation, or null when none is queued or running. */
export function latentProgress(auditId: number): LatentProgress | null {
	const job = jobs.get(auditId);
	if (!job) return null;
	return { done: Math.min(job.done, job.total), total: job.total, startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString() };
}

/** Resolves when no background computation is queued or running (tests, and a command that wants them done). */
export async function latentJobsSettled(): Promise<void> {
	while (jobs.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
