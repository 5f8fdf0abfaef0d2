import { describe, expect, it } from 'vitest';
import { backToListHref, instanceHref, listState, taskHref } from './list-link';

describe('the way back from a task to its list', () => {
	it('carries the search, filters and page there and back', () => {
		const from = listState('?q=cherry+pie&filter=rejected&page=3');
		expect(from).toBe('q=cherry+pie&filter=rejected&page=3');
		const href = taskHref(1, 42, from);
		expect(href).toBe('/datasets/1/tasks/42?from=q%3Dcherry%2Bpie%26filter%3Drejected%26page%3D3');
		const back = backToListHref(1, new URL(href, 'http://x').searchParams.get('from'));
		expect(back).toBe('/datasets/1?q=cherry+pie&filter=rejected&page=3');
		expect(new URL(back, 'http://x').searchParams.get('q')).toBe('cherry pie');
	});
	it('a list with no state links plainly', () => {
		expect(listState('')).toBeNull();
		expect(taskHref(1, 42, listState(''))).toBe('/datasets/1/tasks/42');
		expect(backToListHref(1, null)).toBe('/datasets/1');
	});
	it('never leads anywhere but the same dataset\'s list: other parameters, paths and schemes are dropped', () => {
		for (const from of ['//evil.example/x', 'https://evil.example', '../../admin', 'javascript:alert(1)', 'next=/admin&redirect=//x', 'q=a#frag']) {
			const back = backToListHref(7, from);
			expect(back.startsWith('/datasets/7')).toBe(true);
			expect(new URL(back, 'http://x').pathname).toBe('/datasets/7');
		}
		expect(backToListHref(7, 'q=a&redirect=//x&full=all')).toBe('/datasets/7?q=a');
		expect(backToListHref(7, `q=${'x'.repeat(3000)}`)).toBe('/datasets/7');
	});
});

describe('a link to one instance', () => {
	it('names the instance for the page to open and scroll to', () => {
		expect(instanceHref(1, 42, 7)).toBe('/datasets/1/tasks/42?instance=7#instance-7');
		expect(instanceHref(1, 42, null)).toBe('/datasets/1/tasks/42');
	});
});
