"""Word lists for the demo data: English and Chinese names, places, product words.

Chinese names come with their pinyin so e-mail addresses stay ASCII.
"""

from __future__ import annotations

EN_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy "
    "Anthony Betty Mark Sandra Paul Ashley Steven Emily Andrew Donna Joshua Michelle Kevin "
    "Carol Brian Amanda George Melissa Timothy Deborah Ryan Stephanie Jacob Rebecca Gary "
    "Sharon Nicholas Laura Eric Cynthia Jonathan Amy Stephen Kathleen Larry Angela Justin "
    "Helen Scott Anna Brandon Olivia Benjamin Emma Samuel Sophie Gregory Grace Alexander "
    "Chloe Patrick Hannah Jack Lucy Oliver Isla Harry Freya Noah Mia Liam Ava Ethan Zoe"
).split()
EN_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Wilson Anderson Taylor Thomas "
    "Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen "
    "King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips "
    "Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper "
    "Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett "
    "Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan "
    "O'Brien Byrne Walsh Ryan Doyle MacDonald Fraser Patel Shah Khan Nguyen"
).split()

# (characters, pinyin)
ZH_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"),
    ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"),
    ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
    ("曾", "zeng"), ("萧", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"),
)
ZH_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"),
    ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀兰", "xiulan"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("晓明", "xiaoming"),
    ("欣怡", "xinyi"), ("子涵", "zihan"), ("浩然", "haoran"), ("梓萱", "zixuan"),
    ("宇轩", "yuxuan"), ("思彤", "sitong"), ("俊杰", "junjie"), ("佳怡", "jiayi"),
    ("雨桐", "yutong"), ("博文", "bowen"), ("嘉怡", "jiayi"), ("建华", "jianhua"),
)

EN_PLACES = (
    ("US", "New York"), ("US", "Seattle"), ("US", "Austin"), ("US", "Chicago"),
    ("GB", "London"), ("GB", "Manchester"), ("GB", "Edinburgh"), ("IE", "Dublin"),
    ("AU", "Sydney"), ("AU", "Melbourne"), ("CA", "Toronto"), ("CA", "Vancouver"),
    ("NZ", "Auckland"),
)
ZH_PLACES = (
    ("CN", "上海"), ("CN", "北京"), ("CN", "深圳"), ("CN", "杭州"), ("CN", "成都"),
    ("CN", "广州"), ("TW", "台北"), ("HK", "香港"), ("SG", "Singapore"),
)
EN_STREETS = ("High St", "Main St", "Park Ave", "Church Rd", "Station Rd", "Oak Lane",
              "Mill Road", "King St", "Queen St", "Victoria Rd", "Elm St", "Maple Ave")
ZH_STREETS = ("南京路", "淮海路", "长安街", "人民路", "中山路", "解放路", "建国路", "和平路")

EN_AGENT_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie",
                  "Avery", "Quinn", "Rowan", "Drew")
