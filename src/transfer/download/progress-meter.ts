/**
 * Small pieces the download engine reports through: a typed listener registry and a
 * transfer-rate meter over a sliding window of the injected clock.
 */
import type { Logger } from '../../core/log.js';

/** Typed listeners; a throwing listener is logged and never breaks the download. */
export class Listeners<Events extends object> {
  private readonly map = new Map<keyof Events, Set<(ev: never) => void>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(event: K, listener: (ev: Events[K]) => void): () => void {
    let set = this.map.get(event);
    if (set === undefined) {
      set = new Set();
      this.map.set(event, set);
    }
    set.add(listener as (ev: never) => void);
    return () => {
      set.delete(listener as (ev: never) => void);
    };
  }

  emit<K extends keyof Events>(event: K, ev: Events[K]): void {
    const set = this.map.get(event);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        (l as (e: Events[K]) => void)(ev);
      } catch (e) {
        this.log.warn({ err: e, event: String(event) }, 'download listener threw');
      }
    }
  }
}

/** Samples kept at most (one per `sampleMs`). */
const MAX_SAMPLES = 64;

/** Bytes per second over the last `windowMs`, from (time, total bytes) samples. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly sampleMs = 250,
  ) {}

  record(now: number, totalBytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && now - last.t < this.sampleMs) return;
    this.samples.push({ t: now, bytes: totalBytes });
    // keep one sample older than the window so the rate spans all of it
    while (this.samples.length > 2 && (this.samples[1] as { t: number }).t <= now - this.windowMs)
      this.samples.shift();
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  rate(now: number, totalBytes: number): number {
    const first = this.samples[0];
    if (first === undefined) return 0;
    const dt = now - first.t;
    if (dt <= 0) return 0;
    return Math.max(0, ((totalBytes - first.bytes) * 1000) / dt);
  }

  reset(): void {
    this.samples = [];
  }
}
