/**
 * The time a reviewer spends on an item: wall time since it came on screen (shown as a clock),
 * and active time (the page visible and touched within the last IDLE_MS), which is sent with
 * the label. It also says when a heartbeat is due, so leases stay alive while someone works
 * and lapse when they have walked away.
 */

/** Idle time after which the clock stops counting the reviewer as active. */
export const IDLE_MS = 2 * 60_000;
/** At most one heartbeat per minute, and only after some activity since the last one. */
export const HEARTBEAT_MS = 60_000;

export class ActivityClock {
	/** Wall time on the current item, for the clock on screen. */
	elapsedMs = $state(0);

	private shownAt: number;
	private activeMs = 0;
	private lastTick: number;
	private lastInteraction: number;
	private lastHeartbeat: number;

	constructor(private readonly now: () => number = Date.now) {
		const t = now();
		this.shownAt = t;
		this.lastTick = t;
		this.lastInteraction = t;
		this.lastHeartbeat = t;
	}

	/** A key, a click or a touch: the reviewer is here. */
	interacted(): void {
		this.lastInteraction = this.now();
	}

	/**
	 * Called every second. Counts the second as active when the page is visible and the reviewer
	 * did something lately; returns true when a heartbeat should be sent now.
	 */
	tick(visible: boolean): boolean {
		const now = this.now();
		if (visible && now - this.lastInteraction < IDLE_MS) this.activeMs += now - this.lastTick;
		this.lastTick = now;
		this.elapsedMs = Math.max(0, now - this.shownAt);
		if (this.lastInteraction > this.lastHeartbeat && now - this.lastHeartbeat > HEARTBEAT_MS) {
			this.lastHeartbeat = now;
			return true;
		}
		return false;
	}

	/** A new item is on screen; after a reload the clock continues from when it was first shown. */
	restart(shownAt: number | null = null): void {
		const now = this.now();
		this.shownAt = shownAt !== null && shownAt <= now ? shownAt : now;
		this.elapsedMs = 0;
		this.activeMs = 0;
		this.lastTick = now;
	}

	/** The active time gathered so far (rounded to ms), and a fresh count from here. */
	takeActiveMs(): number {
		const ms = Math.round(this.activeMs);
		this.activeMs = 0;
		return ms;
	}
}
