import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { parseForm, type FieldErrors } from '$lib/server/forms';
import { signIn } from '$lib/server/auth/login';
import { safeNext } from '$lib/server/auth/redirects';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next'), url.origin));
	return {};
};

const schema = z.object({
	email: z.string().trim().min(1, 'Enter your email address.'),
	password: z.string().min(1, 'Enter your password.')
});

export const actions: Actions = {
	default: async ({ request, cookies, getClientAddress, url }) => {
		const parsed = parseForm(schema, await request.formData(), ['email']);
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const result = await signIn(parsed.data.email, parsed.data.password, {
			address: getClientAddress(),
			userAgent: request.headers.get('user-agent'),
			cookies,
			secure: url.protocol === 'https:'
		});
		if (!result.ok) {
			const errors: FieldErrors = { form: result.message };
			return fail(result.status, { errors, values: { email: parsed.data.email } });
		}
		redirect(303, safeNext(url.searchParams.get('next'), url.origin));
	}
};
