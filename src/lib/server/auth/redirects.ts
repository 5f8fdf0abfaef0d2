/**
 * Where to go after sign-in: `next` resolved the way a browser resolves a Location header
 * (the URL parser drops tabs and newlines, turns "\" into "/", reads "//host" as another site),
 * against the app's own origin. Anything that does not land on that origin becomes "/". The
 * answer is the path, query and fragment as the URL parser serialises them: percent-encoded
 * ASCII, safe in a header.
 */
export function safeNext(next: string | null, origin = 'http://localhost'): string {
	if (!next) return '/';
	let url: URL;
	try {
		url = new URL(next, origin);
	} catch {
		return '/';
	}
	if (url.origin !== origin) return '/';
	const target = url.pathname + url.search + url.hash;
	// "/a/..//evil.example" normalises to "//evil.example", which a browser reads as another host.
	if (!target.startsWith('/') || target.startsWith('//') || !/^[\x21-\x7e]+$/.test(target)) return '/';
	if (new URL(target, origin).origin !== origin) return '/';
	return target;
}
