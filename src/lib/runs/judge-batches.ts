/**
 * A Batch API judge run's batches in a few words (the run page's "Batch state"): how many are in
 * progress, finished, failed or stopped by the run's cancel, and the state of the one that
 * matters most. A failed batch is always named, and a cancelled run's batches are never "in
 * progress" — nothing polls them again, so the API's answer to the cancel is their last word. Pure.
 */

/** A batch as the run summary gives it (runs/summary.ts JudgeBatchView). */
export interface BatchStateInput {
	phase: string;
	remoteStatus: string | null;
	calls: number;
	/** The API's request_counts.completed at the last poll (or the cancel's answer). */
	completed: number | null;
	cancelSent: boolean;
	/** The run's cancel reached the batch (a batch not yet created then is done without ever being sent). */
	cancelRequested: boolean;
	/** The API's id, once the batch was created. */
	batchId: string | null;
	failure: string | null;
}

export function judgeBatchStateText(runStatus: string, batches: readonly BatchStateInput[]): string {
	if (batches.length === 0) return 'Batch API: nothing submitted yet';
	const cancelled = runStatus === 'cancelled';
	const failed = batches.filter((b) => b.phase === 'failed');
	const open = batches.filter((b) => b.phase !== 'done' && b.phase !== 'failed');
	// A cancelled run's batches that were cancelled remotely, or never sent, are stopped, not finished,
	// whatever their phase (a batch done before the cancel came is not marked by it).
	const stopped = cancelled ? batches.filter((b) => b.phase !== 'failed' && (b.phase !== 'done' || b.cancelSent || b.cancelRequested)) : [];
	const finished = batches.length - failed.length - (cancelled ? stopped.length : open.length);
	const parts = [
		!cancelled && open.length ? `${open.length} in progress` : '',
		finished ? `${finished} finished` : '',
		failed.length ? `${failed.length} failed` : '',
		stopped.length ? `${stopped.length} stopped by the cancel` : ''
	].filter(Boolean);
	const shown = (cancelled ? stopped[0] : open[0]) ?? failed[0] ?? batches[batches.length - 1];
	const done = shown.completed !== null ? `, ${shown.completed}/${shown.calls} done` : '';
	// The cancel's words only for a batch it stopped (a finished one shown as it ended).
	const state = cancelled && stopped.includes(shown)
		? shown.cancelSent
			? `cancel sent${shown.remoteStatus ? ` (the API answered ${shown.remoteStatus}${done})` : ''}`
			: shown.batchId
				? `its results not collected${shown.remoteStatus ? ` (the API said ${shown.remoteStatus}${done})` : ''}`
				: 'not sent to the API'
		: `${shown.phase}${shown.remoteStatus ? ` (${shown.remoteStatus}${done})` : ''}${shown.cancelSent ? ' · cancel sent' : ''}`;
	return `${parts.join(', ')} · ${state}${shown.phase === 'failed' && shown.failure ? `: ${shown.failure}` : ''}`;
}
