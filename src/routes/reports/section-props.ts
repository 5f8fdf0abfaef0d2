import type { AuditReport } from '$lib/reports/report';
import type { ReportPaperTable } from '$lib/reports/paper-tables';
import type { ReportFigure } from '$lib/reports/figures';

/** What the report page hands each kind's section (QualitySection, RatingSection) beside its own part of the report. */
export interface ReportSectionProps {
	report: AuditReport;
	tables: Partial<Record<ReportPaperTable['id'], ReportPaperTable>>;
	figure: ReportFigure | undefined;
	/** Tied items in all, when the section's tie list holds only the first of them. */
	tiesTotal?: number;
}
