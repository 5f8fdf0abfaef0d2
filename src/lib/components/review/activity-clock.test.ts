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

	it('restarts for a new item; a reload of the tab goes on from the times kept, never counting the time the page was closed', () => {
		const t = fakeTime();
		const stored = new Map<string, string>();
		const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
		const first = new ActivityClock(t.now, storage);
		first.restart('item-one');
		for (let i = 0; i < 42; i++) {
			t.advance(1000);
			first.interacted();
			first.tick(true);
		}
		expect(first.elapsedMs).toBe(42_000);
		// The browser is closed with the item held, and opened again five minutes later.
		t.advance(5 * 60_000);
		const reloaded = new ActivityClock(t.now, storage);
		reloaded.restart('item-one');
		t.advance(1000);
		reloaded.tick(true);
		expect(reloaded.elapsedMs).toBe(43_000);
		expect(reloaded.takeActiveMs()).toBe(43_000);
		// Another item starts from nothing.
		reloaded.restart('item-two');
		t.advance(1000);
		reloaded.tick(true);
		expect(reloaded.elapsedMs).toBe(1000);
		expect(reloaded.takeActiveMs()).toBe(1000);
	});

	it('does not count a long gap between ticks (the machine asleep with the page open) as time on the item', () => {
		const t = fakeTime();
		const clock = new ActivityClock(t.now);
		clock.restart('item');
		t.advance(1000);
		clock.tick(true);
		t.advance(3 * 60 * 60_000);
		clock.tick(true);
		t.advance(1000);
		clock.tick(true);
		expect(clock.elapsedMs).toBe(2000);
	});
});
