/**
 * The deterministic discrete-event simulator: runs the real Router implementations with
 * 10^5–10^6 virtual nodes. See docs/RESULTS.md for what it has measured.
 */
export { Scheduler, type EventHandler } from './scheduler.js';
export { SimClock, NodeClock, EV_TIMER } from './sim-clock.js';
export { EV_CALL, EV_DELIVER, EV_PEER_DOWN, EV_PEER_UP } from './events.js';
export { SIM_PORT, MAX_SIM_NODES, simAddress, simIp, simIndexOf, simServentId } from './address.js';
export * from './latency.js';
export {
  SimNetwork,
  type NetworkHooks,
  type NetworkMode,
  type NetworkOptions,
  type NetworkTotals,
  type TrafficClass,
} from './network.js';
export type {
  AnySimBackend,
  ReferencePoint,
  ReferenceValue,
  SimBackend,
  SimBootstrapContext,
  SimNodeContext,
  SimParams,
} from './backend.js';
export { backends } from './backends/index.js';
export { floodBackend, treeMessages, FLOOD_PARAM_KEYS } from './backends/flood.js';
export * from './topology.js';
export { Zipf } from './zipf.js';
export {
  Placement,
  sampleDistinct,
  sharedFileInfo,
  simFile,
  simFileId,
  simUrn,
  type PlacementSpec,
  type SimFile,
} from './workload.js';
export type * from './config.js';
export { DEFAULT_NETWORK } from './config.js';
export { Simulation, type ProgressInfo } from './simulation.js';
export { SearchTracker } from './search-tracker.js';
export { ChurnDriver, type ChurnHost } from './churn.js';
export { OverlayMaintainer } from './overlay.js';
export { SearchWorkload, type SearchWorkloadHost } from './search-workload.js';
export { collectMetrics, metricAt, toStableJson, type Distribution, type RunMetrics } from './metrics.js';
export { percentile, roundSig, Sample, summarize, integerHistogram, type Summary } from './stats.js';
export { TraceHash } from './trace-hash.js';
export { ScenarioError } from './check.js';
export {
  parseScenario,
  validateScenario,
  scenarioPoints,
  SCENARIO_LIMITS,
  type ReferenceSeries,
  type Scenario,
  type ScenarioOptions,
  type ScenarioPoint,
  type SweepSpec,
} from './scenario.js';
export {
  backendFor,
  runConfig,
  runScenario,
  type BackendRegistry,
  type PointResult,
  type RunScenarioOptions,
  type ScenarioProgress,
  type ScenarioResult,
} from './run.js';
export { fmt, resultJson, resultPlots, resultTable, table, type Plot } from './report.js';
export {
  barChartSvg,
  escapeXml,
  lineChartSvg,
  niceTicks,
  type BarChart,
  type LineChart,
  type Series,
} from './svg.js';
