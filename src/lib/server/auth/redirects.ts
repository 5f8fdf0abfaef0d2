/** Only same-site paths are followed after sign-in, so ?next= cannot send a user elsewhere. */
export function safeNext(next: string | null): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
	return next;
}
