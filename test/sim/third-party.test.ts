import { expect } from 'chai'
import { Configuration, EventsApi, MarketApi } from 'kalshi-typescript'
import { KalshiExchange } from 'pmxt-core/dist/exchanges/kalshi/index.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { newKeyPair } from './helpers.js'

/** Third-party Kalshi clients, pointed at the simulator without changes, must read it as they read Kalshi. */
describe('simulator with third-party Kalshi clients', () => {
  const key = newKeyPair()
  let sim: Simulator
  before(async () => { sim = await startSimulator({ seed: 13, ratePerSec: 2000, publicKeys: [key.publicPem] }) })
  after(async () => { await sim.close() })

  describe('kalshi-typescript (basePath)', () => {
    const config = () => new Configuration({ basePath: sim.apiUrl })

    it('fetches the markets of a series', async () => {
      const { data } = await new MarketApi(config()).getMarkets(100, undefined, undefined, 'KXNFLGAME')
      // Week one's 32 and the previous week's 32 settled ones.
      expect(data.markets).to.have.length(64)
      expect(data.markets[0]!.ticker).to.equal('KXNFLGAME-25SEP04DALPHI-DAL')
      expect(data.cursor).to.equal('')
    })

    it('fetches an event with nested markets', async () => {
      const { data } = await new EventsApi(config()).getEvent('KXNFLTOTAL-25SEP07BALBUF', true)
      expect(data.event.event_ticker).to.equal('KXNFLTOTAL-25SEP07BALBUF')
      expect(data.event.markets!.map((m) => m.ticker)).to.deep.equal(data.markets.map((m) => m.ticker))
      expect(data.markets).to.have.length(4)
    })

    it('fetches an order book as orderbook_fp', async () => {
      const { data } = await new MarketApi(config()).getMarketOrderbook('KXNFLGAME-25SEP07DETGB-GB')
      expect(data.orderbook_fp.yes_dollars.length).to.be.at.least(1)
      for (const [price, count] of [...data.orderbook_fp.yes_dollars, ...data.orderbook_fp.no_dollars]) {
        expect(price).to.match(/^0\.\d{4}$/)
        expect(count).to.match(/^\d+\.\d{2}$/)
      }
    })
  })

  describe('pmxt-core KalshiExchange (credentials.baseUrl + websocket.wsUrl)', () => {
    let exchange: KalshiExchange
    const quietLog = console.log
    before(() => {
      console.log = () => {} // pmxt logs every connect
      exchange = new KalshiExchange({
        credentials: { apiKey: 'pmxt-key', privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), baseUrl: sim.apiUrl.replace('/trade-api/v2', '') },
        websocket: { wsUrl: sim.wsUrl },
      } as any)
    })
    after(async () => {
      await exchange.close()
      console.log = quietLog
    })

    it('fetches the markets of an event', async () => {
      const markets = await exchange.fetchMarkets({ eventId: 'KXNFLGAME-25SEP08MINCHI' } as any)
      expect(markets.map((m: any) => [m.marketId, m.eventId])).to.deep.equal([
        ['KXNFLGAME-25SEP08MINCHI-MIN', 'KXNFLGAME-25SEP08MINCHI'],
        ['KXNFLGAME-25SEP08MINCHI-CHI', 'KXNFLGAME-25SEP08MINCHI'],
      ])
    })

    it('watches a live order book over a signed WebSocket', async () => {
      const book: any = await exchange.watchOrderBook('KXNFLGAME-25SEP04DALPHI-PHI')
      expect(book.bids.length).to.be.at.least(1)
      expect(book.asks.length).to.be.at.least(1)
      expect(book.bids[0].price).to.be.within(0.01, 0.99)
      expect(book.bids[0].price).to.be.below(book.asks[0].price)
    })
  })
})
