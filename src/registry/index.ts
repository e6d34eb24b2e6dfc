export * from './prompts/index.js';
