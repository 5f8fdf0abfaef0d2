/**
 * One export download driven from the page: the response body is read as it streams so the
 * page can show bytes received against the server's size estimate, then saved under the name
 * the server gave. The manifest of exactly this file is then available by the export's id.
 */
export type DownloadPhase = 'idle' | 'downloading' | 'done' | 'cancelled' | 'error';

export class ExportDownload {
	phase = $state<DownloadPhase>('idle');
	received = $state(0);
	estimated = $state(0);
	rows = $state(0);
	fileName = $state('');
	exportId = $state('');
	error = $state('');
	/** From the file's manifest: rows the importer would not read back exactly (null: not a layout it splits, or not known). */
	notReadBackExactly = $state<number | null>(null);
	/** From the file's manifest: rows whose conversation's own system message the file leaves out. */
	systemMessagesLeftOut = $state<number | null>(null);
	tasksWithoutInstancesLeftOut = $state<number | null>(null);
	private controller: AbortController | null = null;

	get percent(): number | null {
		if (!this.estimated) return null;
		return Math.min(99, Math.round((this.received / this.estimated) * 100));
	}

	async start(url: string): Promise<void> {
		this.controller?.abort();
		const controller = new AbortController();
		this.controller = controller;
		this.phase = 'downloading';
		this.received = 0;
		this.estimated = 0;
		this.error = '';
		this.exportId = '';
		this.notReadBackExactly = null;
		this.systemMessagesLeftOut = null;
		this.tasksWithoutInstancesLeftOut = null;
		try {
			const response = await fetch(url, { signal: controller.signal });
			if (!response.ok || !response.body) {
				const body = await response.json().catch(() => ({}));
				throw new Error(body.message ?? `The server answered ${response.status}.`);
			}
			this.estimated = Number(response.headers.get('x-export-estimated-bytes') ?? 0);
			this.rows = Number(response.headers.get('x-export-rows') ?? 0);
			this.exportId = response.headers.get('x-export-id') ?? '';
			this.fileName = fileNameFrom(response.headers.get('content-disposition')) ?? 'export';
			const type = response.headers.get('content-type') ?? 'application/octet-stream';
			const parts: Uint8Array<ArrayBuffer>[] = [];
			const reader = response.body.getReader();
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				parts.push(value);
				this.received += value.length;
			}
			save(new Blob(parts, { type }), this.fileName);
			this.phase = 'done';
			if (this.exportId) void this.readManifest(this.exportId);
		} catch (err) {
			if (controller.signal.aborted) this.phase = 'cancelled';
			else {
				this.error = err instanceof Error ? err.message : String(err);
				this.phase = 'error';
			}
		} finally {
			if (this.controller === controller) this.controller = null;
		}
	}

	/** The finished file's manifest notes on what the file does not hold exactly (warnings on the page, as the CLI prints). */
	private async readManifest(id: string): Promise<void> {
		const response = await fetch(`/api/exports/manifest?id=${encodeURIComponent(id)}`).catch(() => null);
		const manifest = response?.ok ? await response.json().catch(() => null) : null;
		if (this.exportId !== id) return;
		this.notReadBackExactly = manifest?.counts?.notReadBackExactly ?? null;
		this.systemMessagesLeftOut = manifest?.counts?.systemMessagesLeftOut ?? null;
		this.tasksWithoutInstancesLeftOut = manifest?.counts?.tasksWithoutInstancesLeftOut ?? null;
	}

	cancel(): void {
		this.controller?.abort();
	}
}

function fileNameFrom(disposition: string | null): string | null {
	if (!disposition) return null;
	const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
	if (star) return decodeURIComponent(star[1]);
	return /filename="([^"]+)"/i.exec(disposition)?.[1] ?? null;
}

function save(blob: Blob, fileName: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = fileName;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
