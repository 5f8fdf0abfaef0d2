// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Error {
			message: string;
			/** Short id the server logged the failure under, so a user can report it. */
			errorId?: string;
		}
		interface Locals {
			user: SessionUser | null;
			sessionId: string | null;
		}
		interface PageData {
			/** The main-nav link this page belongs to when its path says otherwise (a judge run: '/reports'); $lib/components/nav-section. */
			navSection?: string;
		}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
