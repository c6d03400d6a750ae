// The neural dashboard page: reads the same JSON objects that `neural stream --json` and
// `neural run-strategy --json` print, from the server's event stream, and draws them. Read-only.
'use strict'
;(() => {
  const token = new URLSearchParams(location.search).get('token') || ''
  const MAX_POINTS = 3000
  const MAX_TAPE = 40
  const MAX_LOG = 60

  const markets = new Map() // ticker → { tick, book, trades: [], xs: [], ys: [], lifecycle }
  const games = new Map() // game → { summary, score, xs: [], away: [], home: [], card, chart }
  const strategies = new Map() // name → { signals, orders: [], log: [] }
  const portfolios = new Map() // hook → { latest, xs: [], pnl: [] }
  const problems = []
  let selected = ''
  let records = 0
  let dropped = 0
  let dirty = false

  const $ = (id) => document.getElementById(id)
  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
    if (text !== undefined) e.textContent = text
    return e
  }
  const dollars = (v) => (v === undefined || v === null ? '—' : v.toFixed(2))
  const signedDollars = (v) => (v === undefined ? '—' : `${v < 0 ? '−' : '+'}$${Math.abs(v).toFixed(2)}`)
  const percent = (p) => (p === undefined ? '—' : `${(p * 100).toFixed(1)}%`)
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false })
  const push = (xs, ys, x, y) => {
    if (xs.length && xs[xs.length - 1] === x) { ys[ys.length - 1] = y; return }
    xs.push(x); ys.push(y)
    if (xs.length > MAX_POINTS) { xs.shift(); ys.shift() }
  }

  const market = (ticker) => {
    let m = markets.get(ticker)
    if (!m) {
      m = { trades: [], xs: [], ys: [] }
      markets.set(ticker, m)
      if (!selected) selected = ticker
    }
    return m
  }
  const strategy = (name) => {
    let s = strategies.get(name)
    if (!s) { s = { signals: 0, orders: [], log: [] }; strategies.set(name, s) }
    return s
  }
  const remember = (list, item, max) => { list.unshift(item); if (list.length > max) list.pop() }

  function handle(r) {
    records++
    switch (r.type) {
      case 'ticker': {
        const m = market(r.ticker)
        m.tick = r
        const mid = r.yesBid !== undefined && r.yesAsk !== undefined ? (r.yesBid + r.yesAsk) / 2 : r.yesPrice
        if (mid !== undefined) push(m.xs, m.ys, r.lastUpdate / 1000, mid)
        break
      }
      case 'book': market(r.ticker).book = r; break
      case 'trade': {
        const m = market(r.ticker)
        remember(m.trades, r, MAX_TAPE)
        push(m.xs, m.ys, r.ts / 1000, r.price)
        break
      }
      case 'lifecycle': market(r.ticker).lifecycle = r; break
      case 'game': {
        let g = games.get(r.game)
        if (!g) { g = { xs: [], away: [], home: [] }; games.set(r.game, g) }
        g.summary = r
        if (r.away.winProbability !== undefined && r.home.winProbability !== undefined) {
          const x = (r.lastUpdate || Date.now()) / 1000
          if (g.xs.length && g.xs[g.xs.length - 1] === x) { g.away[g.away.length - 1] = r.away.winProbability; g.home[g.home.length - 1] = r.home.winProbability }
          else { g.xs.push(x); g.away.push(r.away.winProbability); g.home.push(r.home.winProbability) }
          if (g.xs.length > MAX_POINTS) { g.xs.shift(); g.away.shift(); g.home.shift() }
        }
        break
      }
      case 'score': {
        const g = games.get(r.game)
        if (g) g.score = r
        break
      }
      case 'connection': {
        const pill = $('connection')
        pill.dataset.state = r.state
        pill.textContent = r.state
        break
      }
      case 'signal': {
        const s = strategy(r.strategy)
        s.signals++
        remember(s.log, `${clock(r.ts)} ${r.action} ${r.quantity} ${r.side.toUpperCase()} ${r.ticker}${r.limitPrice !== undefined ? ` @ ${dollars(r.limitPrice)}` : ''} — ${r.reason}`, MAX_LOG)
        break
      }
      case 'order': {
        const s = strategy(r.strategy)
        remember(s.orders, r, MAX_LOG)
        break
      }
      case 'portfolio': {
        let p = portfolios.get(r.hook)
        if (!p) { p = { xs: [], pnl: [] }; portfolios.set(r.hook, p) }
        p.latest = r
        push(p.xs, p.pnl, r.ts / 1000, r.totalPnlDollars)
        break
      }
      case 'settlement':
        for (const s of strategies.values()) remember(s.log, `${clock(r.ts)} settled ${r.ticker} ${r.result}: ${r.quantity} → $${dollars(r.payoutDollars)}`, MAX_LOG)
        break
      case 'log':
      case 'slow':
      case 'hung':
        if (r.strategy || r.source) remember(strategy(r.strategy || r.source).log, `${clock(r.ts)} ${r.type}: ${r.message || r.handler || ''}`, MAX_LOG)
        break
      case 'error':
        if (r.strategy) remember(strategy(r.strategy).log, `${clock(r.ts)} error ${r.code}: ${r.message}`, MAX_LOG)
        else remember(problems, `${r.code}: ${r.message}`, 20)
        break
      case 'dropped': dropped += r.count; break
      default: break
    }
    dirty = true
  }

  // ---- drawing -------------------------------------------------------------------------------
  const charts = new WeakMap()
  function chart(container, series, data, height) {
    let c = charts.get(container)
    const width = Math.max(container.clientWidth, 120)
    if (!c) {
      c = new uPlot({
        width, height,
        legend: { show: false },
        cursor: { show: false },
        scales: { y: { range: series.fixed ? [0, 1] : undefined } },
        axes: series.axes === false
          ? [{ show: false }, { show: false }]
          : [{ stroke: '#7d8796', grid: { stroke: '#262c35' } }, { stroke: '#7d8796', grid: { stroke: '#262c35' }, size: 40 }],
        series: [{}, ...series.lines.map((s) => ({ stroke: s.color, width: 1.5, label: s.label }))],
      }, data, container)
      charts.set(container, c)
    } else {
      if (c.width !== width) c.setSize({ width, height })
      c.setData(data)
    }
  }

  // The same line as `neural nfl game`: "DAL 10 – 14 PHI · Q3 08:42" (src/nfl/game-state.ts formatScoreLine).
  const periodLabel = (p) => (p === undefined ? undefined : p <= 4 ? `Q${p}` : p === 5 ? 'OT' : `OT${p - 4}`)
  function stateLine(g) {
    const st = g.summary.state
    if (!st) return { text: `kickoff ${g.summary.kickoff}`, live: false }
    const score = `${st.away.team} ${st.away.points} – ${st.home.points} ${st.home.team}`
    if (st.status !== 'live') return { text: `${score} · ${st.status}`, live: false }
    const when = [periodLabel(st.period), st.clock].filter(Boolean).join(' ')
    return { text: `${score} · ${when || 'live'}`, live: true }
  }

  function drawGames() {
    const board = $('games')
    if (games.size === 0) return
    board.querySelector('.empty')?.remove()
    for (const [id, g] of [...games].sort(([a, x], [b, y]) => (x.summary.kickoff + a).localeCompare(y.summary.kickoff + b))) {
      if (!g.card) {
        g.card = el('div', { class: 'game', 'data-game': id })
        g.card.append(el('div', { class: 'teams' }), el('div', { class: 'state' }), el('div', { class: 'chart' }))
        g.card.addEventListener('click', () => {
          const t = g.summary.home && `KXNFLGAME-${id}-${g.summary.home.team}`
          if (t && markets.has(t)) { selected = t; dirty = true }
        })
        board.append(g.card)
      }
      const s = g.summary
      g.card.dataset.awayWp = s.away.winProbability ?? ''
      g.card.dataset.homeWp = s.home.winProbability ?? ''
      g.card.dataset.lastUpdate = s.lastUpdate
      const teams = g.card.querySelector('.teams')
      teams.replaceChildren(
        el('span', {}, `${s.away.team} `), el('span', { class: 'wp wp-away' }, percent(s.away.winProbability)),
        el('span', { class: 'muted' }, ' @ '),
        el('span', { class: 'wp wp-home' }, percent(s.home.winProbability)), el('span', {}, ` ${s.home.team}`),
      )
      const line = stateLine(g)
      const state = g.card.querySelector('.state')
      state.textContent = line.text
      state.classList.toggle('live', line.live)
      if (g.xs.length > 1) chart(g.card.querySelector('.chart'), { fixed: true, axes: false, lines: [{ color: '#f85149', label: s.away.team }, { color: '#3fb950', label: s.home.team }] }, [g.xs, g.away, g.home], 80)
    }
  }

  function drawMarket() {
    const select = $('market-select')
    if (select.options.length !== markets.size) {
      const current = [...markets.keys()].sort()
      select.replaceChildren(...current.map((t) => el('option', { value: t }, t)))
    }
    if (!selected) return
    select.value = selected
    const m = markets.get(selected)
    const view = $('market')
    view.dataset.ticker = selected
    const book = m.book
    const rows = []
    if (book) {
      const asks = book.no.map(([p, q]) => [Math.round((1 - p) * 10000) / 10000, q])
      const depth = Math.max(book.yes.length, asks.length, 1)
      for (let i = 0; i < Math.min(depth, 10); i++) {
        const b = book.yes[i]
        const a = asks[i]
        rows.push(el('tr', {}))
        rows[i].append(el('td', { class: 'bid' }, b ? dollars(b[0]) : ''), el('td', {}, b ? String(b[1]) : ''), el('td'), el('td', { class: 'ask' }, a ? dollars(a[0]) : ''), el('td', {}, a ? String(a[1]) : ''))
      }
    }
    $('ladder').tBodies[0].replaceChildren(...rows)
    const quote = book ?? m.tick
    view.dataset.yesBid = quote?.yesBid ?? ''
    view.dataset.yesAsk = quote?.yesAsk ?? ''
    view.dataset.source = book ? 'book' : 'ticker'
    view.dataset.ts = book ? book.ts : m.tick?.lastUpdate ?? ''
    $('quote').textContent = quote
      ? `bid ${dollars(quote.yesBid)} · ask ${dollars(quote.yesAsk)} · last ${dollars(m.tick?.yesPrice)} · vol ${m.tick?.volume ?? '—'}${m.lifecycle ? ` · ${m.lifecycle.event}${m.lifecycle.result ? ` ${m.lifecycle.result}` : ''}` : ''}`
      : 'no quote yet'
    $('tape').tBodies[0].replaceChildren(...m.trades.map((t) => {
      const tr = el('tr')
      tr.append(el('td', { class: 'muted' }, clock(t.ts)), el('td', { class: t.side }, t.side.toUpperCase()), el('td', {}, String(t.quantity)), el('td', {}, `@ ${dollars(t.price)}`))
      return tr
    }))
    if (m.xs.length > 1) chart($('price-chart'), { fixed: true, lines: [{ color: '#58a6ff', label: 'yes' }] }, [m.xs, m.ys], 220)
  }

  function drawStrategies() {
    if (strategies.size === 0 && portfolios.size === 0) return
    const box = $('strategies')
    box.querySelector('.empty')?.remove()
    for (const [hook, p] of portfolios) {
      let card = box.querySelector(`[data-hook="${hook}"]`)
      if (!card) {
        card = el('div', { class: 'strategy', 'data-hook': hook })
        card.append(el('h3', {}, `${hook} portfolio (all strategies)`), el('div', { class: 'pnl' }), el('div', { class: 'muted detail' }), el('div', { class: 'chart' }), el('table', { class: 'positions' }))
        box.prepend(card)
      }
      const r = p.latest
      card.dataset.totalPnl = r.totalPnlDollars
      card.dataset.ts = r.ts
      const pnl = card.querySelector('.pnl')
      pnl.textContent = `P&L ${signedDollars(r.totalPnlDollars)}`
      pnl.className = `pnl ${r.totalPnlDollars > 0 ? 'up' : r.totalPnlDollars < 0 ? 'down' : ''}`
      card.querySelector('.detail').textContent = `realised ${signedDollars(r.realizedPnlDollars)} · unrealised ${signedDollars(r.unrealizedPnlDollars)}${r.feesDollars !== undefined ? ` · fees $${dollars(r.feesDollars)}` : ''} · cash $${dollars(r.cashDollars)} · ${r.fills} fills`
      card.querySelector('.positions').replaceChildren(...r.positions.map((x) => {
        const tr = el('tr')
        tr.append(el('td', { style: 'text-align:left' }, x.ticker), el('td', {}, `${x.quantity} ${x.side.toUpperCase()}`), el('td', {}, `@ ${dollars(x.avgPriceDollars)}`), el('td', {}, signedDollars(x.unrealizedPnlDollars)))
        return tr
      }))
      if (p.xs.length > 1) chart(card.querySelector('.chart'), { fixed: false, lines: [{ color: '#3fb950', label: 'P&L' }] }, [p.xs, p.pnl], 120)
    }
    for (const [name, s] of strategies) {
      let card = box.querySelector(`[data-strategy="${CSS.escape(name)}"]`)
      if (!card) {
        card = el('div', { class: 'strategy', 'data-strategy': name })
        card.append(el('h3', {}, name), el('div', { class: 'counts' }), el('div', { class: 'log' }))
        box.append(card)
      }
      const fills = s.orders.filter((o) => o.status === 'filled' || o.status === 'partial')
      card.querySelector('.counts').textContent = `${s.signals} signals · ${fills.length} recent fills`
      const lines = [
        ...fills.slice(0, 10).map((o) => `${clock(o.ts)} ${o.status} ${o.action} ${o.filledQuantity ?? o.quantity} ${o.side.toUpperCase()} ${o.ticker} @ ${dollars(o.priceDollars)}${o.feeDollars !== undefined ? ` fee $${dollars(o.feeDollars)}` : ''}`),
        ...s.log,
      ]
      card.querySelector('.log').replaceChildren(...lines.slice(0, MAX_LOG).map((l) => el('div', {}, l)))
    }
  }

  function draw() {
    if (!dirty) return
    dirty = false
    drawGames()
    drawMarket()
    drawStrategies()
    $('counts').textContent = `${markets.size} markets · ${records} updates${dropped ? ` · ${dropped} dropped` : ''}`
    const section = $('problems-section')
    section.hidden = problems.length === 0
    $('problems').replaceChildren(...problems.map((p) => el('li', {}, p)))
    document.body.dataset.records = records
  }

  $('market-select').addEventListener('change', (e) => { selected = e.target.value; dirty = true })
  const source = new EventSource(`events?token=${encodeURIComponent(token)}`)
  source.onmessage = (e) => {
    handle(JSON.parse(e.data))
    requestAnimationFrame(draw)
  }
  source.onerror = () => {
    const pill = $('connection')
    pill.dataset.state = 'disconnected'
    pill.textContent = 'dashboard disconnected'
  }
  // Drawn on a timer too: headless and background tabs may not run animation frames.
  setInterval(draw, 250)
})()
