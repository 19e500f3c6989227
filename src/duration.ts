/**
 * A length of time in calendar units, for expiry and cleanup options: each unit a finite number of
 * at least 0. The same shape as date-fns' `Duration` (a date-fns value is accepted as is), declared
 * here so that our published types do not import date-fns, whose CommonJS declarations fail to
 * type-check in some consumer setups (`module: node16` with `skipLibCheck: false`).
 *
 * Days, weeks, months and years are counted on the calendar from the moment the duration starts,
 * so their length in milliseconds varies; use hours, minutes or seconds for fractions.
 *
 * @example
 * const idleTimeout: Duration = { hours: 12 };
 */
export interface Duration {
  years?: number;
  months?: number;
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
}
