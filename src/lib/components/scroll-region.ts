/**
 * `use:scrollRegion`: a box with its own scrollbar must be reachable by keyboard (WCAG 2.1.1;
 * axe's scrollable-region-focusable), or PageDown, Space and the arrows cannot move it. While
 * its content overflows, the box becomes a tab stop (and is marked `data-scroll-region`, so
 * the review screen lets those keys scroll it); when everything fits, it is left alone and adds
 * no tab stop. Give the box an accessible name (aria-label or aria-labelledby) and a role that
 * allows one (region, group), so a screen reader says what the tab stop is.
 */
export function scrollRegion(node: HTMLElement) {
	const update = () => {
		const overflows = node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1;
		// Only real changes: the observer below would otherwise wake itself up forever.
		if (overflows === node.hasAttribute('data-scroll-region')) return;
		if (overflows) {
			node.tabIndex = 0;
			node.dataset.scrollRegion = '';
		} else {
			node.removeAttribute('tabindex');
			delete node.dataset.scrollRegion;
		}
	};
	const resize = new ResizeObserver(update);
	resize.observe(node);
	// Content changing size (a text expanded) matters as much as the box changing size.
	const mutations = new MutationObserver(update);
	mutations.observe(node, { childList: true, subtree: true, characterData: true, attributes: true });
	update();
	return {
		destroy() {
			resize.disconnect();
			mutations.disconnect();
		}
	};
}
