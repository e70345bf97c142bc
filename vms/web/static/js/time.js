// Times: the API speaks ISO 8601 (UTC "Z" in responses); people read Asia/Ho_Chi_Minh wall time.
import { locale } from "./i18n.js";

export const TZ = "Asia/Ho_Chi_Minh";
const SITE_OFFSET = "+07:00"; // Asia/Ho_Chi_Minh has had no daylight saving since 1975

const parts = (date, options) => new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour12: false, ...options })
  .formatToParts(date).reduce((acc, part) => ({ ...acc, [part.type]: part.value }), {});

/** "23/11/2026 21:04:05" in site time. */
export function formatDateTime(value) {
  if (!value) return "";
  const p = parts(new Date(value), { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: "2-digit" });
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

/** "21:04:05" (or "21:04" when `seconds` is false) in site time. */
export function formatClock(value, seconds = true) {
  const p = parts(new Date(value), { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) });
  return seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
}

/** "23/11" in site time. */
export function formatDay(value) {
  const p = parts(new Date(value), { month: "2-digit", day: "2-digit" });
  return `${p.day}/${p.month}`;
}

/** Value for <input type="datetime-local"> showing `date` in site time. */
export function toInput(date) {
  const p = parts(date, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit" });
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** A datetime-local value (site time) as a Date. */
export function fromInput(value) {
  return new Date(`${value.length === 16 ? value + ":00" : value}${SITE_OFFSET}`);
}

/** Value for <input type="date"> in site time, and back to the Date of that day's midnight (site time). */
export function toDateInput(date) { return toInput(date).slice(0, 10); }
export function fromDateInput(value) { return new Date(`${value}T00:00:00${SITE_OFFSET}`); }

export function iso(date) { return date.toISOString(); }

/** "1 h 05 min", "42 s": short human durations. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(s % 60).padStart(2, "0")} s`;
}

export function formatBytes(bytes) {
  if (!bytes) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** i).toLocaleString(locale(), { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}
