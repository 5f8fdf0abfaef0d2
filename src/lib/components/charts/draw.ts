import type * as PlotModule from '@observablehq/plot';

/**
 * Draws an Observable Plot figure into `target` once the library has loaded (it loads on first
 * use, so pages without a chart never fetch it). Returns the clean-up for the caller's `$effect`:
 * a figure whose inputs changed before the library arrived is never drawn.
 */
export function drawPlot(
	target: HTMLElement,
	options: (Plot: typeof PlotModule) => PlotModule.PlotOptions,
	configure?: (chart: Element) => void
): () => void {
	let cancelled = false;
	let chart: Element | undefined;
	void import('@observablehq/plot').then((Plot) => {
		if (cancelled) return;
		chart = Plot.plot(options(Plot));
		configure?.(chart);
		target.replaceChildren(chart);
	});
	return () => {
		cancelled = true;
		chart?.remove();
	};
}
