/**
 * A small typed event emitter. Listener arrays are replaced (copy on write) when listeners change,
 * so `emit` iterates without copying: the hot path allocates nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = Record<string, (...args: any[]) => void>

export class Emitter<E extends EventMap> {
  private listeners: { [K in keyof E]?: E[K][] } = {}

  on<K extends keyof E>(event: K, listener: E[K]): this {
    const list: E[K][] | undefined = this.listeners[event]
    this.listeners[event] = list ? [...list, listener] : [listener]
    return this
  }

  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapper = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapper)
      listener(...args)
    }) as E[K]
    return this.on(event, wrapper)
  }

  off<K extends keyof E>(event: K, listener: E[K]): this {
    const list = this.listeners[event]
    if (list) {
      const next = list.filter((l) => l !== listener)
      this.listeners[event] = next.length > 0 ? next : undefined
    }
    return this
  }

  hasListeners(event: keyof E): boolean {
    return this.listeners[event] !== undefined
  }

  /** Call every listener; a throwing listener does not stop the others or the stream (it is reported to `onListenerError`). */
  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners[event]
    if (list === undefined) return
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](...args)
      } catch (error) {
        this.onListenerError(error, String(event))
      }
    }
  }

  protected onListenerError(error: unknown, event: string): void {
    // Listeners belong to commands and strategies; their faults must not kill the connection.
    queueMicrotask(() => {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), { event })
    })
  }
}
