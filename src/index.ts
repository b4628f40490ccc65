// dmgen's programmatic API: the generator as a pure function plus its I/O wrapper, the input
// loader, the output writer, and the DMS emulator for tests.

export {
  buildFiles,
  generate,
  readRuntimeSources,
  RecordingTimer,
  type GenerateResult,
  type RuntimeSources,
} from "./generate.js";
export {
  loadInputs,
  parseInputDocument,
  mergeDocuments,
} from "./input/index.js";
export type {
  LoadedInput,
  ViewDefinition,
  DataModelDefinition,
} from "./input/index.js";
export {
  readConfig,
  parseConfig,
  DEFAULT_CODE_OPTIONS,
  type CodeOptions,
  type GenerateSettings,
} from "./config/index.js";
export {
  diffOutput,
  writeOutput,
  isStale,
  type OutputDiff,
} from "./output/write.js";
export type { FileMap } from "./output/file-map.js";
export { UserError } from "./errors.js";
export {
  startEmulator,
  ManualClock,
  ASSUMPTION_LIST,
  type Assumption,
  type CorsPolicy,
  type EmulatorOptions,
  type EmulatorViewsInput,
  type RunningEmulator,
} from "./emulator/index.js";
