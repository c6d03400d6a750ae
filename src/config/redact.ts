import type { NeuralConfig } from './types.js'

/**
 * A key id as shown to people: its first 4 characters and an ellipsis. Ids of 8 characters or fewer
 * show only the ellipsis, since 4 characters would then be half the id.
 */
export function maskKeyId(keyId: string): string {
  return keyId.length > 8 ? `${keyId.slice(0, 4)}…` : '…'
}

/**
 * The configuration as it may be shown or logged: key id masked, key text replaced by where it came
 * from. Derived from NeuralConfig, so a field added there must be handled here before it compiles;
 * the copy below stays a whitelist, so nothing secret is passed on by accident.
 */
export type RedactedConfig = Omit<NeuralConfig, 'privateKeyPem' | 'privateKeyPath'> & {
  /** "file /path/key.pem", "inline PEM", or undefined when no key is configured. */
  privateKey?: string
}

export function redactConfig(config: NeuralConfig): RedactedConfig {
  let privateKey: string | undefined
  if (config.privateKeyPath !== undefined) privateKey = `file ${config.privateKeyPath}`
  else if (config.privateKeyPem !== undefined) privateKey = 'inline PEM'
  return {
    environment: config.environment,
    apiKeyId: config.apiKeyId === undefined ? undefined : maskKeyId(config.apiKeyId),
    privateKey,
    apiUrl: config.apiUrl,
    wsUrl: config.wsUrl,
    websocketTimeoutMs: config.websocketTimeoutMs,
    retryAttempts: config.retryAttempts,
    retryDelayMs: config.retryDelayMs,
    retryMaxDelayMs: config.retryMaxDelayMs,
    subscriptionBatchSize: config.subscriptionBatchSize,
    risk: config.risk,
    strategyParams: config.strategyParams,
    sources: config.sources,
  }
}
