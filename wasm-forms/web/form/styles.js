// The form's stylesheet (inside the element's shadow root, so a host page's CSS neither leaks
// in nor is touched). Phone first: one column, full-width controls, nothing wider than 360 px.

export const STYLES = `
:host { display: block; font: 16px/1.5 system-ui, "PingFang SC", "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; color: #1b1b1f; }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.root { max-width: 860px; margin: 0 auto; overflow-wrap: anywhere; }
.sync { position: sticky; top: 0; z-index: 2; margin: 0 0 8px; padding: 6px 10px;
  background: #e8f0fe; border-radius: 6px; font-size: .95em; }
.sync[data-online="false"] { background: #fde8e8; }
.grade { margin: 0 0 8px; padding: 8px 10px; border-left: 8px solid #1e63c4;
  background: #f4f7fb; border-radius: 4px; }
.grade h2, .summary h2 { font-size: 1em; margin: 0; }
.grade.level-yellow { border-color: #e0b000; background: #fffbe6; }
.grade.level-orange { border-color: #ef6c00; background: #fff3e0; }
.grade.level-red { border-color: #c62828; background: #fdecea; }
.grade ul, .summary ul { margin: 4px 0 0; padding-left: 1.2em; }
.grade .rule-set { margin: 4px 0 0; font-size: 0.85em; color: #555; }
.summary { margin: 0 0 10px; padding: 8px 10px; border: 1px solid #c9ccd6; border-radius: 6px; }
.summary.has-errors { border-color: #b00020; }
.summary li.warning { color: #7a4f00; }
.summary li.error { color: #b00020; }
.summary button { min-height: 32px; padding: 2px 8px; margin-left: 4px; font-size: .9em; }
.notice { padding: 12px; background: #f4f4f6; border-radius: 6px; }
fieldset { min-width: 0; margin: 0 0 12px; padding: 8px 10px 10px; border: 1px solid #c9ccd6;
  border-radius: 6px; }
legend { padding: 0 4px; font-weight: 600; max-width: 100%; }
.volume { border-width: 2px; border-color: #7d8597; }
.volume > legend { font-size: 1.15em; }
.item { background: #fafbfd; }
.field { display: flex; flex-direction: column; margin: 8px 0; min-width: 0; }
.field > label { font-weight: 500; margin-bottom: 2px; }
.field.check { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 8px; }
.field.check > label { font-weight: 400; margin: 0; flex: 1; }
.field.check > .msg, .field.check > .conflict { flex-basis: 100%; }
input, select, textarea { width: 100%; max-width: 100%; min-height: 42px; padding: 6px 8px;
  font: inherit; color: inherit; background: #fff; border: 1px solid #7d8597; border-radius: 4px; }
input[type="checkbox"] { width: 24px; height: 24px; min-height: 0; margin: 0; flex: none; }
input[readonly], textarea[readonly], select:disabled { background: #f1f2f5; }
textarea { resize: vertical; }
[aria-invalid="true"] { border-color: #b00020; box-shadow: 0 0 0 1px #b00020; }
.options { display: flex; flex-wrap: wrap; gap: 6px 16px; }
.option { display: inline-flex; align-items: center; gap: 6px; min-height: 36px; }
.msg { margin: 4px 0 0; color: #b00020; font-size: .92em; }
.msg:empty { display: none; }
.msg.warning { color: #7a4f00; }
button { font: inherit; min-height: 42px; padding: 6px 14px; margin: 4px 0; color: #0b3d91;
  background: #eef3fd; border: 1px solid #5873b3; border-radius: 4px; cursor: pointer; }
button.remove { color: #8a1c1c; background: #fdf1f1; border-color: #c08080; }
button:disabled { opacity: .6; cursor: default; }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.conflict { margin-top: 6px; padding: 6px 8px; background: #fff4e5; border: 1px solid #e69500;
  border-radius: 4px; }
.conflict[hidden] { display: none; }
.conflict p { margin: 0 0 4px; }
.conflict ul { list-style: none; margin: 0; padding: 0; }
.conflict .await { margin: 4px 0 0; color: #6b3a00; }
.stuck { margin: 0 0 8px; padding: 8px; color: #5f1111; background: #fdecea; border: 1px solid #c62828;
  border-radius: 4px; }
.stuck[hidden] { display: none; }
.stuck p { margin: 0 0 6px; }
.conflict li { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px;
  padding: 4px 0; border-top: 1px dashed #e6c48a; }
.badge { display: inline-block; padding: 0 6px; color: #fff; background: #c25e00;
  border-radius: 10px; font-size: .85em; }
.who { color: #555; font-size: .9em; }
.val { font-weight: 600; }
.empty { color: #666; margin: 4px 0; }
.history { margin: 12px 0; padding: 8px 10px; border: 1px solid #c9ccd6; border-radius: 6px; }
.history > summary { cursor: pointer; font-weight: 600; min-height: 32px; }
.history ol { margin: 6px 0 0; padding-left: 1.4em; font-size: .92em; color: #333; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); border: 0; white-space: nowrap; }
.thumbs { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px;
  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
.thumb { display: flex; flex-direction: column; min-width: 0; padding: 6px;
  border: 1px solid #c9ccd6; border-radius: 6px; background: #fafbfd; }
.thumb .open { display: block; width: 100%; aspect-ratio: 4 / 3; padding: 0; margin: 0;
  overflow: hidden; background: #e9ebf0; border: 0; }
.thumb img { width: 100%; height: 100%; object-fit: cover; display: block; }
.thumb .pdf { font-weight: 700; color: #8a1c1c; }
.thumb .field { margin: 6px 0 0; }
.thumb .meta, .thumb .state { margin: 4px 0 0; font-size: .85em; color: #555; }
.thumb[data-state="pending"] .state, .thumb[data-state="uploading"] .state { color: #7a4f00; }
.thumb[data-state="failed"] .state, .thumb[data-state="missing"] .state { color: #b00020; }
.picks { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.pick label.button { display: inline-flex; align-items: center; min-height: 42px;
  padding: 6px 14px; color: #0b3d91; background: #eef3fd; border: 1px solid #5873b3;
  border-radius: 4px; cursor: pointer; }
.pick:focus-within label.button { outline: 3px solid #1a73e8; outline-offset: 2px; }
.viewer { position: fixed; inset: 0; z-index: 10; display: flex; flex-direction: column;
  align-items: center; gap: 8px; padding: 8px; overflow: auto; background: rgba(0, 0, 0, .88); }
.viewer .full { max-width: 100%; background: #fff; }
.viewer iframe.full { width: 100%; flex: 1; border: 0; }
.viewer p { color: #fff; }
`;
