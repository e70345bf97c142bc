// Thin wrapper over fetch for the VMS API: same-origin cookie session, JSON in and out, typed errors.
// Errors carry the API's code and params; their message is the code's text in the user's language.
import { errorText } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail) {
    super(errorText(detail) || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.code = Array.isArray(detail) ? detail[0]?.code : detail?.code;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

/** Build "path?k=v&k=v2" from an object; arrays repeat the key, empty values are left out. */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") query.append(key, item instanceof Date ? item.toISOString() : item);
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function errorDetail(response) {
  const body = await response.json().catch(() => null);
  return body?.detail ?? response.statusText;
}

/** fetch() that raises ApiError for non-2xx answers and sends the user to the login on 401. */
export async function request(path, { method = "GET", body, headers = {}, rawBody } = {}) {
  const options = { method, credentials: "same-origin", headers: { ...headers } };
  if (rawBody !== undefined) options.body = rawBody;
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  if (response.status === 401 && path !== "/api/auth/login") onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, await errorDetail(response));
  return response;
}

export async function getJson(path, params) {
  return (await request(withQuery(path, params))).json();
}

export async function sendJson(method, path, body) {
  const response = await request(path, { method, body });
  return response.status === 204 ? null : response.json();
}

/** Lists from paginated routes ({items, next_cursor}); a bare array is accepted as one page. */
export async function getPage(path, params) {
  const body = await getJson(path, params);
  return Array.isArray(body) ? { items: body, next_cursor: null } : body;
}

export const playbackUrl = (cameraId, start, end) =>
  withQuery(`/api/cameras/${encodeURIComponent(cameraId)}/playback.mp4`, { start, end });

/** Send a file as the raw request body (uploads with a size cap on the server); JSON answer. */
export async function sendFile(method, path, file, params = {}) {
  const response = await request(withQuery(path, params), { method, body: undefined,
    headers: { "Content-Type": file.type || "application/octet-stream" }, rawBody: file });
  return response.json();
}
