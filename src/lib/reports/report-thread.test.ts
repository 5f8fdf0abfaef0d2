import { describe, expect, it } from 'vitest';
import { giveWayTo, pauseWhileWaiting } from './report-thread';

const counter = (n: number) => {
	const waiting = new Int32Array(new SharedArrayBuffer(4));
	waiting[0] = n;
	return waiting;
};

/** How long `fn` took, in ms. */
const timed = (fn: () => unknown) => {
	const started = performance.now();
	fn();
	return performance.now() - started;
};

describe('pauseWhileWaiting (a background fit giving way to a page)', () => {
	it('goes on at once when nothing is waited on', () => {
		let ended: boolean | undefined;
		expect(timed(() => (ended = pauseWhileWaiting(counter(0), 2_000)))).toBeLessThan(50);
		expect(ended).toBe(true);
	});

	it('waits while a request is waited on, but never longer than its longest pause', () => {
		let ended: boolean | undefined;
		const ms = timed(() => (ended = pauseWhileWaiting(counter(1), 150)));
		expect(ms).toBeGreaterThanOrEqual(140);
		expect(ms).toBeLessThan(1_000);
		expect(ended).toBe(false);
	});
});

describe('giveWayTo (the step hook of a background computation)', () => {
	it('pauses while pages wait; after a pause that ran out, runs a fifth as long before pausing again', async () => {
		const waiting = counter(1);
		const step = giveWayTo(waiting, 150);
		expect(timed(step)).toBeGreaterThanOrEqual(140);
		// The run that follows: steps go on at once although a page still waits.
		expect(timed(step)).toBeLessThan(20);
		await new Promise((r) => setTimeout(r, 60));
		expect(timed(step)).toBeGreaterThanOrEqual(140);
		// Nothing waited on: no pause at all.
		waiting[0] = 0;
		expect(timed(step)).toBeLessThan(20);
	});
});
