import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Ports for tests that must stay theirs between choosing a port and using it: a port nothing may
 * listen on, or one a server is restarted on. A port from `listen(0)` is released at once and is
 * the OS's to hand to the next `listen(0)` in any process: in one CI-like run another test file's
 * simulator took such a "closed" port and answered the WebSocket handshake with 401. These come
 * from below the OS's ephemeral range, which `listen(0)` and outgoing connections never use, and
 * every server the suite starts itself listens on port 0.
 */
const LOWEST = 20_000

/** The first port of the OS's ephemeral range (Linux's file; 32768, its default, elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 1024 ? low : 32_768
  } catch {
    return 32_768
  }
}

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port on 127.0.0.1 that nothing listens on now, below the ephemeral range (see above). */
export async function unassignedPort(): Promise<number> {
  const high = ephemeralLow()
  const low = high > LOWEST + 1000 ? LOWEST : 1024
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (await free(port)) return port
  }
  throw new Error(`no free port found in ${low}-${high - 1} after 100 attempts`)
}

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused at once. */
export function closedPort(): Promise<number> {
  return unassignedPort()
}
