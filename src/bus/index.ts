/** The NATS message bus: one Kalshi feed published once, consumed by many machines. */
export { BusPublisher, type BusPublisherEvents, type BusPublisherOptions, type BusPublisherStats, type JetStreamPublishOptions } from './publisher.js'
export { BusSource, type BusSourceEvents, type BusSourceStats, type BusSubscribeOptions } from './source.js'
export type { BookChange, BookDeltaMessage, BookMessage, BookSnapshotMessage, BusGap, BusMessage } from './messages.js'
export { checkBusUrl, type BusConnectionOptions } from './nats-connection.js'
export { BUS_EVENT_TYPES, STREAM_SUBJECTS, SUBJECT_ROOT, escapeTicker, parseSubject, subjectFilter, subjectFor, unescapeTicker, type BusEventType, type SubjectFilter } from './subjects.js'
export { measureFanout, type FanoutBenchOptions, type FanoutBenchResult } from './fanout-bench.js'
