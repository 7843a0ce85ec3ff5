import { floodLinkNetFactory } from './link-net.js';
import { routerCompliance } from './router.js';

// Flooding keeps no soft state about other nodes' files: a node that is gone simply
// stops answering, so its files disappear at once.
routerCompliance('flood over an in-process link network', floodLinkNetFactory, {
  softStateExpiryMs: 0,
  settleMs: 50,
  searchMs: 100,
});
