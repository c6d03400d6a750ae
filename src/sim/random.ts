/** A small seeded PRNG (mulberry32): the simulator must be reproducible from `seed`, which Math.random is not. */
export type Random = () => number

export function createRandom(seed: number): Random {
  let a = (seed >>> 0) || 0x9e3779b9
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Integer in [min, max], both inclusive. */
export function randomInt(rand: Random, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1))
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(rand: Random): number {
  const u = Math.max(rand(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
}

/** A UUID-shaped id drawn from the PRNG, so market ids are stable for a given seed. */
export function randomUuid(rand: Random): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
}
