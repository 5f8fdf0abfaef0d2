/**
 * The run page's live view: polls /api/runs/<id> every second while the run is active (every
 * few seconds otherwise), so the counters, the ETA, the status and the latest calls follow the
 * run together.
 */
import type { PageData } from './$types';

export type RunSummaryView = PageData['summary'];
export type RecentCallView = PageData['recentCalls'][number];

/** Latest calls shown on the page (as its load gives them). */
export const RECENT_CALLS = 10;

const ACTIVE_MS = 1000;
const IDLE_MS = 5000;

export class RunProgress {
	summary = $state<RunSummaryView>() as RunSummaryView;
	recentCalls = $state<RecentCallView[]>([]);
	error = $state('');
	private timer: ReturnType<typeof setTimeout> | undefined;
	private stopped = false;

	constructor(
		initial: RunSummaryView,
		initialCalls: RecentCallView[],
		private readonly onStatusChange: (status: string) => void = () => {}
	) {
		this.summary = initial;
		this.recentCalls = initialCalls;
	}

	get active(): boolean {
		return this.summary.status === 'running' || this.summary.status === 'queued' || this.summary.requestedAction !== null;
	}

	start(): void {
		this.stopped = false;
		this.schedule(this.active ? ACTIVE_MS : IDLE_MS);
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
	}

	/** Poll now (e.g. right after a button was pressed). */
	async refresh(): Promise<void> {
		try {
			const response = await fetch(`/api/runs/${this.summary.id}?recentCalls=${RECENT_CALLS}`, { headers: { accept: 'application/json' } });
			if (!response.ok) {
				this.error = `The server answered ${response.status}.`;
				return;
			}
			const { recentCalls, ...next } = (await response.json()) as RunSummaryView & { recentCalls: RecentCallView[] };
			const previous = this.summary.status;
			this.summary = next;
			this.recentCalls = recentCalls;
			this.error = '';
			if (next.status !== previous) this.onStatusChange(next.status);
		} catch {
			this.error = 'Lost contact with the server; retrying.';
		}
	}

	private schedule(ms: number): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = setTimeout(async () => {
			if (this.stopped) return;
			if (document.visibilityState === 'visible') await this.refresh();
			if (!this.stopped) this.schedule(this.active ? ACTIVE_MS : IDLE_MS);
		}, ms);
	}
}
