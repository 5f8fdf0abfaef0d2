// Serves the built app (build/handler.js) over HTTP. adapter-node's own entry assumes https
// when no ORIGIN is set, which makes every form post on plain http://host:port fail the CSRF
// origin check; here a request without X-Forwarded-Proto is taken to be plain http, so the app
// works at whatever address it is reached by. Behind a TLS proxy, the proxy sets the header
// (or set ORIGIN).
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function serve(root = process.cwd()) {
	process.env.PROTOCOL_HEADER ||= 'x-forwarded-proto';
	const { handler } = await import(pathToFileURL(path.join(root, 'build', 'handler.js')).href);
	const host = process.env.HOST || '0.0.0.0';
	const port = Number(process.env.PORT || 3000);
	const server = http.createServer((req, res) => {
		req.headers['x-forwarded-proto'] ??= 'http';
		handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
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
