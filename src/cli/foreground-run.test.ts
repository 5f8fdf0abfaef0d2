import { describe, expect, it } from 'vitest';
import { stopReason } from './foreground-run';

describe('stopReason', () => {
	it('drops the status the engine repeats at the start of its message ("Run 4 paused: Paused: …")', () => {
		expect(`Run 4 paused${stopReason('paused', 'Paused: the endpoint could not be reached after 3 attempts (refused).')}.`).toBe('Run 4 paused: the endpoint could not be reached after 3 attempts (refused).');
		expect(stopReason('failed', 'The seed file is empty.')).toBe(': The seed file is empty');
		expect(stopReason('cancelled', null)).toBe('');
	});
});
