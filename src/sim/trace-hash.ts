/**
 * A running 64-bit hash of the event trace (two FNV-1a-style 32-bit lanes with
 * different offsets), fed with (time, kind, target, aux) of every event. Two runs of
 * the same scenario and seed must end with the same digest.
 */
export class TraceHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  private word(w: number): void {
    let a = this.h1;
    let b = this.h2;
    for (let s = 0; s < 32; s += 8) {
      const byte = (w >>> s) & 0xff;
      a = Math.imul(a ^ byte, 0x01000193) >>> 0;
      b = Math.imul(b ^ byte, 0x01000193 + 0x100) >>> 0;
    }
    this.h1 = a;
    this.h2 = b;
  }

  event(time: number, kind: number, target: number, aux: number): void {
    this.f64[0] = time;
    this.word(this.u32[0] as number);
    this.word(this.u32[1] as number);
    this.word(kind);
    this.word(target);
    this.word(aux);
  }

  /** Mixes in arbitrary text (e.g. a result file). */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  digest(): string {
    return this.h1.toString(16).padStart(8, '0') + this.h2.toString(16).padStart(8, '0');
  }
}
