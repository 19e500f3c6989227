// The demo page's stylesheet.
export const STYLE = `
  :root { color-scheme: light; --accent: #2f6fde; --muted: #667085; --line: #e4e7ec; }
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #101828; }
  header { background: #101828; color: #fff; padding: 1.1rem 2rem; }
  header h1 { margin: 0; font-size: 1.25rem; } header p { margin: .2rem 0 0; color: #c0c6d0; font-size: .9rem; }
  main { max-width: 980px; margin: 1.5rem auto; padding: 0 1rem; display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: 0 0 .75rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
  dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
  dt.changed, dd.changed { background: #fff4c2; }
  dt.changed { box-shadow: -.4rem 0 0 #fff4c2; } dd.changed { box-shadow: .4rem 0 0 #fff4c2; }
  .changed-note { color: #8a6100; font-size: .85rem; margin-left: .5rem; }
  .notice { grid-column: 1 / -1; margin: 0; padding: .7rem 1rem; border-radius: 10px; background: #e9f7ef; border: 1px solid #b7e4c7; color: #14532d; }
  form { display: flex; gap: .5rem; margin: .5rem 0; }
  input { flex: 1; padding: .45rem .6rem; border: 1px solid #cfd4dc; border-radius: 6px; font: inherit; }
  button { padding: .45rem .9rem; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  button.secondary { background: #eef2f8; color: #1d2939; border: 1px solid #cfd4dc; }
  button.link { background: none; color: var(--accent); padding: 0; text-decoration: underline; }
  ul { padding-left: 1.1rem; margin: .25rem 0; } li form { display: inline; } #devices li { margin-bottom: .4rem; }
  .muted { color: var(--muted); font-size: .9rem; } .row { display: flex; gap: .5rem; }
  .badge { background: #e7f0ff; color: var(--accent); border-radius: 99px; padding: 0 .5rem; font-size: .8rem; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; } }
`;
