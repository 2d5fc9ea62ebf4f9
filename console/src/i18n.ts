// English and Chinese UI strings. Chinese must have every English key (the type
// enforces it); {name}-style placeholders are filled by t().

const en = {
  'account.password': 'Change password', 'account.current': 'Current password', 'account.new': 'New password (at least 10 characters)',
  'account.repeat': 'New password again', 'account.mismatch': 'The two new passwords differ.', 'account.changed': 'Password changed. Your other sessions were signed out.',
  'team.resetPassword': 'Reset password', 'team.newPassword': 'New password (10+ characters)', 'team.passwordReset': 'Password reset: {name} signs in again with the new one.',
  loading: 'Loading…', language: 'Language', logout: 'Sign out', reconnecting: 'Reconnecting…', refresh: 'Refresh',
  add: 'Add', save: 'Save', saved: 'Saved.', edit: 'Edit', delete: 'Delete', cancel: 'Cancel', remove: 'Remove', search: 'Search',
  'login.title': 'Support console — sign in', 'login.email': 'Email', 'login.password': 'Password', 'login.submit': 'Sign in', 'login.wrong': 'Wrong email or password.',
  'nav.inbox': 'Inbox', 'nav.kb': 'Knowledge base', 'nav.intents': 'Intents', 'nav.unanswered': 'Unanswered', 'nav.team': 'Team & settings', 'nav.reports': 'Reports',
  'presence.online': 'Online', 'presence.away': 'Away', 'presence.offline': 'Offline', 'presence.toggle': 'Switch between online and away',
  'role.agent': 'Agent', 'role.admin': 'Admin',
  'notify.enable': 'Enable notifications', 'notify.assigned': 'New chat assigned', 'notify.assignedBody': 'Conversation #{id} is yours.', 'notify.message': 'New message',
  'forbidden.title': 'Admins only', 'forbidden.body': 'This page is for admins. Ask an admin if you need access.',
  'view.queued': 'Queued', 'view.mine': 'Mine', 'view.open': 'All open', 'view.resolved': 'Resolved',
  'inbox.search': 'Search customer, email or text', 'inbox.empty': 'No conversations here.', 'inbox.pick': 'Pick a conversation.',
  'shortcuts.help': 'Shortcuts: Alt+J / Alt+K next / previous chat · Alt+A accept · Alt+R resolve / reopen · Alt+N note mode · Alt+S assist · Enter send · Shift+Enter new line · /shortcut canned response',
  'status.bot': 'With bot', 'status.queued': 'Queued', 'status.assigned': 'Assigned', 'status.resolved': 'Resolved',
  'customer.visitor': 'Visitor', 'customer.email': 'Email', 'customer.externalId': 'Shop user id', 'customer.locale': 'Language', 'customer.firstSeen': 'First seen',
  'customer.lastSeen': 'Last seen', 'customer.tags': 'Tags', 'customer.addTag': 'New tag', 'customer.attributes': 'Attributes', 'customer.attrKey': 'Key',
  'customer.attrValue': 'Value', 'customer.conversations': 'Conversations', 'customer.orders': 'Recent orders', 'customer.noOrders': 'No orders.',
  'customer.csat': 'Satisfaction (CSAT)', 'customer.noCsat': 'No ratings yet.', 'customer.timeline': 'History',
  'segment.new': 'New', 'segment.loyal': 'Loyal', 'segment.at_risk': 'At risk', 'segment.regular': 'Regular',
  'conversation.with': 'with {name}', 'conversation.customerTyping': 'Customer is typing…', 'conversation.agentTyping': '{name} is typing…', 'conversation.privateNote': 'Private note',
  'action.accept': 'Accept', 'action.transferTo': 'Transfer to…', 'action.transfer': 'Transfer', 'action.resolve': 'Resolve', 'action.reopen': 'Reopen', 'action.transcript': 'Transcript',
  'author.customer': 'Customer', 'author.bot': 'Bot', 'author.agent': 'Agent',
  'evidence.readWith': 'read with “{question}”', 'evidence.decision': 'Decision', 'evidence.intent': 'Intent', 'evidence.confidence': 'Confidence', 'evidence.articles': 'Articles',
  'assist.title': 'Agent assist', 'assist.refresh': 'Suggest', 'assist.insert': 'Insert reply', 'assist.insertPassage': 'Insert passage', 'assist.insertLink': 'Insert link', 'assist.none': 'No suggestion for this message.',
  'composer.reply': 'Reply', 'composer.note': 'Private note', 'composer.insertArticle': 'Insert article link', 'composer.placeholder': 'Reply to the customer… (type / for canned responses)',
  'composer.notePlaceholder': 'Note for the team — the customer never sees it', 'composer.resolvedPlaceholder': 'Resolved — reopen to reply, or add a note',
  'composer.hint': 'Enter to send · Shift+Enter new line', 'composer.send': 'Send', 'composer.addNote': 'Add note', 'composer.searchArticles': 'Search published articles', 'composer.noArticles': 'No article found.',
  'composer.attach': 'Send a photo or PDF', 'composer.attachNoNote': 'Files go to the customer: switch to Reply to send one.',
  'event.conversation.started': 'Conversation started', 'event.message.customer': 'Customer wrote', 'event.message.bot': 'Bot answered', 'event.message.agent': 'Agent replied',
  'event.note.agent': 'Private note', 'event.bot.decision': 'Bot decision', 'event.handoff': 'Handed to a person', 'event.assigned': 'Assigned', 'event.transferred': 'Transferred',
  'event.resolved': 'Resolved', 'event.reopened': 'Reopened', 'event.rating': 'Rated', 'event.offline.message': 'Left an offline message',
  'kb.search': 'Search articles', 'kb.category': 'Category', 'kb.allCategories': 'All categories', 'kb.locale': 'Language', 'kb.allLocales': 'All languages', 'kb.status': 'Status',
  'kb.allStatuses': 'All statuses', 'kb.draft': 'Draft', 'kb.published': 'Published', 'kb.new': 'New article', 'kb.pick': 'Pick an article or create one.', 'kb.indexing': 'Search index',
  'kb.slug': 'Slug', 'kb.title': 'Title', 'kb.body': 'Markdown', 'kb.preview': 'Preview', 'kb.saveDraft': 'Save draft', 'kb.publish': 'Publish', 'kb.saved': 'Draft saved.',
  'kb.publishedMsg': 'Published — the bot will use it once the index is rebuilt.', 'kb.publishChanges': 'Publish changes', 'kb.unpublish': 'Unpublish', 'kb.unpublishedMsg': 'Back to draft — the bot no longer uses it.', 'kb.restored': 'Version restored.', 'kb.history': 'Version history', 'kb.when': 'When',
  'kb.diff': 'Diff', 'kb.restore': 'Restore', 'kb.diffExplain': 'Changes from version {version} to the text in the editor',
  'job.idle': 'idle', 'job.queued': 'queued', 'job.running': 'running', 'job.done': 'up to date', 'job.failed': 'failed',
  'intents.filter': 'Filter intents', 'intents.new': 'New intent', 'intents.training': 'Classifier training', 'intents.retrain': 'Retrain now', 'intents.test': 'Test the classifier', 'intents.testPlaceholder': 'Type a sentence a shopper might write',
  'intents.classify': 'Classify', 'intents.inScopeScore': 'In-scope score {score}% (accepted from {threshold}%)', 'intents.outOfScope': 'Out of scope', 'intents.saved': 'Saved — retraining in the background.', 'intents.confirmDelete': 'Delete the intent "{name}"?',
  'intents.name': 'Name', 'intents.description': 'Description (for admins)', 'intents.labelEn': 'Quick-reply label (English)', 'intents.labelZh': 'Quick-reply label (Chinese)', 'intents.action': 'Action', 'intents.articleSlug': 'Linked article (slug)', 'intents.answerEn': 'Answer (English)',
  'intents.answerZh': 'Answer (Chinese)', 'intents.examplesEn': 'Examples (English, one per line)', 'intents.examplesZh': 'Examples (Chinese, one per line)',
  'unanswered.explain': 'Questions the bot could not answer, or answered and the shopper rated not helpful, grouped by similarity. Teach the bot: add them to an intent, write an article, or mark them as not for the bot.',
  'unanswered.outOfScope': 'Not for the bot', 'unanswered.outOfScopeHint': 'The bot stops answering questions like these from an intent: unless an article clearly covers one, it says it does not know and offers a person. Retrains.',
  'unanswered.reason.no_match': 'not understood', 'unanswered.reason.repeated_miss': 'missed twice', 'unanswered.reason.ambiguous': 'unclear', 'unanswered.reason.unhelpful': 'rated not helpful',
  'unanswered.answeredWith': 'answered with “{what}”',
  'candidates.title': 'From chats agents resolved', 'candidates.explain': 'Chats the bot handed to a person that an agent then resolved: teach the bot the question, or turn the answer into an article.',
  'candidates.none': 'No resolved hand-offs to learn from yet.', 'candidates.question': 'Shopper asked', 'candidates.answer': 'Agent answered', 'candidates.draft': 'Draft article',
  'intents.preview': 'The bot would reply', 'intents.outOfScopeTitle': 'Out of scope', 'intents.outOfScopeExplain': 'Sentences the bot must not claim as any intent (one per line). Unless an article clearly covers one, it says it does not know and offers a person.',
  'unanswered.none': 'Nothing unanswered. 🎉', 'unanswered.count': 'Count', 'unanswered.question': 'Question', 'unanswered.lastSeen': 'Last asked', 'unanswered.pickIntent': 'Intent…',
  'unanswered.addExample': 'Add as example', 'unanswered.createArticle': 'Create article', 'unanswered.dismiss': 'Dismiss',
  'team.tab.team': 'Team', 'team.tab.canned': 'Canned responses', 'team.tab.widget': 'Widget', 'team.tab.privacy': 'Privacy', 'team.tab.audit': 'Audit log',
  'team.name': 'Name', 'team.email': 'Email', 'team.role': 'Role', 'team.capacity': 'Capacity', 'team.presence': 'Presence', 'team.open': 'Open chats', 'team.password': 'Initial password (10+ characters)',
  'team.create': 'Add a team member', 'team.deactivate': 'Deactivate', 'team.activate': 'Reactivate',
  'canned.shortcut': 'Shortcut', 'canned.title': 'Title', 'canned.body': 'Text',
  'widget.color': 'Colour', 'widget.position': 'Position', 'widget.right': 'Right', 'widget.left': 'Left', 'widget.language': 'Language', 'widget.preChat': 'Ask name and email first',
  'widget.greeting': 'Greeting', 'widget.offline': 'Offline message', 'widget.hours': 'Business hours (otherwise always open)', 'widget.timezone': 'Time zone',
  'widget.identity': 'Identity verification', 'widget.secretSet': 'A secret is set (it is never shown).', 'widget.secretNotSet': 'No secret: identity verification is off.',
  'widget.newSecret': 'New secret (leave empty to keep)', 'widget.clearSecret': 'Turn off',
  'day.sun': 'Sunday', 'day.mon': 'Monday', 'day.tue': 'Tuesday', 'day.wed': 'Wednesday', 'day.thu': 'Thursday', 'day.fri': 'Friday', 'day.sat': 'Saturday',
  'privacy.explain': 'Export everything stored about a customer, or delete them (profile blanked, messages anonymised, history removed). Both are written to the audit log.',
  'privacy.search': 'Name, email or shop user id', 'privacy.export': 'Export JSON', 'privacy.delete': 'Delete', 'privacy.confirmDelete': 'Delete {name} for good? This cannot be undone.',
  'privacy.deleted': 'Deleted: {messages} messages anonymised, {events} history events removed.',
  'audit.actor': 'By', 'audit.action': 'Action', 'audit.target': 'Target', 'audit.details': 'Details',
  'reports.from': 'From', 'reports.to': 'To', 'reports.apply': 'Apply', 'reports.csv': 'Export CSV', 'reports.conversations': 'Conversations', 'reports.containment': 'Bot containment',
  'reports.containmentDetail': '{bot} by the bot · {human} handed off', 'reports.firstResponse': 'First response (median)', 'reports.resolution': 'Resolution (median)',
  'reports.csat': 'CSAT average', 'reports.perDay': 'Conversations per day', 'reports.botOnly': 'Bot only', 'reports.handedOff': 'Handed off', 'reports.botResolved': 'Resolved by bot',
  'reports.withBot': 'Still with bot', 'reports.csatDistribution': 'CSAT distribution', 'reports.ratings': 'Ratings', 'reports.topIntents': 'Top intents', 'reports.decisions': 'Bot decisions',
  'reports.articles': 'Article helpfulness', 'reports.helpful': 'Helpful', 'reports.notHelpful': 'Not helpful',
  'reports.unanswered': 'Bot did not know', 'reports.unansweredDetail': '{unanswered} of {total} questions · {clarified} clarified',
  'reports.handoffReasons': 'Why chats went to a person', 'reports.handoff.customer_request': 'Shopper pressed "Talk to a person"',
  'reports.handoff.person_request': 'Asked for a person', 'reports.handoff.human_request': 'Asked for a person', 'reports.handoff.negative_sentiment': 'Upset shopper',
  'reports.handoff.repeated_miss': 'Bot missed twice', 'reports.handoff.intent_action': 'Intent that goes to a person', 'reports.handoff.attachment': 'Sent a file',
  'reports.topUnanswered': 'Questions the bot could not answer', 'reports.teachBot': 'Teach the bot →', 'reports.noneUnanswered': 'None in this range.',
};

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  'account.password': '修改密码', 'account.current': '当前密码', 'account.new': '新密码（至少 10 个字符）',
  'account.repeat': '再次输入新密码', 'account.mismatch': '两次输入的新密码不一致。', 'account.changed': '密码已修改，您在其他地方的登录已退出。',
  'team.resetPassword': '重置密码', 'team.newPassword': '新密码（至少 10 个字符）', 'team.passwordReset': '密码已重置：{name} 需用新密码重新登录。',
  loading: '加载中…', language: '语言', logout: '退出登录', reconnecting: '正在重新连接…', refresh: '刷新',
  add: '添加', save: '保存', saved: '已保存。', edit: '编辑', delete: '删除', cancel: '取消', remove: '移除', search: '搜索',
  'login.title': '客服工作台 — 登录', 'login.email': '邮箱', 'login.password': '密码', 'login.submit': '登录', 'login.wrong': '邮箱或密码错误。',
  'nav.inbox': '收件箱', 'nav.kb': '知识库', 'nav.intents': '意图', 'nav.unanswered': '未解答问题', 'nav.team': '团队与设置', 'nav.reports': '报表',
  'presence.online': '在线', 'presence.away': '离开', 'presence.offline': '离线', 'presence.toggle': '在在线和离开之间切换',
  'role.agent': '客服', 'role.admin': '管理员',
  'notify.enable': '开启通知', 'notify.assigned': '新会话已分配', 'notify.assignedBody': '会话 #{id} 已分配给您。', 'notify.message': '新消息',
  'forbidden.title': '仅限管理员', 'forbidden.body': '此页面仅供管理员使用。如需访问，请联系管理员。',
  'view.queued': '排队中', 'view.mine': '我的', 'view.open': '全部进行中', 'view.resolved': '已解决',
  'inbox.search': '搜索客户、邮箱或内容', 'inbox.empty': '这里没有会话。', 'inbox.pick': '请选择一个会话。',
  'shortcuts.help': '快捷键：Alt+J / Alt+K 下一个 / 上一个会话 · Alt+A 接入 · Alt+R 解决 / 重新打开 · Alt+N 备注模式 · Alt+S 智能辅助 · Enter 发送 · Shift+Enter 换行 · /快捷短语',
  'status.bot': '机器人处理中', 'status.queued': '排队中', 'status.assigned': '已分配', 'status.resolved': '已解决',
  'customer.visitor': '访客', 'customer.email': '邮箱', 'customer.externalId': '商城用户 ID', 'customer.locale': '语言', 'customer.firstSeen': '首次访问',
  'customer.lastSeen': '最近访问', 'customer.tags': '标签', 'customer.addTag': '新标签', 'customer.attributes': '属性', 'customer.attrKey': '键',
  'customer.attrValue': '值', 'customer.conversations': '会话记录', 'customer.orders': '近期订单', 'customer.noOrders': '暂无订单。',
  'customer.csat': '满意度 (CSAT)', 'customer.noCsat': '暂无评分。', 'customer.timeline': '历史记录',
  'segment.new': '新客户', 'segment.loyal': '忠实客户', 'segment.at_risk': '流失风险', 'segment.regular': '普通客户',
  'conversation.with': '由 {name} 处理', 'conversation.customerTyping': '客户正在输入…', 'conversation.agentTyping': '{name} 正在输入…', 'conversation.privateNote': '内部备注',
  'action.accept': '接入', 'action.transferTo': '转接给…', 'action.transfer': '转接', 'action.resolve': '解决', 'action.reopen': '重新打开', 'action.transcript': '聊天记录',
  'author.customer': '客户', 'author.bot': '机器人', 'author.agent': '客服',
  'evidence.readWith': '结合上一问“{question}”理解', 'evidence.decision': '决策', 'evidence.intent': '意图', 'evidence.confidence': '置信度', 'evidence.articles': '引用文章',
  'assist.title': '智能辅助', 'assist.refresh': '获取建议', 'assist.insert': '插入建议回复', 'assist.insertPassage': '插入段落', 'assist.insertLink': '插入链接', 'assist.none': '此消息暂无建议。',
  'composer.reply': '回复', 'composer.note': '内部备注', 'composer.insertArticle': '插入文章链接', 'composer.placeholder': '回复客户…（输入 / 使用快捷短语）',
  'composer.notePlaceholder': '团队备注 — 客户永远看不到', 'composer.resolvedPlaceholder': '已解决 — 重新打开后可回复，或添加备注',
  'composer.hint': 'Enter 发送 · Shift+Enter 换行', 'composer.send': '发送', 'composer.addNote': '添加备注', 'composer.searchArticles': '搜索已发布文章', 'composer.noArticles': '未找到文章。',
  'composer.attach': '发送图片或 PDF', 'composer.attachNoNote': '文件会发给客户：请切换到"回复"再发送。',
  'event.conversation.started': '开始会话', 'event.message.customer': '客户留言', 'event.message.bot': '机器人回复', 'event.message.agent': '客服回复',
  'event.note.agent': '内部备注', 'event.bot.decision': '机器人决策', 'event.handoff': '转人工', 'event.assigned': '已分配', 'event.transferred': '已转接',
  'event.resolved': '已解决', 'event.reopened': '重新打开', 'event.rating': '已评分', 'event.offline.message': '留下离线消息',
  'kb.search': '搜索文章', 'kb.category': '分类', 'kb.allCategories': '全部分类', 'kb.locale': '语言', 'kb.allLocales': '全部语言', 'kb.status': '状态',
  'kb.allStatuses': '全部状态', 'kb.draft': '草稿', 'kb.published': '已发布', 'kb.new': '新建文章', 'kb.pick': '选择一篇文章或新建。', 'kb.indexing': '搜索索引',
  'kb.slug': '短链接名', 'kb.title': '标题', 'kb.body': 'Markdown', 'kb.preview': '预览', 'kb.saveDraft': '保存草稿', 'kb.publish': '发布', 'kb.saved': '草稿已保存。',
  'kb.publishedMsg': '已发布 — 索引重建后机器人即会使用。', 'kb.publishChanges': '发布修改', 'kb.unpublish': '取消发布', 'kb.unpublishedMsg': '已改回草稿 — 机器人不再使用。', 'kb.restored': '已恢复该版本。', 'kb.history': '版本历史', 'kb.when': '时间',
  'kb.diff': '对比', 'kb.restore': '恢复', 'kb.diffExplain': '从版本 {version} 到编辑器中文本的变更',
  'job.idle': '空闲', 'job.queued': '排队中', 'job.running': '进行中', 'job.done': '已是最新', 'job.failed': '失败',
  'intents.filter': '筛选意图', 'intents.new': '新建意图', 'intents.training': '分类器训练', 'intents.retrain': '立即重新训练', 'intents.test': '测试分类器', 'intents.testPlaceholder': '输入一句顾客可能说的话',
  'intents.classify': '分类', 'intents.inScopeScore': '范围内得分 {score}%（达到 {threshold}% 才接受）', 'intents.outOfScope': '超出范围', 'intents.saved': '已保存 — 正在后台重新训练。', 'intents.confirmDelete': '删除意图“{name}”？',
  'intents.name': '名称', 'intents.description': '描述（供管理员参考）', 'intents.labelEn': '快捷回复标签（英文）', 'intents.labelZh': '快捷回复标签（中文）', 'intents.action': '动作', 'intents.articleSlug': '关联文章（短链接名）', 'intents.answerEn': '回答（英文）',
  'intents.answerZh': '回答（中文）', 'intents.examplesEn': '例句（英文，每行一句）', 'intents.examplesZh': '例句（中文，每行一句）',
  'unanswered.explain': '机器人未能回答的问题，以及回答后被顾客评为“没有帮助”的问题，按相似度分组。教会机器人：加入某个意图、撰写文章，或标记为不由机器人处理。',
  'unanswered.outOfScope': '不由机器人处理', 'unanswered.outOfScopeHint': '机器人不再按意图回答这类问题：除非有文章明确涵盖，它会说明不知道并提供人工客服。将重新训练。',
  'unanswered.reason.no_match': '未理解', 'unanswered.reason.repeated_miss': '连续两次未理解', 'unanswered.reason.ambiguous': '不明确', 'unanswered.reason.unhelpful': '被评为没有帮助',
  'unanswered.answeredWith': '回答内容：“{what}”',
  'candidates.title': '来自客服已解决的会话', 'candidates.explain': '机器人转给人工、随后由客服解决的会话：把问题教给机器人，或把客服的回答写成文章。',
  'candidates.none': '暂时没有可学习的已解决会话。', 'candidates.question': '顾客的问题', 'candidates.answer': '客服的回答', 'candidates.draft': '起草文章',
  'intents.preview': '机器人会这样回答', 'intents.outOfScopeTitle': '超出范围的句子', 'intents.outOfScopeExplain': '机器人不应归入任何意图的句子（每行一句）。除非有文章明确涵盖，它会说明不知道并提供人工客服。',
  'unanswered.none': '没有未解答的问题。🎉', 'unanswered.count': '次数', 'unanswered.question': '问题', 'unanswered.lastSeen': '最近一次', 'unanswered.pickIntent': '选择意图…',
  'unanswered.addExample': '添加为例句', 'unanswered.createArticle': '创建文章', 'unanswered.dismiss': '忽略',
  'team.tab.team': '团队', 'team.tab.canned': '快捷短语', 'team.tab.widget': '聊天窗口', 'team.tab.privacy': '隐私', 'team.tab.audit': '审计日志',
  'team.name': '姓名', 'team.email': '邮箱', 'team.role': '角色', 'team.capacity': '接待上限', 'team.presence': '状态', 'team.open': '进行中会话', 'team.password': '初始密码（至少 10 个字符）',
  'team.create': '添加团队成员', 'team.deactivate': '停用', 'team.activate': '重新启用',
  'canned.shortcut': '快捷指令', 'canned.title': '标题', 'canned.body': '内容',
  'widget.color': '颜色', 'widget.position': '位置', 'widget.right': '右侧', 'widget.left': '左侧', 'widget.language': '语言', 'widget.preChat': '先询问姓名和邮箱',
  'widget.greeting': '欢迎语', 'widget.offline': '离线提示', 'widget.hours': '营业时间（未设置则全天开放）', 'widget.timezone': '时区',
  'widget.identity': '身份验证', 'widget.secretSet': '已设置密钥（不会显示）。', 'widget.secretNotSet': '未设置密钥：身份验证已关闭。',
  'widget.newSecret': '新密钥（留空则保持不变）', 'widget.clearSecret': '关闭',
  'day.sun': '星期日', 'day.mon': '星期一', 'day.tue': '星期二', 'day.wed': '星期三', 'day.thu': '星期四', 'day.fri': '星期五', 'day.sat': '星期六',
  'privacy.explain': '导出某位客户的全部数据，或删除该客户（清空资料、匿名化消息、删除历史）。两种操作都会记入审计日志。',
  'privacy.search': '姓名、邮箱或商城用户 ID', 'privacy.export': '导出 JSON', 'privacy.delete': '删除', 'privacy.confirmDelete': '永久删除 {name}？此操作无法撤销。',
  'privacy.deleted': '已删除：{messages} 条消息已匿名化，{events} 条历史记录已移除。',
  'audit.actor': '操作人', 'audit.action': '操作', 'audit.target': '对象', 'audit.details': '详情',
  'reports.from': '开始', 'reports.to': '结束', 'reports.apply': '应用', 'reports.csv': '导出 CSV', 'reports.conversations': '会话数', 'reports.containment': '机器人自助解决率',
  'reports.containmentDetail': '机器人解决 {bot} · 转人工 {human}', 'reports.firstResponse': '首次响应（中位数）', 'reports.resolution': '解决时长（中位数）',
  'reports.csat': '平均满意度', 'reports.perDay': '每日会话数', 'reports.botOnly': '仅机器人', 'reports.handedOff': '转人工', 'reports.botResolved': '机器人解决',
  'reports.withBot': '机器人处理中', 'reports.csatDistribution': '满意度分布', 'reports.ratings': '评分', 'reports.topIntents': '热门意图', 'reports.decisions': '机器人决策',
  'reports.articles': '文章有用度', 'reports.helpful': '有用', 'reports.notHelpful': '没用',
  'reports.unanswered': '机器人未能回答', 'reports.unansweredDetail': '{total} 个问题中 {unanswered} 个 · 追问澄清 {clarified} 个',
  'reports.handoffReasons': '转人工的原因', 'reports.handoff.customer_request': '顾客点击"转人工"',
  'reports.handoff.person_request': '要求人工', 'reports.handoff.human_request': '要求人工', 'reports.handoff.negative_sentiment': '顾客情绪不满',
  'reports.handoff.repeated_miss': '机器人连续两次未能回答', 'reports.handoff.intent_action': '需人工处理的意图', 'reports.handoff.attachment': '发送了文件',
  'reports.topUnanswered': '机器人未能回答的问题', 'reports.teachBot': '教会机器人 →', 'reports.noneUnanswered': '此时间段内没有。',
};

export type Locale = 'en' | 'zh';
const LOCALE_KEY = 'sd.locale';
const dictionaries: Record<Locale, Record<Key, string>> = { en, zh };

let current: Locale = (() => {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(LOCALE_KEY) : null;
  if (saved === 'en' || saved === 'zh') return saved;
  return typeof navigator !== 'undefined' && navigator.language?.startsWith('zh') ? 'zh' : 'en';
})();

export const getLocale = (): Locale => current;

export function setLocale(locale: Locale): void {
  current = locale;
  localStorage.setItem(LOCALE_KEY, locale);
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
}

/** The string for `key` in the current language; unknown keys come back as themselves. */
export function t(key: Key | string, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[current][key as Key] ?? en[key as Key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export const _dictionariesForTests = dictionaries;
