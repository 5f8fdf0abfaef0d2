/**
 * The page's whole-shape export (conversations with every turn, preference pairs): the link to
 * the file, its manifest, and what the export would write — read from that manifest, so the page
 * shows the counts, what is left out and whose pair verdicts are used, as the CLI prints them.
 */
import { reviewersVerdictsText, shapeLeftOutSummary } from '$lib/formats/serialize-shapes';

export type PageShapeFormat = 'sharegpt' | 'chat-conversations' | 'preference-pairs';

export const PAGE_SHAPE_FORMATS: readonly { id: PageShapeFormat; label: string; one: string; many: string }[] = [
	{ id: 'sharegpt', label: 'ShareGPT JSON Lines', one: 'conversation', many: 'conversations' },
	{ id: 'chat-conversations', label: 'OpenAI chat JSON Lines, every turn', one: 'conversation', many: 'conversations' },
	{ id: 'preference-pairs', label: 'Preference pairs {prompt, chosen, rejected}', one: 'pair', many: 'pairs' }
];

interface ShapeManifest {
	counts: { records: number; reviewersVerdicts?: number; sourceVerdictsReplaced?: number } & Parameters<typeof shapeLeftOutSummary>[0];
	reviewersVerdictsFrom?: { audits: number[] };
}

export class ShapeExport {
	/** None until chosen: reading what an export would write runs it (a large dataset's conversations take a while), so only for a shape someone wants. */
	format = $state<PageShapeFormat | ''>('');
	/** preference-pairs: keep ties, flagged (else left out). */
	flagTies = $state(false);
	/** "3 pairs", what is left out ("; 1 tie left out", as the CLI says it) and whose verdicts the pairs carry. */
	summary = $state<{ records: string; leftOut: string; verdicts: string } | null>(null);
	error = $state('');
	loading = $state(false);

	/** The export's parameters, from the page's dataset and filters (`dataset=…&where=…`). */
	query(selection: string): string {
		const from = new URLSearchParams(selection);
		const p = new URLSearchParams({ dataset: from.get('dataset') ?? '', format: this.format });
		for (const w of from.getAll('where')) p.append('where', w);
		if (this.format === 'preference-pairs' && this.flagTies) p.set('ties', 'flag');
		return p.toString();
	}

	/** Reads what the export would write; returns the abort for a newer request. */
	refresh(query: string): () => void {
		this.summary = null;
		if (!this.format) return () => {};
		const controller = new AbortController();
		this.loading = true;
		const timer = setTimeout(async () => {
			try {
				const response = await fetch(`/api/exports/shape?${query}&manifest=1`, { signal: controller.signal });
				const body = await response.json();
				if (!response.ok) {
					this.summary = null;
					this.error = body.message ?? `The server answered ${response.status}.`;
					return;
				}
				const manifest = body as ShapeManifest;
				const info = PAGE_SHAPE_FORMATS.find((f) => f.id === this.format)!;
				const n = manifest.counts.records;
				this.summary = {
					records: `${n} ${n === 1 ? info.one : info.many}`,
					leftOut: shapeLeftOutSummary(manifest.counts),
					verdicts: reviewersVerdictsText(manifest.counts, manifest.reviewersVerdictsFrom?.audits ?? [])
				};
				this.error = '';
			} catch {
				if (!controller.signal.aborted) this.error = 'Could not reach the server for the count.';
			} finally {
				if (!controller.signal.aborted) this.loading = false;
			}
		}, 250);
		return () => {
			clearTimeout(timer);
			controller.abort();
		};
	}
}
