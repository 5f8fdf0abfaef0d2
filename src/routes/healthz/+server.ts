import { text } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/db';

/** Liveness for process managers and the test harness: answers once the database is open. */
export const GET: RequestHandler = () => {
	db().$client.prepare('SELECT 1').get();
	return text('ok');
};
