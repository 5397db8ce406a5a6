// Words of the interface in Chinese (the default) and English. Answers,
// labels and values come from the server in the language asked for.
const words = {
  zh: {
    skip: '跳到正文', brand: 'Beacon 留存分析', nav: '主导航',
    ask: '问数', metrics: '指标', explore: '分析', dashboards: '看板',
    langSwitch: 'English', langSwitchLabel: '切换到英文',
    authOff: '认证未开启：仅本机访问', signOut: '退出', scope: '数据范围', allData: '全部数据',
    zone: '时区', dataTo: '数据截至', loadedAt: '数据生成于', loading: '加载中…',
    signInTitle: '登录', signInHelp: '粘贴管理员发给您的访问令牌（JWT）。令牌只保存在本标签页中，关闭即清除。',
    tokenLabel: '访问令牌（JWT）', signIn: '登录', badToken: '令牌未被接受：',
    askTitle: '问数', askLabel: '用中文或英文提问', askPlaceholder: '例如：上个月高净值客户流失率是多少？',
    send: '提问', newThread: '新对话', suggested: '可以这样问', thinking: '正在理解问题并计算…',
    elapsed: (s) => `已用 ${s} 秒`, you: '问', reading: '口径', metric: '指标', range: '时间', filters: '筛选', comparison: '对比',
    none: '无', sql: '查看 SQL', notes: '说明', tryInstead: '可以改问：', clarifyPick: '您指的是：',
    askAbout: (l) => `上个月${l}是多少？`, byQ: (l, d) => `近12个月各${d}${l}`,
    metricsTitle: '指标目录', search: '搜索指标（中文或英文）', noMatch: '没有匹配的指标',
    definition: '定义', owner: '负责人', version: '版本', format: '格式', type: '类型', formula: '公式',
    dimensions: '可拆分维度', grains: '时间粒度', dataRange: '数据范围', trend: '近12个月趋势', openExplore: '在分析中打开',
    unknownMetricShown: (m, shown) => `未知的指标："${m}"（链接中的指标不在目录中），下面显示的是 ${shown}。`,
    exploreTitle: '分析', metricPick: '指标', by: '按维度拆分', grain: '粒度', noGrain: '不分期', period: '期间',
    custom: '自定义', start: '开始', end: '结束', compare: '对比', noCompare: '不对比',
    previous_period: '环比（上期）', same_period_last_year: '同比（去年同期）',
    addFilter: '添加筛选', remove: '删除', values: '取值', dimension: '维度', downloadCSV: '下载 CSV', downloadExcel: '下载 CSV（Excel）', downloadXLSX: '下载 XLSX',
    shareLink: '本页网址即保存了当前选择，可直接分享。', rows: (n) => `${n} 行`, truncated: '（已截断）',
    dashboardsTitle: '看板', open: '打开', all: '全部', kpiChange: '较上期', noData: '无数据',
    notScoped: '此卡片不按该筛选拆分', error: '出错了', retry: '重试',
    ranges: {
      last_month: '上个月', last_quarter: '上季度', last_3_months: '近3个月', last_6_months: '近6个月',
      last_12_months: '近12个月', this_month: '本月', this_quarter: '本季度', this_year: '今年', last_year: '去年', ytd: '年初至今',
    },
    formats: { percent: '百分比', currency: '金额', count: '计数', number: '数值' },
    metricTypes: { simple: '简单', ratio: '比率', derived: '派生', share: '占比', cumulative: '累计', period_over_period: '期间对比' },
    grainNames: { day: '日', week: '周', month: '月', quarter: '季度', year: '年' },
    pp: '个百分点', total: '合计',
    alerts: '预警', watchlist: '高风险客户', alertsTitle: '预警规则', watchTitle: '高风险客户名单',
    tier: '风险等级', tiers: { high: '高', medium: '中', low: '低' }, customer: '客户', branchCol: '支行', score: '流失概率',
    reasons: '主要原因', action: '建议措施', record: '记录措施', recorded: '已记录', actionType: '措施', cost: '成本（元）', close: '关闭',
    scoredMonth: '评分月份', condition: '条件', schedule: '计划', channels: '渠道', states: '当前状态', history: '最近变化',
    silences: '静默', until: '至', disabled: '已停用',
    pin: '固定到我的看板', pinned: '已固定到我的看板', openPins: '查看', myPins: '我的看板（已固定的问答）',
    pinCount: (n, m) => `${n} / ${m}`, noPins: '还没有固定的问答：在“问数”中点“固定到我的看板”。', unpin: '移除',
    unpinLabel: (x) => `从我的看板移除：${x}`,
    newRule: '新建规则', editRule: (n) => `编辑规则：${n}`, alertsReadOnly: (r) => `当前角色（${r}）只能查看；分析师和管理员可以新建、编辑和静默规则。`,
    fromFile: '来自配置文件', edit: '编辑', testSend: '测试发送', silence: '静默', delete: '删除', confirmDelete: '确认删除', cancel: '取消',
    testSent: '已按当前数据计算并发送一条测试消息：', observations: (n) => `计算了 ${n} 组数据`, ruleID: '规则编号', ruleName: '名称',
    kinds: { threshold: '阈值', change: '变化', band: '波动区间' }, changeIn: '变化方式', changes: { percent: '百分比', absolute: '绝对值' },
    periods: '期数', bandK: '标准差倍数 k', above: '高于', below: '低于',
    conditionHelp: '百分比指标按小数填写：3% 写作 0.03；变化按百分比时 -20 表示下降超过 20%。',
    forN: '连续次数', repeat: '重复间隔', msgLang: '消息语言', asSent: '查看发送的版本', asSentLabel: (n) => `以发送语言查看报告：${n}`, noChannels: '服务器未配置渠道', disableRule: '停用此规则', save: '保存',
    addSilence: '添加静默', rule: '规则', anyRule: '（全部规则）', channel: '渠道', anyChannel: '（全部渠道）', silenceUntil: '静默至',
    reason: '原因', endSilence: '结束静默',
    actionDate: '日期', actionOwner: '执行人', note: '备注',
    actionChannels: { phone: '电话', branch: '网点', app: '手机银行', sms: '短信', wechat: '微信', email: '邮件', visit: '上门拜访' },
    subscriptions: '报告订阅', subsTitle: '报告订阅', subsList: '订阅列表', newSub: '新建订阅', editSub: (n) => `编辑订阅：${n}`,
    subsHelp: '按计划把报告的核心指标、关键图表和报告链接发送到渠道。渠道的地址和密钥只在服务器配置中，这里不显示。',
    subsReadOnly: (r) => `当前角色（${r}）只能查看；分析师和管理员可以新建、编辑和测试发送订阅。`,
    reportsTitle: '报告', noReports: '服务器没有声明报告', noSubs: '还没有订阅', report: '报告', nextAt: '下次发送', timesIn: (z) => `本页时间均为 ${z} 时间（YYYY-MM-DD HH:mm）。`, owner: '所有者',
    figures: '指标', figuresN: (n) => `自定义 ${n} 项`, sendTestNow: '立即测试发送', buildingReport: '正在生成报告并发送测试消息…',
    subTestSent: '已按当前数据生成报告并发送一条测试消息：', deliveries: '发送记录', noDeliveries: '还没有发送记录',
    at: '时间', deliveryKind: '类型', attempt: '第几次', status: '状态', providerAnswer: '渠道回复', subID: '订阅编号',
    cronHelp: '计划为五段式 cron（分 时 日 月 周），按所选时区执行，例如“0 9 * * 1”为每周一 9:00。', disableSub: '停用此订阅',
    deliveryStatus: { sending: '发送中', sent: '已送达', retry: '待重试', failed: '失败', held: '静默中', in_doubt: '不确定' },
    deliveryKinds: { report: '定时报告', test: '测试', firing: '告警', resolved: '恢复', repeat: '重复' },
    recordFor: (id) => `为客户 ${id} 记录措施`, shownOf: (n, m) => `显示 ${n} 位，共 ${m} 位`, showMore: (n) => `再显示 ${n} 位`,
    scoresBehind: (m, to) => `最新风险评分为 ${m}，数据已到 ${to}：较新月份的评分仍在后台计算，名单可能不是最新的。`,
    outsideData: '该期间暂无数据：数据尚未覆盖这一期间（风险评分可能仍在后台计算）。', details: '详情',
    alertStates: { ok: '正常', pending: '待确认', firing: '告警中', resolved: '已恢复', error: '出错' },
    changeOf: (m, c) => `${m}${c}变化`, or: '，或 ', bandText: (m, n, g, k) => `${m} 超出近 ${n} 个${g}均值 ± ${k} 倍标准差`,
    latest: '最近一期', noScoresYet: '流失风险评分尚未算完：服务器启动或数据更新后会在后台自动计算（通常几分钟），完成后再问一次即可。',
    route: '回答方式', request: '请求', routes: { explain: '变化归因', risk_list: '流失预警名单', uplift: '挽留效果', whatif: '挽留测算' },
    currentPeriod: '本期', baselinePeriod: '对比期', baselineValue: '对比期值', currentValue: '本期值', change: '变化',
    driversBy: (d) => `按${d}拆分的贡献`, drillWithin: (v, d) => `在「${v}」内按${d}拆分`, contribution: '贡献', share: '占变化比例',
    rateEffect: '自身变化', mixEffect: '结构变化', restGroups: (n) => `其余 ${n} 组`, noValue: '（空）',
    inactiveFor: '未交易月数', months: (n) => `${n} 个月`, listed: '列出', listedOf: (n, m) => `${n} 位（共 ${m} 位）`,
    openWatchlist: '在“高风险客户”页查看完整名单', allHistory: '全部历史', measuredTo: '效果观察截至', minN: '最少样本',
    comparedWith: '对照方式', treated: '受理人数', untreated: '可比未受理人数', treatedRetention: '受理留存率', untreatedRetention: '未受理留存率',
    uplift: '提升', interval95: '95% 区间', ppInterval95: '95% 区间（个百分点）', customersKept: '挽回客户', costPerKept: '每挽回一位的成本', inconclusive: '样本不足，无法下结论',
    topN: '对象', topNof: (n, m) => `风险最高的 ${n} 位（找到 ${m} 位）`, basis: '依据', aumKept: '保住 AUM', winBack: '挽回率',
    monthlyTo: (m) => `${m}（月度快照）`, serverSaid: '服务器原文：', computingWait: (s, n) => `流失风险评分正在后台计算（${s}），${n} 秒后自动重试…`,
    computingNote: '评分算完后数字会自动出现，无需刷新。', changeNote: '上期为零、为负或过小时，变化率没有意义：表格中记为 —，卡片上改为显示变化额。',
    expectedLeavers: '预计流失人数', aumAtRisk: '涉及 AUM', effectBasis: (a, b, u, i) => `依据：受理 ${a} 人、可比未受理 ${b} 人，提升 ${u} 个百分点（95% 区间 ${i}）。`,
  },
  en: {
    skip: 'Skip to content', brand: 'Beacon retention analytics', nav: 'Main',
    ask: 'Ask', metrics: 'Metrics', explore: 'Explore', dashboards: 'Dashboards',
    langSwitch: '中文', langSwitchLabel: 'Switch to Chinese',
    authOff: 'Authentication off: local access only', signOut: 'Sign out', scope: 'Row scope', allData: 'all data',
    zone: 'Time zone', dataTo: 'Data up to', loadedAt: 'Data generated', loading: 'Loading…',
    signInTitle: 'Sign in', signInHelp: 'Paste the access token (JWT) your administrator gave you. It is kept in this tab only and cleared when the tab closes.',
    tokenLabel: 'Access token (JWT)', signIn: 'Sign in', badToken: 'The token was not accepted: ',
    askTitle: 'Ask', askLabel: 'Ask in English or Chinese', askPlaceholder: 'e.g. What was the churn rate of high net worth customers last month?',
    send: 'Ask', newThread: 'New conversation', suggested: 'Try asking', thinking: 'Reading the question and computing…',
    elapsed: (s) => `${s} s`, you: 'Q', reading: 'Reading', metric: 'Metric', range: 'Period', filters: 'Filters', comparison: 'Comparison',
    none: 'none', sql: 'Show SQL', notes: 'Notes', tryInstead: 'Ask instead:', clarifyPick: 'Did you mean:',
    askAbout: (l) => `What was the ${lowerWord(l)} last month?`, byQ: (l, d) => `${l} by ${d.toLowerCase()} over the last 12 months`,
    metricsTitle: 'Metric catalog', search: 'Search metrics (English or Chinese)', noMatch: 'No metric matches',
    definition: 'Definition', owner: 'Owner', version: 'Version', format: 'Format', type: 'Type', formula: 'Formula',
    dimensions: 'Dimensions', grains: 'Grains', dataRange: 'Data', trend: 'Last 12 months', openExplore: 'Open in Explore',
    unknownMetricShown: (m, shown) => `Unknown metric "${m}" (the link names a metric the catalog lacks): showing ${shown} instead.`,
    exploreTitle: 'Explore', metricPick: 'Metric', by: 'Break down by', grain: 'Grain', noGrain: 'No grain', period: 'Period',
    custom: 'Custom', start: 'Start', end: 'End', compare: 'Compare', noCompare: 'No comparison',
    previous_period: 'Previous period', same_period_last_year: 'Same period last year',
    addFilter: 'Add filter', remove: 'Remove', values: 'Values', dimension: 'Dimension', downloadCSV: 'Download CSV', downloadExcel: 'Download CSV (Excel)', downloadXLSX: 'Download XLSX',
    shareLink: 'The address of this page holds these choices: share it.', rows: (n) => `${n} rows`, truncated: ' (truncated)',
    dashboardsTitle: 'Dashboards', open: 'Open', all: 'All', kpiChange: 'vs previous', noData: 'No data',
    notScoped: 'This card is not cut by that filter', error: 'Something went wrong', retry: 'Retry',
    ranges: {
      last_month: 'Last month', last_quarter: 'Last quarter', last_3_months: 'Last 3 months', last_6_months: 'Last 6 months',
      last_12_months: 'Last 12 months', this_month: 'This month', this_quarter: 'This quarter', this_year: 'This year', last_year: 'Last year', ytd: 'Year to date',
    },
    formats: { percent: 'percent', currency: 'currency', count: 'count', number: 'number' },
    metricTypes: { simple: 'simple', ratio: 'ratio', derived: 'derived', share: 'share', cumulative: 'cumulative', period_over_period: 'period over period' },
    grainNames: { day: 'Day', week: 'Week', month: 'Month', quarter: 'Quarter', year: 'Year' },
    pp: 'pp', total: 'Total',
    alerts: 'Alerts', watchlist: 'Watch list', alertsTitle: 'Alert rules', watchTitle: 'High-risk customers',
    tier: 'Tier', tiers: { high: 'High', medium: 'Medium', low: 'Low' }, customer: 'Customer', branchCol: 'Branch', score: 'Churn probability',
    reasons: 'Top reasons', action: 'Suggested action', record: 'Record action', recorded: 'Recorded', actionType: 'Action', cost: 'Cost (yuan)', close: 'Close',
    scoredMonth: 'Scored month', condition: 'Condition', schedule: 'Schedule', channels: 'Channels', states: 'States', history: 'Recent changes',
    silences: 'Silences', until: 'until', disabled: 'disabled',
    pin: 'Pin to my dashboard', pinned: 'Pinned to my dashboard', openPins: 'Open', myPins: 'My dashboard (pinned answers)',
    pinCount: (n, m) => `${n} / ${m}`, noPins: 'Nothing pinned yet: on Ask, choose “Pin to my dashboard”.', unpin: 'Remove',
    unpinLabel: (x) => `Remove from my dashboard: ${x}`,
    newRule: 'New rule', editRule: (n) => `Edit rule: ${n}`, alertsReadOnly: (r) => `Your role (${r}) may only read; analysts and admins create, edit and silence rules.`,
    fromFile: 'from a file', edit: 'Edit', testSend: 'Test send', silence: 'Silence', delete: 'Delete', confirmDelete: 'Confirm delete', cancel: 'Cancel',
    testSent: 'Evaluated on today\'s data and sent a test message:', observations: (n) => `${n} group(s) evaluated`, ruleID: 'Rule id', ruleName: 'Name',
    kinds: { threshold: 'Threshold', change: 'Change', band: 'Band' }, changeIn: 'Change in', changes: { percent: 'percent', absolute: 'absolute' },
    periods: 'Periods', bandK: 'Width k (std devs)', above: 'Above', below: 'Below',
    conditionHelp: 'Percent metrics are fractions: 3% is 0.03. A percent change of -20 means a fall of more than 20%.',
    forN: 'For (evaluations)', repeat: 'Repeat every', msgLang: 'Message language', asSent: 'view as sent', asSentLabel: (n) => `The report as sent, in its message language: ${n}`, noChannels: 'No channel is configured on the server', disableRule: 'Disable this rule', save: 'Save',
    addSilence: 'Add a silence', rule: 'Rule', anyRule: '(every rule)', channel: 'Channel', anyChannel: '(every channel)', silenceUntil: 'Silent until',
    reason: 'Reason', endSilence: 'End silence',
    actionDate: 'Date', actionOwner: 'Taken by', note: 'Note',
    actionChannels: { phone: 'Phone', branch: 'Branch', app: 'Mobile app', sms: 'SMS', wechat: 'WeChat', email: 'E-mail', visit: 'Visit' },
    subscriptions: 'Subscriptions', subsTitle: 'Report subscriptions', subsList: 'Subscriptions', newSub: 'New subscription', editSub: (n) => `Edit subscription: ${n}`,
    subsHelp: 'Sends a report\'s headline figures, key chart and link to channels on a schedule. Channel addresses and secrets live in the server\'s configuration and are never shown here.',
    subsReadOnly: (r) => `Your role (${r}) may only read; analysts and admins create, edit and test-send subscriptions.`,
    reportsTitle: 'Reports', noReports: 'The server declares no report', noSubs: 'No subscription yet', report: 'Report', nextAt: 'Next send', timesIn: (z) => `Times on this page are in ${z} (YYYY-MM-DD HH:mm).`, owner: 'Owner',
    figures: 'Figures', figuresN: (n) => `${n} of its own`, sendTestNow: 'Send a test now', buildingReport: 'Building the report and sending a test…',
    subTestSent: 'Built the report on today\'s data and sent a test message:', deliveries: 'Delivery history', noDeliveries: 'Nothing sent yet',
    at: 'Time', deliveryKind: 'Kind', attempt: 'Attempt', status: 'Status', providerAnswer: 'Channel\'s answer', subID: 'Subscription id',
    cronHelp: 'The schedule is a five-field cron (minute hour day month weekday) in the zone given, e.g. “0 9 * * 1” for Mondays at 9:00.', disableSub: 'Disable this subscription',
    deliveryStatus: { sending: 'sending', sent: 'sent', retry: 'to retry', failed: 'failed', held: 'held (silenced)', in_doubt: 'in doubt' },
    deliveryKinds: { report: 'scheduled', test: 'test', firing: 'alert', resolved: 'resolved', repeat: 'repeat' },
    recordFor: (id) => `Record an action for customer ${id}`, shownOf: (n, m) => `${n} of ${m} shown`, showMore: (n) => `Show ${n} more`,
    scoresBehind: (m, to) => `The latest churn scores are of ${m} while the data runs to ${to}: newer months are still being scored in the background, so this list may not be current.`,
    outsideData: 'No data for this period yet: the data does not cover it (churn scores may still be computing in the background).', details: 'Details',
    alertStates: { ok: 'OK', pending: 'pending', firing: 'firing', resolved: 'resolved', error: 'error' },
    changeOf: (m, c) => `${m} change vs ${c.toLowerCase()}`, or: ', or ', bandText: (m, n, g, k) => `${m} outside the mean ± ${k} std devs of the last ${n} ${g.toLowerCase()}s`,
    latest: 'latest', noScoresYet: 'Churn scores are not computed yet: the server computes them in the background after a start or a data load (usually a few minutes); ask again then.',
    route: 'Answered by', request: 'Request', routes: { explain: 'Explain (drivers of the change)', risk_list: 'Churn watch list', uplift: 'Retention uplift', whatif: 'Retention what-if' },
    currentPeriod: 'Current period', baselinePeriod: 'Baseline period', baselineValue: 'Baseline', currentValue: 'Current', change: 'Change',
    driversBy: (d) => `Contributions by ${d.toLowerCase()}`, drillWithin: (v, d) => `Within ${v}, by ${d.toLowerCase()}`, contribution: 'Contribution', share: 'Share of change',
    rateEffect: 'Rate effect', mixEffect: 'Mix effect', restGroups: (n) => `${n} other groups`, noValue: '(none)',
    inactiveFor: 'Months inactive', months: (n) => `${n} months`, listed: 'Listed', listedOf: (n, m) => `${n} of ${m}`,
    openWatchlist: 'Open the full list on the Watch list page', allHistory: 'all history', measuredTo: 'Measured to', minN: 'Smallest group',
    comparedWith: 'Compared with', treated: 'Treated', untreated: 'Comparable untreated', treatedRetention: 'Retention (treated)', untreatedRetention: 'Retention (untreated)',
    uplift: 'Uplift', interval95: '95% interval', ppInterval95: '95% interval (pp)', customersKept: 'Customers kept', costPerKept: 'Cost per customer kept', inconclusive: 'too few to conclude',
    topN: 'Customers', topNof: (n, m) => `top ${n} by risk (${m} found)`, basis: 'Basis', aumKept: 'AUM kept', winBack: 'Win-back rate',
    monthlyTo: (m) => `${m} (monthly snapshots)`, serverSaid: 'Server: ', computingWait: (s, n) => `Churn risk scores are being computed in the background (${s}); retrying in ${n} s…`,
    computingNote: 'The figure appears by itself once the scores are done; no need to reload.', changeNote: 'Where the previous figure was zero, negative or too small, a percent change means nothing: tables show —, cards the amount of the change.',
    expectedLeavers: 'Expected to leave', aumAtRisk: 'AUM at risk', effectBasis: (a, b, u, i) => `Based on ${a} treated and ${b} comparable untreated customers: uplift ${u} pp (95% interval ${i}).`,
  },
};

// translator returns t(key, ...args) for a language.
// lowerWord lowers a label's first letter inside a sentence (Churn rate →
// churn rate) but leaves an acronym (AUM) as it is.
function lowerWord(l) {
  return l.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
}

export function translator(lang) {
  const w = words[lang] || words.zh;
  const t = (key, ...args) => {
    const v = key.split('.').reduce((o, k) => (o == null ? o : o[k]), w);
    if (typeof v === 'function') return v(...args);
    return v == null ? key : v;
  };
  t.lang = words[lang] ? lang : 'zh'; // for pieces that take t alone (ErrorBox)
  return t;
}

// describe is a metric's definition in the language: the model's
// description_zh for Chinese, its description for English, each falling
// back to the other.
export function describe(m, lang) {
  if (!m) return '';
  return label({ zh: m.description_zh, en: m.description }, lang);
}

// label picks a {zh, en} label in the language, falling back to the other.
export function label(l, lang) {
  if (!l) return '';
  if (typeof l === 'string') return l;
  return (lang === 'en' ? l.en || l.zh : l.zh || l.en) || '';
}
