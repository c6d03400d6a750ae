/**
 * Kalshi's milestones and live data, parsed at the edge into our own types.
 *
 * Shapes (Kalshi Trade API OpenAPI, "Manual Endpoints" 3.19–3.36, operations GetMilestones,
 * GetLiveDataByMilestone, GetLiveDatas; docs.kalshi.com/api-reference/milestone and …/live-data):
 *   GET /milestones?limit=1..500&related_event_ticker=…&type=…&category=…&minimum_start_date=…&cursor=…
 *     → { milestones: Milestone[], cursor }
 *     Milestone: id, category, type ("football_game"), start_date, end_date?, related_event_tickers[],
 *     primary_event_tickers[], title, notification_message, source_id?, source_ids?, details{}, last_updated_ts
 *   GET /live_data/milestone/{milestone_id}            → { live_data: LiveData }
 *   GET /live_data/batch?milestone_ids=a&milestone_ids=b (form, explode; at most 100) → { live_datas: LiveData[] }
 *     LiveData: { type, details{} (open object), milestone_id }
 * `details` is an open object. Kalshi documents `details.status` (none / live / finished) and the
 * "sport-specific fields" holding the score (get-milestone page); the fields read here are those public
 * clients of the pass-through rely on: `home_points`, `away_points`, `round` (the period),
 * `final_round_time_left` (the clock, "MM:SS"), `home_abbreviation` / `away_abbreviation`.
 * The milestone's own `details.status` lags the game (Kalshi's note), so status comes from live data only.
 */
import { NeuralError } from '../errors.js'

type Obj = Record<string, unknown>

export interface Milestone {
  id: string
  /** "football_game" for an NFL game. */
  type: string
  category?: string
  title: string
  /** ISO 8601 as sent. */
  startDate?: string
  endDate?: string
  relatedEventTickers: string[]
  primaryEventTickers: string[]
  details: Readonly<Obj>
}

export interface LiveData {
  milestoneId: string
  type: string
  details: Readonly<Obj>
}

const bad = (message: string) => new NeuralError('protocol', 'BAD_LIVE_DATA', message)

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []
}

function obj(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {}
}

export function parseMilestone(raw: unknown): Milestone {
  if (!raw || typeof raw !== 'object') throw bad('the exchange sent a milestone that is not an object')
  const o = raw as Obj
  const id = str(o.id)
  if (!id) throw bad('the exchange sent a milestone without an id')
  return {
    id,
    type: str(o.type) ?? '',
    category: str(o.category),
    title: str(o.title) ?? '',
    startDate: str(o.start_date),
    endDate: str(o.end_date),
    relatedEventTickers: strings(o.related_event_tickers),
    primaryEventTickers: strings(o.primary_event_tickers),
    details: obj(o.details),
  }
}

export function parseLiveData(raw: unknown): LiveData {
  if (!raw || typeof raw !== 'object') throw bad('the exchange sent live data that is not an object')
  const o = raw as Obj
  // The single-milestone response may omit milestone_id in older documents (3.11 had type + details only).
  return { milestoneId: str(o.milestone_id) ?? '', type: str(o.type) ?? '', details: obj(o.details) }
}
