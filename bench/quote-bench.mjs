// quote-bench.mjs - verifications per second of the npm DCAP verifiers, for `make bench`:
// @phala/dcap-qvl-web (dcap-qvl compiled to wasm) and @phala/dcap-qvl (the JS port), on
// the same quote, collateral and time as `teemed x-bench-quote`. One process, one core.
//   node quote-bench.mjs NPM_DIR QUOTE COLLATERAL NOW
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [, , dirArg, quotePath, colPath, now] = process.argv;
const dir = resolve(dirArg);
const require = createRequire(dir + '/');
const quote = new Uint8Array(readFileSync(quotePath));
const collateral = JSON.parse(readFileSync(colPath, 'utf8'));

async function bench(name, once) {
  const first = await once(); // must succeed, or the figure means nothing
  if (!first) throw new Error(name + ': verification failed');
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    await once();
    runs++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(36)} ${(runs / s).toFixed(1).padStart(9)} verifications/s`);
}

const web = await import(dir + '/node_modules/@phala/dcap-qvl-web/dcap-qvl-web.js');
web.initSync({ module: readFileSync(dir + '/node_modules/@phala/dcap-qvl-web/dcap-qvl-web_bg.wasm') });
await bench('@phala/dcap-qvl-web (wasm)', () => web.js_verify(quote, collateral, BigInt(now)));
const js = require('@phala/dcap-qvl');
await bench('@phala/dcap-qvl (JS)', async () => await js.verify(Buffer.from(quote), collateral, Number(now)));
