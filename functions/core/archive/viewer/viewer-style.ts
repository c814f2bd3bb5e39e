/**
 * The viewer's stylesheet, inlined and allowed by its hash. System fonts only: a web font would
 * be a network request (or megabytes inlined), and the reader's own fonts cover their script.
 *
 * Every text colour is set on an explicit background in both colour schemes, each pair at least
 * 4.5:1 (WCAG AA). On a phone the page itself never scrolls sideways: long words and paths wrap,
 * and only the table regions (focusable, so the keyboard can scroll them) are wider than the screen.
 */
export const VIEWER_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1b1b; --muted: #4d5358; --line: #8a9099; --head: #eef1f5; --btn: #f3f4f6;
  --accent: #2f6fb3; --link: #0b57a4; --warn: #7a5600; --note: #fff4cc; --focus: #0b57a4;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b; --fg: #e8eaed; --muted: #b4bac1; --line: #6c737c; --head: #252a31; --btn: #2a2f36;
    --accent: #5b9bdf; --link: #8cc4ff; --warn: #f0c24f; --note: #3b3116; --focus: #ffcc4d;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Thai", sans-serif; margin: 0; background: var(--bg); color: var(--fg); overflow-wrap: anywhere; }
a { color: var(--link); text-decoration: underline; text-underline-offset: 0.15em; }
a:visited { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
.skip { position: absolute; inset-inline-start: 0.5rem; top: -10rem; background: var(--bg); color: var(--link); padding: 0.5rem 0.75rem; border: 2px solid var(--focus); z-index: 10; }
.skip:focus { top: 0.5rem; }
main:focus { outline: none; }
header, main, nav { max-width: 78rem; margin: 0 auto; padding: 0 1rem; }
header h1 { margin: 1rem 0 0.25rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding-bottom: 0.5rem; border-bottom: 1px solid var(--line); }
nav a { padding: 0.15rem 0; }
section { margin: 1.5rem 0 2.5rem; }
h2 { border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem; }
h3 { margin: 1.25rem 0 0.5rem; }
table { border-collapse: collapse; margin: 0; background: var(--bg); color: var(--fg); }
th, td { border: 1px solid var(--line); padding: 0.25rem 0.5rem; text-align: start; vertical-align: top; overflow-wrap: normal; }
thead th { background: var(--head); color: var(--fg); }
td.num { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
code.raw { font-size: 0.8em; color: var(--muted); font-weight: normal; }
thead th code.raw { display: block; }
.muted { color: var(--muted); }
dl.meta { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: 0.2rem 1rem; }
dl.meta dd, dl.meta dt { margin: 0; min-width: 0; }
dt { font-weight: 600; }
.status { font-weight: 600; }
.status[data-status="none held"], .status[data-status="not stored"] { color: var(--warn); }
.facts, .field-guide { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem; margin: 0.75rem 0; background: var(--bg); }
.facts summary, .field-guide summary { cursor: pointer; font-weight: 600; padding: 0.2rem 0; }
.facts dd { margin: 0 0 0.5rem 0; padding-inline-start: 1.5rem; }
.facts ul, .rights, .joint { margin: 0; padding-inline-start: 1.2rem; }
.refs { display: inline; color: var(--fg); }
.scroll { overflow-x: auto; max-width: 100%; margin: 0.5rem 0; }
.cell { max-height: 12em; max-width: min(40rem, 80vw); overflow: auto; white-space: pre-wrap; overflow-wrap: break-word; unicode-bidi: isolate; }
.cell ul.nested-list { margin: 0; padding-inline-start: 1.1rem; white-space: normal; }
.cell dl.nested { margin: 0; display: grid; grid-template-columns: auto auto; gap: 0 0.6rem; white-space: normal; }
.cell dl.nested dt, .cell dl.nested dd { margin: 0; }
.cell dl.nested dt { font-weight: 600; }
.cell dl.nested dt code.raw { display: none; }
.cell time, .cell [data-raw] { text-decoration: underline dotted var(--muted); text-underline-offset: 0.2em; }
.tools { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin-top: 0.75rem; }
.search { font: inherit; padding: 0.3rem 0.5rem; width: 20rem; max-width: 100%; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; }
.search::placeholder { color: var(--muted); opacity: 1; }
.pager { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
button { font: inherit; padding: 0.3rem 0.9rem; min-height: 2rem; background: var(--btn); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
button:disabled { cursor: default; opacity: 0.6; }
.preview-note { background: var(--note); color: var(--fg); border-inline-start: 4px solid var(--warn); padding: 0.4rem 0.75rem; }
.bar-line { display: flex; align-items: center; gap: 0.5rem; white-space: nowrap; }
.track { width: 14rem; flex: none; }
.bar { height: 0.8em; background: var(--accent); }
table.single th { min-width: 8rem; }
.field-guide ul.guide { margin: 0.25rem 0; padding-inline-start: 1.2rem; }
.field-guide ul.guide li { margin: 0.2rem 0; }
.field-guide .label { font-weight: 600; }
.field-guide .values { color: var(--fg); }
.contact { margin: 0.25rem 0 0.75rem; }
.contact-name { font-weight: 600; margin: 0.25rem 0; }
.address { white-space: pre-line; }
.rights > li { margin-bottom: 0.75rem; }
.rights h3 { font-size: 1.05em; margin: 0.5rem 0 0.25rem; }
.rights p { margin: 0.25rem 0; }
.article { font-weight: normal; color: var(--muted); }
`;
