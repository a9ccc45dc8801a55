// Budget windows, all in UTC: calendar units (Second, Minute, Hour, Day, Week from Monday 00:00,
// Month from the 1st 00:00, Year from 1 January) or a fixed duration aligned to the Unix epoch
// (`{ durationMs: 7 * 86_400_000 }` is a 7-day window starting on a Thursday, as the epoch did).
// Months are real calendar months, which QuotaPolicy (max 1d) and Envoy's ratelimit (30 days)
// cannot express (upstream #2469).

export type CalendarUnit = 'Second' | 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month' | 'Year';

export type BudgetWindow = { readonly calendar: CalendarUnit } | { readonly durationMs: number };

export interface WindowSpan {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

const FIXED: Partial<Record<CalendarUnit, number>> = { Second: 1000, Minute: 60_000, Hour: 3_600_000, Day: 86_400_000 };
const DAY = 86_400_000;

/** The window containing `nowMs`. */
export function windowAt(window: BudgetWindow, nowMs: number): WindowSpan {
  if ('durationMs' in window) return aligned(nowMs, window.durationMs);
  const fixed = FIXED[window.calendar];
  if (fixed !== undefined) return aligned(nowMs, fixed);
  const d = new Date(nowMs);
  switch (window.calendar) {
    case 'Week': {
      // getUTCDay: 0 = Sunday; ISO weeks start on Monday.
      const day = Math.floor(nowMs / DAY) * DAY;
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = day - sinceMonday * DAY;
      return { start, end: start + 7 * DAY };
    }
    case 'Month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    case 'Year':
      return { start: Date.UTC(d.getUTCFullYear(), 0, 1), end: Date.UTC(d.getUTCFullYear() + 1, 0, 1) };
    default:
      throw new Error(`unknown calendar unit ${String(window.calendar)}`);
  }
}

function aligned(nowMs: number, len: number): WindowSpan {
  const start = nowMs - (((nowMs % len) + len) % len);
  return { start, end: start + len };
}

/**
 * Parses a window as configuration writes it: a calendar unit (`Month`, `week`, …) or a duration
 * (`90s`, `15m`, `12h`, `30d`, `500ms`). Undefined when malformed or not positive.
 */
export function parseBudgetWindow(text: string): BudgetWindow | undefined {
  const t = text.trim();
  const unit = (['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'] as const).find((u) => u.toLowerCase() === t.toLowerCase());
  if (unit !== undefined) return { calendar: unit };
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(t);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const per = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? { durationMs: n * per } : undefined;
}

/** `Month`, `Week`, or `3600000ms`: for messages and counter keys. */
export function describeWindow(window: BudgetWindow): string {
  return 'durationMs' in window ? `${window.durationMs}ms` : window.calendar;
}
