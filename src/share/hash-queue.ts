/**
 * A de-duplicating work queue with bounded concurrency: at most `concurrency` files are
 * read at once, so hashing a large share never floods the disk or the thread pool.
 */
export class HashQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private head = 0;
  private running = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly work: (path: string) => Promise<void>,
  ) {}

  /** Queues `path` unless it is already waiting (a running one may be queued again). */
  push(path: string): void {
    if (this.closed || this.queued.has(path)) return;
    this.queued.add(path);
    this.queue.push(path);
    this.pump();
  }

  get pending(): number {
    return this.queue.length - this.head + this.running;
  }

  isIdle(): boolean {
    return this.pending === 0;
  }

  /** Resolves the next time nothing is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is waiting; resolves when the running jobs are done. */
  close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.queued.clear();
    if (this.isIdle()) this.notifyIdle();
    return this.idle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.head < this.queue.length) {
      const path = this.queue[this.head++] as string;
      this.queued.delete(path);
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.running++;
      void this.work(path)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          if (this.isIdle()) this.notifyIdle();
        });
    }
  }
}
