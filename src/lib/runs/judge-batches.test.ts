import { describe, expect, it } from 'vitest';
import { judgeBatchStateText, type BatchStateInput } from './judge-batches';

const batch = (b: Partial<BatchStateInput>): BatchStateInput => ({ phase: 'in_flight', remoteStatus: 'in_progress', calls: 20, completed: 5, cancelSent: false, cancelRequested: false, batchId: 'batch_1', failure: null, ...b });

describe('judgeBatchStateText', () => {
	it('a running run: its batch in progress with the API status', () => {
		expect(judgeBatchStateText('running', [])).toBe('Batch API: nothing submitted yet');
		expect(judgeBatchStateText('running', [batch({})])).toBe('1 in progress · in_flight (in_progress, 5/20 done)');
	});

	it('a cancelled run: its batch stopped, with what the API answered to the cancel, never "in progress"', () => {
		const cancelledRemotely = batch({ phase: 'done', remoteStatus: 'cancelled', completed: 20, cancelSent: true });
		expect(judgeBatchStateText('cancelled', [cancelledRemotely])).toBe('1 stopped by the cancel · cancel sent (the API answered cancelled, 20/20 done)');
		const cancelling = batch({ remoteStatus: 'cancelling', cancelSent: true });
		expect(judgeBatchStateText('cancelled', [cancelling])).not.toContain('in progress');
		expect(judgeBatchStateText('cancelled', [batch({ phase: 'done', remoteStatus: 'completed', completed: 20 }), cancelling])).toBe(
			'1 finished, 1 stopped by the cancel · cancel sent (the API answered cancelling, 5/20 done)'
		);
	});

	it('a batch the cancel stopped before it was sent is stopped, not finished: the summary agrees with itself', () => {
		// The tester's run 7: 459 batches sent and completed, the last never uploaded when the run was cancelled.
		const completed = Array.from({ length: 459 }, () => batch({ phase: 'done', remoteStatus: 'completed', completed: 20 }));
		const neverSent = batch({ phase: 'done', remoteStatus: null, completed: null, cancelRequested: true, batchId: null });
		expect(judgeBatchStateText('cancelled', [...completed, neverSent])).toBe('459 finished, 1 stopped by the cancel · not sent to the API');
		// Sent and completed, its results not yet collected when the run was cancelled: not "not sent".
		const uncollected = batch({ phase: 'collecting', remoteStatus: 'completed', completed: 20 });
		expect(judgeBatchStateText('cancelled', [uncollected])).toBe('1 stopped by the cancel · its results not collected (the API said completed, 20/20 done)');
		// A cancel that came after a batch was collected leaves it finished.
		expect(judgeBatchStateText('cancelled', [batch({ phase: 'done', remoteStatus: 'completed', completed: 20 })])).toBe('1 finished · done (completed, 20/20 done)');
	});

	it('a failed batch is named, not counted as finished', () => {
		const refused = batch({ phase: 'failed', remoteStatus: 'failed', completed: null, failure: 'The API refused the batch: line 1: bad' });
		const ok = batch({ phase: 'done', remoteStatus: 'completed', completed: 20 });
		expect(judgeBatchStateText('failed', [refused, ok])).toBe('1 finished, 1 failed · failed (failed): The API refused the batch: line 1: bad');
		expect(judgeBatchStateText('completed', [ok, ok])).toBe('2 finished · done (completed, 20/20 done)');
	});
});
