export type { TinyGpt2Config, TinyGpt2Onnx } from './gpt2.js';
export { buildTinyGpt2Onnx, DEFAULT_TINY_GPT2, ONNX_IR_VERSION, ONNX_OPSET } from './gpt2.js';
export type { TinyGpt2ModelInfo, TinyGpt2Options } from './model-dir.js';
export { TINY_MODEL_STAMP, tinyGpt2Files, writeTinyGpt2Model } from './model-dir.js';
export type { TinyVocabulary } from './tokenizer.js';
export { END_OF_TEXT, tinyVocabulary } from './tokenizer.js';
