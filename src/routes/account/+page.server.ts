import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { parseForm } from '$lib/server/forms';
import { changeOwnPassword } from '$lib/server/auth/users';
import { TooManyPasswordAttempts } from '$lib/server/auth/limiter';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '$lib/server/auth/password';
import { fieldErrorsOf } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ locals, url }) => {
	const user = requireUser(locals, url);
	return { account: { email: user.email, name: user.name, role: user.role }, minPasswordLength: MIN_PASSWORD_LENGTH };
};

const tooLong = `A password is at most ${MAX_PASSWORD_LENGTH} characters long.`;
const schema = z
	.object({
		current: z.string().min(1, 'Enter your current password.').max(MAX_PASSWORD_LENGTH, tooLong),
		password: z.string().max(MAX_PASSWORD_LENGTH, tooLong),
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { message: 'The new passwords do not match.', path: ['confirm'] });

export const actions: Actions = {
	password: async ({ locals, request, getClientAddress }) => {
		const user = requireUser(locals);
		// Nothing is echoed: every field here is a password.
		const parsed = parseForm(schema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors });
		try {
			await changeOwnPassword(user.id, { current: parsed.data.current, password: parsed.data.password, keepSessionId: locals.sessionId, address: getClientAddress() });
		} catch (err) {
			return fail(err instanceof TooManyPasswordAttempts ? 429 : 400, { errors: fieldErrorsOf(err) });
		}
		return { message: 'Password changed. Your other sessions were signed out; this one stays signed in.' };
	}
};
