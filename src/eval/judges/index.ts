export type { GuidelinesOptions, JudgeOptions } from './builtin.js';
export {
  Correctness,
  ExpectationsGuidelines,
  Guidelines,
  LlmJudge,
  RelevanceToQuery,
  RetrievalGroundedness,
  RetrievalRelevance,
  RetrievalSufficiency,
  Safety,
} from './builtin.js';
export type { ChatModelLike, JudgeFunction, JudgeModel, JudgeModelLike, JudgePrompt, JudgeReply } from './model.js';
export { getDefaultJudgeModel, setDefaultJudgeModel, toJudgeModel } from './model.js';
export type { JudgeVerdict } from './parse.js';
export { CategoricalRating, parseJudgeResponse, toCategoricalRating } from './parse.js';
export type { RetrievedChunk } from './trace.js';
export { retrievalContextFromTrace } from './trace.js';
