import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { signOut } from '$lib/server/auth/login';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: ({ cookies, locals, url }) => {
		signOut(cookies, locals.sessionId, url.protocol === 'https:');
		redirect(303, '/login');
	}
};
