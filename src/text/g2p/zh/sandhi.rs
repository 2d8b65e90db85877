//! Tone sandhi, ported from misaki's `misaki/tone_sandhi.py` (`ToneSandhi`, itself from
//! PaddleSpeech's frontend): third-tone sandhi (你好 ní hǎo, 展览馆 zhán lán guǎn), 一 (一个 yí,
//! 一天 yì, 第一 yī, 看一看 yi), 不 (不是 bú, 看不懂 bu), the neutral tone of particles,
//! suffixes and a list of words, and the merges of jieba's words that let these rules see
//! a whole phrase. misaki applies them only in its v1.1 (zhuyin) front end; here their
//! tones go to v1.0's symbols.
//!
//! Where this differs from misaki, and why:
//! - 的/地/得 at a word's end are neutral only when read "de" (misaki makes the 地 of 土地 and
//!   the 的 of 目的 neutral too).
//! - 一 at the head of a number before 百 千 万 亿 changes tone (一百 yìbǎi, 一万 yíwàn), as it
//!   is said; misaki keeps every 一 of a number in the first tone.
//! - A lone 不 before a lone 不 is merged once (misaki's loop repeats it).
//! - A third tone left before a third tone inside a word after misaki's rules rises too
//!   (还给我: misaki splits it 还给/我 and leaves gěi wǒ).

use std::collections::HashSet;

use jieba_rs::Jieba;

use super::ipa::Syl;
use super::reading::is_doubled;

/// A word of a clause: its characters, jieba's part of speech, one reading per character
/// (None where a character has none).
#[derive(Clone, Debug)]
pub struct Word<'a> {
    pub text: String,
    pub pos: &'a str,
    pub syls: Vec<Option<Syl>>,
}

impl Word<'_> {
    fn len(&self) -> usize {
        self.syls.len()
    }

    fn tone(&self, i: usize) -> u8 {
        self.syls.get(i).copied().flatten().map_or(0, |s| s.tone)
    }

    fn set_tone(&mut self, i: usize, tone: u8) {
        if let Some(Some(s)) = self.syls.get_mut(i) {
            *s = s.with_tone(tone);
        }
    }

    fn all_third(&self, range: std::ops::Range<usize>) -> bool {
        range.clone().all(|i| self.tone(i) == 3)
    }

    fn merge(&mut self, next: Word) {
        self.text.push_str(&next.text);
        self.syls.extend(next.syls);
    }
}

/// jieba's tags for what is not a Chinese word.
fn is_x_eng(pos: &str) -> bool {
    pos == "x" || pos == "eng"
}

/// Python's `str.isnumeric` for the characters of a number.
fn is_numeric(c: char) -> bool {
    c.is_numeric() || "〇零一二三四五六七八九十百千万亿兆廿卅壹贰".contains(c)
}

pub struct Sandhi {
    must_neutral: HashSet<&'static str>,
    must_not_neutral: HashSet<&'static str>,
}

impl Sandhi {
    pub fn new() -> Self {
        Sandhi {
            must_neutral: MUST_NEUTRAL.iter().copied().collect(),
            must_not_neutral: MUST_NOT_NEUTRAL.iter().copied().collect(),
        }
    }

    /// `pre_merge_for_modify`: 不 and 一 joined to the next word, 听一听 and doubled words
    /// joined, neighbouring third tones joined (up to three characters), 儿 joined to the
    /// word before.
    pub fn pre_merge<'a>(&self, seg: Vec<Word<'a>>) -> Vec<Word<'a>> {
        let seg = merge_bu(seg);
        let seg = merge_yi(seg);
        let seg = merge_doubled(seg);
        let seg = merge_third_tones(seg, |prev, cur| {
            prev.all_third(0..prev.len()) && cur.all_third(0..cur.len())
        });
        let seg = merge_third_tones(seg, |prev, cur| {
            prev.len() > 0 && prev.tone(prev.len() - 1) == 3 && cur.tone(0) == 3
        });
        merge_er(seg)
    }

    /// `modified_tone`: the tones of one word after 不, 一, neutral-tone and third-tone
    /// sandhi, in misaki's order.
    pub fn modify(&self, jieba: &Jieba, w: &mut Word) {
        let chars: Vec<char> = w.text.chars().collect();
        if chars.len() != w.len() {
            return;
        }
        bu(&chars, w);
        yi(&chars, w);
        self.neutral(jieba, &chars, w);
        three(jieba, &chars, w);
    }

    fn is_must_neutral(&self, word: &[char]) -> bool {
        let tail = &word[word.len().saturating_sub(2)..];
        self.must_neutral.contains(String::from_iter(word).as_str())
            || self.must_neutral.contains(String::from_iter(tail).as_str())
    }

    /// `_neural_sandhi`.
    fn neutral(&self, jieba: &Jieba, word: &[char], w: &mut Word) {
        let n = word.len();
        if n == 0 || self.must_not_neutral.contains(w.text.as_str()) {
            return;
        }
        // Doubled nouns, verbs and adjectives: 奶奶, 试试, 看看.
        if matches!(w.pos.chars().next(), Some('n' | 'v' | 'a')) {
            for j in 1..n {
                if word[j] == word[j - 1] {
                    w.set_tone(j, 5);
                }
            }
        }
        let last = word[n - 1];
        let ge = word.iter().position(|&c| c == '个');
        let last_is_de = w.syls[n - 1].is_some_and(|s| s.base == "de");
        if "吧呢啊呐噻嘛吖嗨呐哦哒滴哩哟喽啰耶喔诶".contains(last)
            || ("的地得".contains(last) && last_is_de)
        {
            w.set_tone(n - 1, 5);
        } else if n == 1 && "了着过".contains(last) && ["ul", "uz", "ug"].contains(&w.pos) {
            // 走了, 看着, 去过
            w.set_tone(0, 5);
        } else if n > 1 && "们子".contains(last) && ["r", "n"].contains(&w.pos) {
            w.set_tone(n - 1, 5);
        } else if n > 1 && "上下".contains(last) && ["s", "l", "f"].contains(&w.pos) {
            // 桌上, 地下
            w.set_tone(n - 1, 5);
        } else if n > 1 && "来去".contains(last) && "上下进出回过起开".contains(word[n - 2])
        {
            // 上来, 下去
            w.set_tone(n - 1, 5);
        } else if let Some(g) = ge.filter(|&g| {
            (g >= 1 && (is_numeric(word[g - 1]) || "几有两半多各整每做是".contains(word[g - 1])))
                || n == 1
        }) {
            // 个 as a measure word
            w.set_tone(g, 5);
        } else if self.is_must_neutral(word) {
            w.set_tone(n - 1, 5);
        }
        let (first, _) = split_word(jieba, word);
        for (lo, hi) in [(0, first), (first, n)] {
            if hi > lo && self.is_must_neutral(&word[lo..hi]) {
                w.set_tone(hi - 1, 5);
            }
        }
    }
}

impl Default for Sandhi {
    fn default() -> Self {
        Self::new()
    }
}

/// `_split_word`: a word cut in two around its shortest part in jieba's search mode; the
/// length of the first half, in characters.
fn split_word(jieba: &Jieba, word: &[char]) -> (usize, usize) {
    let text = String::from_iter(word);
    let mut parts: Vec<&str> = jieba
        .cut_for_search(&text, true)
        .into_iter()
        .map(|t| t.word)
        .collect();
    parts.sort_by_key(|p| p.chars().count());
    let Some(first) = parts.first() else {
        return (word.len(), 0);
    };
    let len = first.chars().count().min(word.len());
    if text.starts_with(first) {
        (len, word.len() - len)
    } else {
        (word.len() - len, len)
    }
}

/// `_bu_sandhi`: 看不懂 kàn bu dǒng; 不 before a fourth tone is bú.
fn bu(word: &[char], w: &mut Word) {
    if word.len() == 3 && word[1] == '不' {
        w.set_tone(1, 5);
        return;
    }
    for (i, pair) in word.windows(2).enumerate() {
        if pair[0] == '不' && w.tone(i + 1) == 4 {
            w.set_tone(i, 2);
        }
    }
}

/// `_yi_sandhi`: 一 keeps its tone in numbers and in 第一, is neutral in 看一看, and is yí
/// before a fourth (or neutral) tone, yì before the others.
fn yi(word: &[char], w: &mut Word) {
    if !word.contains(&'一') {
        return;
    }
    let n = word.len();
    if word.iter().all(|&c| c == '一' || is_numeric(c)) {
        // Ours: the 一 that heads a number of hundreds and more, as in 一百, 一万.
        if word[0] == '一' && n > 1 && "百千万亿".contains(word[1]) {
            change_yi(w, 0);
        }
        return;
    }
    if n == 3 && word[1] == '一' && word[0] == word[2] {
        w.set_tone(1, 5);
    } else if word.starts_with(&['第', '一']) {
        w.set_tone(1, 1);
    } else {
        for (i, &c) in word[..n - 1].iter().enumerate() {
            if c == '一' {
                change_yi(w, i);
            }
        }
    }
}

fn change_yi(w: &mut Word, i: usize) {
    let next = w.tone(i + 1);
    w.set_tone(i, if next == 4 || next == 5 { 2 } else { 4 });
}

/// `_three_sandhi`: a third tone before a third tone rises, by the word's inner structure
/// (蒙古/包, 纸/老虎) and in the halves of four-character words.
fn three(jieba: &Jieba, word: &[char], w: &mut Word) {
    let n = word.len();
    if n == 2 && w.all_third(0..2) {
        w.set_tone(0, 2);
    } else if n == 3 {
        let (first, _) = split_word(jieba, word);
        if w.all_third(0..3) {
            if first == 2 {
                w.set_tone(0, 2);
                w.set_tone(1, 2);
            } else if first == 1 {
                w.set_tone(1, 2);
            }
        } else {
            for (i, (lo, hi)) in [(0, first), (first, n)].into_iter().enumerate() {
                if hi - lo == 2 && w.all_third(lo..hi) {
                    w.set_tone(lo, 2);
                } else if i == 1
                    && hi > lo
                    && !w.all_third(lo..hi)
                    && w.tone(lo) == 3
                    && lo > 0
                    && w.tone(lo - 1) == 3
                {
                    // 好/喜欢
                    w.set_tone(lo - 1, 2);
                }
            }
        }
    } else if n == 4 {
        for lo in [0, 2] {
            if w.all_third(lo..lo + 2) {
                w.set_tone(lo, 2);
            }
        }
    }
    // Ours: a third tone still before a third tone inside the word rises (还给/我 huán géi
    // wǒ, which misaki's split leaves as gěi wǒ).
    for i in (0..n.saturating_sub(1)).rev() {
        if w.tone(i) == 3 && w.tone(i + 1) == 3 {
            w.set_tone(i, 2);
        }
    }
}

/// `_merge_bu`: a lone 不 joins the word after it.
fn merge_bu(seg: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    let mut pending: Option<Word> = None;
    let mut it = seg.into_iter().peekable();
    while let Some(mut w) = it.next() {
        if !is_x_eng(w.pos)
            && let Some(bu) = pending.take()
        {
            let mut joined = bu;
            joined.pos = w.pos;
            joined.merge(w);
            w = joined;
        } else if let Some(bu) = pending.take() {
            out.push(bu);
        }
        let next_ok = it.peek().is_some_and(|n| !is_x_eng(n.pos));
        if w.text == "不" && next_ok {
            pending = Some(w);
        } else {
            out.push(w);
        }
    }
    out.extend(pending);
    out
}

/// `_merge_yi`: 听一听 becomes one word, and a lone 一 joins the word after it.
fn merge_yi(seg: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    let mut it = seg.into_iter().peekable();
    let mut prev_text = String::new();
    let mut prev_pos = "";
    while let Some(w) = it.next() {
        let doubled = w.text == "一"
            && prev_pos == "v"
            && it
                .peek()
                .is_some_and(|n| n.text == prev_text && !is_x_eng(n.pos));
        if doubled
            && let Some(last) = out.last_mut()
            && let Some(next) = it.next()
        {
            prev_text.clone_from(&next.text);
            prev_pos = next.pos;
            last.merge(w);
            last.merge(next);
            continue;
        }
        prev_text.clone_from(&w.text);
        prev_pos = w.pos;
        out.push(w);
    }
    let mut joined: Vec<Word> = Vec::with_capacity(out.len());
    for w in out {
        match joined.last_mut() {
            Some(last) if last.text == "一" && !is_x_eng(w.pos) => last.merge(w),
            _ => joined.push(w),
        }
    }
    joined
}

/// `_merge_reduplication`: 看 看 → 看看.
fn merge_doubled(seg: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    for w in seg {
        match out.last_mut() {
            Some(last) if last.text == w.text && !is_x_eng(w.pos) => last.merge(w),
            _ => out.push(w),
        }
    }
    out
}

/// `_merge_continuous_three_tones` (both kinds, by `joins`): neighbours whose tones meet as
/// third tones join, up to three characters, unless the first is a doubled word.
fn merge_third_tones<'a>(
    seg: Vec<Word<'a>>,
    joins: impl Fn(&Word, &Word) -> bool,
) -> Vec<Word<'a>> {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    let mut prev: Option<Word> = None;
    let mut prev_merged = false;
    for w in seg {
        let merged = match (&prev, out.last_mut()) {
            (Some(p), Some(last))
                if !is_x_eng(w.pos)
                    && !prev_merged
                    && joins(p, &w)
                    && !is_doubled(&p.text)
                    && p.len() + w.len() <= 3 =>
            {
                last.merge(w.clone());
                true
            }
            _ => {
                out.push(w.clone());
                false
            }
        };
        prev = Some(w);
        prev_merged = merged;
    }
    out
}

/// `_merge_er`: 儿 joins the word before it.
fn merge_er(seg: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    for w in seg {
        match out.last_mut() {
            Some(last) if w.text == "儿" && !is_x_eng(last.pos) => last.merge(w),
            _ => out.push(w),
        }
    }
    out
}

/// misaki's `must_neural_tone_words`: words whose last syllable is neutral (麻烦, 东西).
const MUST_NEUTRAL: &[&str] = &[
    "麻烦", "麻利", "鸳鸯", "高粱", "骨头", "骆驼", "马虎", "首饰", "馒头", "馄饨", "风筝", "难为",
    "队伍", "阔气", "闺女", "门道", "锄头", "铺盖", "铃铛", "铁匠", "钥匙", "里脊", "里头", "部分",
    "那么", "道士", "造化", "迷糊", "连累", "这么", "这个", "运气", "过去", "软和", "转悠", "踏实",
    "跳蚤", "跟头", "趔趄", "财主", "豆腐", "讲究", "记性", "记号", "认识", "规矩", "见识", "裁缝",
    "补丁", "衣裳", "衣服", "衙门", "街坊", "行李", "行当", "蛤蟆", "蘑菇", "薄荷", "葫芦", "葡萄",
    "萝卜", "荸荠", "苗条", "苗头", "苍蝇", "芝麻", "舒服", "舒坦", "舌头", "自在", "膏药", "脾气",
    "脑袋", "脊梁", "能耐", "胳膊", "胭脂", "胡萝", "胡琴", "胡同", "聪明", "耽误", "耽搁", "耷拉",
    "耳朵", "老爷", "老实", "老婆", "戏弄", "将军", "翻腾", "罗嗦", "罐头", "编辑", "结实", "红火",
    "累赘", "糨糊", "糊涂", "精神", "粮食", "簸箕", "篱笆", "算计", "算盘", "答应", "笤帚", "笑语",
    "笑话", "窟窿", "窝囊", "窗户", "稳当", "稀罕", "称呼", "秧歌", "秀气", "秀才", "福气", "祖宗",
    "砚台", "码头", "石榴", "石头", "石匠", "知识", "眼睛", "眯缝", "眨巴", "眉毛", "相声", "盘算",
    "白净", "痢疾", "痛快", "疟疾", "疙瘩", "疏忽", "畜生", "生意", "甘蔗", "琵琶", "琢磨", "琉璃",
    "玻璃", "玫瑰", "玄乎", "狐狸", "状元", "特务", "牲口", "牙碜", "牌楼", "爽快", "爱人", "热闹",
    "烧饼", "烟筒", "烂糊", "点心", "炊帚", "灯笼", "火候", "漂亮", "滑溜", "溜达", "温和", "清楚",
    "消息", "浪头", "活泼", "比方", "正经", "欺负", "模糊", "槟榔", "棺材", "棒槌", "棉花", "核桃",
    "栅栏", "柴火", "架势", "枕头", "枇杷", "机灵", "本事", "木头", "木匠", "朋友", "月饼", "月亮",
    "暖和", "明白", "时候", "新鲜", "故事", "收拾", "收成", "提防", "挖苦", "挑剔", "指甲", "指头",
    "拾掇", "拳头", "拨弄", "招牌", "招呼", "抬举", "护士", "折腾", "扫帚", "打量", "打算", "打扮",
    "打听", "打发", "扎实", "扁担", "戒指", "懒得", "意识", "意思", "悟性", "怪物", "思量", "怎么",
    "念头", "念叨", "别人", "快活", "忙活", "志气", "心思", "得罪", "张罗", "弟兄", "开通", "应酬",
    "庄稼", "干事", "帮手", "帐篷", "希罕", "师父", "师傅", "巴结", "巴掌", "差事", "工夫", "岁数",
    "屁股", "尾巴", "少爷", "小气", "小伙", "将就", "对头", "对付", "寡妇", "家伙", "客气", "实在",
    "官司", "学问", "字号", "嫁妆", "媳妇", "媒人", "婆家", "娘家", "委屈", "姑娘", "姐夫", "妯娌",
    "妥当", "妖精", "奴才", "女婿", "头发", "太阳", "大爷", "大方", "大意", "大夫", "多少", "多么",
    "外甥", "壮实", "地道", "地方", "在乎", "困难", "嘴巴", "嘱咐", "嘟囔", "嘀咕", "喜欢", "喇嘛",
    "喇叭", "商量", "唾沫", "哑巴", "哈欠", "哆嗦", "咳嗽", "和尚", "告诉", "告示", "含糊", "吓唬",
    "后头", "名字", "名堂", "合同", "吆喝", "叫唤", "口袋", "厚道", "厉害", "千斤", "包袱", "包涵",
    "匀称", "勤快", "动静", "动弹", "功夫", "力气", "前头", "刺猬", "刺激", "别扭", "利落", "利索",
    "利害", "分析", "出息", "凑合", "凉快", "冷战", "冤枉", "冒失", "养活", "关系", "先生", "兄弟",
    "便宜", "使唤", "佩服", "作坊", "体面", "位置", "似的", "伙计", "休息", "什么", "人家", "亲戚",
    "亲家", "交情", "云彩", "事情", "买卖", "主意", "丫头", "丧气", "两口", "东西", "东家", "世故",
    "不由", "下水", "下巴", "上头", "上司", "丈夫", "丈人", "一辈", "那个", "菩萨", "父亲", "母亲",
    "咕噜", "邋遢", "费用", "冤家", "甜头", "介绍", "荒唐", "大人", "泥鳅", "幸福", "熟悉", "计划",
    "扑腾", "蜡烛", "姥爷", "照顾", "喉咙", "吉他", "弄堂", "蚂蚱", "凤凰", "拖沓", "寒碜", "糟蹋",
    "倒腾", "报复", "逻辑", "盘缠", "喽啰", "牢骚", "咖喱", "扫把", "惦记",
];

/// misaki's `must_not_neural_tone_words`: exceptions to the rules above (男子, 人人).
const MUST_NOT_NEUTRAL: &[&str] = &[
    "男子",
    "女子",
    "分子",
    "原子",
    "量子",
    "莲子",
    "石子",
    "瓜子",
    "电子",
    "人人",
    "虎虎",
    "幺幺",
    "干嘛",
    "学子",
    "哈哈",
    "数数",
    "袅袅",
    "局地",
    "以下",
    "娃哈哈",
    "花花草草",
    "留得",
    "耕地",
    "想想",
    "熙熙",
    "攘攘",
    "卵子",
    "死死",
    "冉冉",
    "恳恳",
    "佼佼",
    "吵吵",
    "打打",
    "考考",
    "整整",
    "莘莘",
    "落地",
    "算子",
    "家家户户",
    "青青",
];
