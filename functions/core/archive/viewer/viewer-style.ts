/**
 * The viewer's stylesheet, inlined and allowed by its hash. System fonts only: a web font would
 * be a network request (or megabytes inlined), and the reader's own fonts cover their script.
 */
export const VIEWER_STYLE = `
:root { color-scheme: light dark; --line: #8884; --accent: #2f6fb3; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Thai", sans-serif; margin: 0; }
header, main, nav { max-width: 78rem; margin: 0 auto; padding: 0 1rem; }
header h1 { margin: 1rem 0 0.25rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding-bottom: 0.5rem; border-bottom: 1px solid var(--line); }
section { margin: 1.5rem 0 2.5rem; }
h2 { border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid var(--line); padding: 0.25rem 0.5rem; text-align: start; vertical-align: top; }
thead th { background: #8882; }
table.data thead th { position: sticky; top: 0; background: Canvas; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.meta dd, dl.meta dt { margin: 0; }
dt { font-weight: 600; }
.status { font-weight: 600; }
.status[data-status="none held"], .status[data-status="not retained"] { color: #8a6d00; }
.facts { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem; margin: 0.75rem 0; }
.facts summary { cursor: pointer; font-weight: 600; }
.facts dd { margin: 0 0 0.5rem 1.5rem; }
.facts ul { margin: 0; padding-inline-start: 1.2rem; }
.scroll { overflow-x: auto; }
.cell { max-height: 12em; max-width: 40rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; }
.tools { display: flex; gap: 1rem; align-items: center; margin-top: 0.75rem; }
.search { font: inherit; padding: 0.25rem 0.5rem; min-width: 16rem; }
.pager { display: flex; gap: 1rem; align-items: center; }
.pager button { font: inherit; padding: 0.2rem 0.8rem; }
.preview-note { background: #f4c43022; border-inline-start: 4px solid #d9a300; padding: 0.4rem 0.75rem; }
.bar-line { display: flex; align-items: center; gap: 0.5rem; white-space: nowrap; }
.track { width: 14rem; flex: none; }
.bar { height: 0.8em; background: var(--accent); }
table.single th { white-space: nowrap; }
`;
