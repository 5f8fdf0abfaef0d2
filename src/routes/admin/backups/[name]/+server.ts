import { error } from '@sveltejs/kit';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { backupPath } from '$lib/server/backups';

/** A backup file, for administrators only (it holds every account's password hash and the endpoints' API keys). */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'admin');
	const file = backupPath(params.name);
	if (!file) error(404, { message: 'No such backup.' });
	const { size } = fs.statSync(file);
	return new Response(Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>, {
		headers: {
			'content-type': 'application/vnd.sqlite3',
			'content-length': String(size),
			'content-disposition': `attachment; filename="${params.name}"`,
			'cache-control': 'no-store'
		}
	});
};
