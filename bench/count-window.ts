/**
 * The measuring window both clients use for an `expect` command: count the next N frames, start the
 * clock at the first of them, and report frames, time, CPU and latency when all have arrived or the
 * time is up. Shared so that ours and the baseline are timed the same way.
 */
import { performance } from 'node:perf_hooks'
import type { ClientCommand } from './control.js'
import { sendToParent as send } from './ipc.js'
import type { LatencyRecorder } from './latency.js'

type Expect = Extract<ClientCommand, { cmd: 'expect' }>

export class CountWindow {
  /** Record latency samples while true (between arm and report of a latency window). */
  latencyOn = false
  private target = -1
  private startedAt = 0
  private finish: (() => void) | undefined

  constructor(private readonly recorder: LatencyRecorder) {}

  /** Start counting `m.count` frames after `counted()`; `extra` adds client-specific figures to the report. */
  arm(m: Expect, counted: () => number, extra: () => Record<string, unknown> = () => ({})): void {
    const cpuBefore = process.cpuUsage()
    const base = counted()
    this.target = base + m.count
    this.startedAt = 0
    this.latencyOn = m.latency
    // Only a latency window records: a throughput window must not grow the buffer to its frame count.
    if (m.latency) this.recorder.reset(m.count)
    let timer: NodeJS.Timeout | undefined
    const report = (complete: boolean) => {
      const elapsedMs = performance.now() - this.startedAt
      const cpu = process.cpuUsage(cpuBefore)
      const cpuMs = (cpu.user + cpu.system) / 1000
      this.finish = undefined
      clearTimeout(timer)
      this.latencyOn = false
      const received = counted() - base
      void send({ type: 'counted', received, elapsedMs, perSec: Math.round((received * 1000) / elapsedMs), cpuMs, perCpuSec: Math.round((received * 1000) / cpuMs), complete, latency: m.latency ? this.recorder.summary() : undefined, ...extra() })
    }
    this.finish = () => report(true)
    timer = setTimeout(() => report(false), m.timeoutMs)
    void send({ type: 'armed' })
  }

  /** The first frame of the window has arrived. */
  start(): void {
    this.startedAt = performance.now()
  }

  /** True when frame number `n` is the window's last. */
  isLast(n: number): boolean {
    return n === this.target
  }

  /** Report now, if a window is open. */
  complete(): void {
    this.finish?.()
  }
}
