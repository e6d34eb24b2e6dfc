export type { RenderReportOptions, ReportFeedback, ReportInput, ReportRow } from './render.js';
export { renderEvaluationReport } from './render.js';
export type { SaveReportOptions } from './save.js';
export { EVAL_REPORT_HTML, saveEvaluationReport } from './save.js';
