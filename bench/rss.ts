/** Resident set size of this process: before connecting, and the peak, sampled every 50 ms. */
export class RssSampler {
  private idle = 0
  private peak = 0

  constructor() {
    const timer = setInterval(() => this.sample(), 50)
    timer.unref()
    this.sample()
  }

  /** Call once the modules are loaded and the client is built, before it connects. */
  markIdle(): void {
    this.idle = this.sample()
  }

  figures(): { idleRssMb: number; peakRssMb: number; maxRssMb: number; heapUsedMb: number } {
    this.sample()
    return {
      idleRssMb: mb(this.idle),
      peakRssMb: mb(this.peak),
      // The kernel's own high-water mark (KiB), which no sampling interval can miss.
      maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
      heapUsedMb: mb(process.memoryUsage().heapUsed),
    }
  }

  private sample(): number {
    const rss = process.memoryUsage.rss()
    if (rss > this.peak) this.peak = rss
    return rss
  }
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
