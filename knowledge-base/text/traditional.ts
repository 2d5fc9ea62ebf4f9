// Traditional Chinese, Taiwan and Hong Kong wording, and written Cantonese, read as the simplified Mandarin the
// articles, intents and product pages are written in. Written for this project from general knowledge of the scripts
// (no converter's data file): a one-to-one table of the common traditional characters that differ from their
// simplified forms, and a short list of words that differ as words (Taiwan's 保固 is the mainland's 保修, Cantonese
// 點樣 is 怎样). A character or word not listed is kept as typed.
//
// Read in one pass, left to right: at each character, the longest listed word that starts there (a Map lookup for
// each length a listed word starting with that character has, at most 5), else the character's simplified form.
// A word is listed in its traditional form; its simplified and mixed spellings ("资讯", "點样") are added when the
// table is built, so a shopper who types a Taiwan word with a simplified keyboard is read the same way. Applied to simplified text it changes nothing but
// the listed words; of those, the demo content uses only 退钱 (an intent example, read as 退款).

/**
 * Traditional → simplified characters, as two-character tokens (traditional first). Characters whose simplified
 * reading depends on the word are left out or settled in WORDS: 著 (著名 / 穿著), 藉, 覆, 瞭 — all also simplified
 * characters with a meaning of their own. 係 is read as Cantonese 是 below (關係, 聯係 and 係數 are words).
 */
const CHARACTERS = `
語语 說说 話话 請请 讓让 認认 識识 誰谁 讀读 課课 談谈 調调 論论 謝谢 記记 許许 評评 試试 詢询 詳详 誤误 講讲
證证 議议 譯译 護护 變变 計计 訂订 設设 訊讯 託托 訓训 討讨 訪访 診诊 註注 詐诈 詞词 詩诗 該该 誠诚 誇夸 誌志
誨诲 諒谅 諸诸 諾诺 謀谋 謂谓 謊谎 謎谜 謙谦 謹谨 譜谱 譴谴 譽誉 讚赞 讒谗 訃讣 訐讦 訌讧 訕讪 訖讫 訛讹 訝讶
訟讼 訣诀 訥讷 訴诉 訶诃 詆诋 詁诂 詛诅 詠咏 詭诡 詰诘 詼诙 誅诛 誆诓 誣诬 誡诫 誘诱 誦诵 誼谊 諂谄 諄谆 諉诿
諍诤 諗谂 諜谍 諫谏 諭谕 諮咨 諱讳 諷讽 諺谚 謁谒 謄誊 謅诌 謗谤 謠谣 謬谬 譏讥 譚谭 讜谠 詮诠 詡诩 誕诞 諳谙
諧谐 謾谩 譁哗 謳讴 讕谰 讎雠 讀读 譟噪 讖谶 訢欣 謨谟 諼谖 諛谀 諶谌 諞谝 諡谥 諤谔 諑诼 讞谳
錢钱 銀银 鐵铁 鋼钢 錯错 鍵键 鏈链 鎖锁 鏡镜 鐘钟 錶表 針针 釘钉 釣钓 鈕钮 鈔钞 鉛铅 鉤钩 銅铜 銘铭 銳锐 銷销
鋪铺 鋁铝 鋒锋 錄录 錦锦 錫锡 鍋锅 鍛锻 鎮镇 鏟铲 鐲镯 鑽钻 鑰钥 鑑鉴 鑒鉴 鑄铸 釋释 鈣钙 鈉钠 鈴铃 鉀钾 鉑铂
鉚铆 鉸铰 銬铐 銹锈 鋸锯 錘锤 錐锥 錨锚 鍍镀 鍬锹 鎊镑 鎢钨 鏽锈 鐮镰 鐳镭 鑲镶 鑼锣 鑿凿 鈍钝 鈞钧 鈦钛 鈸钹
鉅巨 鉗钳 銜衔 鋤锄 鋅锌 鋰锂 錳锰 鍊链 鍾钟 鎂镁 鎳镍 鏢镖 鐺铛 鐫镌 鑠铄 鈑钣 鈺钰 鉉铉 錚铮 錠锭 鍘铡 鎔熔
鎧铠 鏗铿 鏤镂 鐙镫 鐸铎 鑊镬 鑾銮 釓钆 釔钇 釕钌 釗钊 釙钋 釜釜 鉋刨 鉍铋 鉻铬 銃铳 銑铣 銻锑 鋇钡 鋯锆 錛锛
錕锟 錮锢 錸铼 鍆钔 鍇锴 鍰锾 鎦镏 鎬镐 鏃镞 鏜镗 鏝镘 鏨錾 鏵铧 鏹镪 鐃铙 鐋铴 鐐镣 鐔镡 鐠镨 鑔镲 鑷镊 钁䦆
紅红 綠绿 藍蓝 線线 紙纸 紀纪 約约 級级 純纯 納纳 紐纽 紗纱 紛纷 紋纹 組组 細细 終终 絆绊 紹绍 經经 結结 給给
絕绝 統统 絲丝 絡络 綁绑 綜综 綢绸 維维 綱纲 網网 綴缀 緊紧 緒绪 緞缎 締缔 編编 緣缘 緩缓 練练 緻致 縣县 縫缝
縮缩 縱纵 總总 績绩 織织 繞绕 繩绳 繪绘 繳缴 繼继 續续 纏缠 纖纤 纜缆 紡纺 紮扎 絞绞 絨绒 綿绵 緝缉 緯纬 緬缅
縛缚 縝缜 縷缕 繃绷 繭茧 繹绎 纓缨 纔才 紂纣 紉纫 紳绅 絀绌 絃弦 絎绗 絢绚 綏绥 綸纶 綻绽 緋绯 緘缄 緙缂 縊缢
縐绉 縞缟 縭缡 縵缦 繆缪 繚缭 繡绣 繽缤 纈缬 纍累 紓纾 紕纰 紜纭 紝纴 紵纻 絳绛 絹绢 綃绡 綈绨 綬绶 綹绺 緄绲
緡缗 緦缌 緱缑 縉缙 縑缣 縋缒 縟缛 縧绦 繅缫 繕缮 繒缯 繯缳 纊纩 纘缵 繫系 綑捆 絏绁 綺绮 緶缏 縈萦 緗缃 縴纤
門门 閃闪 閉闭 開开 閒闲 閑闲 間间 閘闸 閣阁 閥阀 閨闺 閩闽 閱阅 閻阎 闊阔 闆板 闖闯 關关 闡阐 闢辟 閤合 闔阖
闕阙 闌阑 闐阗 閾阈 閡阂 閭闾 閏闰 閔闵 問问 悶闷 聞闻 們们 澗涧 簡简 瀾澜 蘭兰 欄栏 爛烂 攔拦 閂闩 閫阃 闈闱
閹阉 闋阕 闓闿 闥闼 闞阚 鬧闹 嫻娴 癇痫 潤润 閨闺
馬马 駐驻 駕驾 駛驶 騎骑 騙骗 驗验 驚惊 驅驱 驕骄 驢驴 驛驿 騰腾 騷骚 驟骤 駁驳 駝驼 駭骇 駿骏 騁骋 騾骡 驊骅
驥骥 驪骊 驍骁 馴驯 馳驰 駑驽 駒驹 駙驸 駢骈 騖骛 騫骞 驃骠 驂骖 騮骝 騸骟 驀蓦 驌骕 驏骣 媽妈 嗎吗 碼码 罵骂
瑪玛 螞蚂 篤笃 馮冯 闖闯
魚鱼 鮮鲜 鯨鲸 鯉鲤 鯊鲨 鰻鳗 鱗鳞 鱷鳄 鮑鲍 鯽鲫 鱈鳕 鰭鳍 鱔鳝 鰱鲢 鯧鲳 魯鲁 鮭鲑 鯛鲷 鰍鳅 鯰鲶 鱸鲈 蘇苏
穌稣 漁渔 鰓鳃 鱒鳟 鯖鲭 鯡鲱 鰐鳄 鱉鳖 鰲鳌 鮪鲔 鯔鲻 鰈鲽 鰹鲣 鱘鲟 鱖鳜 鱺鲡
鳥鸟 鳴鸣 鴨鸭 鵝鹅 鴿鸽 鷹鹰 雞鸡 鴻鸿 鵬鹏 鶴鹤 鷗鸥 鸚鹦 鵡鹉 鴉鸦 鵲鹊 鶯莺 鷺鹭 鳳凤 鴕鸵 鷲鹫 鶉鹑 鴛鸳
鴦鸯 鷂鹞 鸞鸾 島岛 搗捣 鵑鹃 鶩鹜 鷓鹧 鴣鸪 鸛鹳 鷸鹬 鵪鹌 鸕鸬 鷥鸶 鸝鹂 鳩鸠 鳶鸢 鴇鸨
車车 軍军 軌轨 軒轩 軟软 軸轴 較较 載载 輔辅 輕轻 輛辆 輝辉 輩辈 輪轮 輯辑 輸输 轄辖 轅辕 轉转 轎轿 轟轰 轍辙
蓮莲 連连 陣阵 庫库 褲裤 揮挥 渾浑 暈晕 運运 斬斩 漸渐 慚惭 嶄崭 暫暂 塹堑 槧椠 轆辘 軋轧 軔轫 軛轭 軻轲 軼轶
軾轼 輊轾 輒辄 輟辍 輥辊 輻辐 輾辗 轂毂 轢轹 轡辔 璉琏 漣涟 琿珲 葷荤 鏈链
貝贝 負负 貞贞 財财 貢贡 貧贫 貨货 販贩 貪贪 貫贯 責责 貯贮 貳贰 貴贵 貸贷 費费 貼贴 貿贸 賀贺 賄贿 資资 賈贾
賊贼 賓宾 賜赐 賞赏 賠赔 賢贤 賣卖 賤贱 賦赋 質质 賬账 賭赌 賴赖 賺赚 購购 賽赛 贈赠 贊赞 贏赢 贖赎 贓赃 賑赈
賒赊 賂赂 賃赁 贍赡 贅赘 貶贬 貽贻 賁贲 賡赓 賻赙 贛赣 員员 圓圆 損损 韻韵 勛勋 瑣琐 嬰婴 櫻樱 實实 買买 續续
瀆渎 犢犊 牘牍 竇窦 覽览 攬揽 欖榄 寶宝 噴喷 墳坟 憤愤 賅赅 賚赉 賧赕 賕赇 賙赒 賵赗 贐赆 贗赝 鎖锁 貲赀 貺贶
見见 規规 視视 親亲 覺觉 觀观 覓觅 覲觐 覷觑 覬觊 現现 寬宽 硯砚 峴岘 莧苋 蜆蚬 攪搅 覘觇 覡觋 覦觎 覯觏 覿觌
頁页 頂顶 項项 順顺 須须 預预 頑顽 頒颁 頓顿 頗颇 領领 頭头 頰颊 頸颈 頻频 題题 額额 顏颜 顧顾 顯显 願愿 類类
顫颤 顛颠 頌颂 頹颓 顆颗 顎颚 顱颅 碩硕 煩烦 穎颖 潁颍 顥颢 頤颐 頷颔 顳颞 頦颏 頡颉 頜颌 頫頫 顓颛 顰颦 顴颧
風风 颱台 颳刮 颯飒 颶飓 颼飕 飄飘 楓枫 瘋疯 嵐岚 颺飏 飆飙
飯饭 飲饮 飼饲 飽饱 飾饰 餃饺 餅饼 餓饿 餘余 館馆 饅馒 饋馈 饑饥 飢饥 饒饶 饞馋 餡馅 餵喂 餞饯 飪饪 飩饨 餌饵
餒馁 餚肴 餿馊 饃馍 饗飨 養养 蝕蚀 餑饽 餛馄 餽馈 饌馔 饉馑 餉饷 餳饧
長长 張张 帳账 脹胀 漲涨 悵怅 東东 陳陈 凍冻 棟栋 為为 偽伪 媯妫 專专 傳传 轉转 團团 磚砖 單单 彈弹 戰战 禪禅
蟬蝉 憚惮 撣掸 簞箪 當当 擋挡 檔档 黨党 噹当 會会 繪绘 膾脍 燴烩 薈荟 儈侩 劊刽 發发 髮发 廢废 撥拨 潑泼 過过
渦涡 禍祸 鍋锅 蝸蜗 窩窝 這这 還还 環环 懷怀 壞坏 邊边 進进 達达 遞递 遠远 遲迟 選选 遺遗 遷迁 邁迈 適适 遜逊
違违 遙遥 邏逻 遼辽 遊游 週周 時时 實实 氣气 們们 個个 來来 麼么 對对 後后 國国 學学 動动 點点 機机 電电 樣样
聽听 種种 與与 從从 無无 幾几 愛爱 兩两 業业 體体 應应 義义 處处 產产 區区 數数 歡欢 難难 聲声 萬万 寫写 報报
術术 條条 華华 書书 號号 兒儿 帶带 熱热 陽阳 陰阴 歷历 曆历 師师 務务 辦办 須须 歲岁 極极 導导 範范 醫医 藥药
樂乐 雜杂 雙双 雖虽 離离 靈灵 齊齐 齒齿 龍龙 龜龟 廣广 廠厂 麗丽 壓压 厲厉 歸归 隨随 隱隐 險险 陸陆 隊队 階阶
際际 隸隶 雲云 霧雾 靜静 飛飞 鬥斗 鹽盐 麥麦 黃黄 齡龄 億亿 優优 儲储 債债 傷伤 傾倾 僅仅 價价 儀仪 僑侨 備备
傑杰 偉伟 儉俭 償偿 側侧 倉仓 倆俩 倫伦 偵侦 傘伞 傭佣 僱雇 儘尽 儂侬 儼俨 並并 併并 佈布 佔占 侖仑 侶侣 俠侠
俁俣 倀伥 倖幸 倣仿 傢家 傖伧 傯偬 傴伛 僂偻 僉佥 僕仆 僞伪 僥侥 僨偾 儐傧 儔俦 儕侪 儷俪 儺傩 儻傥 兇凶 兌兑
兗兖 內内 冊册 冪幂 凈净 凜凛 凱凯 別别 刪删 剄刭 則则 剋克 剎刹 剗刬 剛刚 剝剥 剮剐 剴剀 創创 劃划 劇剧 劉刘
劌刿 劍剑 劑剂 勁劲 勗勖 勝胜 勞劳 勢势 勩勚 勱劢 勵励 勸劝 勻匀 匭匦 匯汇 匱匮 協协 卻却 卹恤 厙厍 厠厕 厭厌
厴厣 參参 叄叁 叢丛 吳吴 吶呐 呂吕 咼呙 唄呗 唚吣 啞哑 啟启 啓启 啣衔 喎㖞 喚唤 喪丧 喫吃 喬乔 喲哟 嗆呛 嗇啬
嗊唝 嗚呜 嗩唢 嗶哔 嘆叹 嘍喽 嘔呕 嘖啧 嘗尝 嘜唛 嘩哗 嘮唠 嘯啸 嘰叽 嘵哓 嘸呒 噁恶 噓嘘 噥哝 噦哕 噯嗳 噲哙
噸吨 嚀咛 嚇吓 嚌哜 嚕噜 嚙啮 嚥咽 嚦呖 嚨咙 嚮向 嚳喾 嚴严 嚶嘤 囀啭 囁嗫 囂嚣 囅冁 囈呓 囉啰 囌苏 囑嘱 圇囵
圍围 園园 圖图 埡垭 執执 堅坚 堊垩 堝埚 堯尧 場场 塊块 塋茔 塏垲 塒埘 塗涂 塢坞 塤埙 塵尘 墊垫 墜坠 墮堕 墻墙
墾垦 壇坛 壙圹 壚垆 壘垒 壟垄 壢坜 壩坝 壯壮 壺壶 壼壸 壽寿 夠够 夢梦 夾夹 奐奂 奧奥 奩奁 奪夺 奬奖 奮奋 妝妆
妳你 姍姗 姦奸 娛娱 婁娄 婦妇 婭娅 媧娲 媼媪 嫗妪 嫵妩 嫺娴 嬈娆 嬋婵 嬌娇 嬙嫱 嬡嫒 嬤嬷 嬪嫔 嬸婶 孌娈 孫孙
孿孪 宮宫 寢寝 寧宁 審审 寵宠 將将 尋寻 尷尴 屆届 屍尸 屓屃 屜屉 屢屡 層层 屨屦 屬属 岡冈 峽峡 崍崃 崗岗 崢峥
崬岽 嵗岁 嶁嵝 嶇岖 嶗崂 嶠峤 嶧峄 嶸嵘 嶺岭 嶼屿 巋岿 巒峦 巔巅 巰巯 帥帅 幀帧 幃帏 幗帼 幘帻 幟帜 幣币 幫帮
幬帱 幹干 廁厕 廂厢 廄厩 廈厦 廚厨 廝厮 廟庙 廡庑 廩廪 廬庐 廳厅 弔吊 弳弪 強强 彆别 彌弥 彎弯 彙汇 彞彝 彫雕
彥彦 徑径 徠徕 復复 徵征 徹彻 恆恒 恥耻 悅悦 惡恶 惱恼 惲恽 惻恻 愜惬 愨悫 愴怆 愷恺 愾忾 慄栗 態态 慍愠 慘惨
慟恸 慣惯 慤悫 慪怄 慫怂 慮虑 慳悭 慶庆 慼戚 慾欲 憂忧 憊惫 憐怜 憑凭 憒愦 憫悯 憮怃 憲宪 憶忆 懇恳 懌怿 懍懔
懞蒙 懟怼 懣懑 懨恹 懲惩 懶懒 懸悬 懺忏 懼惧 懾慑 戀恋 戇戆 戔戋 戧戗 戩戬 戲戏 戱戏 戶户 拋抛 挾挟 捨舍 掃扫
掄抡 掙挣 掛挂 採采 揀拣 揚扬 換换 搖摇 搶抢 摟搂 摯挚 摳抠 摶抟 摺折 撈捞 撐撑 撓挠 撚捻 撟挢 撫抚 撲扑 撳揿
撻挞 撾挝 擁拥 擄掳 擇择 擊击 擔担 據据 擠挤 擬拟 擯摈 擰拧 擱搁 擲掷 擴扩 擷撷 擺摆 擻擞 擾扰 攄摅 攆撵 攏拢
攙搀 攝摄 攜携 攢攒 攣挛 攤摊 敗败 敘叙 敵敌 斂敛 斃毙 斕斓 斷断 於于 晉晋 晝昼 暉晖 暢畅 曄晔 曇昙 曉晓 曠旷
曬晒 朧胧 枴拐 柵栅 桿杆 梔栀 梟枭 棄弃 棖枨 棗枣 棧栈 棲栖 椏桠 楊杨 楨桢 榪杩 榮荣 構构 槍枪 樁桩 樅枞 樓楼
標标 樞枢 樸朴 樹树 樺桦 橈桡 橋桥 橢椭 橫横 檢检 檯台 檸柠 檻槛 櫃柜 櫓橹 櫚榈 櫛栉 櫝椟 櫥橱 櫧槠 權权 欒栾
歐欧 歟欤 殘残 殞殒 殤殇 殮殓 殲歼 毀毁 毆殴 氈毡 氫氢 氬氩 氳氲 決决 沒没 沖冲 況况 洩泄 洶汹 浹浃 涇泾 涼凉
淚泪 淥渌 淨净 淩凌 淪沦 淵渊 淶涞 淺浅 渙涣 減减 測测 湊凑 湯汤 溈沩 準准 溝沟 溫温 滄沧 滅灭 滌涤 滬沪 滯滞
滲渗 滷卤 滸浒 滾滚 滿满 漢汉 漬渍 漿浆 潔洁 潛潜 潯浔 潰溃 澀涩 澆浇 澇涝 澤泽 澱淀 濁浊 濃浓 濕湿 濘泞 濟济
濤涛 濫滥 濰潍 濱滨 濺溅 濾滤 瀅滢 瀉泻 瀋沈 瀏浏 瀕濒 瀘泸 瀝沥 瀟潇 瀨濑 瀰弥 灑洒 灘滩 灣湾 灤滦 灩滟 災灾
烏乌 烴烃 煉炼 煒炜 煙烟 煬炀 熒荧 熗炝 熾炽 燁烨 燈灯 燉炖 燒烧 燙烫 燜焖 營营 燦灿 燭烛 燼烬 燾焘 爍烁 爐炉
爭争 爺爷 爾尔 牆墙 牽牵 犖荦 犧牺 狀状 狹狭 狽狈 猙狰 猶犹 猻狲 獄狱 獅狮 獎奖 獨独 獰狞 獲获 獵猎 獸兽 獻献
獼猕 玀猡 琺珐 瑋玮 瑤瑶 瑩莹 璣玑 璦瑷 璽玺 瓊琼 瓏珑 瓔璎 瓚瓒 甌瓯 畝亩 畢毕 畫画 異异 疇畴 疊叠 痙痉 痠酸
瘡疮 瘧疟 瘺瘘 療疗 癆痨 癉瘅 癒愈 癘疠 癟瘪 癢痒 癤疖 癥症 癩癞 癬癣 癮瘾 癱瘫 癲癫 皚皑 皺皱 盜盗 盞盏 盡尽
監监 盤盘 盧卢 盪荡 眾众 睏困 睜睁 睞睐 瞞瞒 瞼睑 矓眬 矚瞩 矯矫 硃朱 硤硖 硨砗 確确 磣碜 磧碛 磯矶 礎础 礙碍
礦矿 礪砺 礫砾 祿禄 禎祯 禦御 禮礼 禱祷 禿秃 秈籼 稅税 稈秆 稜棱 稟禀 稱称 穀谷 積积 穢秽 穩稳 穫获 窪洼 窮穷
窯窑 窺窥 竄窜 竅窍 竊窃 競竞 筆笔 筍笋 箋笺 箏筝 節节 築筑 篋箧 篩筛 簍篓 簣篑 簫箫 簽签 簾帘 籃篮 籌筹 籠笼
籤签 籩笾 籬篱 籮箩 籲吁 粵粤 糝糁 糞粪 糧粮 糰团 糲粝 糴籴 糶粜 罈坛 罌罂 罰罚 罷罢 羅罗 羆罴 羈羁 習习 翹翘
耬耧 聖圣 聯联 聰聪 聳耸 聵聩 聶聂 職职 聹聍 聾聋 肅肃 脅胁 脈脉 脛胫 脫脱 腎肾 腖胨 腡脶 腦脑 腫肿 腳脚 腸肠
膃腽 膚肤 膠胶 膩腻 膽胆 膿脓 臉脸 臍脐 臏膑 臘腊 臚胪 臟脏 臠脔 臥卧 臨临 臺台 興兴 舉举 舊旧 艙舱 艦舰 艱艰
艷艳 芻刍 苧苎 莊庄 莖茎 莢荚 萇苌 萊莱 萵莴 葉叶 葒荭 葦苇 蒔莳 蒞莅 蒼苍 蓀荪 蓋盖 蓯苁 蓽荜 蔔卜 蔞蒌 蔣蒋
蔥葱 蔦茑 蔭荫 蕁荨 蕆蒇 蕎荞 蕒荬 蕓芸 蕕莸 蕘荛 蕢蒉 蕩荡 蕪芜 蕭萧 蕷蓣 薊蓟 薌芗 薑姜 薔蔷 薟莶 薦荐 薩萨
薺荠 藎荩 藝艺 藪薮 藴蕴 藶苈 藹蔼 藺蔺 蘄蕲 蘆芦 蘊蕴 蘋苹 蘚藓 蘞蔹 蘢茏 蘺蓠 蘿萝 虛虚 虜虏 虧亏 蝦虾 螄蛳
螢萤 螻蝼 蟄蛰 蟈蝈 蟯蛲 蟲虫 蟶蛏 蟻蚁 蠅蝇 蠍蝎 蠐蛴 蠑蝾 蠟蜡 蠣蛎 蠱蛊 蠶蚕 蠻蛮 衛卫 衝冲 衹只 袞衮 裊袅
補补 裝装 裡里 裏里 製制 複复 褸褛 襖袄 襝裣 襠裆 襤褴 襪袜 襯衬 襲袭 覈核 觴觞 觶觯 觸触 豈岂 豎竖 豐丰 豬猪
貓猫 趕赶 趙赵 趨趋 跡迹 踐践 踴踊 蹌跄 蹕跸 蹣蹒 蹤踪 蹺跷 躉趸 躊踌 躋跻 躍跃 躑踯 躒跞 躓踬 躚跹 躡蹑 躥蹿
躪躏 軀躯 辭辞 辮辫 辯辩 農农 迴回 逕迳 邇迩 邐逦 郟郏 郵邮 鄆郓 鄉乡 鄒邹 鄔邬 鄖郧 鄧邓 鄭郑 鄰邻 鄲郸 鄴邺
鄶郐 鄺邝 酈郦 醜丑 醞酝 醬酱 醱酦 釀酿 釁衅 釐厘 陘陉 陝陕 隉陧 隕陨 隴陇 隻只 雋隽 雛雏 霽霁 靂雳 靄霭 靚靓
靦腼 鞏巩 鞽鞒 韁缰 韃鞑 韆千 韉鞯 韋韦 韌韧 韓韩 韙韪 韜韬 韞韫 響响 骯肮 髏髅 髒脏 髖髋 鬆松 鬍胡 鬚须 鬢鬓
鬨哄 鬩阋 鬮阄 鬱郁 魎魉 魘魇 鹵卤 鹹咸 鹼碱 麩麸 麵面 麪面 黌黉 黲黪 黴霉 黷黩 黽黾 黿鼋 鼇鳌 鼉鼍 鼕冬 齋斋
齎赍 齏齑 齔龀 齙龅 齜龇 齟龃 齠龆 齣出 齦龈 齪龊 齬龉 齲龋 齶腭 齷龌 龐庞 龔龚 龕龛 乾干 夥伙 羣群 昇升 傑杰
丟丢 綫线 粧妆 衆众 鑛矿 檯台 溼湿 痺痹 秘秘 皰疱 蠔蚝 鬪斗 鬭斗 覇霸 銲焊 鈎钩 鉄铁 擡抬 絶绝 嘯啸 凴凭
`;

/**
 * Left out because the mainland uses them too, for something else or as well: 信箱 (a letterbox), 品質, 真人; and
 * words that ordinary Mandarin contains by chance once their simplified spellings are added: 程式 (方程式), 而家
 * (然而家里), 點做 / 點算 (快点做完, 点算库存).
 *
 * Words read as the mainland's: Taiwan and Hong Kong wording that differs as a word, and written Cantonese (a few
 * dozen function words and shop phrases). Keys are written in traditional characters; values in simplified.
 * A longer word wins ("免運費" stays 免运费 while "免運" is 包邮; "關係" stays a relation while 係 is Cantonese 是).
 */
const WORDS: Record<string, string> = {
  // Taiwan
  支援: '支持', 保固: '保修', 免運費: '免运费', 免運: '包邮', 網路: '网络', 資訊: '信息', 影片: '视频', 視訊: '视频',
  訊息: '消息', 簡訊: '短信', 登入: '登录', 登出: '退出', 電子信箱: '电子邮箱',
  聯絡: '联系', 宅配: '快递', 超商取貨: '便利店取货', 超取: '便利店取货', 超商: '便利店', 退費: '退款', 行動電源: '充电宝',
  螢幕: '屏幕', 軟體: '软件', 硬體: '硬件', 滑鼠: '鼠标', 筆電: '笔记本电脑', 筆記型電腦: '笔记本电脑',
  隨身碟: 'U盘', 記憶體: '内存', 印表機: '打印机', 連結: '链接', 折價券: '优惠券', 折價碼: '优惠码',
  禮物卡: '礼品卡', 門市: '门店', 自取: '自提', 透過: '通过', 郵資: '邮费', 訂單編號: '订单号', 線上: '在线', 個資: '个人信息',
  帳密: '账号密码', 重設: '重置', 重新設定: '重置', 行動支付: '移动支付', 甚麼: '什么', 為甚麼: '为什么', 瞭解: '了解',
  穿著: '穿着', 看著: '看着', 等著: '等着', 寫著: '写着', 著急: '着急', 帳篷: '帐篷', 蚊帳: '蚊帐', 關係: '关系',
  聯係: '联系', 係數: '系数', 維係: '维系', 電子報: '营销邮件', 尺寸表: '尺码表', 統一編號: '税号', 統編: '税号',
  // A building's management office, which takes in parcels (the mainland's front desk or 物业).
  管理室: '前台',
  // What the Taiwan replies say (server/services/chinese-script.ts), typed back: someone 在線上 (not 在 + 線上), 回覆.
  在線上: '在线', 回覆: '回复', 數位產品: '数码产品', 優格: '酸奶', 泡麵: '方便面',
  // Hong Kong
  電郵: '邮箱', 速遞: '快递', 信用咭: '信用卡', 咭: '卡', 埋單: '结账', 落單: '下单', 手提電話: '手机', 手提電腦: '笔记本电脑',
  攞貨: '取货', 退錢: '退款', 俾錢: '付钱', 畀錢: '付钱',
  // Cantonese
  // "點樣做" (how do I do it) as a shopper asks about a procedure: 怎么操作, the articles' word ("在线操作").
  點樣做: '怎么操作', 點樣: '怎样', 點解: '为什么', 幾時: '什么时候', 幾耐: '多久', 幾多錢: '多少钱', 幾錢: '多少钱', 幾多: '多少',
  有冇得: '可不可以', 有冇: '有没有', 冇得: '不能', 冇: '没有', 係咪: '是不是', 係唔係: '是不是', 唔係: '不是', 係: '是',
  唔該晒: '谢谢', 唔該: '谢谢', 多謝晒: '谢谢', 唔使: '不用', 使唔使: '需不需要', 唔得: '不行', 唔識: '不会', 唔好意思: '不好意思',
  唔: '不', 嘅: '的', 咗: '了', 佢哋: '他们', 佢: '他', 哋: '们', 啲: '些', 乜嘢: '什么', 嘢: '东西', 咩: '什么', 乜: '什么',
  睇: '看', 攞: '拿', 攞返: '拿回', 退返: '退回', 寄返: '寄回', 換返: '换回', 喺: '在', 嚟: '来', 搵: '找', 揾: '找', 嗰: '那',
  呢個: '这个', 呢件: '这件', 呢度: '这里', 呢啲: '这些', 呢排: '最近', 邊度: '哪里', 邊個: '哪个', 邊間: '哪家',
  依家: '现在', 仲未: '还没', 仲有: '还有', 仲係: '还是', 咁樣: '这样', 噉樣: '这样', 咁: '这么', 噉: '这样', 啱啱: '刚刚',
  啱: '对', 畀: '给', 俾: '给', 爛咗: '坏了', 幫手: '帮忙', 得唔得: '行不行',
};

const SIMPLE = new Map<string, string>();
for (const token of CHARACTERS.split(/\s+/)) {
  if (!token) continue;
  const chars = Array.from(token);
  if (chars.length !== 2) throw new Error(`traditional.ts: "${token}" is not a character pair`);
  if (chars[0] !== chars[1] && !SIMPLE.has(chars[0])) SIMPLE.set(chars[0], chars[1]);
}

/** Every spelling of a word in which each character is written traditional or simplified ("點樣", "点樣", "点样"). */
function spellings(word: string): string[] {
  let out = [''];
  for (const c of word) {
    const simple = SIMPLE.get(c);
    out = out.flatMap((prefix) => (simple ? [prefix + c, prefix + simple] : [prefix + c]));
  }
  return out;
}

const WORD_TABLE = new Map<string, string>();
/** First character → the lengths (in UTF-16 units, longest first) of the words that start with it. */
const WORD_LENGTHS = new Map<string, number[]>();
for (const [word, reading] of Object.entries(WORDS)) {
  // One character's other spelling is left alone: 係 is Cantonese 是, 系 is simplified Mandarin's own character.
  for (const spelling of word.length === 1 ? [word] : spellings(word)) {
    // A word read as itself is kept: it stops a shorter word inside it ("免运费" is no "免运" + 费).
    if (WORD_TABLE.has(spelling)) continue;
    WORD_TABLE.set(spelling, reading);
    const lengths = WORD_LENGTHS.get(spelling[0]) ?? [];
    if (!lengths.includes(spelling.length)) lengths.push(spelling.length);
    WORD_LENGTHS.set(spelling[0], lengths.sort((a, b) => b - a));
  }
}

/** Number of traditional characters in the table (for tests and the README). */
export const TRADITIONAL_CHARACTER_COUNT = SIMPLE.size;

/**
 * The text with traditional characters in their simplified forms and the listed Taiwan, Hong Kong and Cantonese
 * words in the mainland's ("退貨要運費嗎" → "退货要运费吗", "我想退貨，點樣做？" → "我想退货，怎样做？"). Text without
 * any CJK character is returned as it is.
 */
export function toSimplified(text: string): string {
  let out = '';
  let changed = false;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    // Only characters from U+3400 up (CJK) are in the tables; everything below is copied as is.
    if (code < 0x3400) {
      out += text[i++];
      continue;
    }
    const c = code >= 0xd800 && code <= 0xdbff ? text.slice(i, i + 2) : text[i];
    const lengths = WORD_LENGTHS.get(c);
    let matched = false;
    if (lengths) {
      for (const n of lengths) {
        const reading = WORD_TABLE.get(text.slice(i, i + n));
        if (reading !== undefined) {
          out += reading;
          i += n;
          matched = changed = true;
          break;
        }
      }
    }
    if (matched) continue;
    const simple = SIMPLE.get(c);
    if (simple !== undefined) {
      out += simple;
      changed = true;
    } else {
      out += c;
    }
    i += c.length;
  }
  return changed ? out : text;
}
