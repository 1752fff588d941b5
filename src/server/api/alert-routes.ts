/**
 * @module Alerts over REST: the list (firing, pending and recently resolved, most urgent first)
 * and silencing one alert's notifications. Both call the alerts' kernel operations, registered
 * when the node opens its alert system; without it they answer OPERATION_UNKNOWN.
 */
import { alertsListArgs, alertsSilenceArgs } from '../../alerts/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

/** The alert routes. */
export function alertRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/alerts',
      summary: 'Alerts: firing, pending and recently resolved, most urgent first',
      tag: 'Alerts',
      role: 'viewer',
      input: alertsListArgs,
      handle: (ctx, input) => ctx.call('alerts.list', input),
    }),
    apiRoute({
      method: 'POST',
      path: '/alerts/:fingerprint/silence',
      summary: "Hold back an alert's notifications for some minutes (0 lifts the silence)",
      tag: 'Alerts',
      role: 'operator',
      input: alertsSilenceArgs,
      handle: (ctx, input) => ctx.call('alerts.silence', input),
    }),
  ];
}
