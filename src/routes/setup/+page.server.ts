import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { parseForm } from '$lib/server/forms';
import { countUsers, createFirstAdmin } from '$lib/server/auth/users';
import { setSessionCookie } from '$lib/server/auth/login';
import { fieldErrorsOf } from '$lib/server/http/errors';

export const load: PageServerLoad = () => {
	if (countUsers() > 0) redirect(303, '/login');
	return {};
};

const schema = z
	.object({
		name: z.string().trim().max(200).optional(),
		email: z.string().trim().min(1, 'Enter an email address.'),
		password: z.string(),
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const parsed = parseForm(schema, await request.formData(), ['email', 'name']);
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		try {
			const admin = await createFirstAdmin(parsed.data);
			setSessionCookie(cookies, admin.id, request.headers.get('user-agent'), url.protocol === 'https:');
		} catch (err) {
			return fail(400, { errors: fieldErrorsOf(err), values: { email: parsed.data.email, name: parsed.data.name ?? '' } });
		}
		redirect(303, '/');
	}
};
