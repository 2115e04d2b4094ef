/**
 * Ports: every side effect the application needs, as interfaces, one file per concern under ports/.
 * Adapters implement them; use-cases in app/ depend only on these.
 */
export type { DeliveryChange, DeliveryPatch, DeliveryRecord, DeliveryState, DeliveryTransition, NewDelivery } from './domain/delivery.js';
export type { FeedItem } from './domain/feed-item.js';
export type * from './ports/channel.js';
export type * from './ports/delivery.js';
export type * from './ports/feed.js';
export type * from './ports/ops.js';
export type * from './ports/publisher.js';
export type * from './ports/queue.js';
export type * from './ports/websub.js';
