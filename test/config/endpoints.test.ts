import { expect } from 'chai'
import { ALSO_SUPPORTED, ENDPOINTS, kalshiEnvironmentOf } from '../../src/config/endpoints.js'

describe('Kalshi hosts', () => {
  it('default to the hosts Kalshi lists first (OpenAPI servers, WebSocket quick start)', () => {
    expect(ENDPOINTS.production).to.deep.equal({ apiUrl: 'https://external-api.kalshi.com/trade-api/v2', wsUrl: 'wss://external-api-ws.kalshi.com/trade-api/ws/v2' })
    expect(ENDPOINTS.demo).to.deep.equal({ apiUrl: 'https://external-api.demo.kalshi.co/trade-api/v2', wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2' })
  })

  it('recognise the shared hosts Kalshi still supports, and nothing else', () => {
    expect(kalshiEnvironmentOf(ALSO_SUPPORTED.production.apiUrl)).to.equal('production')
    expect(kalshiEnvironmentOf('wss://api.elections.kalshi.com/trade-api/ws/v2')).to.equal('production')
    expect(kalshiEnvironmentOf(ALSO_SUPPORTED.demo.wsUrl)).to.equal('demo')
    expect(kalshiEnvironmentOf(ENDPOINTS.demo.wsUrl)).to.equal('demo')
    expect(kalshiEnvironmentOf('http://127.0.0.1:8080/trade-api/v2')).to.equal(undefined)
    expect(kalshiEnvironmentOf('not a url')).to.equal(undefined)
  })
})
