/**
 * What the engine needs from a run's kind (a generation pipeline, a judge): the next calls to
 * make, and what to store for a reply. A driver rebuilds its state from the database when a
 * run (re)starts, so the same work is never planned twice and nothing committed is forgotten.
 */
import type { Db } from '../../db';
import type { RowWriter } from '../../datasets/rows';
import type { FinishReason } from '../../llm';
import type { CallPlan, StoredCall } from './calls';
import type { CallCounters } from './counters';
import type { CallFailure } from './failures';

export interface ReplyText {
	text: string;
	finishReason: FinishReason;
	/** How the call was made: only a chat reply can open with a lead-in. */
	apiStyle?: 'chat' | 'completions';
}

/** Rows a reply item became, recorded in the candidate ledger under (call, item index). */
export interface CandidateRows {
	taskId?: number | null;
	instanceId?: number | null;
	formulationId?: number | null;
}

/** Everything a commit may touch; it runs inside the reply's transaction. */
export interface CommitScope<P extends CallCounters = CallCounters> {
	database: Db;
	writer: RowWriter;
	runId: number;
	datasetId: number;
	/** The run's counters, updated in place and written with the commit. */
	progress: P;
	now: number;
	/** Ledger row for item `index` of this reply; a second one for the same item fails the transaction. */
	record(index: number, rows: CandidateRows): void;
}

export interface RunDriver<P extends CallCounters = CallCounters> {
	/** Calls an earlier session left pending, to send again first (already counted as in flight). */
	readonly resend: StoredCall[];
	/**
	 * Up to `slots` new calls (of `capacity` in all); the driver counts them as in flight until
	 * committed.
	 */
	plan(slots: number, capacity: number): CallPlan[];
	/**
	 * Work on a reply before its transaction that need not hold it up — another thread's share
	 * of the commit's computing, say. What it resolves to reaches `commit` as `prepared`; it must
	 * not change the driver's state (the commit decides everything), and a rejection just leaves
	 * `prepared` undefined.
	 */
	prepare?(call: StoredCall, reply: ReplyText): Promise<unknown>;
	/**
	 * Stores what a reply yields (inside its transaction) and returns the summary kept on the
	 * call row. Must be synchronous: the transaction is.
	 */
	commit(call: StoredCall, reply: ReplyText, scope: CommitScope<P>, prepared?: unknown): Record<string, unknown>;
	/**
	 * Records that the call failed on its own prompt (inside its transaction): the work it was
	 * for is held back and marked so (visible, auditable), and the rest of the run goes on. If
	 * the call is retried later, the driver is rebuilt from the database and `commit` (or this
	 * again) settles it. Returns the summary kept on the call row.
	 */
	commitFailure(call: StoredCall, failure: CallFailure, scope: CommitScope<P>): Record<string, unknown>;
	/** Nothing in flight and nothing left to plan. */
	isFinished(): boolean;
	/** When the run ends short of its target, why (plain words). */
	shortfall(): string | null;
	/** What a finished run holds toward its target, in a sentence (e.g. "12 instructions kept (target 12)."). */
	outcome?(): string;
	/** Lets go of what the driver holds (a worker thread) when the session ends. */
	close?(): void;
}
