/**
 * Manifests of the exports the web app streamed recently, so the page can offer the manifest of
 * exactly the file just downloaded. Kept in memory, a bounded number, each readable only by the
 * user who ran the export; after a restart the page falls back to a freshly computed manifest.
 */
import type { ExportManifest } from './export';

const MAX_KEPT = 200;

export class RecentManifests {
	private readonly entries = new Map<string, { userId: number; manifest: ExportManifest }>();

	constructor(private readonly max = MAX_KEPT) {}

	remember(id: string, userId: number, manifest: ExportManifest): void {
		this.entries.delete(id);
		this.entries.set(id, { userId, manifest });
		while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
	}

	get(id: string, userId: number): ExportManifest | undefined {
		const entry = this.entries.get(id);
		return entry && entry.userId === userId ? entry.manifest : undefined;
	}
}

export const recentManifests = new RecentManifests();
