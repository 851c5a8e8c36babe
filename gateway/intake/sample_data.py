"""Word lists for synthetic payrolls: surnames, given-name characters, enterprise names, partner-bank cards.

Written for the generator; all characters are in GB2312, so generated files encode in GBK too.
"""

from __future__ import annotations

# The most common surnames, most frequent first (the generator weights them by rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)

# Given-name characters common for people born 1930-2005 (pensioners and working-age payees).
GIVEN = (
    "建国华明军平志红英秀兰玉梅桂芳丽敏静淑珍凤霞云海涛强伟刚勇峰磊洪文斌林德福贵荣春秋冬雪琴娟萍燕"
    "玲波宏新利民庆广永昌盛发生喜忠义仁礼智信学成宝山金银铁树松柏青翠兴旺顺安宁健康立伦俊杰鹏飞"
    "晓雨婷颖佳欣悦博浩然宇轩子涵梓睿思远浩东升霖泽瑞祥爱珠娥琼芬兰菊花香凤翔振家庭和"
)

# Enterprise names: 字号 words and industries (the city comes from the region).
# fmt: off
FIRM_WORDS = (
    "华泰", "鲁信", "海晶", "金岭", "齐力", "泰山", "黄河", "半岛", "蓝海", "恒通",
    "众诚", "宏达", "新华", "万达", "盛源", "东岳", "明远", "瑞丰", "同力", "正信",
)
INDUSTRIES = (
    "机械制造", "纺织", "化工", "食品", "建材", "电子科技", "物流", "医药", "农业发展", "轮胎",
    "钢铁", "陶瓷", "造纸", "服装", "海洋科技", "新能源", "汽车零部件", "软件", "商贸", "建筑工程",
)
# fmt: on

# Banks the generator pays into, in the order ``--banks K`` takes them (DOMAIN.md §5), with the card BINs
# and card length used for each, and a weight (share of payees; rural pensioners bank with PSBC and ABC).
GENERATOR_BANKS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    # code, BINs, card length, weight
    ("102", ("622202", "622208"), 19, 15),
    ("103", ("622848",), 19, 20),
    ("104", ("621661",), 19, 10),
    ("105", ("622700",), 19, 15),
    ("301", ("622262",), 19, 8),
    ("308", ("622588",), 16, 7),
    ("403", ("621799", "622188"), 19, 25),
)

# Typical monthly amounts per benefit, in fen (low, high), and the payee age range in years.
AMOUNT_RANGES_FEN: dict[str, tuple[int, int]] = {
    "PENSION_EMPLOYEE": (200_000, 600_000),
    "PENSION_PUBLIC": (400_000, 900_000),
    "PENSION_RESIDENT": (15_000, 40_000),
    "UNEMPLOYMENT": (150_000, 220_000),
    "WORK_INJURY": (200_000, 800_000),
    "STABILIZATION_REFUND": (500_000, 50_000_000),
}
AGE_RANGES: dict[str, tuple[int, int]] = {
    "PENSION_EMPLOYEE": (60, 95),
    "PENSION_PUBLIC": (60, 95),
    "PENSION_RESIDENT": (60, 95),
    "UNEMPLOYMENT": (20, 59),
    "WORK_INJURY": (20, 80),
}
