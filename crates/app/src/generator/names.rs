//! The generator's vocabulary and its random source: a fixed-seed SplitMix64 (portable, so
//! the same seed gives the same data on every machine and every release of `rand`), place
//! names built from syllables (某市/某县/某镇/某村 style), people's names, phones, skills.

use std::collections::HashSet;

/// SplitMix64: tiny, fast, and fully determined by its seed.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x005E_ED0F_2026)
    }

    /// An independent stream for one part of the data (so adding draws to one part does not
    /// shift every other part).
    pub fn fork(seed: u64, stream: u64) -> Rng {
        let mut r = Rng::new(seed ^ stream.wrapping_mul(0xA24B_AED4_963E_E407));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        crate::demo_data::splitmix64(&mut self.0)
    }

    /// Uniform in `[0, n)` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Roughly normal (sum of four uniforms), mean 0, standard deviation about `sd`.
    pub fn gauss(&mut self, sd: f64) -> f64 {
        let s: f64 = (0..4).map(|_| self.unit()).sum::<f64>() - 2.0;
        s * sd * 1.732
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }
}

/// Syllables of place names: common, neutral characters of Chinese toponyms.
const PLACE: &str = "安宁平和兴隆丰泰长青松柏桥河山川湖泉水石林溪阳明光华新东西南北中\
    红旗星火金银宝元庆福禄寿康乐永定远宏盛昌德胜利民生富裕白云黑龙乌兰锡林包头赤峰通辽\
    巴彦额尔古纳海拉尔满洲里扎鲁特奈曼库伦开鲁科尔沁翁牛特敖汉喀喇沁宁城林西克什克腾";

/// Single-character surnames, most frequent first, with a few frequent among Mongols and
/// Manchus in the north.
const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董\
    袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯\
    史包鲍宝关佟那";
const MALE: &str = "伟刚勇军强磊洋杰涛明超亮海波斌鹏辉龙东建国庆志平福兴宝文武峰林振春成德胜利\
    忠华彬玉山金荣永长贵俊飞鑫宇浩然";
const FEMALE: &str = "芳娜敏静丽艳霞燕红玲梅莉琳慧颖洁婷雪晶萍秀英桂兰凤珍淑华玉";
const MONGOL: [&str; 16] = [
    "巴特尔",
    "额尔敦",
    "那顺",
    "乌力吉",
    "孟和",
    "宝音",
    "图门",
    "朝鲁",
    "苏和",
    "布和",
    "特古斯",
    "其木格",
    "满都拉",
    "达来",
    "吉日嘎拉",
    "萨仁",
];
const MOBILE_PREFIXES: [&str; 20] = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
    "187", "188", "130", "131", "155", "156", "189",
];

/// Skills of the talent pool (R-VOL-4), the same tags the demo and the emergency rules use.
pub(crate) const SKILLS: [&str; 16] = [
    "应急救援",
    "驾驶",
    "医疗救护",
    "电工",
    "无人机",
    "心理疏导",
    "宣讲",
    "书法",
    "厨艺",
    "维修",
    "农技",
    "理发",
    "网格管理",
    "摄影摄像",
    "防疫消杀",
    "养殖",
];

pub(crate) const BRANCHES: [&str; 6] =
    ["陆军", "海军", "空军", "火箭军", "武警部队", "战略支援部队"];
pub(crate) const RANKS: [&str; 10] = [
    "列兵",
    "上等兵",
    "下士",
    "中士",
    "上士",
    "四级军士长",
    "少尉",
    "中尉",
    "上尉",
    "少校",
];

/// Where an activity takes place, after the village or town name.
pub(crate) const PLACES: [&str; 8] = [
    "党群服务中心",
    "村委会广场",
    "敬老院",
    "文化活动室",
    "卫生院",
    "中心小学",
    "集市",
    "退役军人服务站",
];
pub(crate) const RECIPIENTS: [&str; 8] = [
    "孤寡老人",
    "空巢老人",
    "残障人士",
    "困难退役军人",
    "留守儿童",
    "村民",
    "中小学生",
    "烈属军属",
];
pub(crate) const EVALUATIONS: [&str; 3] = ["优秀", "良好", "合格"];

fn chars(s: &str) -> Vec<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Makes names, remembering those used under each parent so siblings never share one.
pub(crate) struct Namer {
    place: Vec<char>,
    surnames: Vec<char>,
    male: Vec<char>,
    female: Vec<char>,
    used: HashSet<(usize, String)>,
}

impl Namer {
    pub fn new() -> Namer {
        Namer {
            place: chars(PLACE),
            surnames: chars(SURNAMES),
            male: chars(MALE),
            female: chars(FEMALE),
            used: HashSet::new(),
        }
    }

    /// Two syllables and a suffix (市, 县, 镇, 村 …), unique among the children of `parent`.
    pub fn place(&mut self, rng: &mut Rng, parent: usize, suffix: &str) -> String {
        for attempt in 0..50 {
            let mut name: String = (0..2).map(|_| *rng.pick(&self.place)).collect();
            if attempt >= 20 {
                name.push(*rng.pick(&self.place));
            }
            name.push_str(suffix);
            if self.used.insert((parent, name.clone())) {
                return name;
            }
        }
        format!("第{}{suffix}", self.used.len() + 1)
    }

    /// A person's name; about one in twenty a Mongolian name without a surname.
    pub fn person(&self, rng: &mut Rng, female: bool) -> String {
        if rng.chance(0.05) {
            return (*rng.pick(&MONGOL)).to_owned();
        }
        let given = if female { &self.female } else { &self.male };
        let mut s = String::with_capacity(9);
        s.push(*rng.pick(&self.surnames));
        s.push(*rng.pick(given));
        if rng.chance(0.7) {
            s.push(*rng.pick(given));
        }
        s
    }
}

pub(crate) fn phone(rng: &mut Rng) -> String {
    format!(
        "{}{:08}",
        rng.pick(&MOBILE_PREFIXES),
        rng.below(100_000_000)
    )
}
