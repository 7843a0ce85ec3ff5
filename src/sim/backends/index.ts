/**
 * The back-ends the simulator can run, by scenario "routing" name. Registering one is
 * one entry here (its adapter lives next to this file).
 */
import type { AnySimBackend } from '../backend.js';
import { chordBackend } from './chord.js';
import { floodBackend } from './flood.js';
import { kelipsBackend } from './kelips.js';

export const backends: Readonly<Record<string, AnySimBackend>> = Object.freeze({
  flood: floodBackend,
  chord: chordBackend,
  kelips: kelipsBackend,
});
