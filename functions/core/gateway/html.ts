import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// One fixed stylesheet, allowed by its hash: the pages need no script and no external source, so
// an injected <script> or <link> (should escaping ever fail) is refused by the browser.
// Every colour is explicit, text and background alike, in light and dark: contrast can then be
// measured (axe-core) instead of depending on a browser's defaults. Light: text 17:1, muted text
// 9.3:1, links and button 6.4:1 and 6.3:1 on white; dark: 15:1, 10:1, links and button 8.4:1 on
// #16181d. The focus ring (3 px, offset) is 17:1 on white and 10.7:1 on the dark background.
// Long unbroken words (file names, Thai without spaces) wrap instead of widening a 390 px screen.
export const PAGE_STYLE = [
  ':root{color-scheme:light dark;--bg:#ffffff;--fg:#1b1b1f;--muted:#45474d;--line:#c4c6cc;--link:#0b57d0;--focus:#1b1b1f;--btn:#1a5fb4;--btn-fg:#ffffff;',
  'font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Thai",sans-serif;line-height:1.5}',
  '@media (prefers-color-scheme:dark){:root{--bg:#16181d;--fg:#eceef2;--muted:#c3c6cd;--line:#4a4e57;--link:#8ab4f8;--focus:#f5c211;--btn:#8ab4f8;--btn-fg:#16181d}}',
  'html{background:var(--bg);color:var(--fg)}',
  'body{margin:0;padding:2rem 1rem;background:var(--bg);color:var(--fg);overflow-wrap:anywhere}',
  'main{max-width:40rem;margin:0 auto}',
  'h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}',
  'h2{font-size:1.2rem;margin:1.5rem 0 .5rem}',
  'a{color:var(--link)}',
  'dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem}',
  'dt{font-weight:600}',
  'dd{margin:0;min-width:0}',
  'table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}',
  'th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line)}',
  'td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}',
  'button{font:inherit;font-size:1.1rem;padding:.7rem 1.4rem;border:2px solid transparent;border-radius:.4rem;background:var(--btn);color:var(--btn-fg);cursor:pointer;max-width:100%}',
  'a:focus-visible,button:focus-visible{outline:3px solid var(--focus);outline-offset:3px}',
  '.note{font-size:.9rem;color:var(--muted)}',
  // A narrow screen (a phone held upright) stacks each label over its value.
  '@media (max-width:30rem){body{padding:1.25rem .75rem}dl{grid-template-columns:minmax(0,1fr);gap:0}dd{margin-bottom:.5rem}}',
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
