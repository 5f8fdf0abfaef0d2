import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { parseForm } from '$lib/server/forms';
import { countUsers, createFirstAdmin, MAX_EMAIL_LENGTH } from '$lib/server/auth/users';
import { setSessionCookie } from '$lib/server/auth/login';
import { fieldErrorsOf } from '$lib/server/http/errors';
import { MAX_PASSWORD_LENGTH } from '$lib/server/auth/password';

export const load: PageServerLoad = () => {
	if (countUsers() > 0) redirect(303, '/login');
	return {};
};

const schema = z
	.object({
		name: z.string().trim().max(200).optional(),
		email: z.string().trim().min(1, 'Enter an email address.').max(MAX_EMAIL_LENGTH, `An email address is at most ${MAX_EMAIL_LENGTH} characters long.`),
		password: z.string().max(MAX_PASSWORD_LENGTH, `A password is at most ${MAX_PASSWORD_LENGTH} characters long.`),
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

// Refills the boxes with at most what an account can hold, never a whole oversized field.
const echoCapped = (values: Record<string, string>) => ({ email: (values.email ?? '').slice(0, MAX_EMAIL_LENGTH), name: (values.name ?? '').slice(0, 200) });

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const parsed = parseForm(schema, await request.formData(), ['email', 'name']);
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: echoCapped(parsed.values) });
		try {
			const admin = await createFirstAdmin(parsed.data);
			setSessionCookie(cookies, admin.id, request.headers.get('user-agent'), url.protocol === 'https:');
		} catch (err) {
			return fail(400, { errors: fieldErrorsOf(err), values: { email: parsed.data.email, name: parsed.data.name ?? '' } });
		}
		redirect(303, '/');
	}
};
