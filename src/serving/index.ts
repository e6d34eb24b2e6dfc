export {
  getServingCommand,
  type ServingCommand,
  type ServingCommandOptions,
} from './command.js';
export {
  DEPLOYMENT_TEST_ARTIFACT,
  type DeployModelOptions,
  type Deployment,
  type DeploymentChecks,
  type DeploymentQuestion,
  type DeploymentQuestionResult,
  type DeploymentScorer,
  type DeploymentTestResult,
  deployModel,
  type TestDeployedModelOptions,
  testDeployedModel,
} from './deploy.js';
export { invocations, type ScorableModel, type ScoringResponse } from './protocol.js';
export {
  type AccessLogEntry,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_MAX_CONCURRENCY,
  runScoringServer,
  type ScoringServer,
  SERVING_ENV,
  type ServeOptions,
  serve,
} from './server.js';
