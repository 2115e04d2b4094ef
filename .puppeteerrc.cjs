// whatsapp-web.js pulls in puppeteer; its install step would download Chrome, which offline and
// locked-down hosts cannot do. channelcast uses the system Chromium (CHROME_PATH) instead.
module.exports = { skipDownload: true };
