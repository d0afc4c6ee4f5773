// An EthereumChain that records every eth_getLogs filter and forwards everything to the real one.
import type { EthereumChain, LogFilter } from "../../src/chain/ethereum-chain.js";

export function spyChain(inner: EthereumChain, filters: LogFilter[]): EthereumChain {
  return {
    provider: inner.provider,
    head: () => inner.head(),
    block: (n, o) => inner.block(n, o),
    call: (tx, at, o) => inner.call(tx, at, o),
    logs: (f, o) => {
      filters.push(f);
      return inner.logs(f, o);
    },
    onHead: (l) => inner.onHead(l),
    start: () => inner.start(),
    stop: () => inner.stop(),
  };
}
