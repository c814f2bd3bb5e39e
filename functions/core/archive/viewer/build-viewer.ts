import { createHash } from 'node:crypto';
import { toJsonText } from '../../collect/json-text';
import type { ViewerData } from './viewer-data';
import { VIEWER_SCRIPT } from './viewer-script';
import { VIEWER_STYLE } from './viewer-style';

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * No network at all (default-src 'none'); only our own script and style run, pinned by hash, so
 * even markup that slipped into the page could not run a handler or load anything. CSSOM writes
 * (the timeline's bar widths) are not style-src matters and keep working.
 */
export const VIEWER_CSP = [
  "default-src 'none'",
  `script-src ${cspHash(VIEWER_SCRIPT)}`,
  `style-src ${cspHash(VIEWER_STYLE)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The data block's JSON. Rows go through toJsonText so numbers keep every digit; every "<"
 * becomes \u003c (valid JSON, same string), so no text in the data can end the script element
 * ("</script>") or open a comment that changes how the HTML parser reads it ("<!--").
 */
export function embeddedJson(data: ViewerData): string {
  const { rows, ...meta } = data;
  const rowsText = Object.entries(rows)
    .map(([id, list]) => `${JSON.stringify(id)}:[${list.map(toJsonText).join(',')}]`)
    .join(',');
  const json = `${JSON.stringify(meta).slice(0, -1)},"rows":{${rowsText}}}`;
  return json.replace(/</g, '\\u003c');
}

/**
 * index.html: one file with the data, its script and its style inline, so it opens from a folder
 * on any computer without a server. The only markup here is fixed; the page's text, player data
 * included, is made by the script from the data block.
 */
export function buildViewerHtml(data: ViewerData): string {
  return [
    '<!doctype html>',
    `<html lang="${data.locale}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${VIEWER_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The browser would otherwise look for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${data.messages.heading}</title>`,
    `<style>${VIEWER_STYLE}</style>`,
    '</head>',
    '<body>',
    `<noscript><p>${data.messages.noscript}</p></noscript>`,
    '<div id="app"></div>',
    `<script type="application/json" id="data">${embeddedJson(data)}</script>`,
    `<script>${VIEWER_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
