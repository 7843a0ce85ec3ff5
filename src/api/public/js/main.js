/* global document, setTimeout */
/**
 * The page's entry: tabs, the status line, and a refresh loop for the visible view
 * (searches stream; everything else is polled: transfers every second, the network
 * every two).
 */
import { api } from './api.js';
import { bytes, count, duration } from './format.js';
import { initLibrary } from './library.js';
import { initNetwork } from './network.js';
import { initSearch } from './search.js';
import { initTransfers } from './transfers.js';
import { initTabs, toast } from './ui.js';

const $ = (id) => document.getElementById(id);

let view = 'search';
const transfers = initTransfers();
const network = initNetwork();
const library = initLibrary();
initSearch();

initTabs((name) => {
  view = name;
  const r = { transfers, network, library }[name];
  if (r) r.refresh().catch((e) => toast(e.message, true));
});

async function status() {
  const s = await api('GET', '/api/status');
  const a = s.address;
  $('status').textContent =
    `${a.ip}:${a.port} · ${s.routing}${s.leaf ? ' leaf' : ''}${s.firewalled ? ' · firewalled' : ''} · ` +
    `${s.peers} peer${s.peers === 1 ? '' : 's'} · ` +
    `sharing ${count(s.share.files)} file${s.share.files === 1 ? '' : 's'} (${bytes(s.share.bytes)}) · ` +
    `${count(s.router.messagesReceived)} msgs in / ${count(s.router.messagesSent)} out · up ${duration(s.uptimeS)}`;
  $('status').title = `servent ${s.serventId} · ${s.userAgent}`;
  const b = $('badge-network');
  b.hidden = false;
  b.textContent = String(s.peers);
  transfers.setDir(s.downloads.dir);
}

let tick = 0;
let failing = false;
async function loop() {
  tick++;
  try {
    if (tick % 2 === 1) await status();
    if (view === 'transfers' || tick % 3 === 0) await transfers.refresh();
    if (view === 'network' && tick % 2 === 0) await network.refresh();
    if (failing) toast('The servent answers again');
    failing = false;
  } catch (e) {
    if (!failing) {
      $('status').textContent = `not connected: ${e.message}`;
      toast(e.message, true);
    }
    failing = true;
  }
  setTimeout(loop, 1000);
}
void loop();
