// Serves the built app (build/handler.js) over HTTP. adapter-node's own entry assumes https
// when no ORIGIN is set, which makes every form post on plain http://host:port fail the CSRF
// origin check; here a request without X-Forwarded-Proto is taken to be plain http, so the app
// works at whatever address it is reached by. Behind a TLS proxy, the proxy sets the header
// (or set ORIGIN).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import compression from 'compression';
import { SECURITY_HEADERS } from './security-headers.js';
import { NUMBER_SETTINGS, PORT_SETTING, numberSettingProblems, originSettingProblems, refuseSettings } from './settings.js';

// Pages, scripts, styles and JSON go out compressed (brotli or gzip, as the browser accepts);
// static files come precompressed from the build. Downloads (Content-Disposition: attachment)
// are left alone so they stream to the browser as they are written.
const COMPRESSIBLE = /^(text\/(html|css|plain|javascript)|application\/(json|javascript|manifest\+json)|image\/svg\+xml)\b/i;
const compress = compression({
	threshold: 1024,
	level: 6,
	brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } },
	filter: (_req, res) =>
		COMPRESSIBLE.test(String(res.getHeader('content-type') ?? '')) && !/attachment/i.test(String(res.getHeader('content-disposition') ?? ''))
});

// When the app answers without reading the whole body (a body refused as too large), the client
// may still be sending; closing at once would reset the connection before it reads the answer.
// So what still arrives is discarded — never stored — for a moment, then the connection closes.
const LINGER_MS = 2000;
const LINGER_BYTES = 16 * 1024 * 1024;

/** @param {http.IncomingMessage} req */
function lingerOnUnreadBody(req) {
	if (req.complete || req.destroyed) return;
	// The adapter's listener would queue the chunks for a reader that is gone.
	req.removeAllListeners('data');
	let discarded = 0;
	const close = () => req.socket?.destroy();
	const timer = setTimeout(close, LINGER_MS);
	timer.unref();
	req.on('data', (chunk) => {
		discarded += chunk.length;
		if (discarded > LINGER_BYTES) close();
	});
	req.once('end', () => clearTimeout(timer));
	req.once('close', () => clearTimeout(timer));
	req.resume();
}

/**
 * adapter-node lists the built files once, at start-up, and streams them with no error handler:
 * a file removed since (`npm run build` in the same folder while the app serves) would end the
 * whole process at its next request. A rebuild removes the hashed files under /_app/, so a
 * request for one that is gone is answered 404 here instead. (Restart after a rebuild: until
 * then the pages still point to the old files.)
 * @param {string} clientDir
 * @param {string | undefined} url
 */
function isRemovedAsset(clientDir, url) {
	if (!url?.startsWith('/_app/')) return false;
	let pathname;
	try {
		pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
	} catch {
		return false; // the handler answers a malformed path
	}
	const file = path.join(clientDir, pathname);
	return file.startsWith(clientDir + path.sep) && !fs.existsSync(file);
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const NOTED_EVERY_MS = 60_000;

/**
 * SvelteKit refuses a form post whose Origin is not the app's own address (its CSRF check, left as
 * it is) with a bare 403 and logs nothing; when ORIGIN differs from the address people use, every
 * sign-in fails that way in silence. This notices the same case (the condition of SvelteKit's
 * respond.js, with the origin adapter-node gives the request) and logs one line naming both
 * addresses, once a minute per address. It changes no answer.
 * @returns {(req: http.IncomingMessage) => void}
 */
function refusedFormPostNotes() {
	const configured = process.env.ORIGIN ? new URL(process.env.ORIGIN.trim()).origin : null;
	const protocolHeader = (process.env.PROTOCOL_HEADER || '').toLowerCase();
	const hostHeader = (process.env.HOST_HEADER || '').toLowerCase();
	/** @type {Map<string, number>} */
	const noted = new Map();
	return (req) => {
		if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) return;
		const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
		if (!FORM_TYPES.includes(type)) return;
		const header = (/** @type {string} */ name) => String(req.headers[name] ?? '');
		let own = configured;
		if (!own) {
			try {
				own = new URL(`${(protocolHeader && header(protocolHeader)) || 'https'}://${(hostHeader && header(hostHeader)) || req.headers.host}`).origin;
			} catch {
				return;
			}
		}
		const from = req.headers.origin;
		if (from === own) return;
		const key = from ?? '(none)';
		const now = Date.now();
		if (now - (noted.get(key) ?? -Infinity) < NOTED_EVERY_MS) return;
		if (noted.size > 100) noted.clear();
		noted.set(key, now);
		const path = (req.url ?? '').split('?')[0];
		console.error(
			from
				? `Refused a form post to ${path} from ${from}: this server's address is ${own}${configured ? ' (ORIGIN)' : ''}. If people open the app at ${from}, ${configured ? 'set ORIGIN to that address' : 'the proxy must pass the Host it was asked for'}; otherwise it came from another site.`
				: `Refused a form post to ${path} without an Origin header (this server's address is ${own}${configured ? ', from ORIGIN' : ''}).`
		);
	};
}

export async function serve(root = process.cwd()) {
	// The numeric settings, PORT among them, and ORIGIN, all at once before the app loads; the app's config
	// module checks the rest when build/handler.js loads (a ConfigError, carrying its lines).
	const problems = [...numberSettingProblems(process.env), ...originSettingProblems(process.env)];
	if (problems.length) refuseSettings(problems);
	const port = Number(process.env.PORT || PORT_SETTING.default);
	process.env.PROTOCOL_HEADER ||= 'x-forwarded-proto';
	// adapter-node's cap on every request body, read once when build/handler.js loads. The app
	// refuses bodies over each route's own limit (MAX_BODY_MB, or MAX_IMPORT_MB for the streamed
	// import) before reading them; this outer cap only has to let the largest import through.
	const maxImportMb = Number(process.env.MAX_IMPORT_MB || NUMBER_SETTINGS.MAX_IMPORT_MB.default);
	process.env.BODY_SIZE_LIMIT ||= `${maxImportMb + 1}M`;
	let handler;
	try {
		({ handler } = await import(pathToFileURL(path.join(root, 'build', 'handler.js')).href));
	} catch (err) {
		if (Array.isArray(err?.problems)) refuseSettings(err.problems);
		throw err;
	}
	const host = process.env.HOST || '0.0.0.0';
	const clientDir = path.join(root, 'build', 'client');
	const noteRefusedFormPost = refusedFormPostNotes();
	const server = http.createServer((req, res) => {
		req.headers['x-forwarded-proto'] ??= 'http';
		// Preset on every answer, also those no hook sees; the app's own headers (a page's policy with its nonce) replace them.
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
		noteRefusedFormPost(req);
		if (isRemovedAsset(clientDir, req.url)) {
			res.statusCode = 404;
			res.end('Not found');
			return;
		}
		res.once('finish', () => lingerOnUnreadBody(req));
		compress(req, res, () =>
			handler(req, res, () => {
				res.statusCode = 404;
				res.end('Not found');
			})
		);
	});
	// An idle keep-alive connection stays open longer than any client keeps one (browsers, fetch
	// and proxies hold them 4–60 s). With Node's 5 s default a client that reuses a connection just
	// as the server closes it gets "other side closed" — seen when a busy client process was slow
	// to notice the close.
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;
	await new Promise((resolve, reject) => {
		server.once('error', (err) => {
			// The port taken or not ours to use: one line, not a stack.
			if (err.code === 'EADDRINUSE') refuseSettings([`PORT=${port}: another program is listening on ${host}:${port}; stop it or set another PORT.`]);
			if (err.code === 'EACCES') refuseSettings([`PORT=${port}: this user may not listen on port ${port} (ports below 1024 need privileges); set PORT=3000 or another above 1023.`]);
			reject(err);
		});
		server.listen(port, host, () => resolve(undefined));
	});
	console.log(`Listening on http://${host}:${port}`);

	let stopping = false;
	const stop = (reason) => {
		if (stopping) return;
		stopping = true;
		console.log(`${reason}: stopping…`);
		server.close(() => {
			// Lets the app pause generation runs and close the database cleanly.
			process.emit('sveltekit:shutdown', reason);
			setTimeout(() => process.exit(0), 200).unref();
		});
		server.closeIdleConnections();
		setTimeout(() => {
			server.closeAllConnections();
		}, Number(process.env.SHUTDOWN_TIMEOUT || 30) * 1000).unref();
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
	return server;
}
