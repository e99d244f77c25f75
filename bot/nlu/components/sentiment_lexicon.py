"""Hand-written customer-service sentiment lexicons (English, Simplified Chinese).

Weights are in [-3, 3]. Written for kefu (no third-party lexicon, so no licence question);
they cover the words customers use about orders, delivery, service and refunds.
"""

from __future__ import annotations

EN_WORDS: dict[str, float] = {
    # positive
    "thanks": 1.5, "thank": 1.5, "thx": 1.2, "ty": 1.0, "great": 2.0, "good": 1.2, "nice": 1.5,
    "love": 2.5, "loved": 2.5, "awesome": 2.5, "amazing": 2.5, "excellent": 2.5, "perfect": 2.5,
    "happy": 2.0, "glad": 1.5, "helpful": 2.0, "appreciate": 2.0, "appreciated": 2.0,
    "wonderful": 2.5, "fantastic": 2.5, "brilliant": 2.5, "fast": 1.0, "quick": 1.0,
    "satisfied": 1.8, "pleased": 1.8, "cool": 1.0, "fine": 0.5, "ok": 0.3, "okay": 0.3,
    "best": 2.0, "super": 1.5, "beautiful": 2.0, "recommend": 1.0, "works": 0.8, "solved": 1.5,
    "resolved": 1.5, "lovely": 2.0, "kind": 1.2, "friendly": 1.5, "easy": 1.0, "smooth": 1.2,
    # negative
    "bad": -1.8, "terrible": -2.8, "awful": -2.8, "horrible": -2.8, "worst": -3.0,
    "hate": -2.8, "angry": -2.5, "furious": -3.0, "mad": -2.0, "annoyed": -2.0, "annoying": -2.0,
    "upset": -2.0, "disappointed": -2.2, "disappointing": -2.2, "frustrated": -2.5,
    "frustrating": -2.5, "ridiculous": -2.5, "unacceptable": -2.8, "useless": -2.5,
    "broken": -1.8, "damaged": -1.8, "defective": -2.0, "wrong": -1.5, "late": -1.2,
    "delayed": -1.2, "missing": -1.5, "lost": -1.5, "never": -1.0, "scam": -3.0, "fraud": -3.0,
    "rude": -2.5, "slow": -1.5, "poor": -2.0, "sucks": -2.5, "crap": -2.5, "garbage": -2.5,
    "joke": -1.5, "problem": -1.0, "issue": -0.6, "complaint": -1.5, "complain": -1.5,
    "waste": -2.0, "wasted": -2.0, "refund": -0.3, "cheated": -3.0, "unhappy": -2.2,
    "sad": -1.5, "sorry": -0.3, "stupid": -2.5, "pathetic": -2.8, "incompetent": -2.8,
    "fed": -1.0, "sick": -1.5, "tired": -1.0, "waiting": -0.8, "still": -0.4, "nobody": -1.2,
    "ignored": -2.0, "ignoring": -2.0, "disgusting": -2.8, "shit": -2.8, "wtf": -2.5,
    "damn": -2.0, "dammit": -2.2, "hell": -1.5, "fail": -2.0, "failed": -2.0, "error": -1.0,
}

ZH_WORDS: dict[str, float] = {
    "谢谢": 1.5, "感谢": 1.8, "多谢": 1.5, "好的": 0.5, "很好": 2.0, "不错": 1.5, "满意": 2.0,
    "喜欢": 2.0, "棒": 2.0, "赞": 2.0, "完美": 2.5, "开心": 2.0, "高兴": 2.0,
    "专业": 1.5, "耐心": 1.5, "给力": 2.0, "靠谱": 1.8, "方便": 1.0, "解决了": 1.5,
    "优秀": 2.2, "好评": 2.0, "太好了": 2.5, "辛苦": 1.0, "热情": 1.5,
    "差": -2.0, "太差": -2.8, "差劲": -2.8, "垃圾": -2.8, "烂": -2.5, "生气": -2.5, "愤怒": -3.0,
    "气死": -3.0, "失望": -2.2, "不满": -2.2, "不满意": -2.5, "投诉": -1.8, "骗子": -3.0,
    "欺骗": -3.0, "坑": -2.0, "坑人": -2.8, "慢": -1.5, "太慢": -2.2, "破": -1.5, "坏": -1.8,
    "坏了": -1.8, "损坏": -1.8, "丢": -1.5, "丢了": -1.5, "错": -1.2, "错了": -1.5,
    "没收到": -1.5, "还没": -0.8, "一直": -0.5, "无语": -2.2, "离谱": -2.5, "恶心": -2.8,
    "烦": -2.0, "烦死": -2.8, "糟糕": -2.5, "难用": -2.0, "退款": -0.3, "问题": -0.8,
    "态度": -0.5, "敷衍": -2.5, "不理": -2.0, "没人": -1.2, "等了": -1.0, "太久": -1.8,
    "着急": -1.5, "急": -1.0, "受不了": -2.5, "什么鬼": -2.5, "坑爹": -2.8, "差评": -2.5,
}

EN_NEGATORS = {"not", "no", "never", "n't", "dont", "don't", "didnt", "didn't", "isnt", "isn't",
               "wasnt", "wasn't", "cant", "can't", "cannot", "won't", "wont", "hardly"}
ZH_NEGATORS = ("不", "没", "没有", "别", "未", "无")
EN_INTENSIFIERS = {"very": 1.5, "so": 1.4, "really": 1.4, "extremely": 1.8, "totally": 1.5,
                   "absolutely": 1.6, "super": 1.5, "too": 1.3, "completely": 1.6, "fucking": 1.8,
                   "freaking": 1.6, "bloody": 1.5}
ZH_INTENSIFIERS = {"很": 1.4, "非常": 1.6, "太": 1.5, "特别": 1.5, "超": 1.5, "真": 1.3,
                   "十分": 1.5, "极其": 1.8, "最": 1.6}

# Phrases that mark a frustrated customer even when single words look mild.
FRUSTRATION_PATTERNS = (
    r"\b(?:third|3rd|fourth|fifth|\d+(?:st|nd|rd|th)) time\b", r"\bagain and again\b",
    r"\bstill (?:not|no|haven't|hasn't|waiting)\b", r"\bhow many times\b", r"\bfed up\b",
    r"\bsick of\b", r"\btired of\b", r"\bwaste of (?:my )?time\b", r"\bunacceptable\b",
    r"\bridiculous\b", r"\bspeak to (?:a |your )?(?:manager|supervisor|human|real person)\b",
    r"\bwtf\b", r"\bnobody (?:helps|answers|replies|cares)\b", r"\bfor (?:weeks|days|ages)\b",
    r"\bcancel (?:everything|my account)\b", r"\bsue\b", r"\blawyer\b",
    r"又", r"第[二三四五六七八九十\d]+次", r"还没", r"到底", r"怎么回事", r"气死", r"受不了",
    r"投诉", r"无语", r"离谱", r"多少次", r"什么鬼", r"垃圾", r"骗子", r"一直没", r"等了.{0,4}(?:天|周|个月)",
)
