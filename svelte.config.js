import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { CSP_DIRECTIVES } from './scripts/security-headers.js';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// Absolute asset paths: the review screen rewrites its URL in place, and relative ones
		// (the favicon) would then resolve against the wrong folder.
		paths: { relative: false },
		// Forms post from the same origin; the check stays on.
		csrf: { trustedOrigins: [] },
		// Content-Security-Policy on every page (the directives and why: scripts/security-headers.js).
		csp: { mode: 'auto', directives: CSP_DIRECTIVES }
	}
};

export default config;
