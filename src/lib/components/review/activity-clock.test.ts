import { describe, expect, it } from 'vitest';
import { ActivityClock, HEARTBEAT_MS, IDLE_MS } from './activity-clock.svelte';

function fakeTime(start = 1_000_000) {
	let now = start;
	return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('ActivityClock', () => {
	it('counts active time only while the page is visible and the reviewer is not idle', () => {
		const t = fakeTime();
		const clock = new ActivityClock(t.now);
		for (let i = 0; i < 10; i++) {
			t.advance(1000);
			clock.tick(true);
		}
		// Hidden tab: wall time runs on, active time does not.
		for (let i = 0; i < 5; i++) {
			t.advance(1000);
			clock.tick(false);
		}
		expect(clock.elapsedMs).toBe(15_000);
		expect(clock.takeActiveMs()).toBe(10_000);
		expect(clock.takeActiveMs()).toBe(0);
	});

	it('stops counting after IDLE_MS without a key or a click, and starts again on the next one', () => {
		const t = fakeTime();
		const clock = new ActivityClock(t.now);
		const seconds = IDLE_MS / 1000 + 30;
		for (let i = 0; i < seconds; i++) {
			t.advance(1000);
			clock.tick(true);
		}
		expect(clock.takeActiveMs()).toBe(IDLE_MS - 1000);
		clock.interacted();
		t.advance(1000);
		clock.tick(true);
		expect(clock.takeActiveMs()).toBe(1000);
	});

	it('asks for a heartbeat at most once a minute, and only after activity', () => {
		const t = fakeTime();
		const clock = new ActivityClock(t.now);
		let beats = 0;
		for (let i = 0; i < 5 * 60; i++) {
			t.advance(1000);
			if (i % 10 === 0) clock.interacted();
			if (clock.tick(true)) beats++;
		}
		expect(beats).toBe(Math.floor((5 * 60 * 1000) / (HEARTBEAT_MS + 1000)));
		// Nobody there: no heartbeats, so the leases lapse.
		let idleBeats = 0;
		for (let i = 0; i < 5 * 60; i++) {
			t.advance(1000);
			if (clock.tick(true)) idleBeats++;
		}
		expect(idleBeats).toBeLessThanOrEqual(1);
	});

	it('restarts for a new item, continuing from when a reloaded item was first shown', () => {
		const t = fakeTime();
		const clock = new ActivityClock(t.now);
		t.advance(5000);
		clock.tick(true);
		clock.restart(t.now() - 42_000);
		t.advance(1000);
		clock.tick(true);
		expect(clock.elapsedMs).toBe(43_000);
		expect(clock.takeActiveMs()).toBe(1000);
		// A time in the future (a wrong client clock) is not believed.
		clock.restart(t.now() + 60_000);
		t.advance(1000);
		clock.tick(true);
		expect(clock.elapsedMs).toBe(1000);
	});
});
