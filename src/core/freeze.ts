/**
 * Freeze plain data in place, deeply, and return it: the one helper for the config (frozen once
 * loaded) and for market events handed to strategies (the shared object is frozen instead of copied
 * per listener, the engine's largest allocation in a profile). The parent is frozen before its
 * children so a cycle ends; an already frozen object is taken as frozen all the way down.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return value
}
