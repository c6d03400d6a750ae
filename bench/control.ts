/**
 * The messages the orchestrator (run.ts) exchanges with its child processes over the IPC channel
 * of `fork`. Children never share a process with the server they measure, so every figure
 * includes a real loopback socket and a real second core.
 */

/** Orchestrator → flood server. */
export type FloodCommand =
  /**
   * Send `count` data frames to the client that connected with `?client=NAME`: as fast as its socket
   * takes them, or paced. `end`: then one `{"type":"bench_end","sent":count}` frame, so a client
   * that counts nothing (the baseline) knows its window is over.
   */
  | { cmd: 'flood'; client: string; count: number; ratePerSec?: number; end?: boolean }
  | { cmd: 'stop' }

/** Flood server → orchestrator. */
export type FloodReply =
  | { type: 'listening'; wsUrl: string; markets: number; cycleFrames: number }
  | { type: 'flooded'; sent: number; elapsedMs: number; achievedPerSec: number }
  | { type: 'failed'; message: string }

/** Orchestrator → client (ours or the bare baseline). */
export type ClientCommand =
  /** Count the next `count` data frames; report when all have arrived or after `timeoutMs`. */
  | { cmd: 'expect'; count: number; latency: boolean; timeoutMs: number }
  /** Report RSS: before connecting, and the peak sampled every 50 ms since start-up. */
  | { cmd: 'memory' }
  | { cmd: 'stop' }

/** Latency summary from send (sent_at_ms) to the handler, in milliseconds. */
export interface LatencySummary {
  samples: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  /** Median over the first and the last tenth of the window: a growing backlog shows as last ≫ first. */
  firstTenthP50Ms: number
  lastTenthP50Ms: number
}

/** Client → orchestrator. */
export type ClientReply =
  | { type: 'ready'; markets: number; setupMs: number }
  /** The expect is in place: the orchestrator may now tell the server to send. */
  | { type: 'armed' }
  /**
   * `cpuMs` is the client process's CPU time (all threads, GC included) over the window: frames per
   * CPU-second stay comparable when other work on the machine steals wall-clock time.
   */
  | { type: 'counted'; received: number; elapsedMs: number; perSec: number; cpuMs: number; perCpuSec: number; complete: boolean; latency?: LatencySummary; signals?: number }
  | { type: 'memory'; idleRssMb: number; peakRssMb: number; maxRssMb: number; heapUsedMb: number; books: number; frames: number }
  | { type: 'connected'; connectMs: number; subscribeMs: number; totalMs: number; markets: number }
  | { type: 'failed'; message: string }

export interface ChildMessage { type: string }
