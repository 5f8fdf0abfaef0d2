import { CliError, usageError, notFound } from '../cli-error';
import { signalExitCode } from '../interrupt';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printOutcome, printTable } from '../output';
import { reviewingNote } from '$lib/audits/disabled-reviewer';
import { clearSignInFailures, createUser, findUserByEmail, listUsers, resetPassword, setDisabled, setRole } from '$lib/server/auth/users';
import { ROLES, type Role } from '$lib/server/db/tables';
import { processEnv } from '$lib/server/config';
import { roleChangedMessage } from '$lib/accounts/role-change';

const USAGE = `Usage:
  npx instruct-audit users list
  npx instruct-audit users create --email <email> --role admin|researcher|reviewer [--name <name>] [--password <pw>]
  npx instruct-audit users reset-password --email <email> [--password <pw>]
  npx instruct-audit users set-role --email <email> --role admin|researcher|reviewer
  npx instruct-audit users disable --email <email>
  npx instruct-audit users enable --email <email>
  npx instruct-audit users unlock --email <email>      clear the account's failed sign-ins (from every address)

Every action takes --json: what it did as JSON. Without --password, the password is read from the PASSWORD environment variable or asked for.`;

async function readPassword(given: string | undefined): Promise<string> {
	if (given) return given;
	const fromEnv = processEnv().PASSWORD;
	if (fromEnv) return fromEnv;
	if (!process.stdin.isTTY) throw new CliError('No password given, and standard input is not a terminal to ask on: give it with --password <pw> or the PASSWORD environment variable.', 2);
	// Asked twice, unseen: a typo would otherwise set a password nobody knows.
	const first = await askHidden('Password (at least 10 characters): ');
	const again = await askHidden('The same password again: ');
	if (first !== again) throw new CliError('The two passwords differ; nothing was changed. Run the command again.', 1, {}, undefined, 'invalid');
	return first;
}

/**
 * Reads a line from the terminal without showing it. The prompt goes to standard error, so
 * standard output holds only the command's result (one JSON document under --json).
 */
function askHidden(prompt: string): Promise<string> {
	const stdin = process.stdin;
	// Echo off before the prompt shows: a password typed as soon as it appears is never echoed.
	stdin.setRawMode(true);
	process.stderr.write(prompt);
	return new Promise((resolve, reject) => {
		let typed = '';
		const end = (settle: () => void) => {
			stdin.off('data', onData);
			stdin.setRawMode(false);
			stdin.pause();
			process.stderr.write('\n');
			settle();
		};
		const onData = (chunk: Buffer) => {
			for (const ch of chunk.toString('utf8')) {
				if (ch === '\r' || ch === '\n') return end(() => resolve(typed));
				// Raw mode turns Ctrl-C and Ctrl-D into characters.
				if (ch === '\u0003' || (ch === '\u0004' && !typed)) return end(() => reject(new CliError('Interrupted: nothing was changed.', signalExitCode('SIGINT'), {}, undefined, 'interrupted')));
				if (ch === '\u007f' || ch === '\b') typed = Array.from(typed).slice(0, -1).join('');
				else if (ch >= ' ') typed += ch;
			}
		};
		stdin.resume();
		stdin.on('data', onData);
	});
}

function userId(email: string | undefined): number {
	if (!email) throw usageError(`Missing --email.`, USAGE);
	const user = findUserByEmail(email);
	if (!user) throw notFound(`No account for ${email}.`);
	return user.id;
}

function role(value: string | undefined): Role {
	if (!value || !ROLES.includes(value as Role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}.`, 2);
	return value as Role;
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{ email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, json: { type: 'boolean' } },
		USAGE
	);
	const action = positionals[0] ?? 'list';
	refuseExtraPositionals(positionals, 1, USAGE);
	switch (action) {
		case 'list': {
			const users = listUsers();
			if (values.json) printJson(users);
			else printTable(users.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, status: u.disabledAt ? 'disabled' : 'active' })));
			return;
		}
		case 'create': {
			if (!values.email) throw usageError(`Missing --email.`, USAGE);
			const user = await createUser({ email: values.email, role: role(values.role), name: values.name, password: await readPassword(values.password) });
			if (values.json) printJson(user);
			else console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
			return;
		}
		case 'reset-password': {
			const id = userId(values.email);
			await resetPassword(id, await readPassword(values.password));
			printOutcome(values.json, { passwordReset: values.email }, `Password of ${values.email} reset; their sessions were ended.`);
			return;
		}
		case 'set-role': {
			const newRole = role(values.role);
			setRole(userId(values.email), newRole);
			printOutcome(values.json, { email: values.email, role: newRole }, roleChangedMessage(values.email ?? '', newRole));
			return;
		}
		case 'disable':
		case 'enable': {
			// Disabling ends the account's leases; the open audits it reviews are named either way.
			const { reviewing, unchanged } = setDisabled(userId(values.email), action === 'disable');
			const note = reviewingNote(action === 'disable', reviewing);
			const done = unchanged ? `${values.email} was already ${action}d; nothing changed.` : `${values.email} ${action}d.`;
			printOutcome(
				values.json,
				{ [`${action}d`]: values.email, ...(unchanged ? { [action === 'disable' ? 'alreadyDisabled' : 'alreadyEnabled']: true } : {}), reviewing },
				`${done}${note ? ` ${note}` : ''}`
			);
			return;
		}
		case 'unlock':
			clearSignInFailures(userId(values.email));
			printOutcome(values.json, { unlocked: values.email }, `Failed sign-ins of ${values.email} cleared; it can sign in again from any address.`);
			return;
		default:
			throw usageError(`Unknown users action "${action}".`, USAGE);
	}
}
