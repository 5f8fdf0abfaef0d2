import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { compareAuditsOffThread } from '$lib/server/reports';

export const load: PageServerLoad = async ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const [a, b] = [url.searchParams.get('a') ?? '', url.searchParams.get('b') ?? ''];
	if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) error(400, { message: 'Choose two audits to compare.' });
	try {
		return { comparison: await compareAuditsOffThread(Number(a), Number(b)) };
	} catch (err) {
		httpError(err);
	}
};
