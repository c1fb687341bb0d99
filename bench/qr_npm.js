// qr_npm.js — times npm's `qrcode` (toString, type 'svg') on the links qr_bench wrote, as the
// anchor of bench/qr.sh. The callback form of toString runs synchronously, so the timing has
// no promise or event-loop overhead in it (the kindest measurement for the anchor). Same
// protocol as qr_bench: one warm-up pass, then the best of ROUNDS passes. Prints `key value`.
'use strict';
const fs = require('fs');
const QRCode = require('qrcode');

const [linksPath, roundsArg] = process.argv.slice(2);
const links = fs.readFileSync(linksPath, 'utf8').split('\n').filter(Boolean);
const rounds = Number(roundsArg || 7);
const opts = { type: 'svg', errorCorrectionLevel: 'M', margin: 4 };

let check = 0;
function pass() {
  const t0 = process.hrtime.bigint();
  for (const link of links) {
    QRCode.toString(link, opts, (err, svg) => {
      if (err) throw err;
      check += svg.length;
    });
  }
  return Number(process.hrtime.bigint() - t0);
}

pass();
let best = Infinity;
for (let r = 0; r < rounds; r++) best = Math.min(best, pass());
console.log(`npm_qrcode_version ${require('qrcode/package.json').version}`);
console.log(`node_version ${process.version}`);
console.log(`npm_svg_us ${(best / 1e3 / links.length).toFixed(2)}`);
console.log(`checksum ${check}`);
