/**
 * Small typed readers for scenario JSON. Every failure is a `ScenarioError` naming the
 * JSON path of the offending field, so a bad scenario file never surfaces as a
 * TypeError deep inside the simulator.
 */
import { ConfigError } from '../core/errors.js';

export class ScenarioError extends ConfigError {
  readonly path: string;
  constructor(code: string, path: string, message: string) {
    super(code, path === '' ? message : `${path}: ${message}`);
    this.name = 'ScenarioError';
    this.path = path;
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

export function obj(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be an object');
  return v;
}

/** Rejects keys outside `allowed` (catches typos such as "node" for "nodes"). */
export function onlyKeys(o: JsonObject, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new ScenarioError(
        'SIM_SCENARIO_UNKNOWN',
        join(path, k),
        `unknown field (allowed: ${allowed.join(', ')})`,
      );
    }
  }
}

export interface NumOpts {
  readonly min?: number;
  readonly max?: number;
  readonly int?: boolean;
  /** exclusive lower bound */
  readonly above?: number;
}

export function num(v: unknown, path: string, o: NumOpts = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be a number');
  if (o.int === true && !Number.isInteger(v))
    throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be an integer');
  if (o.min !== undefined && v < o.min)
    throw new ScenarioError('SIM_SCENARIO_RANGE', path, `must be ≥ ${o.min}`);
  if (o.above !== undefined && v <= o.above)
    throw new ScenarioError('SIM_SCENARIO_RANGE', path, `must be > ${o.above}`);
  if (o.max !== undefined && v > o.max)
    throw new ScenarioError('SIM_SCENARIO_RANGE', path, `must be ≤ ${o.max}`);
  return v;
}

export function optNum(o: JsonObject, key: string, path: string, opts: NumOpts = {}): number | undefined {
  const v = o[key];
  return v === undefined ? undefined : num(v, join(path, key), opts);
}

export function numOr(o: JsonObject, key: string, path: string, dflt: number, opts: NumOpts = {}): number {
  return optNum(o, key, path, opts) ?? dflt;
}

export function str(v: unknown, path: string, maxLength = 200): string {
  if (typeof v !== 'string') throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be a string');
  if (v.length > maxLength)
    throw new ScenarioError('SIM_SCENARIO_RANGE', path, `longer than ${maxLength} characters`);
  return v;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be true or false');
  return v;
}

export function arr(v: unknown, path: string, maxLength: number): Json[] {
  if (!Array.isArray(v)) throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be an array');
  if (v.length > maxLength)
    throw new ScenarioError('SIM_SCENARIO_RANGE', path, `more than ${maxLength} entries`);
  return v as Json[];
}

export function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ScenarioError('SIM_SCENARIO_FIELD', path, `must be one of ${values.join(', ')}`);
  }
  return v as T;
}
