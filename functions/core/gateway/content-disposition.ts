/**
 * `attachment` with the archive's file name: an ASCII `filename` every browser understands, plus
 * RFC 5987/6266 `filename*` with the exact UTF-8 name when it has other characters (a username in
 * Thai or with an emoji). Quotes, backslashes and control characters never reach the header.
 */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]+/gu, '_').replace(/["\\%]/g, '_');
  const base = `attachment; filename="${ascii}"`;
  if (ascii === fileName) return base;
  return `${base}; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

function encodeRfc5987(value: string): string {
  // encodeURIComponent leaves ' ( ) * ! unescaped; RFC 5987 attr-char does not allow them.
  return encodeURIComponent(value).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
