"""The platform's words in Chinese (the default) and English, and its number formats.

The platform's phrases are declared here and registered into the one message catalogue
(``ecoledger.messages``); ``MESSAGES`` is that catalogue (key → ``{"zh": ..., "en": ...}``), shared with
the report and the modules that ``register`` their own page texts; ``translator(lang)`` looks them
up. ``install(env)`` adds the number filters to a Jinja environment:
the app calls it once on the environment that renders ``templates/*.html``.

Formats: ``yi`` shows yuan as 亿元 (the number only; the unit is in the column head or beside it),
``percent`` a fraction (0.123 → 12.3%), ``number`` any magnitude; all show "—" for a missing value
(None or NaN) — never 0.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import jinja2

from ecoledger import messages
from ecoledger.messages import DEFAULT_LANGUAGE, LANGUAGES

DASH = "—"
YI = 1e8  # 1 亿元 = 10⁸ yuan


_m = messages.entry
MESSAGES: dict[str, dict[str, str]] = messages.CATALOGUE  # the one catalogue, not a copy

_PLATFORM: dict[str, dict[str, str]] = {
    # site frame
    "site.title": _m("江西省生态产品总值（GEP）核算平台", "Jiangxi Gross Ecosystem Product (GEP) Accounting"),
    "site.short": _m("江西GEP核算平台", "Jiangxi GEP"),
    "site.subtitle": _m("省 · 设区市 · 县（市、区）三级生态产品总值核算",
                        "Gross ecosystem product of the province, its cities and counties"),
    "site.footer": _m("生态产品总值核算结果以已发布的核算为准；暂定结果仅供审核。"
                      "价值量单位：亿元（当年价）。",
                      "Only published accounts are official; provisional results are for review. "
                      "Values in 10⁸ yuan (current prices)."),
    "nav.main": _m("主导航", "Main navigation"),
    "nav.skip": _m("跳到正文", "Skip to content"),
    "nav.map": _m("地图", "Map"),
    "nav.parameters": _m("参数库", "Parameters"),
    "nav.submissions": _m("数据报送", "Submissions"),
    "nav.reviews": _m("审核", "Reviews"),
    "nav.runs": _m("核算运行", "Runs"),
    "nav.login": _m("登录", "Log in"),
    "nav.logout": _m("退出", "Log out"),
    "nav.language": _m("语言", "Language"),
    "role.viewer": _m("浏览者", "viewer"),
    "role.submitter": _m("报送员", "submitter"),
    "role.reviewer": _m("审核员", "reviewer"),
    "role.administrator": _m("管理员", "administrator"),
    # shared words
    "common.missing": _m("缺失", "missing"),
    "common.no_rows": _m("暂无数据。", "No data."),
    "common.loading": _m("正在加载……", "Loading…"),
    "level.province": _m("省", "Province"),
    "level.city": _m("设区市", "City"),
    "level.county": _m("县（市、区）", "County"),
    "measure_unit.yi_yuan": _m("亿元", "10⁸ yuan"),
    "measure_unit.wan_yuan_per_km2": _m("万元/km²", "10⁴ yuan/km²"),
    "measure_unit.yuan_per_yuan": _m("元/元", "yuan/yuan"),
    "group.provisioning": _m("物质产品", "Material products"),
    "group.regulating": _m("调节服务", "Regulating services"),
    "group.cultural": _m("文化服务", "Cultural services"),
    "data_status.measured": _m("实测", "measured"),
    "data_status.derived": _m("推算", "derived"),
    "data_status.reported": _m("公报数", "reported"),
    "data_status.allocated": _m("分摊", "allocated"),
    "data_status.partial": _m("部分合计", "partial"),
    "data_status.missing": _m("缺失", "missing"),
    "data_status.not_applicable": _m("不适用", "not applicable"),
    "data_status.estimated": _m("估算", "estimated"),
    "data_status.provisional": _m("暂定", "provisional"),
    "run_step.preparing": _m("准备中", "preparing"),
    "run_step.writing outputs": _m("正在写出结果", "writing outputs"),
    "run_step.done": _m("完成", "done"),
    "run_step.uncertainty": _m("正在计算区间和主要驱动因素", "intervals and drivers"),
    "run_status.queued": _m("排队中", "queued"),
    "run_status.running": _m("运行中", "running"),
    "run_status.provisional": _m("暂定（待发布）", "provisional"),
    "run_status.published": _m("已发布", "published"),
    "run_status.superseded": _m("已被更正", "superseded"),
    "run_status.failed": _m("失败", "failed"),
    "run_status.interrupted": _m("已中断", "interrupted"),
    "submission_status.pending": _m("待审核", "pending"),
    "submission_status.accepted": _m("已采纳", "accepted"),
    "submission_status.returned": _m("已退回", "returned"),
    "severity.error": _m("错误", "error"),
    "severity.warning": _m("警告", "warning"),
    "confidence.full": _m("已核对原文", "checked at source"),
    "confidence.implementation": _m("取自开源实现", "from an implementation"),
    "confidence.derived": _m("推导值", "derived"),
    "confidence.memory": _m("凭记忆录入，待核实", "from memory, unverified"),
    # map
    "map.title": _m("GEP地图", "GEP map"),
    "map.heading": _m("生态产品总值空间分布", "Gross ecosystem product by unit"),
    "map.lede": _m("选择年份、指标和行政级别；点击行政单元查看其核算明细。",
                   "Choose a year, a measure and a level; click a unit to open its account."),
    "map.year": _m("年份", "Year"),
    "map.measure": _m("指标", "Measure"),
    "map.level": _m("级别", "Level"),
    "map.apply": _m("显示", "Show"),
    "map.aria": _m("各行政单元核算结果地图", "Map of the accounts by unit"),
    "map.legend": _m("图例", "Legend"),
    "map.top": _m("排名前十", "Top ten"),
    "map.missing": _m("缺失", "missing"),
    "map.no_data": _m("该年份、指标和级别没有数据。", "No data for this year, measure and level."),
    "map.no_values": _m("所有单元均缺失该指标。", "Every unit is missing this measure."),
    "map.load_failed": _m("地图数据加载失败，请稍后重试。",
                          "The map data could not be loaded; please retry."),
    "map.click_hint": _m("点击地图上的单元或列表中的名称查看核算明细。",
                         "Click a unit on the map or a name in the list to open its account."),
    "map.units_count": _m("{count}个单元", "{count} units"),
    "map.no_accounts_title": _m("尚无已发布的核算结果", "No published accounts yet"),
    "map.no_accounts": _m("核算运行发布后，各行政单元的生态产品总值将显示在这里。",
                          "Once an accounting run is published, the GEP of every unit is shown here."),
    "map.needs_js": _m("地图需要浏览器启用脚本。", "The map needs JavaScript."),
    "map.zoom_in": _m("放大", "Zoom in"),
    "map.zoom_out": _m("缩小", "Zoom out"),
    # unit
    "unit.breadcrumb": _m("位置", "Breadcrumb"),
    "unit.year_suffix": _m("{year}年", "{year}"),
    "unit.code": _m("代码", "Code"),
    "unit.area": _m("面积", "Area"),
    "unit.years": _m("核算年份", "Years"),
    "unit.run": _m("核算运行", "Run"),
    "unit.parameter_version": _m("参数表版本", "Parameter table"),
    "unit.published_at": _m("发布于", "Published"),
    "unit.no_run": _m("该年份尚无已发布的核算结果。", "No published account for this year."),
    "unit.headline": _m("核算结果", "Headline figures"),
    "unit.gep": _m("生态产品总值（GEP）", "Gross ecosystem product (GEP)"),
    "unit.gep_per_km2": _m("单位面积GEP", "GEP per km²"),
    "unit.gdp": _m("地区生产总值（GDP）", "Gross domestic product (GDP)"),
    "unit.gep_per_gdp": _m("GEP/GDP", "GEP/GDP"),
    "unit.vs_year": _m("较{year}年", "vs {year}"),
    "unit.groups": _m("三类生态产品", "By group"),
    "unit.group": _m("类别", "Group"),
    "unit.ecosystems": _m("各生态系统类型", "By ecosystem type"),
    "unit.ecosystem": _m("生态系统类型", "Ecosystem"),
    "unit.items": _m("各核算科目实物量与价值量", "Physical quantity and value by item"),
    "unit.item": _m("科目", "Item"),
    "unit.physical": _m("实物量", "Physical quantity"),
    "unit.physical_unit": _m("单位", "Unit"),
    "unit.value_yi": _m("价值量（亿元）", "Value (10⁸ yuan)"),
    "unit.previous_yi": _m("上年（亿元）", "Previous year (10⁸ yuan)"),
    "unit.change": _m("同比变化", "Change"),
    "unit.share": _m("占比", "Share"),
    "unit.data_status": _m("数据状态与说明", "Data status and notes"),
    "unit.quality": _m("数据质量", "Data quality"),
    "unit.items_count": _m("个科目", "items"),
    "unit.quality_hint": _m("缺失科目计为缺失而非零，总值因此偏低；推算数据的方法见科目说明。",
                            "Missing items are missing, not zero, so the total is low; the notes "
                            "give the method of derived data."),
    "unit.children": _m("下级单元", "Units within"),
    "unit.no_children": _m("没有下级单元。", "No units below this one."),
    "unit.name": _m("名称", "Name"),
    "unit.gep_yi": _m("GEP（亿元）", "GEP (10⁸ yuan)"),
    "unit.interval": _m("90% 区间", "90 % interval"),
    "unit.interval_note": _m("{draws} 次抽样的第 5 至第 95 百分位",
                             "5th to 95th percentile of {draws} draws"),
    "unit.drivers": _m("GEP 的主要驱动因素", "Top drivers of GEP"),
    "unit.driver_rank": _m("排序", "Rank"),
    "unit.driver_input": _m("输入（参数或图层）", "Input (parameter or layer)"),
    "unit.driver_s1": _m("一阶敏感性指数", "First-order index"),
    "unit.driver_low": _m("取下限时 GEP（亿元）", "GEP at its low end (10⁸ yuan)"),
    "unit.driver_high": _m("取上限时 GEP（亿元）", "GEP at its high end (10⁸ yuan)"),
    "unit.drivers_hint": _m("按一阶敏感性指数（以 RBD-FAST 方法估计）排序，即该输入单独可解释的 GEP "
                            "方差份额；后两列为该输入取其范围下限、上限而其余输入取核算值时的 GEP。",
                            "Ranked by first-order index (Sobol' index estimated by RBD-FAST): the share "
                            "of the variance of GEP the input explains alone; the last two columns give "
                            "GEP with the input at the low and the high end of its range, the others at "
                            "their account values."),
    # parameters
    "parameters.title": _m("参数库", "Parameter table"),
    "parameters.lede": _m("核算所用的全部参数、价格及其来源。", "Every parameter and price the accounts use, "
                          "with its source."),
    "parameters.current_version": _m("当前版本", "Current version"),
    "parameters.memory_warning": _m("有{count}项参数凭记忆录入、尚未与原文核对（已用⚠标出），使用前请核实。",
                                    "{count} parameters were entered from memory and not yet checked "
                                    "against their source (marked ⚠): verify before relying on them."),
    "parameters.memory_title": _m("该值凭记忆录入，尚未与原文核对", "Entered from memory, not checked "
                                  "against the source"),
    "parameters.show_memory": _m("只看这些参数", "Show only these"),
    "parameters.filter": _m("筛选", "Filter"),
    "parameters.filter_placeholder": _m("参数、键、来源……", "parameter, key, source…"),
    "parameters.count": _m("共{count}项", "{count} rows"),
    "parameters.showing": _m("显示{shown}项，共{total}项", "Showing {shown} of {total}"),
    "parameters.no_match": _m("没有符合条件的参数。", "No parameter matches."),
    "parameters.parameter": _m("参数", "Parameter"),
    "parameters.key": _m("键", "Key"),
    "parameters.value": _m("取值", "Value"),
    "parameters.unit": _m("单位", "Unit"),
    "parameters.price_year": _m("价格年份", "Price year"),
    "parameters.index": _m("价格指数", "Index"),
    "parameters.source": _m("来源", "Source"),
    "parameters.confidence": _m("可信度", "Confidence"),
    "parameters.note": _m("说明", "Note"),
    "parameters.versions": _m("参数表版本", "Table versions"),
    "parameters.version": _m("版本", "Version"),
    "parameters.created_at": _m("创建时间", "Created"),
    "parameters.version_note": _m("说明", "Note"),
    "parameters.current": _m("当前", "current"),
    "parameters.first_note": _m("首次启动时生效的参数表", "table in force at first start"),
    # submissions
    "submissions.title": _m("数据报送", "Data submissions"),
    "submissions.lede": _m("按模板报送统计数据；报送经审核采纳后用于核算。",
                           "Submit statistics in the template; accepted submissions feed the accounts."),
    "submissions.uploaded": _m("已收到报送 #{id}（{rows}行），等待审核。",
                               "Submission #{id} received ({rows} rows); it awaits review."),
    "submissions.problems": _m("文件检查发现的问题", "Problems found in the file"),
    "submissions.problems_summary": _m("{errors}个错误、{warnings}个警告。"
                                       "有错误的文件未被接收，请修改后重新上传。",
                                       "{errors} errors, {warnings} warnings. A file with errors is not "
                                       "accepted: fix it and upload it again."),
    "submissions.row": _m("行", "Row"),
    "submissions.field": _m("字段", "Field"),
    "submissions.fix": _m("修改方法：", "How to fix:"),
    "submissions.upload": _m("上传报送文件", "Upload a file"),
    "submissions.upload_help": _m("请使用报送模板（CSV或Excel），每行一个指标值。",
                                  "Use the submission template (CSV or Excel), one indicator value a row."),
    "submissions.template": _m("下载模板", "Download the template"),
    "submissions.units_template": _m("您所辖单位的填报模板：", "Template for your units:"),
    "submissions.completes": _m("此次报送补齐的核算科目：", "Items this submission completes:"),
    "submissions.completes_none": _m("此次报送未使新的核算科目可以计算（可能是更新已有数值）。",
                                     "This submission completes no further item (it may update values)."),
    "submissions.your_units": _m("您可报送的单元：", "Units you may submit for:"),
    "submissions.file_label": _m("报送文件（CSV 或 XLSX）", "File (.csv or .xlsx)"),
    "submissions.submit": _m("上传", "Upload"),
    "submissions.uploading": _m("正在上传……", "Uploading…"),
    "submissions.cannot_submit": _m("您的账户没有报送权限。", "Your account may not submit data."),
    "submissions.list": _m("报送记录", "Submissions"),
    "submissions.none": _m("暂无报送记录。", "No submissions yet."),
    "submissions.id": _m("编号", "No."),
    "submissions.file": _m("文件", "File"),
    "submissions.units": _m("单元", "Units"),
    "submissions.years": _m("年份", "Years"),
    "submissions.rows": _m("行数", "Rows"),
    "submissions.status": _m("状态", "Status"),
    "submissions.submitted": _m("报送", "Submitted"),
    "submissions.reviewed": _m("审核", "Reviewed"),
    "submissions.reason": _m("退回原因：", "Reason:"),
    # reviews
    "reviews.title": _m("报送审核", "Reviews"),
    "reviews.lede": _m("核对报送数据后采纳，或注明原因退回报送人修改。",
                       "Check each submission, then accept it or return it with a reason."),
    "reviews.pending": _m("待审核", "Pending"),
    "reviews.none_pending": _m("没有待审核的报送。", "Nothing awaits review."),
    "reviews.preview": _m("预览（前{shown}行，共{total}行）", "Preview (first {shown} of {total} rows)"),
    "reviews.code": _m("单元代码", "Unit code"),
    "reviews.year": _m("年份", "Year"),
    "reviews.indicator": _m("指标", "Indicator"),
    "reviews.value": _m("数值", "Value"),
    "reviews.unit": _m("单位", "Unit"),
    "reviews.source": _m("来源", "Source"),
    "reviews.accept": _m("采纳", "Accept"),
    "reviews.return": _m("退回", "Return"),
    "reviews.reason": _m("退回原因", "Reason for returning"),
    "reviews.reason_placeholder": _m("请说明需要修改的内容", "What must be corrected"),
    "reviews.recent": _m("最近审核", "Recently reviewed"),
    "reviews.none_recent": _m("暂无审核记录。", "Nothing reviewed yet."),
    # runs
    "runs.title": _m("核算运行", "Accounting runs"),
    "runs.lede": _m("启动核算、跟踪进度，审核后发布结果；发布后的结果只能由新的更正运行替代。",
                    "Start an account, follow its progress and publish it after review; a published "
                    "account is only replaced by a correcting run."),
    "runs.start": _m("启动核算", "Start a run"),
    "runs.year": _m("年份", "Year"),
    "runs.profile": _m("核算规范", "Profile"),
    "runs.supersedes_label": _m("更正已发布的运行", "Correct a published run"),
    "runs.supersedes_none": _m("不更正（新核算）", "none (a new account)"),
    "runs.start_submit": _m("启动", "Start"),
    "runs.draws": _m("蒙特卡洛抽样次数", "Monte Carlo draws"),
    "runs.draws_hint": _m("抽样次数大于 0 时同时计算各数值的 90% 区间，100 次起给出主要驱动因素；"
                          "0 表示不计算；上限 {max} 次。",
                          "With draws the run also computes the 90 % interval of every figure, and "
                          "from 100 draws the top drivers; 0: none; at most {max}."),
    "runs.start_hint": _m("运行完成后为暂定结果，经发布后对外公开。",
                          "A finished run is provisional until it is published."),
    "runs.no_years": _m("没有可核算的年份。", "No year can be accounted."),
    "runs.list": _m("运行记录", "Runs"),
    "runs.none": _m("暂无核算运行。", "No runs yet."),
    "runs.id": _m("编号", "No."),
    "runs.status": _m("状态", "Status"),
    "runs.progress": _m("进度", "Progress"),
    "runs.gep_yi": _m("GEP（亿元）", "GEP (10⁸ yuan)"),
    "runs.started": _m("启动", "Started"),
    "runs.finished": _m("完成时间", "Finished"),
    "runs.published": _m("发布", "Published"),
    "runs.history": _m("更正关系", "Corrections"),
    "runs.supersedes": _m("更正", "corrects"),
    "runs.superseded_by": _m("被更正于", "corrected by"),
    "runs.actions": _m("操作", "Actions"),
    "runs.publish": _m("发布", "Publish"),
    "runs.archive": _m("下载归档", "Archive"),
    "runs.poll_failed": _m("无法获取运行状态，正在重试……", "Could not get the run's status; retrying…"),
    # login and messages
    "login.title": _m("登录", "Log in"),
    "login.username": _m("用户名", "User name"),
    "login.password": _m("密码", "Password"),
    "login.submit": _m("登录", "Log in"),
    "login.hint": _m("账户由管理员分配。浏览已发布结果无需登录。",
                     "Accounts are issued by the administrator. Published accounts can be viewed "
                     "without logging in."),
    "message.home": _m("返回首页", "Back to the map"),
    "nav.applications": _m("成果应用", "Applications"),
    "nav.carbon": _m("双碳", "Carbon"),
    "nav.monitoring": _m("监测预警", "Monitoring"),
}


def register(module_messages: dict[str, dict[str, str]]) -> None:
    """Add a module's messages (key → {"zh", "en"}) to the catalogue; a key may not be given two
    texts."""
    messages.register(module_messages)


register(_PLATFORM)
del _PLATFORM


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fields)`` in ``lang`` (an unknown language → Chinese; an unknown key → the key).

    With fields the text is formatted: ``t("submissions.uploaded", id=3, rows=12)``.
    """
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE

    def t(key: str, **fields) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
        return text.format(**fields) if fields else text

    t.lang = lang  # type: ignore[attr-defined]
    return t


def _as_float(value) -> float | None:
    """A finite float, or None for a missing value (None, NaN, ±inf, '', anything not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def number_yi(value) -> str:
    """Yuan as 亿元 (10⁸ yuan), two decimals and thousands separators: 123456789 → "1.23".

    Tiny non-zero values read "<0.01" (not "0.00", which would look like zero); missing → "—".
    """
    number = _as_float(value)
    if number is None:
        return DASH
    yi = number / YI
    if yi != 0 and abs(yi) < 0.005:
        return "<0.01" if yi > 0 else ">-0.01"
    return f"{yi:,.2f}"


def percent(value, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.1234 → "12.3%"; ``signed`` adds "+" to increases."""
    number = _as_float(value)
    if number is None:
        return DASH
    scaled = number * 100
    if round(scaled, digits) == 0:
        scaled = 0.0  # no "-0.0%" and no "+0.0%"
    sign = "+" if signed and scaled != 0 else ""
    return f"{scaled:{sign},.{digits}f}%"


def number(value) -> str:
    """Any magnitude, readably: whole numbers with separators from 1000 up, else 4 significant
    digits (0.0267, 15.58, 215.6); integers as they are (12,345). Text passes through unchanged."""
    if isinstance(value, str):
        return value if value.strip() else DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    number = _as_float(value)
    if number is None:
        return DASH
    if number == 0:
        return "0"
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.4g}"


def plain(value) -> str:
    """A code or year as it is: "—" when missing, 2020.0 → "2020"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DASH
    if isinstance(value, float | Decimal):
        if not math.isfinite(float(value)):
            return DASH
        if float(value).is_integer():
            return str(int(value))
    return str(value)


def when(value) -> str:
    """A date-time as "2024-05-01 13:45" (text in ISO form is shortened alike); missing → "—"."""
    if value is None or value == "":
        return DASH
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if len(text) >= 16 and text[10] in "T ":
        return f"{text[:10]} {text[11:16]}"
    return text


def isodate(value) -> str:
    """A date-time for an HTML ``datetime`` attribute."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Add the platform's filters to ``env``: ``yi``, ``percent``, ``number`` (and ``plain``,
    ``when``, ``isodate``, ``marked`` that the templates also use), and the report's cell words in
    the page's language (its ``lang``): ``unit`` (yuan → 元, symbols kept), ``foreign`` (a citation
    left in English, marked ``lang="en"`` on a Chinese page), ``localized`` (our own text),
    ``item_name`` (an item code by the item catalogue's name), ``status_word`` (a data status) and
    ``input_name`` (an uncertain input in words)."""
    env.filters.update(yi=number_yi, percent=percent, number=number, plain=plain, when=when,
                       isodate=isodate, marked=marked, unit=_unit, foreign=_foreign, localized=_localized,
                       item_name=_item_name, status_word=_status_word, input_name=_input_name)
    return env


def marked(text):
    """A note with its `identifiers` as code, as in the report (``report.words`` is imported on
    first use: it loads pandas, which the command line's ``--help`` must not)."""
    from ecoledger.report.words import marked as report_marked

    return report_marked(text)


def _lang(context) -> str:
    lang = context.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@jinja2.pass_context
def _unit(context, text):
    """A physical or price unit in the page's language (``report.words.unit``)."""
    from ecoledger.report import words

    return words.unit(text, _lang(context))


@jinja2.pass_context
def _foreign(context, text):
    """Text kept in English (a citation), marked ``lang="en"`` on a Chinese page."""
    from ecoledger.report import words

    return words.foreign(text, _lang(context))


@jinja2.pass_context
def _localized(context, text):
    """Our own text as stored: Chinese as it is, English marked on a Chinese page."""
    from ecoledger.report import words

    return words.localized(text, _lang(context))


@jinja2.pass_context
def _item_name(context, code):
    """An accounted item by its name in the item catalogue (``tables.items``); an unknown code as code."""
    names = _item_names(_lang(context))
    if code in names:
        return names[code]
    from markupsafe import Markup

    return Markup("<code>{}</code>").format(code) if code else DASH


@functools.cache
def _item_names(lang: str) -> dict[str, str]:
    from ecoledger import tables

    return tables.items()["name_zh" if lang == "zh" else "name_en"].to_dict()


@jinja2.pass_context
def _input_name(context, name):
    """An uncertain input of the accounts (``runoff_coefficient[mixed_forest]``) in words."""
    from ecoledger.uncertainty.names import input_label

    return input_label(name, _lang(context))


@jinja2.pass_context
def _status_word(context, code):
    """A data status (measured, derived, …) in the page's language; an unknown one as it is."""
    key = f"data_status.{code}"
    return messages.text(key, _lang(context)) if key in MESSAGES else (code or DASH)
