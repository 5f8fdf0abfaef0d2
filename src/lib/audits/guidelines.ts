import MarkdownIt from 'markdown-it';

type Renderer = InstanceType<typeof MarkdownIt>;

/**
 * Reviewer guidelines: Markdown written by a researcher, rendered to HTML that is safe to insert.
 * Raw HTML in the source is escaped (html: false), images are off (no remote fetches from the
 * review screen), and links must be http(s), mailto, or relative; every link opens in a new tab
 * without handing the review page to it. Headings are demoted so the shallowest is an h3: the
 * guidelines always sit under a "Guidelines" h2 (review screen, audit page), relative levels kept.
 */

/** The level the guidelines' shallowest heading takes: one below the h2 they are shown under. */
export const GUIDELINES_TOP_HEADING = 3;

const SAFE_LINK = /^(https?:|mailto:|#|\/(?![/\\])|\.{1,2}\/)/i;

function createRenderer(): Renderer {
	const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
	md.disable(['image']);
	md.validateLink = (url: string) => {
		const trimmed = url.trim();
		// Scheme-less relative links ("page", "a/b") are fine; anything with another scheme is not.
		if (SAFE_LINK.test(trimmed)) return true;
		return !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[/\\]/.test(trimmed);
	};
	const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
	md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
		tokens[idx].attrSet('target', '_blank');
		tokens[idx].attrSet('rel', 'noopener noreferrer nofollow');
		return defaultLinkOpen(tokens, idx, options, env, self);
	};
	md.core.ruler.push('demote_headings', (state) => {
		const headings = state.tokens.filter((t) => t.type === 'heading_open' || t.type === 'heading_close');
		const shallowest = Math.min(...headings.map((t) => Number(t.tag.slice(1))));
		const shift = GUIDELINES_TOP_HEADING - shallowest;
		if (shift <= 0) return;
		for (const t of headings) t.tag = `h${Math.min(6, Number(t.tag.slice(1)) + shift)}`;
	});
	return md;
}

let renderer: Renderer | undefined;

export function renderGuidelines(markdown: string): string {
	renderer ??= createRenderer();
	return renderer.render(markdown);
}

export const MAX_GUIDELINES_LENGTH = 50_000;
