/**
 * The time a reviewer spends on an item: wall time while the page is open on it (shown as a
 * clock), and active time (the page visible and touched within the last IDLE_MS), which is sent
 * with the label. Both carry over a reload of the tab and never count time the page was closed:
 * a reviewer who comes back to a held item after a night away sees the minutes they spent on it.
 * It also says when a heartbeat is due, so leases stay alive while someone works and lapse when
 * they have walked away.
 */

/** Idle time after which the clock stops counting the reviewer as active. */
export const IDLE_MS = 2 * 60_000;
/** At most one heartbeat per minute, and only after some activity since the last one. */
export const HEARTBEAT_MS = 60_000;
/** Where this tab keeps the current item's times across a reload (sessionStorage: one tab's, gone with it). */
export const CLOCK_STORAGE_KEY = 'ia-review-clock';

type ClockStorage = Pick<Storage, 'getItem' | 'setItem'>;

function tabStorage(): ClockStorage | null {
	try {
		return typeof sessionStorage === 'undefined' ? null : sessionStorage;
	} catch {
		return null;
	}
}

export class ActivityClock {
	/** Wall time the page has been open on the current item, for the clock on screen. */
	elapsedMs = $state(0);

	/** The item timed, whose times are kept for a reload; null before the first. */
	private ref: string | null = null;
	private activeMs = 0;
	private lastTick: number;
	private lastInteraction: number;
	private lastHeartbeat: number;

	constructor(
		private readonly now: () => number = Date.now,
		private readonly storage: ClockStorage | null = tabStorage()
	) {
		const t = now();
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
		const gap = Math.max(0, now - this.lastTick);
		if (visible && now - this.lastInteraction < IDLE_MS) this.activeMs += gap;
		// A longer gap between ticks is the machine asleep or the page frozen, not time on the item.
		if (gap < IDLE_MS) this.elapsedMs += gap;
		this.lastTick = now;
		this.keep();
		if (this.lastInteraction > this.lastHeartbeat && now - this.lastHeartbeat > HEARTBEAT_MS) {
			this.lastHeartbeat = now;
			return true;
		}
		return false;
	}

	/** An item is on screen: after a reload of this tab its times go on from where they were. */
	restart(ref: string | null = null): void {
		const kept = ref === null ? null : this.kept(ref);
		this.ref = ref;
		this.elapsedMs = kept?.elapsedMs ?? 0;
		this.activeMs = kept?.activeMs ?? 0;
		this.lastTick = this.now();
	}

	/** The item is on screen again after time spent on another (an earlier label): that time is not this one's. */
	resume(): void {
		this.lastTick = this.now();
	}

	/** The active time gathered so far (rounded to ms), and a fresh count from here. */
	takeActiveMs(): number {
		const ms = Math.round(this.activeMs);
		this.activeMs = 0;
		this.keep();
		return ms;
	}

	private keep(): void {
		if (this.ref === null) return;
		try {
			this.storage?.setItem(CLOCK_STORAGE_KEY, JSON.stringify({ ref: this.ref, elapsedMs: this.elapsedMs, activeMs: this.activeMs }));
		} catch {
			// Storage full or disabled: the clock starts again after a reload.
		}
	}

	private kept(ref: string): { elapsedMs: number; activeMs: number } | null {
		try {
			const saved = JSON.parse(this.storage?.getItem(CLOCK_STORAGE_KEY) ?? 'null') as { ref?: unknown; elapsedMs?: unknown; activeMs?: unknown } | null;
			if (saved?.ref !== ref) return null;
			const ms = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
			return { elapsedMs: ms(saved.elapsedMs), activeMs: ms(saved.activeMs) };
		} catch {
			return null;
		}
	}
}
