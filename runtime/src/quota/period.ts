/**
 * The period a quota counts in: `1000 per day` counts per UTC day, keyed `2026-01-31`.
 * A limit without `per` counts forever (`all`). An unknown period gives undefined, and
 * the caller fails closed.
 */

export function periodKey(per: string | undefined, time: Date): string | undefined {
  const iso = time.toISOString();
  switch (per) {
    case undefined:
      return "all";
    case "second":
      return iso.slice(0, 19);
    case "minute":
      return iso.slice(0, 16);
    case "hour":
      return iso.slice(0, 13);
    case "day":
      return iso.slice(0, 10);
    case "week":
      return isoWeek(time);
    case "month":
      return iso.slice(0, 7);
    case "year":
      return iso.slice(0, 4);
    default:
      return undefined;
  }
}

/** `2026-W05`: the ISO 8601 week (Monday first; week 1 holds the year's first Thursday), in UTC. */
function isoWeek(time: Date): string {
  const day = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}
