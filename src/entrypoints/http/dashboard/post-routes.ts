/** GET /post (the form), POST /posts/preview and POST /posts (send). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidPostError } from '../../../domain/manual-post-rules.js';
import { describeProblems } from '../../../domain/manual-post-rules.js';
import { formSession, pageSession, sendHtml, type DashboardContext, type LoggedIn } from './guards.js';
import { emptyPostForm, readPostForm, toPostInput, type PostFormValues } from './post-form.js';
import { postPage, type PostPreview } from './post-page.js';

/** At most this many sent forms are remembered per session (enough to catch a double click). */
const REMEMBERED_FORMS = 50;

export function registerPostRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const channelIds = async (): Promise<string[]> => (await ctx.ops.status()).channels.map((c) => c.channelId);

  const show = async (reply: FastifyReply, user: LoggedIn, status: number, values: PostFormValues, extra: { preview?: PostPreview; error?: string } = {}) =>
    sendHtml(reply, status, postPage({ values, channels: await channelIds(), csrf: user.csrf, ...extra }));

  /** The preview of what Send would queue: the text exactly as createPost will store it. */
  const previewOf = async (values: PostFormValues, schedule: { iso: string | null; assumedUtc: boolean }): Promise<PostPreview> => ({
    text: values.text.trim(),
    channel: values.channel === '' ? ((await channelIds())[0] ?? '') : values.channel,
    at: schedule.iso,
    localAt: values.at,
    assumedUtc: schedule.assumedUtc,
    imageUrl: values.imageUrl === '' ? null : values.imageUrl,
  });

  app.get('/post', async (request, reply) => {
    const user = pageSession(ctx, request, reply);
    if (!user) return reply;
    return show(reply, user, 200, emptyPostForm());
  });

  app.post('/posts/preview', async (request, reply) => {
    const user = formSession(ctx, request, reply);
    if (!user) return reply;
    const values = readPostForm(request.body);
    const parsed = toPostInput(values);
    if ('error' in parsed) return show(reply, user, 400, values, { error: capitalise(parsed.error) });
    // The same rules and words as Send (and the API, the CLI, `!post`): nothing previews that Send would refuse.
    const problems = await ctx.ops.checkPost(parsed.input);
    if (problems.length > 0) return show(reply, user, 400, values, { error: capitalise(describeProblems(problems)) });
    return show(reply, user, 200, values, { preview: await previewOf(values, parsed.schedule) });
  });

  app.post('/posts', async (request, reply) => {
    const user = formSession(ctx, request, reply);
    if (!user) return reply;
    const values = readPostForm(request.body);
    const parsed = toPostInput(values);
    if ('error' in parsed) return show(reply, user, 400, values, { error: capitalise(parsed.error) });
    const { sent } = user.session;
    let postId = sent.get(values.formId);
    if (!postId) {
      postId = ctx.ops.createPost(parsed.input).then((job) => job.postId);
      sent.set(values.formId, postId);
      if (sent.size > REMEMBERED_FORMS) sent.delete(sent.keys().next().value as string);
      // A form that failed may be fixed and sent again.
      postId.catch(() => sent.delete(values.formId));
    }
    try {
      const id = await postId;
      request.log.info({ postId: id }, 'dashboard post queued');
      return reply.redirect(`/?posted=${encodeURIComponent(id)}`, 303);
    } catch (error) {
      const preview = await previewOf(values, parsed.schedule);
      if (error instanceof InvalidPostError) return show(reply, user, 400, values, { error: capitalise(error.message), preview });
      request.log.error({ err: error }, 'dashboard post failed');
      return show(reply, user, 503, values, { error: 'The post could not be queued (is Redis reachable?). Nothing was sent; try again.', preview });
    }
  });
}

const capitalise = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');
