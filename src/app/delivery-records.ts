/** Delivery records made from queue jobs, and a digest's members as they are now: the record helpers, in one place. */
import type { DeliveryRecord, DeliveryStore, NewDelivery, PostJob } from '../ports.js';

/** The `queued` record a post starts with (the poller and an admin's post create it; a worker if it is missing). */
export function deliveryOf(job: PostJob): NewDelivery {
  return job.kind === 'manual'
    ? { postId: job.postId, kind: 'manual' as const, channelId: job.channelId, feedId: null, itemKey: null, link: null, title: job.text.split('\n')[0]?.slice(0, 120) ?? '', firstSeenAt: null, text: job.text, imageUrl: job.imageUrl }
    : { postId: job.postId, kind: 'feed' as const, channelId: job.channelId, feedId: job.feedId, itemKey: job.item.key, link: job.item.link, title: job.item.title, firstSeenAt: job.firstSeenAt, publishedAt: job.item.publishedAt };
}

/** A digest's member records as they are now (a plain post has none). */
export async function memberRecords(record: DeliveryRecord, deps: { readonly deliveries: Pick<DeliveryStore, 'get'> }): Promise<DeliveryRecord[]> {
  const members = await Promise.all(record.members.map((id) => deps.deliveries.get(id)));
  return members.filter((m): m is DeliveryRecord => m !== null);
}
