// Slow clients for the chaos benchmark: connections that send a request's header block, or its body,
// one byte per second (slowloris), each slot opening a new one when the gateway cuts the last. What
// matters is that the gateway cuts them (408, or the connection closed) and keeps serving everyone else.
import { connect } from 'node:net';

export type SlowKind = 'headers' | 'body';

export interface SlowOutcome {
  readonly kind: SlowKind;
  /** 'cut-408': answered 408; 'answered-NNN': another answer; 'closed': closed without an answer; 'open-at-end': still trickling when the run ended. */
  readonly outcome: string;
  readonly ms: number;
  readonly bytesSent: number;
}

function slowClient(port: number, kind: SlowKind, everyMs: number, stopped: () => boolean, register: (end: () => void) => void): Promise<SlowOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = (outcome: string) => {
      if (ended) return;
      ended = true;
      if (timer) clearInterval(timer);
      socket.destroy();
      resolve({ kind, outcome, ms: performance.now() - started, bytesSent: sent });
    };
    register(() => finish('open-at-end'));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      finish(!m ? (stopped() ? 'open-at-end' : 'closed') : m[1] === '408' ? 'cut-408' : `answered-${m[1]}`);
    });
    socket.once('connect', () => {
      const trickle = kind === 'headers' ? 'x-slow-header: ' + 'a'.repeat(10_000) : 'x'.repeat(2000);
      if (kind === 'headers') socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n');
      else socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2000\r\n\r\n');
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable || sent >= trickle.length) return;
        socket.write(trickle[sent]!);
        sent++;
      }, everyMs);
    });
  });
}

/** Keeps `n` slow clients going (half on headers, half on bodies) until `stop()`; returns their outcomes. */
export function runSlowClients(port: number, n: number, everyMs = 1000): { stop(): Promise<SlowOutcome[]> } {
  const outcomes: SlowOutcome[] = [];
  const enders = new Set<() => void>();
  let stopped = false;
  const slots = Array.from({ length: n }, async (_, i) => {
    const kind: SlowKind = i % 2 === 0 ? 'body' : 'headers';
    while (!stopped) {
      let end: (() => void) | undefined;
      const o = await slowClient(port, kind, everyMs, () => stopped, (e) => {
        end = e;
        enders.add(e);
      });
      if (end) enders.delete(end);
      outcomes.push(o);
      if (!stopped) await new Promise((r) => setTimeout(r, 100));
    }
  });
  return {
    async stop() {
      stopped = true;
      for (const e of enders) e();
      await Promise.all(slots);
      return outcomes;
    },
  };
}
