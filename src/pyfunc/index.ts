export { type BundledCode, bundleModelCode } from './code.js';
export { type EnforcementWarning, enforceParams, enforceSchema, enforceSignature } from './enforce.js';
export {
  describeType,
  Frame,
  isPlainObject,
  isSplitFrame,
  type ModelInput,
  type SplitFrame,
  toFrame,
} from './frame.js';
export { inferDataType, inferParamSchema, inferSchema, inferSignature } from './infer.js';
export {
  INPUT_EXAMPLE_FILE,
  type LoadedInputExample,
  loadInputExample,
  type SavedInputExampleInfo,
  SERVING_INPUT_EXAMPLE_FILE,
  saveInputExample,
} from './input-example.js';
export {
  downloadModel,
  type LoadModelOptions,
  loadModel,
  type ResolvedModelUri,
  resolveModelUri,
} from './load.js';
export {
  type LogModelOptions,
  loggedModelsOfRun,
  logModel,
  MODEL_VERSIONS_TAG,
  type ModelInfo,
  parseRunsUri,
  type RegisterModelOptions,
  registerModel,
  type SaveTarget,
} from './log.js';
export {
  formatUtcTimeCreated,
  MLMODEL_FILE_NAME,
  MlflowModel,
  type MlflowModelOptions,
  NODEJS_FUNCTION_FLAVOR,
  type NodejsFunctionFlavor,
} from './mlmodel.js';
export { isModelWrapper, type ModelContext, ModelWrapper } from './model-wrapper.js';
export {
  loadModelFromPath,
  type ModelCode,
  PyFuncModel,
  type SaveModelOptions,
  saveModel,
} from './save.js';
export {
  type AnyType,
  type ArrayType,
  type ColSpec,
  type ColumnType,
  colSpec,
  DATA_TYPES,
  type DataType,
  hasInputNames,
  isTensorSchema,
  type Json,
  type MapType,
  ModelSignature,
  type ObjectType,
  type ParamSchema,
  type ParamSpec,
  type PropertySpec,
  paramSchemaFromJson,
  paramSchemaToJson,
  paramSpec,
  type Schema,
  type SignatureDict,
  schemaFromJson,
  schemaToJson,
  type TensorSpec,
  tensorSpec,
  typeName,
} from './schema.js';
