/** Delivery records made from queue jobs, and a digest's members as they are now: the record helpers, in one place. */
import type { DeliveryRecord, DeliveryStore, NewDelivery, PostJob } from '../ports.js';

/** The `queued` record a post starts with (the poller and an admin's post create it; a worker if it is missing). */
export function deliveryOf(job: PostJob): NewDelivery {
  switch (job.kind) {
    case 'manual':
      return { postId: job.postId, kind: 'manual', channelId: job.channelId, feedId: null, itemKey: null, link: null, title: job.text.split('\n')[0]?.slice(0, 120) ?? '', firstSeenAt: null, text: job.text, imageUrl: job.imageUrl };
    case 'roundup':
      // Its text is made when the slot fires and goes out as it is, like an admin's.
      return { postId: job.postId, kind: 'roundup', channelId: job.channelId, feedId: null, itemKey: null, link: null, title: job.title, firstSeenAt: null, text: job.text };
    case 'feed-item':
      return { postId: job.postId, kind: 'feed', channelId: job.channelId, feedId: job.feedId, itemKey: job.item.key, link: job.item.link, title: job.item.title, firstSeenAt: job.firstSeenAt, publishedAt: job.item.publishedAt };
  }
}

/** A digest's member records as they are now (a plain post has none). */
export async function memberRecords(record: DeliveryRecord, deps: { readonly deliveries: Pick<DeliveryStore, 'get'> }): Promise<DeliveryRecord[]> {
  const members = await Promise.all(record.members.map((id) => deps.deliveries.get(id)));
  return members.filter((m): m is DeliveryRecord => m !== null);
}
