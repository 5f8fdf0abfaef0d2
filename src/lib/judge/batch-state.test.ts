import { describe, expect, it } from 'vitest';
import {
	applyBatchEvent,
	BATCH_METADATA_KEY,
	batchFileName,
	BatchTransitionError,
	findCreatedBatch,
	findUploadedFile,
	newBatchRecord,
	nextBatchAction,
	type BatchRecord
} from './batch-state';

const POLL = 30_000;

describe('batch state machine', () => {
	it('walks the happy path: upload, create, poll until completed, collect', () => {
		let r = newBatchRecord('judge run 12 batch 1');
		expect(nextBatchAction(r, 0, POLL)).toEqual({ kind: 'upload' });
		r = applyBatchEvent(r, { type: 'upload-started' });
		r = applyBatchEvent(r, { type: 'uploaded', fileId: 'file-1' });
		expect(r.phase).toBe('submitting');
		r = applyBatchEvent(r, { type: 'created', batchId: 'batch_1' });
		expect(nextBatchAction(r, 1000, POLL)).toEqual({ kind: 'poll' });
		r = applyBatchEvent(r, { type: 'polled', at: 1000, status: 'validating' });
		expect(nextBatchAction(r, 11_000, POLL)).toEqual({ kind: 'wait', ms: 20_000 });
		expect(nextBatchAction(r, 31_000, POLL)).toEqual({ kind: 'poll' });
		r = applyBatchEvent(r, { type: 'polled', at: 31_000, status: 'in_progress' });
		expect(r.phase).toBe('in_flight');
		r = applyBatchEvent(r, { type: 'polled', at: 61_000, status: 'completed', outputFileId: 'file-2', errorFileId: null });
		expect(r).toMatchObject({ phase: 'collecting', remoteStatus: 'completed', outputFileId: 'file-2', errorFileId: null });
		expect(nextBatchAction(r, 61_000, POLL)).toEqual({ kind: 'collect' });
		r = applyBatchEvent(r, { type: 'collected' });
		expect(nextBatchAction(r, 61_000, POLL)).toEqual({ kind: 'none' });
	});

	it('collects expired and cancelled batches too (their finished lines count)', () => {
		for (const status of ['expired', 'cancelled'] as const) {
			let r: BatchRecord = { ...newBatchRecord('k'), phase: 'in_flight', inputFileId: 'f', batchId: 'b' };
			r = applyBatchEvent(r, { type: 'polled', at: 5, status, errorFileId: 'file-err' });
			expect(r.phase).toBe('collecting');
			expect(r.errorFileId).toBe('file-err');
		}
	});

	it('a failed batch stops with the API’s reasons', () => {
		let r: BatchRecord = { ...newBatchRecord('k'), phase: 'in_flight', inputFileId: 'f', batchId: 'b' };
		r = applyBatchEvent(r, { type: 'polled', at: 5, status: 'failed', errors: [{ line: 3, code: 'invalid_json_line', message: 'Line 3 is not valid JSON.' }] });
		expect(r.phase).toBe('failed');
		expect(r.failure).toBe('The API refused the batch: line 3: Line 3 is not valid JSON.');
		expect(nextBatchAction(r, 10, POLL)).toEqual({ kind: 'none' });
	});

	it('after a crash mid-upload or mid-create, looks for what exists before sending again', () => {
		const uploading = applyBatchEvent(newBatchRecord('Judge run 12 / batch 1'), { type: 'upload-started' });
		expect(nextBatchAction(uploading, 0, POLL)).toEqual({ kind: 'find-or-upload', fileName: 'instruct-audit-judge-run-12-batch-1.jsonl' });
		const submitting = applyBatchEvent(uploading, { type: 'uploaded', fileId: 'file-9' });
		expect(nextBatchAction(submitting, 0, POLL)).toEqual({ kind: 'find-or-create', metadata: { [BATCH_METADATA_KEY]: 'Judge run 12 / batch 1' } });

		const files = [
			{ id: 'file-1', filename: 'instruct-audit-judge-run-12-batch-1.jsonl', purpose: 'batch_output' },
			{ id: 'file-2', filename: 'other.jsonl', purpose: 'batch' },
			{ id: 'file-9', filename: 'instruct-audit-judge-run-12-batch-1.jsonl', purpose: 'batch' }
		];
		expect(findUploadedFile(files, 'Judge run 12 / batch 1')?.id).toBe('file-9');
		expect(findUploadedFile(files, 'Judge run 12 / batch 2')).toBeUndefined();
		const batches = [
			{ id: 'batch_a', input_file_id: 'file-8', metadata: { [BATCH_METADATA_KEY]: 'Judge run 12 / batch 1' } },
			{ id: 'batch_b', input_file_id: 'file-9', metadata: null },
			{ id: 'batch_c', input_file_id: 'file-9', metadata: { [BATCH_METADATA_KEY]: 'Judge run 12 / batch 1' } }
		];
		expect(findCreatedBatch(batches, submitting)?.id).toBe('batch_c');
		expect(findCreatedBatch(batches, { key: 'Judge run 12 / batch 1', inputFileId: 'file-7' })).toBeUndefined();
	});

	it('cancellation: sent once while in flight, then polled to the end; before creation nothing is sent', () => {
		let r: BatchRecord = { ...newBatchRecord('k'), phase: 'in_flight', inputFileId: 'f', batchId: 'b', lastPolledAt: 0 };
		r = applyBatchEvent(r, { type: 'cancel-requested' });
		expect(nextBatchAction(r, 1, POLL)).toEqual({ kind: 'cancel' });
		r = applyBatchEvent(r, { type: 'cancel-sent' });
		expect(nextBatchAction(r, 1, POLL)).toEqual({ kind: 'wait', ms: POLL - 1 });
		r = applyBatchEvent(r, { type: 'polled', at: POLL, status: 'cancelled', outputFileId: 'out' });
		expect(r.phase).toBe('collecting');
		// The cancel's answer is recorded; one saying the batch is already over ends it (a cancelled run collects nothing).
		const asked = applyBatchEvent({ ...newBatchRecord('k3'), phase: 'in_flight', batchId: 'b', remoteStatus: 'in_progress', cancelRequested: true }, { type: 'cancel-sent', status: 'cancelling' });
		expect(asked).toMatchObject({ phase: 'in_flight', remoteStatus: 'cancelling', cancelSent: true });
		const over = applyBatchEvent({ ...newBatchRecord('k4'), phase: 'in_flight', batchId: 'b', remoteStatus: 'in_progress', cancelRequested: true }, { type: 'cancel-sent', status: 'cancelled' });
		expect(over).toMatchObject({ phase: 'done', remoteStatus: 'cancelled', cancelSent: true });
		expect(nextBatchAction(over, 0, POLL)).toEqual({ kind: 'none' });
		const early = applyBatchEvent(newBatchRecord('k2'), { type: 'cancel-requested' });
		expect(early.phase).toBe('done');
		expect(nextBatchAction(early, 0, POLL)).toEqual({ kind: 'none' });
	});

	it('refuses events out of order', () => {
		const r = newBatchRecord('k');
		expect(() => applyBatchEvent(r, { type: 'created', batchId: 'b' })).toThrow(BatchTransitionError);
		expect(() => applyBatchEvent(r, { type: 'polled', at: 0, status: 'completed' })).toThrow(/event polled does not apply in phase prepared/);
		expect(() => applyBatchEvent(r, { type: 'collected' })).toThrow(BatchTransitionError);
	});

	it('names upload files after the key, safely', () => {
		expect(batchFileName('Judge run 3: batch #2')).toBe('instruct-audit-judge-run-3-batch-2.jsonl');
	});
});
