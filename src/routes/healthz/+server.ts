import { text } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { pingDatabase } from '$lib/server/db';

/** Liveness for process managers and the test harness: answers once the database is open. */
export const GET: RequestHandler = () => {
	pingDatabase();
	return text('ok');
};
