import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// Absolute asset paths: the review screen rewrites its URL in place, and relative ones
		// (the favicon) would then resolve against the wrong folder.
		paths: { relative: false },
		// Forms post from the same origin; the check stays on.
		csrf: { trustedOrigins: [] }
	}
};

export default config;
