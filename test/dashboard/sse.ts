/** Reads a dashboard's Server-Sent Events into `into` as they arrive, until `signal` aborts; resolves with the HTTP status. */
export async function readEvents<T = Record<string, unknown>>(url: string, into: T[], signal: AbortSignal): Promise<number> {
  const res = await fetch(url, { signal })
  if (res.status !== 200) return res.status
  void (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          for (const line of buffer.slice(0, end).split('\n')) if (line.startsWith('data: ')) into.push(JSON.parse(line.slice(6)) as T)
          buffer = buffer.slice(end + 2)
        }
      }
    } catch {
      // aborted when the test ends
    }
  })()
  return res.status
}
