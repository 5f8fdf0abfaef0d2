import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { parseForm, type FieldErrors } from '$lib/server/forms';
import { reviewingNote } from '$lib/audits/disabled-reviewer';
import { clearSignInFailures, createUser, getUser, listUsers, resetPassword, setDisabled, setRole, MAX_EMAIL_LENGTH } from '$lib/server/auth/users';
import { ROLES } from '$lib/server/db/tables';
import { fieldErrorsOf } from '$lib/server/http/errors';
import { MAX_PASSWORD_LENGTH } from '$lib/server/auth/password';
import { roleChangedMessage } from '$lib/accounts/role-change';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'admin', url);
	return { users: listUsers(), roles: [...ROLES] };
};

const createSchema = z.object({
	email: z.string().trim().min(1, 'Enter an email address.').max(MAX_EMAIL_LENGTH, `An email address is at most ${MAX_EMAIL_LENGTH} characters long.`),
	name: z.string().trim().max(200).optional(),
	role: z.enum(ROLES, { message: 'Choose a role.' }),
	password: z.string()
});
const idSchema = z.object({ id: z.coerce.number().int().positive() });

/** A refusal from the domain; `values` (never a password) refill the form that was refused. */
function userFailure(err: unknown, action: string, values: Record<string, string> = {}) {
	const errors: FieldErrors = fieldErrorsOf(err);
	return fail(400, { action, errors, values });
}

// Refills the boxes with at most what an account can hold, never a whole oversized field.
const echoCapped = (values: Record<string, string>): Record<string, string> => ({ ...values, email: (values.email ?? '').slice(0, MAX_EMAIL_LENGTH), name: (values.name ?? '').slice(0, 200) });

export const actions: Actions = {
	create: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(createSchema, await request.formData(), ['email', 'name', 'role']);
		if (!parsed.ok) return fail(400, { action: 'create', errors: parsed.errors, values: echoCapped(parsed.values) });
		try {
			const user = await createUser(parsed.data);
			return { action: 'create', message: `Created ${user.role} account ${user.email}.` };
		} catch (err) {
			// A duplicate email, say: the boxes keep what was typed (the password is typed again).
			const { email, name, role } = parsed.data;
			return userFailure(err, 'create', echoCapped({ email, name: name ?? '', role }));
		}
	},
	reset: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(idSchema.extend({ password: z.string() }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'reset', errors: parsed.errors, values: {} as Record<string, string> });
		try {
			await resetPassword(parsed.data.id, parsed.data.password);
			return { action: 'reset', message: 'Password reset; the user was signed out everywhere.' };
		} catch (err) {
			return userFailure(err, 'reset');
		}
	},
	role: async ({ request, locals }) => {
		const me = requireRole(locals, 'admin');
		const parsed = parseForm(idSchema.extend({ role: z.enum(ROLES) }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'role', errors: parsed.errors, values: {} as Record<string, string> });
		try {
			setRole(parsed.data.id, parsed.data.role);
			// Says whose role and to what: the same words twice in a row would not be announced again.
			// An admin who gave up the role sees the sentence on this page, which is closed to them now.
			const leftAdmin = parsed.data.id === me.id && parsed.data.role !== 'admin';
			return { action: 'role', message: roleChangedMessage(getUser(parsed.data.id)?.email ?? 'The account', parsed.data.role, leftAdmin), leftAdmin };
		} catch (err) {
			return userFailure(err, 'role');
		}
	},
	unlock: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return fail(400, { action: 'unlock', errors: parsed.errors, values: {} as Record<string, string> });
		try {
			clearSignInFailures(parsed.data.id);
			return { action: 'unlock', message: `Failed sign-ins of ${getUser(parsed.data.id)?.email ?? 'the account'} cleared: it can sign in again from any address.` };
		} catch (err) {
			return userFailure(err, 'unlock');
		}
	},
	disable: async ({ request, locals }) => {
		requireRole(locals, 'admin');
		const parsed = parseForm(idSchema.extend({ disabled: z.enum(['true', 'false']) }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'disable', errors: parsed.errors, values: {} as Record<string, string> });
		try {
			const disabled = parsed.data.disabled === 'true';
			const { reviewing } = setDisabled(parsed.data.id, disabled);
			const note = reviewingNote(disabled, reviewing);
			return { action: 'disable', message: `${disabled ? 'Account disabled and signed out.' : 'Account enabled.'}${note ? ` ${note}` : ''}` };
		} catch (err) {
			return userFailure(err, 'disable');
		}
	}
};
