import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

/** Roles, most powerful first: admin (users, settings, everything), researcher (datasets,
 * generation, audits, reports, exports), reviewer (only their own review work). */
export const ROLES = ['admin', 'researcher', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable('users', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	/** Stored lower-cased and trimmed: the login key. */
	email: text('email').notNull().unique(),
	name: text('name').notNull().default(''),
	role: text('role', { enum: ROLES }).notNull(),
	passwordHash: text('password_hash').notNull(),
	createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
	/** Set when an admin disables the account; disabled users cannot log in. */
	disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
	/** When an admin last cleared the account's failed sign-ins: the limiter forgets earlier ones (it lives in the server's memory, the CLI reaches it through this). */
	signInClearedAt: integer('sign_in_cleared_at', { mode: 'timestamp_ms' })
});

export const sessions = sqliteTable(
	'sessions',
	{
		/** SHA-256 of the cookie token, so a leaked database does not leak live sessions. */
		id: text('id').primaryKey(),
		userId: integer('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
		lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
		userAgent: text('user_agent')
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
