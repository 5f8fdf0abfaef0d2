import { describe, expect, it } from 'vitest';
import { pauseWhileWaiting } from './report-thread';

describe('pauseWhileWaiting (a background fit giving way to a page)', () => {
	const counter = (n: number) => {
		const waiting = new Int32Array(new SharedArrayBuffer(4));
		waiting[0] = n;
		return waiting;
	};

	it('goes on at once when nothing is waited on', () => {
		const started = performance.now();
		pauseWhileWaiting(counter(0), 2_000);
		expect(performance.now() - started).toBeLessThan(50);
	});

	it('waits while a request is waited on, but never longer than its longest pause', () => {
		const started = performance.now();
		pauseWhileWaiting(counter(1), 150);
		const ms = performance.now() - started;
		expect(ms).toBeGreaterThanOrEqual(140);
		expect(ms).toBeLessThan(1_000);
	});
});
