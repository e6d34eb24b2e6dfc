export { buildQaChain, E2E_PROMPT_NAME, E2E_QA_TEMPLATE, e2eChain, type QaChainOptions } from './chain.js';
export { E2E_SCORER_NAMES, E2E_SCORERS, e2eScorers } from './evaluation.js';
export { E2E_TAGS, type RunE2EOptions, runE2E } from './run.js';
export type {
  E2EMode,
  E2EPhaseResult,
  E2EProgressEvent,
  E2EQuestionResult,
  E2ESummary,
} from './summary.js';
