import type { MarketStoreView } from '../core/market-store.js'

/**
 * Read-only views of state shared with user code. A proxy instead of a copy: the store's books can
 * hold hundreds of levels and a strategy usually reads two numbers, so copying on every read would
 * cost far more than the occasional trap.
 */

export class ReadOnlyError extends TypeError {
  constructor(what: string, property: PropertyKey) {
    super(`${what} is read-only (tried to change '${String(property)}')`)
    this.name = 'ReadOnlyError'
  }
}

const views = new WeakMap<object, object>()

function refuse(what: string) {
  return (_target: object, property: PropertyKey): never => {
    throw new ReadOnlyError(what, property)
  }
}

/** A deep read-only view of `value`: reads see the live object, writes throw ReadOnlyError. */
export function readOnly<T>(value: T, what = 'market store'): T {
  if (value === null || typeof value !== 'object') return value
  const target = value as unknown as object
  const cached = views.get(target)
  if (cached) return cached as T
  const view = new Proxy(target, {
    get(t, property) {
      const v = Reflect.get(t, property)
      if (v === null || typeof v !== 'object') return v
      // A frozen property must be returned as is (a Proxy invariant); frozen values are safe anyway.
      const d = Reflect.getOwnPropertyDescriptor(t, property)
      if (d && !d.configurable && !d.writable) return v
      return readOnly(v, what)
    },
    set: (t, property) => refuse(what)(t, property),
    defineProperty: (t, property) => refuse(what)(t, property),
    deleteProperty: (t, property) => refuse(what)(t, property),
    setPrototypeOf: (t) => refuse(what)(t, '__proto__'),
    preventExtensions: (t) => refuse(what)(t, 'extensible'),
  })
  views.set(target, view)
  return view as T
}

/** The store as a strategy sees it: same reads, nothing it returns can be changed. */
export function readOnlyStore(store: MarketStoreView): MarketStoreView {
  return Object.freeze({
    get: (ticker: string) => readOnly(store.get(ticker)),
    tickers: () => store.tickers().slice(),
    history: (ticker: string) => readOnly(store.history(ticker)),
    size: () => store.size(),
  })
}

/** A frozen deep copy of plain data (events, positions): safe to share between strategies. */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = frozenCopy((value as Record<string, unknown>)[key])
  return Object.freeze(out) as T
}

export { deepFreeze } from '../core/freeze.js'
