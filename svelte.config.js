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
		csrf: { trustedOrigins: [] },
		// Content-Security-Policy on every page: scripts only from the app itself, plus SvelteKit's
		// inline start-up script by nonce — so a rendering slip that let text through as HTML still
		// could not run script. Styles allow inline: Svelte's style attributes and the <style>
		// element Observable Plot adds to each chart need it, and styles cannot run code.
		csp: {
			mode: 'auto',
			directives: {
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
			}
		}
	}
};

export default config;
