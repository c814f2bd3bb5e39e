import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// One fixed stylesheet, allowed by its hash: the pages need no script and no external source, so
// an injected <script> or <link> (should escaping ever fail) is refused by the browser.
export const PAGE_STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Thai",sans-serif;line-height:1.5}',
  'body{margin:0;padding:2rem 1rem}',
  'main{max-width:40rem;margin:0 auto}',
  'h1{font-size:1.6rem;margin:0 0 1rem}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}',
  'dt{font-weight:600}',
  'dd{margin:0}',
  'table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}',
  'th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #8884}',
  'td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}',
  'button{font:inherit;font-size:1.1rem;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#1a5fb4;color:#fff;cursor:pointer}',
  'button:focus-visible{outline:3px solid #f5c211;outline-offset:2px}',
  '.note{font-size:.9rem;opacity:.85}',
].join('');

const styleHash = createHash('sha256').update(PAGE_STYLE, 'utf8').digest('base64');

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * `formTarget`: the origin the download form's 303 leads to (the bucket's S3 endpoint). Browsers
 * check form-action against every redirect of a form's navigation, so with 'self' alone Chromium
 * would block the download after the gateway had already counted it.
 */
function contentSecurityPolicy(formTarget?: string): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    `form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sent with every gateway response, error pages included. */
export function securityHeaders(options: { formTarget?: string } = {}): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': options.formTarget
      ? contentSecurityPolicy(options.formTarget)
      : CONTENT_SECURITY_POLICY,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  };
}

/**
 * A whole page. `title` is plain text (escaped here); `bodyHtml` must already be built from
 * escaped values. `noindex`: the pages are personal and must never land in a search index.
 */
export function page(lang: string, title: string, bodyHtml: string): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    `<body><main>${bodyHtml}</main></body>`,
    '</html>',
  ].join('\n');
}
