/**
 * The control API's error catalogue: every error a client can see has a stable code and an
 * HTTP status, and every error body has the same shape:
 *
 *   { "error": { "code": "E_API_…", "message": "…" } }
 *
 * Errors raised below the API (a bad magnet link, a bad urn) keep their own code in
 * `cause` so that a script can tell them apart.
 */
import { ServentError } from '../core/errors.js';

export const API_ERRORS = {
  /** the body, query or path failed its JSON schema, or is otherwise malformed */
  E_API_BAD_REQUEST: 400,
  /** a search with no keyword (after the keyword rule) and no urn */
  E_API_EMPTY_SEARCH: 400,
  /** a magnet link or URL the downloader cannot use */
  E_API_BAD_TARGET: 400,
  /** an address the servent will not dial (port 0, multicast, broadcast, a host name) */
  E_API_BAD_HOST: 400,
  /** no token, or the wrong one, while the API requires one */
  E_API_UNAUTHORIZED: 401,
  /** a tokenless API reached through a non-loopback Host name (DNS rebinding), or a cross-origin write */
  E_API_FORBIDDEN: 403,
  E_API_NOT_FOUND: 404,
  E_API_NO_SEARCH: 404,
  E_API_NO_HIT: 404,
  E_API_NO_DOWNLOAD: 404,
  /** a state change that does not apply (resume a finished download, …) */
  E_API_CONFLICT: 409,
  /** a body past API_BODY_LIMIT */
  E_API_TOO_LARGE: 413,
  /** a body that is not JSON */
  E_API_UNSUPPORTED_MEDIA: 415,
  E_API_TOO_MANY_SEARCHES: 429,
  E_API_TOO_MANY_STREAMS: 429,
  E_API_TOO_MANY_DOWNLOADS: 429,
  E_API_INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends ServentError {
  readonly statusCode: number;
  /** code of the lower-level error that caused this one, when there was one */
  readonly causeCode: string | undefined;
  constructor(code: ApiErrorCode, message: string, causeCode?: string) {
    super(code, message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code];
    this.causeCode = causeCode;
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string; cause?: string };
}

export function errorBody(e: ApiError): ApiErrorBody {
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.causeCode !== undefined ? { cause: e.causeCode } : {}),
    },
  };
}

/** JSON schema of every error body, for the routes' `response` sections. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, cause: { type: 'string' } },
    },
  },
} as const;
