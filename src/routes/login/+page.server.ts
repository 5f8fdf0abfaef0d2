import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { parseForm, type FieldErrors } from '$lib/server/forms';
import { signIn } from '$lib/server/auth/login';
import { MAX_EMAIL_LENGTH } from '$lib/server/auth/users';
import { MAX_PASSWORD_LENGTH } from '$lib/server/auth/password';
import { safeNext } from '$lib/server/auth/redirects';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next'), url.origin));
	return {};
};

const schema = z.object({
	email: z.string().trim().min(1, 'Enter your email address.').max(MAX_EMAIL_LENGTH, `An email address is at most ${MAX_EMAIL_LENGTH} characters long.`),
	password: z.string().min(1, 'Enter your password.').max(MAX_PASSWORD_LENGTH, `A password is at most ${MAX_PASSWORD_LENGTH} characters long.`)
});

export const actions: Actions = {
	default: async ({ request, cookies, getClientAddress, url }) => {
		const parsed = parseForm(schema, await request.formData(), ['email']);
		// Refills the box with at most the longest email an account can have, never the whole field.
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: { email: (parsed.values.email ?? '').slice(0, MAX_EMAIL_LENGTH) } });
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
