// The security headers of every answer, defined once: svelte.config.js gives the policy to
// SvelteKit (which adds a nonce for its start-up script on the pages it renders), hooks.server.ts
// sets the rest on what the app answers, and serve.js presets all of them on every response —
// so the answers made before a route runs (SvelteKit's cross-site form 403, a redirect thrown in
// handle, adapter-node's 413, a static file) carry them too.

/**
 * Content-Security-Policy: scripts only from the app itself, so a rendering slip that let text
 * through as HTML still could not run script. Styles allow inline: Svelte's style attributes
 * and the <style> element Observable Plot adds to each chart need it, and styles cannot run code.
 * In SvelteKit's form (keywords unquoted).
 * @type {Record<string, string[]>}
 */
export const CSP_DIRECTIVES = {
	'default-src': ['self'],
	'script-src': ['self'],
	'style-src': ['self', 'unsafe-inline'],
	'img-src': ['self', 'data:'],
	'font-src': ['self'],
	'connect-src': ['self'],
	'object-src': ['none'],
	'base-uri': ['self'],
	'form-action': ['self'],
	'frame-ancestors': ['none']
};

const KEYWORDS = new Set(['self', 'none', 'unsafe-inline', 'unsafe-eval', 'strict-dynamic']);

/** The policy as a header value (keywords quoted), for answers SvelteKit did not render. */
export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
	.map(([name, sources]) => [name, ...sources.map((s) => (KEYWORDS.has(s) ? `'${s}'` : s))].join(' '))
	.join('; ');

/** The headers every answer carries; a page SvelteKit renders replaces the policy with its own (the same plus a nonce). */
export const SECURITY_HEADERS = {
	'Content-Security-Policy': CONTENT_SECURITY_POLICY,
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'same-origin',
	'X-Frame-Options': 'DENY'
};
