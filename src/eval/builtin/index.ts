export type { EmbeddingScorer, EmbeddingSimilarityOptions } from './embedding.js';
export { cosineSimilarity, embeddingSimilarity } from './embedding.js';
export type { SafeParseSchema, SchemaMatchOptions, ValidJsonOptions } from './json.js';
export { schemaMatch, validJson } from './json.js';
export type { IncludesAllOptions, MatchOptions, RegexMatchOptions } from './match.js';
export { contains, exactMatch, includesAll, regexMatch } from './match.js';
export type { BleuOptions, OverlapOptions } from './overlap.js';
export {
  bleu,
  editDistance,
  levenshtein,
  normalizedEditDistance,
  rougeL,
  rougeLScore,
  rougeTokens,
  sentenceBleu,
  tokenize13a,
} from './overlap.js';
export type { ReferenceOptions } from './text.js';
export { outputText } from './text.js';
export type { LatencyOptions, SuccessOptions, TokenCountOptions } from './trace-metrics.js';
export { countWordTokens, latency, success, tokenCount } from './trace-metrics.js';
