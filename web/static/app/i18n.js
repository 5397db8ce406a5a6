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
    forN: '连续次数', repeat: '重复间隔', msgLang: '消息语言', noChannels: '服务器未配置渠道', disableRule: '停用此规则', save: '保存',
    addSilence: '添加静默', rule: '规则', anyRule: '（全部规则）', channel: '渠道', anyChannel: '（全部渠道）', silenceUntil: '静默至',
    reason: '原因', endSilence: '结束静默',
    actionDate: '日期', actionOwner: '执行人', note: '备注',
    actionChannels: { phone: '电话', branch: '网点', app: '手机银行', sms: '短信', wechat: '微信', email: '邮件', visit: '上门拜访' },
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
    askAbout: (l) => `What was the ${l.toLowerCase()} last month?`, byQ: (l, d) => `${l} by ${d.toLowerCase()} over the last 12 months`,
    metricsTitle: 'Metric catalog', search: 'Search metrics (English or Chinese)', noMatch: 'No metric matches',
    definition: 'Definition', owner: 'Owner', version: 'Version', format: 'Format', type: 'Type', formula: 'Formula',
    dimensions: 'Dimensions', grains: 'Grains', dataRange: 'Data', trend: 'Last 12 months', openExplore: 'Open in Explore',
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
    forN: 'For (evaluations)', repeat: 'Repeat every', msgLang: 'Message language', noChannels: 'No channel is configured on the server', disableRule: 'Disable this rule', save: 'Save',
    addSilence: 'Add a silence', rule: 'Rule', anyRule: '(every rule)', channel: 'Channel', anyChannel: '(every channel)', silenceUntil: 'Silent until',
    reason: 'Reason', endSilence: 'End silence',
    actionDate: 'Date', actionOwner: 'Taken by', note: 'Note',
    actionChannels: { phone: 'Phone', branch: 'Branch', app: 'Mobile app', sms: 'SMS', wechat: 'WeChat', email: 'E-mail', visit: 'Visit' },
  },
};

// translator returns t(key, ...args) for a language.
export function translator(lang) {
  const w = words[lang] || words.zh;
  return (key, ...args) => {
    const v = key.split('.').reduce((o, k) => (o == null ? o : o[k]), w);
    if (typeof v === 'function') return v(...args);
    return v == null ? key : v;
  };
}

// label picks a {zh, en} label in the language, falling back to the other.
export function label(l, lang) {
  if (!l) return '';
  if (typeof l === 'string') return l;
  return (lang === 'en' ? l.en || l.zh : l.zh || l.en) || '';
}
