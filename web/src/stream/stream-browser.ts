/**
 * @module The live stream's browser environment: the page's own host (`wss:` under HTTPS), the
 * browser's WebSocket (it sends the session cookie with the upgrade), and the `online` event.
 */
import type { StreamEnvironment, StreamSocket } from './stream-client';

/** The environment of a {@link StreamClient} in this page. */
export function browserStreamEnvironment(): StreamEnvironment {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    url: `${scheme}//${window.location.host}/api/v1/stream`,
    // The DOM's handler types take DOM events; StreamSocket names only the fields it reads.
    createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as StreamSocket,
    onOnline(listener) {
      window.addEventListener('online', listener);
      return () => window.removeEventListener('online', listener);
    },
  };
}
