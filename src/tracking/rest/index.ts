export { doubleFromJson, doubleToJson } from './convert.js';
export type { RestEndpoint, RestHttpSettings, RestStoreOptions } from './http.js';
export { mlflowErrorFromResponse, parseRetryAfter, REST_DEFAULTS, REST_ENV, RestClient } from './http.js';
export { ENDPOINTS, RestTrackingStore } from './store.js';
