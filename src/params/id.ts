import type { ParamMatcher } from '@sveltejs/kit';

/**
 * A database id in a URL (`/audits/[id=id]`, `/reports/[auditId=id]`…): 1–12 digits. Anything
 * else matches no route, so SvelteKit answers 404 before a handler runs; handlers read the
 * id with `Number(params.id)`.
 */
export const match = ((param: string) => /^\d{1,12}$/.test(param)) satisfies ParamMatcher;
