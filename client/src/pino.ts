// @loglane/client/pino: a pino transport that ships through createLogShipper.
//
//   const logger = pino({ transport: { target: '@loglane/client/pino', options: { baseUrl, apiKey, service: 'checkout-api' } } });
//
// pino levels map to Loglane's: trace and debug → debug, info, warn, error, fatal (by number, so
// custom levels land on the nearest one below). `msg` is the message, `time` the timestamp; every
// other field of the line (pid, hostname, bindings, the object logged) becomes an attribute.
import build from 'pino-abstract-transport';
import type { LogLevel } from '../../generated/client/types.gen.ts';
import { createLogShipper, type LogShipperOptions } from './shipper.ts';

const levelOf = (level: unknown): LogLevel => {
  const n = typeof level === 'number' ? level : 30;
  return n >= 60 ? 'fatal' : n >= 50 ? 'error' : n >= 40 ? 'warn' : n >= 30 ? 'info' : 'debug';
};

export default function loglaneTransport(options: LogShipperOptions) {
  const shipper = createLogShipper(options);
  return build(
    async (source: AsyncIterable<Record<string, unknown>>) => {
      for await (const line of source) {
        const { level, time, msg, ...attributes } = line;
        shipper.log(levelOf(level), typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''), attributes, {
          timestamp: typeof time === 'number' ? time : undefined,
        });
      }
    },
    { close: () => shipper.close() },
  );
}
