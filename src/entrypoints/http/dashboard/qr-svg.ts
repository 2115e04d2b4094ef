/**
 * WhatsApp's link QR as an SVG, drawn on the server: no client script, no external image, nothing the
 * page's CSP (default-src 'self') would block. The encoder is the one qrcode-terminal (a dependency for the
 * terminal QR) ships internally; it is CommonJS without types, hence createRequire and the interface below.
 */
import { createRequire } from 'node:module';

interface QrEncoder {
  addData(data: string): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, col: number): boolean;
}

type QrEncoderClass = new (typeNumber: number, errorCorrectLevel: number) => QrEncoder;

const require = createRequire(import.meta.url);
const QRCode = require('qrcode-terminal/vendor/QRCode/index.js') as QrEncoderClass;
const levels = require('qrcode-terminal/vendor/QRCode/QRErrorCorrectLevel.js') as { L: number; M: number };

/** The standard's quiet zone: scanners need 4 light modules around the code. */
const QUIET = 4;

/** An SVG of `data` as a QR code (medium error correction; the smallest version that fits). */
export function qrSvg(data: string, label = 'WhatsApp link QR code'): string {
  const qr = new QRCode(-1, levels.M); // -1: pick the version from the data's length
  qr.addData(data);
  qr.make();
  const n = qr.getModuleCount();
  // One path, a rectangle per horizontal run of dark modules: a few KB even for WhatsApp's long codes.
  let d = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (!qr.isDark(row, col)) continue;
      let run = 1;
      while (col + run < n && qr.isDark(row, col + run)) run++;
      d += `M${col + QUIET} ${row + QUIET}h${run}v1h-${run}z`;
      col += run - 1;
    }
  }
  const size = n + 2 * QUIET;
  // Only digits and the fixed label reach the markup; the label is escaped anyway by the caller's contract.
  const title = label.replace(/[&<>"']/g, '');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" class="qr" role="img" aria-label="${title}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`
  );
}
