import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { checkbox, parseForm } from '$lib/server/forms';
import { listUsers } from '$lib/server/auth/users';
import { getDataset } from '$lib/server/datasets/datasets';
import {
	AuditError,
	addGold,
	addReviewers,
	auditProgress,
	closeAudit,
	getAudit,
	listAuditItems,
	removeReviewer,
	reopenAudit,
	updateGuidelines
} from '$lib/server/audits';
import { renderGuidelines } from '$lib/audits/guidelines';
import { auditAgreementSoFar } from '$lib/server/reports';
import { GoldParseError, parseGold } from '$lib/audits/gold';

function auditOr404(raw: string) {
	const audit = /^\d{1,12}$/.test(raw) ? getAudit(Number(raw)) : undefined;
	if (!audit) error(404, { message: 'No such audit.' });
	return audit;
}

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const audit = auditOr404(params.id);
	const progress = auditProgress(audit.id);
	const members = new Set(progress.reviewers.filter((r) => !r.removed).map((r) => r.userId));
	const page = Number(url.searchParams.get('page')) || 1;
	return {
		audit,
		dataset: getDataset(audit.datasetId),
		guidelinesHtml: audit.guidelines ? renderGuidelines(audit.guidelines) : '',
		progress,
		candidates: listUsers()
			.filter((u) => !u.disabledAt && !members.has(u.id))
			.map((u) => ({ id: u.id, email: u.email, role: u.role })),
		items: listAuditItems(audit.id, { page }),
		soFar: auditAgreementSoFar(audit.id),
		gold: audit.goldCount ? listAuditItems(audit.id, { gold: true, pageSize: 200 }) : null
	};
};

type Failure = { action: string; errors: Record<string, string> };

/** Runs one change; an AuditError becomes a message next to the form that asked for it. */
function attempt(action: string, fn: () => string) {
	try {
		return { action, message: fn() };
	} catch (err) {
		if (err instanceof AuditError || err instanceof GoldParseError) {
			return fail(400, { action, errors: { [err instanceof AuditError ? (err.field ?? 'form') : 'gold']: err.message } } satisfies Failure);
		}
		throw err;
	}
}

const ids = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]).map(Number));

export const actions: Actions = {
	close: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return attempt('status', () => (closeAudit(audit.id), 'Closed: reviewers can no longer label or change labels.'));
	},
	reopen: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		return attempt('status', () => (reopenAudit(audit.id), 'Reopened.'));
	},
	addReviewers: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const parsed = parseForm(z.object({ reviewers: ids }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'reviewers', errors: { reviewers: 'Choose at least one account.' } } satisfies Failure);
		return attempt('reviewers', () => `Added ${addReviewers(audit.id, parsed.data.reviewers)} reviewer(s).`);
	},
	removeReviewer: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const parsed = parseForm(z.object({ userId: z.coerce.number().int(), discardLabels: checkbox }), await request.formData());
		if (!parsed.ok) return fail(400, { action: 'reviewers', errors: { form: 'Invalid request.' } } satisfies Failure);
		return attempt('reviewers', () => {
			const r = removeReviewer(audit.id, parsed.data.userId, { discardLabels: parsed.data.discardLabels });
			return `Removed: ${r.released} item(s) returned to the pool${r.discarded ? `, ${r.discarded} label(s) discarded` : ''}.`;
		});
	},
	guidelines: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const form = await request.formData();
		return attempt('guidelines', () => (updateGuidelines(audit.id, String(form.get('guidelines') ?? '')), 'Guidelines saved.'));
	},
	gold: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const audit = auditOr404(params.id);
		const form = await request.formData();
		const percent = Number(form.get('goldPercent') ?? 10);
		return attempt('gold', () => {
			const added = addGold(audit.id, parseGold(String(form.get('gold') ?? ''), audit.kind), percent / 100, user.id);
			return `Added ${added} gold item(s).`;
		});
	}
};
