// The baseline for feeds1000: a plain poller with node-cron, fetch (If-None-Match) and rss-parser, nothing else.
// Usage: node scripts/bench/plain-poller.mjs PORT FEEDS — polls http://127.0.0.1:PORT/f/0..FEEDS-1 every minute.
import Parser from 'rss-parser';
import cron from 'node-cron';
const [port, feeds] = process.argv.slice(-2).map(Number);
const parser = new Parser();
const etags = new Map();
async function poll(f) {
  try {
    const res = await fetch('http://127.0.0.1:' + port + '/f/' + f, { headers: etags.has(f) ? { 'if-none-match': etags.get(f) } : {} });
    if (res.status === 304) return;
    const text = await res.text();
    etags.set(f, res.headers.get('etag'));
    await parser.parseString(text);
  } catch (err) { console.error(err); }
}
for (let f = 0; f < feeds; f++) cron.schedule('* * * * *', () => poll(f));
