// The API's refusals in the reader's language. The API writes its messages
// in English (docs/api.md, Errors); here each error code has a heading in
// Chinese and English, and the messages the pages meet most often are
// written in Chinese with the API's own details kept: the named word, the
// field, the dates and numbers. A message with no Chinese form is shown as
// the API wrote it, marked as the server's words.

const CODES = {
  zh: {
    invalid: '请求有误', unauthorized: '未登录或令牌无效', forbidden: '没有权限', not_found: '未找到',
    too_large: '数据量过大', conflict: '有冲突的操作正在进行', canceled: '请求已取消', internal: '服务器内部错误',
    timeout: '查询超时', busy: '服务器繁忙', computing: '流失风险评分正在计算', network: '无法连接服务器',
  },
  en: {
    invalid: 'The request is not valid', unauthorized: 'Not signed in, or the token is not valid', forbidden: 'Not allowed',
    not_found: 'Not found', too_large: 'Too much data', conflict: 'A conflicting operation is running', canceled: 'Request canceled',
    internal: 'Internal server error', timeout: 'The query took too long', busy: 'The server is busy',
    computing: 'Churn risk scores are being computed', network: 'Cannot reach the server',
  },
};

// STATUS_CODES gives a code to an answer that carries none (a proxy's page).
const STATUS_CODES = { 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'too_large', 415: 'invalid', 422: 'invalid', 500: 'internal', 503: 'busy' };

// KINDS are the API's words for JSON kinds (strictjson: "expected a number, got a string").
const KINDS = {
  'a number': '数字', 'a string': '文本', 'a list': '列表', 'an object': '对象', 'true or false': 'true 或 false',
  'a whole number': '整数', 'null': '空值（null）', 'a boolean': 'true 或 false',
};
const kind = (k) => KINDS[k] || k;

// UNKNOWN names what an "unknown …" message is about.
const UNKNOWN = {
  metric: '指标', dimension: '维度', range: '时间范围', field: '字段', language: '语言', 'condition kind': '条件类型',
  'time zone': '时区', class: '类别', chart: '图表类型', rule: '规则', report: '报告', channel: '渠道', grain: '粒度', op: '运算符', operator: '运算符',
};

// ZH turns the API's common messages into Chinese; each keeps what the
// message names. The first that matches is used.
const ZH = [
  [/^(.+?): expected (.+?), got (.+)$/, (m) => `${m[1]}：应为${kind(m[2])}，收到的是${kind(m[3])}`],
  [/^unknown (metric|dimension|range|field|language|condition kind|time zone|class|chart|rule|report|channel|grain|op|operator) (.+)$/,
    (m) => `未知的${UNKNOWN[m[1]]}：${m[2]}`],
  [/^(.+?) lies outside the data, which runs from (\S+?) to (\S+?)(?:[.;,:]\s*(.*))?$/,
    (m) => `所选期间 ${m[1]} 超出数据范围（数据从 ${m[2]} 到 ${m[3]}），请选择该范围内的期间`],
  [/^("[^"]*") does not exist$/, (m) => `日期 ${m[1]} 不存在`],
  [/^month (\S+) does not exist$/, (m) => `月份 ${m[1]} 不存在`],
  [/^("[^"]*") is not a date of the form YYYY-MM-DD$/, (m) => `${m[1]} 不是 YYYY-MM-DD 格式的日期`],
  [/^end (\S+) is before start (\S+)$/, (m) => `结束日期 ${m[1]} 早于开始日期 ${m[2]}`],
  [/^give either range or start and end, not both$/, () => '时间范围与开始/结束日期只能二选一'],
  [/^limit must be between (\d+) and (\d+), got (-?\d+)$/, (m) => `行数上限须在 ${m[1]} 到 ${m[2]} 之间，收到 ${m[3]}`],
  [/^key ("[^"]*") appears twice in the same object; send it once$/, (m) => `键 ${m[1]} 在同一对象中出现了两次，请只发送一次`],
  [/^metric (\S+) is not defined by (\S+)$/, (m) => `指标 ${m[1]} 不能按 ${m[2]} 拆分`],
  [/^metric ("?[^"\s]+"?) is listed twice$/, (m) => `指标 ${m[1]} 重复出现`],
  [/^cannot order by ("[^"]*"): it is not a column of this result$/, (m) => `无法按 ${m[1]} 排序：结果中没有这一列`],
  [/^("[^"]*") is not a cron expression(?::.*)?$/, (m) => `${m[1]} 不是有效的 cron 表达式（五段：分 时 日 月 周，例如 0 9 * * 1）`],
  [/^("[^"]*") is not a calendar schedule$/, (m) => `${m[1]} 不是日历计划，请写 cron 表达式（例如 0 9 * * 1）`],
  [/^("[^"]*") is not a duration such as 30m or 24h$/, (m) => `${m[1]} 不是时长，例如 30m 或 24h`],
  [/^no channel named ("[^"]*") is configured$/, (m) => `服务器没有配置名为 ${m[1]} 的渠道`],
  [/^id ("[^"]*") must be 1 to 64 lower-case letters, digits, - or _.*$/, (m) => `编号 ${m[1]} 须为 1 到 64 个小写字母、数字、- 或 _，以字母或数字开头`],
  [/^a (rule|subscription) with id ("[^"]*") exists;.*$/, (m) => `编号 ${m[2]} 的${m[1] === 'rule' ? '规则' : '订阅'}已存在`],
  [/^malformed JSON$/, () => 'JSON 格式有误'],
  [/^(?:the )?(?:request )?body is empty.*$/, () => '请求体为空'],
  [/^request body is (\d+) bytes; the limit is (\d+)$/, (m) => `请求体 ${m[1]} 字节，超过上限 ${m[2]} 字节`],
  [/^internal error$/, () => '服务器内部错误'],
  [/^no route (.+?); see .*$/, (m) => `没有这个接口：${m[1]}`],
  [/^the silence would end at (\S+), which has passed$/, (m) => `静默结束时间 ${m[1]} 已经过去，请选择将来的时间`],
  [/^until ("[^"]*") is not an RFC 3339 time.*$/, (m) => `${m[1]} 不是有效的时间（例如 2026-12-01T09:00:00+08:00）`],
];

// translate is a message in Chinese, or '' when it has no Chinese form.
function translate(msg) {
  for (const [re, f] of ZH) {
    const m = re.exec(msg);
    if (m) return f(m);
  }
  return '';
}

// scoringText says how far the churn scores are ({months_done, months_total}).
export function scoringText(s, lang) {
  if (!s) return '';
  if (s.state === 'training') return lang === 'en' ? 'training the churn model' : '正在训练流失模型';
  const n = `${s.months_done || 0}/${s.months_total || 0}`;
  return lang === 'en' ? `computing ${n} months` : `计算中 ${n} 个月`;
}

// errorText is what to show of an error: a heading for its code in the
// language and the detail: the message in Chinese where it has a Chinese
// form, else the API's message (apiWords true: the server's own words).
export function errorText(err, lang) {
  if (!err) return { heading: '', detail: '', apiWords: false, code: '' };
  const body = err.body || {};
  const code = body.code || err.code || STATUS_CODES[err.status] || (err.status ? 'internal' : 'network');
  const words = CODES[lang === 'en' ? 'en' : 'zh'];
  const heading = words[code] || words.invalid;
  const msg = body.message || (err.status ? '' : String(err.message || ''));
  if (code === 'computing') {
    const s = body.scoring;
    return { heading, detail: s ? scoringText(s, lang) : '', apiWords: false, code };
  }
  if (lang === 'en' || !msg) return { heading, detail: msg, apiWords: false, code };
  const zh = translate(msg);
  return zh ? { heading, detail: zh, apiWords: false, code } : { heading, detail: msg, apiWords: true, code };
}

// EN_KINDS are the API's JSON kinds as a reader says them.
const EN_KINDS = { 'a string': 'text', 'a list': 'a list', 'an object': 'a group of fields', 'null': 'empty', 'a boolean': 'true or false' };

// besideField words an English message for the place beside its field:
// without the API's path to the field (condition.above: …), which the
// field's place already says, and a JSON kind in a reader's words
// ("Must be a number, not text").
function besideField(msg, field) {
  let m = msg || '';
  if (field && m.startsWith(field + ': ')) m = m.slice(field.length + 2);
  const k = /^expected (.+?), got (.+)$/.exec(m);
  if (k) m = `must be ${k[1]}, not ${EN_KINDS[k[2]] || k[2]}`;
  return m && m[0].toUpperCase() + m.slice(1);
}

// fieldMessage is an error as said on its own, in a short place: the
// detail alone (the heading would repeat what the place says).
export function fieldMessage(err, lang) {
  const e = errorText(err, lang);
  return e.detail || e.heading;
}

// besideFieldMessage is an error as said beside the form field it names;
// in English without the API's path to the field. (The Chinese forms
// keep the field's name, cost：应为数字…, and read as they are.)
export function besideFieldMessage(err, lang) {
  if (lang !== 'en') return fieldMessage(err, lang);
  const e = errorText(err, lang);
  return besideField(e.detail, err && err.body && err.body.field) || e.heading;
}
