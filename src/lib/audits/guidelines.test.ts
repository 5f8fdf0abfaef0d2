import { describe, expect, it } from 'vitest';
import { renderGuidelines } from './guidelines';

describe('renderGuidelines', () => {
	it('renders Markdown', () => {
		const html = renderGuidelines('# Rules\n\n- **Say no** when the output is wrong.\n\n`code`');
		expect(html).toContain('<h3>Rules</h3>');
		expect(html).toContain('<strong>Say no</strong>');
		expect(html).toContain('<code>code</code>');
	});

	it('demotes headings below the "Guidelines" h2 they are shown under, keeping their relative levels', () => {
		expect(renderGuidelines('# Guidelines\n\n## Quality\n\n### Edge cases\n\n#### Deep\n\n##### Deeper')).toBe(
			'<h3>Guidelines</h3>\n<h4>Quality</h4>\n<h5>Edge cases</h5>\n<h6>Deep</h6>\n<h6>Deeper</h6>\n'
		);
		// A document starting at ## still begins at h3; one already at h3 or deeper is left alone.
		expect(renderGuidelines('## Quality\n\n### Edge cases')).toBe('<h3>Quality</h3>\n<h4>Edge cases</h4>\n');
		expect(renderGuidelines('#### Note\n\ntext')).toBe('<h4>Note</h4>\n<p>text</p>\n');
		expect(renderGuidelines('no headings')).toBe('<p>no headings</p>\n');
	});

	it('escapes raw HTML and script payloads', () => {
		const html = renderGuidelines('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\nhi <b onclick="x()">there</b>');
		expect(html).not.toMatch(/<script|<img|<b /i);
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
	});

	it('keeps safe links (new tab, no opener) and refuses dangerous schemes', () => {
		const ok = renderGuidelines('[paper](https://arxiv.org/abs/2212.10560) [mail](mailto:a@b.c) [local](/audits) [rel](notes.md)');
		expect(ok).toContain('<a href="https://arxiv.org/abs/2212.10560" target="_blank" rel="noopener noreferrer nofollow">paper</a>');
		expect(ok).toContain('href="mailto:a@b.c"');
		expect(ok).toContain('href="/audits"');
		expect(ok).toContain('href="notes.md"');
		for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:x', '//evil.example/x', 'file:///etc/passwd']) {
			const html = renderGuidelines(`[x](${bad})`);
			expect(html, bad).not.toContain('<a ');
		}
		// A backslash after the slash is percent-encoded, so browsers cannot read it as "//".
		expect(renderGuidelines('[x](/\\evil.example)')).toContain('href="/%5Cevil.example"');
	});

	it('does not load images', () => {
		expect(renderGuidelines('![tracker](https://example.org/pixel.png)')).not.toContain('<img');
	});
});
