// Words of the form's own chrome (the field labels come from the schema's x-ui hints), and
// the times and dates the officer sees. Chinese by default; English on request.

const WORDS = {
  zh: {
    loading: '正在加载…',
    notLocal: '本机还没有这份卷宗，联网后自动下载。',
    notFound: '服务器上没有这份卷宗。',
    noDossier: '请选择或新建一份卷宗。',
    unknownForm: '本机的表单版本不认识这份记录的表单类型，请更新页面。',
    levels: {
      blue: { zh: '蓝', en: 'Blue' },
      yellow: { zh: '黄', en: 'Yellow' },
      orange: { zh: '橙', en: 'Orange' },
      red: { zh: '红', en: 'Red' },
    },
    add: '添加',
    remove: '删除',
    item: (label, n) => `${label} ${n}`,
    offline: '离线',
    online: '在线',
    pending: (n) => `${n} 项修改待同步`,
    allSynced: '已全部同步',
    neverSynced: '尚未同步',
    lastSync: (t) => `上次同步 ${t}`,
    syncing: '正在同步…',
    retry: (s) => `同步失败，${s} 秒后重试`,
    localOnly: '仅保存在本机',
    issues: (e, w) => `${e} 个错误，${w} 个提醒`,
    noIssues: '校验通过',
    warningLevel: '预警等级',
    noRules: '未触发预警规则',
    ruleSet: (v) => `按本局预警规则第 ${v} 版评定`,
    conflict: (n) => `冲突：${n} 位民警同时修改了此项`,
    keep: '保留此值',
    stuck: (code) =>
      `${
        {
          doc_close_forbidden: '服务器拒绝了本机对此卷宗的修改：改为结案类状态需要结案权限。',
          doc_forbidden: '服务器拒绝了本机对此卷宗的修改：您现在无权修改它。',
          doc_actor_not_registered: '服务器拒绝了本机的修改：本机的编辑身份已登记给另一台设备。',
        }[code] ?? `服务器拒绝了本机对此卷宗的修改（${code}）。`
      }这些修改无法同步；放弃后将从服务器重新载入此卷宗。`,
    discard: '放弃本机未同步的修改',
    discardConfirm: '放弃本机对此卷宗尚未同步的全部修改，并从服务器重新载入？此操作不能撤销。',
    awaitChief: '待所长裁决：此项由所长决定保留哪个值，裁决前不能修改。',
    shown: '当前显示',
    thisDevice: '本机',
    device: (a) => `设备 ${a}`,
    locate: '获取定位',
    none: '（未填）',
    tagsHint: '多个用逗号分隔',
    readonly: '只读',
    editRefused: '此修改未能保存',
    gotoField: '转到此项',
    statusRefused: (from, to) => `状态不能从「${from}」直接改为「${to}」`,
    colon: '：',
    history: '修改记录',
    volumeBWithheld: 'B卷含个人信息（当事人、重点人员），未向本设备开放。',
    attachment: '附件',
    openFull: '查看原图',
    caption: '说明',
    takePhoto: '拍照',
    chooseFile: '选择文件',
    close: '关闭',
    blobsPending: (n) => `${n} 个附件待上传`,
    blobState: {
      pending: '待上传',
      uploading: (p) => `上传中 ${p}%`,
      stored: '已上传',
      fetching: '正在从服务器下载…',
      waiting: '尚未上传（照片在拍摄它的设备上）',
      local: '仅保存在本机',
      missing: '本机没有此附件',
      failed: (code) => `服务器拒收此附件（${code}）`,
    },
    attachRefused: (code) =>
      ({
        attachment_type: '只能附加JPEG、PNG图片或PDF文件',
        attachment_size: '附件不能超过10 MB',
      })[code] ?? `无法附加此文件（${code}）`,
    verbs: {
      set: '修改',
      edit: '编辑',
      resolve: '解决冲突',
      add: '添加',
      remove: '删除',
      'create dossier': '新建卷宗',
      'create record': '新建记录',
      'add session': '添加调解记录',
      'add follow-up': '添加回访',
      'add party': '添加当事人',
      update: '修改',
    },
  },
  en: {
    loading: 'Loading…',
    notLocal: 'This device does not have this dossier yet; it downloads once online.',
    notFound: 'The server has no such dossier.',
    noDossier: 'Choose or create a dossier.',
    unknownForm: 'This page does not know the form type of this record: reload it to update.',
    levels: {
      blue: { zh: '蓝', en: 'Blue' },
      yellow: { zh: '黄', en: 'Yellow' },
      orange: { zh: '橙', en: 'Orange' },
      red: { zh: '红', en: 'Red' },
    },
    add: 'Add',
    remove: 'Remove',
    item: (label, n) => `${label} ${n}`,
    offline: 'Offline',
    online: 'Online',
    pending: (n) => `${n} change${n === 1 ? '' : 's'} waiting`,
    allSynced: 'All synced',
    neverSynced: 'Not synced yet',
    lastSync: (t) => `Last synced ${t}`,
    syncing: 'Syncing…',
    retry: (s) => `Sync failed, retrying in ${s} s`,
    localOnly: 'Saved on this device only',
    issues: (e, w) => `${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}`,
    noIssues: 'No problems found',
    warningLevel: 'Warning level',
    noRules: 'No warning rule fired',
    ruleSet: (v) => `Graded with version ${v} of the bureau's rules`,
    conflict: (n) => `Conflict: ${n} officers changed this at the same time`,
    keep: 'Keep this',
    stuck: (code) =>
      `${
        {
          doc_close_forbidden:
            "The server refused this device's changes: a closing status needs the right to close.",
          doc_forbidden:
            "The server refused this device's changes: you may no longer change this dossier.",
          doc_actor_not_registered:
            "The server refused this device's changes: its editing identity belongs to another device.",
        }[code] ?? `The server refused this device's changes to this dossier (${code}).`
      } They cannot be synced; discarding them reloads the dossier from the server.`,
    discard: "Discard this device's unsynced changes",
    discardConfirm:
      'Discard every change to this dossier not yet synced from this device and reload it from the server? This cannot be undone.',
    awaitChief:
      'Awaiting the station chief, who decides which value stays; it cannot be changed until then.',
    shown: 'shown now',
    thisDevice: 'this device',
    device: (a) => `device ${a}`,
    locate: 'Use my location',
    none: '(empty)',
    tagsHint: 'separate with commas',
    readonly: 'Read-only',
    editRefused: 'This change could not be saved',
    gotoField: 'Go to field',
    statusRefused: (from, to) => `The status cannot go from "${from}" to "${to}"`,
    colon: ': ',
    history: 'Change history',
    volumeBWithheld: 'Volume B holds personal data and is not shared with this device.',
    attachment: 'Attachment',
    openFull: 'Open full size',
    caption: 'Caption',
    takePhoto: 'Take a photo',
    chooseFile: 'Choose a file',
    close: 'Close',
    blobsPending: (n) => `${n} attachment${n === 1 ? '' : 's'} waiting for upload`,
    blobState: {
      pending: 'Waiting for upload',
      uploading: (p) => `Uploading ${p}%`,
      stored: 'Uploaded',
      fetching: 'Downloading from the server…',
      waiting: 'Not uploaded yet (it is on the device that took it)',
      local: 'Kept on this device only',
      missing: 'Not on this device',
      failed: (code) => `The server refused this attachment (${code})`,
    },
    attachRefused: (code) =>
      ({
        attachment_type: 'Only JPEG or PNG images and PDF files can be attached',
        attachment_size: 'An attachment may not exceed 10 MB',
      })[code] ?? `This file cannot be attached (${code})`,
    verbs: {
      set: 'set',
      edit: 'edited',
      resolve: 'resolved conflict in',
      add: 'added',
      remove: 'removed',
      'create dossier': 'created the dossier',
      'create record': 'created the record',
      'add session': 'added a session',
      'add follow-up': 'added a follow-up',
      'add party': 'added a party',
      update: 'updated',
    },
  },
};

export function words(locale) {
  return WORDS[locale === 'en' ? 'en' : 'zh'];
}

// Officers work in China time; stored timestamps carry their offset (RFC 3339).
const CHINA_OFFSET_MIN = 8 * 60;

function shifted(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + CHINA_OFFSET_MIN * 60000).toISOString();
}

/** RFC 3339 timestamp -> value for <input type="datetime-local"> (China time). */
export function toLocalInput(iso) {
  if (!iso) return '';
  const s = shifted(iso);
  return s ? s.slice(0, 16) : '';
}

/** <input type="datetime-local"> value -> RFC 3339 timestamp with +08:00. */
export function fromLocalInput(v) {
  if (!v) return null;
  const withSeconds = v.length === 16 ? `${v}:00` : v.slice(0, 19);
  return `${withSeconds}+08:00`;
}

/** Now as an RFC 3339 timestamp in China time. */
export function nowIso() {
  return `${new Date(Date.now() + CHINA_OFFSET_MIN * 60000).toISOString().slice(0, 19)}+08:00`;
}

/** Today's date in China time (YYYY-MM-DD). */
export function today() {
  return nowIso().slice(0, 10);
}

/** HH:MM of a millisecond time, in China time. */
export function clock(ms) {
  return new Date(ms + CHINA_OFFSET_MIN * 60000).toISOString().slice(11, 16);
}

/** MM-DD HH:MM of a millisecond time, in China time. */
export function stamp(ms) {
  const iso = new Date(ms + CHINA_OFFSET_MIN * 60000).toISOString();
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** A millisecond time as an RFC 3339 timestamp in China time. */
export function isoAt(ms) {
  return `${new Date(ms + CHINA_OFFSET_MIN * 60000).toISOString().slice(0, 19)}+08:00`;
}
