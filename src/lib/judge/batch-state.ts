/**
 * The life of one Batch API submission as the app records it, pure, so that a process killed at
 * any moment picks up where it stopped without paying twice or losing a result.
 *
 * Each step that talks to the API is preceded by a durable intent (the phase) and followed by a
 * durable outcome (the id it returned):
 *
 *   prepared ──upload-started──► uploading ──uploaded(file id)──► submitting ──created(batch id)──► in_flight
 *   in_flight ──polled(completed | expired | cancelled)──► collecting ──collected──► done
 *   in_flight ──polled(failed)──► failed
 *
 * A crash between sending a request and storing its answer leaves the phase at `uploading` or
 * `submitting` with no id. The next action is then to look for what may already exist — the
 * upload by its file name, the batch by its metadata tag — and adopt it, and only if nothing is
 * found to send again. That is what keeps a restart from creating (and paying for) a second
 * batch. Polling and collecting are idempotent: results are applied per custom_id, and a call
 * that already has its result is left alone.
 */

export type BatchPhase = 'prepared' | 'uploading' | 'submitting' | 'in_flight' | 'collecting' | 'done' | 'failed';

/** The API's batch statuses. */
export type RemoteBatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface BatchRecord {
	/** Unique and stable, e.g. "judge run 12 batch 3": the upload's file name and the batch's metadata tag. */
	key: string;
	phase: BatchPhase;
	inputFileId: string | null;
	batchId: string | null;
	remoteStatus: RemoteBatchStatus | null;
	outputFileId: string | null;
	errorFileId: string | null;
	/** Epoch ms of the last successful retrieve. */
	lastPolledAt: number | null;
	/** The run was cancelled: ask the API to cancel, then collect what finished. */
	cancelRequested: boolean;
	/** batches.cancel has been sent. */
	cancelSent: boolean;
	/** Why the batch failed (the API's validation errors, summarised). */
	failure: string | null;
}

/** The metadata key that tags our batches, so a restarted app can find one it created. */
export const BATCH_METADATA_KEY = 'instruct_audit_batch';

export function newBatchRecord(key: string): BatchRecord {
	return {
		key,
		phase: 'prepared',
		inputFileId: null,
		batchId: null,
		remoteStatus: null,
		outputFileId: null,
		errorFileId: null,
		lastPolledAt: null,
		cancelRequested: false,
		cancelSent: false,
		failure: null
	};
}

/** The input file's name: derived from the key, so an upload can be found again after a crash. */
export function batchFileName(key: string): string {
	return `instruct-audit-${key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.jsonl`;
}

export type BatchAction =
	/** Mark `uploading`, then upload the input file. */
	| { kind: 'upload' }
	/** After a crash mid-upload: list files, adopt one named `batchFileName(key)`, else upload. */
	| { kind: 'find-or-upload'; fileName: string }
	/** After a crash mid-create: list batches, adopt one tagged with the key on this input file, else create. */
	| { kind: 'find-or-create'; metadata: Record<string, string> }
	| { kind: 'cancel' }
	| { kind: 'poll' }
	| { kind: 'wait'; ms: number }
	/** Download the output and error files and apply every result by custom_id. */
	| { kind: 'collect' }
	| { kind: 'none' };

const FINAL_REMOTE: readonly RemoteBatchStatus[] = ['completed', 'expired', 'cancelled'];

/** What to do next with a batch, given the time and how often to poll. */
export function nextBatchAction(record: BatchRecord, nowMs: number, pollIntervalMs: number): BatchAction {
	switch (record.phase) {
		case 'prepared':
			return { kind: 'upload' };
		case 'uploading':
			// Reached only after a crash (or a failed upload): the upload may have landed.
			return { kind: 'find-or-upload', fileName: batchFileName(record.key) };
		case 'submitting':
			return { kind: 'find-or-create', metadata: { [BATCH_METADATA_KEY]: record.key } };
		case 'in_flight': {
			if (record.cancelRequested && !record.cancelSent) return { kind: 'cancel' };
			const due = record.lastPolledAt === null ? 0 : record.lastPolledAt + pollIntervalMs - nowMs;
			return due <= 0 ? { kind: 'poll' } : { kind: 'wait', ms: due };
		}
		case 'collecting':
			return { kind: 'collect' };
		case 'done':
		case 'failed':
			return { kind: 'none' };
	}
}

export type BatchEvent =
	| { type: 'upload-started' }
	| { type: 'uploaded'; fileId: string }
	| { type: 'created'; batchId: string }
	| { type: 'cancel-requested' }
	/** batches.cancel answered, with the batch's status in its answer (when the API gave one). */
	| { type: 'cancel-sent'; status?: RemoteBatchStatus }
	| {
			type: 'polled';
			at: number;
			status: RemoteBatchStatus;
			outputFileId?: string | null;
			errorFileId?: string | null;
			/** The API's validation errors, for a failed batch. */
			errors?: Array<{ line?: number | null; code?: string; message?: string }>;
	  }
	| { type: 'collected' };

export class BatchTransitionError extends Error {
	constructor(record: BatchRecord, event: BatchEvent) {
		super(`batch "${record.key}": event ${event.type} does not apply in phase ${record.phase}`);
		this.name = 'BatchTransitionError';
	}
}

/** The record after an event; throws BatchTransitionError when the event cannot happen in its phase. */
export function applyBatchEvent(record: BatchRecord, event: BatchEvent): BatchRecord {
	const invalid = () => new BatchTransitionError(record, event);
	switch (event.type) {
		case 'upload-started':
			if (record.phase !== 'prepared' && record.phase !== 'uploading') throw invalid();
			return { ...record, phase: 'uploading' };
		case 'uploaded':
			if (record.phase !== 'uploading') throw invalid();
			return { ...record, phase: 'submitting', inputFileId: event.fileId };
		case 'created':
			if (record.phase !== 'submitting') throw invalid();
			return { ...record, phase: 'in_flight', batchId: event.batchId };
		case 'cancel-requested':
			if (record.phase === 'done' || record.phase === 'failed' || record.phase === 'collecting') return record;
			// Not yet created: nothing to cancel remotely; the batch simply never starts.
			if (record.phase !== 'in_flight') return { ...record, cancelRequested: true, phase: 'done' };
			return { ...record, cancelRequested: true };
		case 'cancel-sent': {
			if (record.phase !== 'in_flight') throw invalid();
			const sent: BatchRecord = { ...record, cancelSent: true, remoteStatus: event.status ?? record.remoteStatus };
			// Already over remotely (cancelled, or it finished first): nothing more will happen to it, and
			// a cancelled run collects nothing — done, like a batch cancelled before it was created.
			return event.status && (FINAL_REMOTE.includes(event.status) || event.status === 'failed') ? { ...sent, phase: 'done' } : sent;
		}
		case 'polled': {
			if (record.phase !== 'in_flight') throw invalid();
			const polled: BatchRecord = {
				...record,
				lastPolledAt: event.at,
				remoteStatus: event.status,
				outputFileId: event.outputFileId ?? record.outputFileId,
				errorFileId: event.errorFileId ?? record.errorFileId
			};
			if (event.status === 'failed') {
				const detail = (event.errors ?? [])
					.slice(0, 5)
					.map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.message ?? e.code ?? 'error'}`)
					.join('; ');
				return { ...polled, phase: 'failed', failure: `The API refused the batch${detail ? `: ${detail}` : '.'}` };
			}
			if (FINAL_REMOTE.includes(event.status)) return { ...polled, phase: 'collecting' };
			return polled;
		}
		case 'collected':
			if (record.phase !== 'collecting') throw invalid();
			return { ...record, phase: 'done' };
	}
}

/** A listed file that is this batch's upload (same name, purpose "batch"), if any. */
export function findUploadedFile<T extends { id: string; filename: string; purpose: string }>(files: readonly T[], key: string): T | undefined {
	const name = batchFileName(key);
	return files.find((f) => f.filename === name && f.purpose === 'batch');
}

/** A listed batch that this record created (tagged with its key, on its input file), if any. */
export function findCreatedBatch<T extends { id: string; input_file_id: string; metadata?: Record<string, string> | null }>(
	batches: readonly T[],
	record: Pick<BatchRecord, 'key' | 'inputFileId'>
): T | undefined {
	return batches.find((b) => b.metadata?.[BATCH_METADATA_KEY] === record.key && b.input_file_id === record.inputFileId);
}
